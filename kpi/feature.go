package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
)

// Feature is the KPI's surface: 申诉 in chat, taps on the KPI cards (发布,
// 查看, 采纳, 驳回), the monthly draft job (R-KPI-13), and the manager's API
// when api is set (its Token non-empty).
func Feature[T Tx](c *Month, api *KPIAPI) feature.Feature[T] {
	f := feature.Feature[T]{
		Name: "kpi",
		Commands: []feature.Command[T]{{
			// R-KPI-1…12: what the month is scored on, with the weights as
			// configured, so an engineer can read a preview and appeal it.
			Words: []string{"考核指标", "考核规则"}, Section: "考核", Help: "考核指标：查看每月考核的指标和分值",
			For: []servicebot.Role{servicebot.RoleEngineer, servicebot.RoleServiceManager, servicebot.RoleVPAfterSales, servicebot.RoleGeneralManager},
			Run: func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
				return true, feature.Reply(ctx, tx, ev, indicatorsText(c.Rules, c.AppealWindow), c.Clock.Now())
			},
		}, {
			Words: []string{AppealCommand}, Section: "考核", For: []servicebot.Role{servicebot.RoleEngineer},
			Help: "申诉 指标 [日期或第几项] 理由：对上月考核预览中的一项扣分申诉，例如：申诉 服务管理 10月14日 当天日报已提交",
			// Whatever follows 申诉 is the appeal, set off or not.
			Match: func(text string) bool { return strings.HasPrefix(text, AppealCommand) },
			Run:   func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) { return c.TakeAppeal(ctx, tx, ev) },
		}},
		Cards: []feature.Card[T]{{Prefix: CardPrefix,
			Run: func(ctx context.Context, tx T, ev wecommsg.Event) error { return c.Click(ctx, tx, ev) }}},
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

// indicatorsText answers 考核指标: every indicator with its rule and weight
// (R-KPI-1…11), the bonus's range (R-KPI-12), and how to appeal (R-KPI-13).
func indicatorsText(rules servicebot.KPIRules, appealWindow time.Duration) string {
	rules = rules.WithDefaults()
	var b strings.Builder
	b.WriteString("每月考核的指标和分值：\n")
	for _, info := range servicebot.KPIIndicators {
		if info.Key == servicebot.KPIBonus {
			fmt.Fprintf(&b, "· %s（%s）：-5至+5分\n", info.Name, info.Rule)
			continue
		}
		fmt.Fprintf(&b, "· %s（%s）：%s分\n", info.Name, info.Rule, rules.Weights[info.Key])
	}
	fmt.Fprintf(&b, "每月1日起草上月考核，预览会发给您；有异议可在%d小时内对其中一项扣分发送「申诉 指标 日期 理由」，例如：申诉 服务管理 10月14日 当天日报已提交",
		int(appealWindow.Hours()))
	return b.String()
}
