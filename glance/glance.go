// Package glance answers the department's managers and leaders in chat with
// the day's reports at a glance (issue 12): 日报情况 / 今天谁没交 give the
// counts, the names of who has not reported and the link to the page of
// the day, where every report can be read.
package glance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
	"github.com/servicebot/servicebot/reportexport"
)

// States gives each engineer's state on the days from..to
// (*reportexport.Exporter).
type States interface {
	States(ctx context.Context, from, to servicebot.Date, now time.Time) ([]reportexport.State, error)
}

// Config is what the commands need.
type Config struct {
	Org      servicebot.Org
	States   States
	Location *time.Location
	Clock    servicebot.Clock
	// DayURL is the page of a day's reports (/web/today?d=…); nil when the
	// pages are off.
	DayURL func(servicebot.Date) string
}

// Words of the command: the first is its name in 帮助.
var Words = []string{"日报情况", "今天谁没交", "谁没交日报", "今天谁没交日报"}

// seesDepartment are the roles the day's reports are for (as on the pages).
var seesDepartment = []servicebot.Role{servicebot.RoleServiceManager, servicebot.RoleVPAfterSales, servicebot.RoleGeneralManager}

// Feature is the glance's surface: one command, for the managers and the
// leaders; anybody else's 日报情况 goes on to the daily report and the help.
func Feature[T feature.Outbox](cfg Config) feature.Feature[T] {
	return feature.Feature[T]{
		Name: "glance",
		Commands: []feature.Command[T]{{
			Words:   Words,
			Section: "部门管理（经理、公司领导）",
			Help:    "日报情况 或 今天谁没交：今天已交、未交的人数和名单，附当天日报页面",
			For:     seesDepartment,
			Match: func(text string) bool {
				return feature.StartsWithWord(text, Words...) || strings.TrimRight(text, "？?") == "今天谁没交日报"
			},
			Run: func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
				if !slices.ContainsFunc(seesDepartment, func(r servicebot.Role) bool { return cfg.Org.Has(ev.FromUserName, r) }) {
					return false, nil
				}
				text, err := Summary(ctx, cfg)
				if err != nil {
					return false, err
				}
				return true, feature.Reply(ctx, tx, ev, text, cfg.Clock.Now())
			},
		}},
	}
}

// maxNames bounds the names listed in chat; the page has them all.
const maxNames = 30

// Summary is today's reports in a few lines: counts, who has not reported
// (by name), who is late, and the link.
func Summary(ctx context.Context, cfg Config) (string, error) {
	now := cfg.Clock.Now()
	day := servicebot.DateOf(now.In(cfg.Location))
	recs, err := cfg.States.States(ctx, day, day, now)
	if err != nil {
		return "", fmt.Errorf("glance: %w", err)
	}
	var onTime, late, leave, off int
	var missing []string
	overdue := false
	for _, r := range recs {
		switch r.Status {
		case reportexport.StatusOnTime:
			onTime++
		case reportexport.StatusLate:
			late++
		case reportexport.StatusLeave:
			leave++
		case reportexport.StatusHoliday:
			off++
		case reportexport.StatusMissing:
			overdue = true
			missing = append(missing, r.Name)
		case reportexport.StatusPending:
			missing = append(missing, r.Name)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "【%s %s 日报情况】已交 %d 人", day.MonthDay(), day.WeekdayName(), onTime+late)
	if late > 0 {
		fmt.Fprintf(&b, "（迟交 %d）", late)
	}
	fmt.Fprintf(&b, "，未交 %d 人，请假 %d 人", len(missing), leave)
	if off > 0 {
		fmt.Fprintf(&b, "，休息 %d 人", off)
	}
	b.WriteString("。")
	if len(missing) > 0 {
		names := missing
		if len(names) > maxNames {
			names = names[:maxNames]
		}
		label := "尚未提交（截止前）："
		if overdue {
			label = "未交："
		}
		b.WriteString("\n" + label + strings.Join(names, "、"))
		if len(missing) > maxNames {
			fmt.Fprintf(&b, " 等 %d 人", len(missing))
		}
	}
	if cfg.DayURL != nil {
		b.WriteString("\n查看每人日报：" + cfg.DayURL(day))
	}
	return b.String(), nil
}
