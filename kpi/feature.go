package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/feature"
)

// Feature is the KPI's surface: 申诉 in chat, taps on the KPI cards (发布,
// 查看, 采纳, 驳回), the monthly draft job (R-KPI-13), and the manager's API
// when api is set (its Token non-empty).
func Feature[T Tx](c *Course, api *KPIAPI) feature.Feature[T] {
	f := feature.Feature[T]{
		Name: "kpi",
		Commands: []feature.Command[T]{{
			Words: []string{AppealCommand}, Section: "考核",
			Help: "申诉 指标 理由：对上月考核预览提出申诉，例如：申诉 服务管理 10月14日的日报已提交",
			// Whatever follows 申诉 is the appeal, set off or not.
			Match: func(text string) bool { return strings.HasPrefix(text, AppealCommand) },
			Run:   func(ctx context.Context, tx T, ev servicebot.Event) (bool, error) { return c.TakeAppeal(ctx, tx, ev) },
		}},
		Cards: []feature.Card[T]{{Prefix: CardPrefix,
			Run: func(ctx context.Context, tx T, ev servicebot.Event) error { return c.Click(ctx, tx, ev) }}},
		Jobs: []feature.Job{{
			Name:        JobDraft,
			Cron:        "*/10 * * * *",
			Description: fmt.Sprintf("KPI: from the 1st at %s draft last month, previews to engineers, card to the manager (R-KPI-13)", clockOf(c.DraftAt)),
			RunAtStart:  true,
			Run:         c.DraftDue,
		}},
	}
	if api != nil && api.Token != "" {
		f.Routes = api.Routes()
	}
	return f
}

func clockOf(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
