package kpi

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
)

// monthTitle is "2026年10月".
func monthTitle(month string) string {
	first, _, err := servicebot.KPIMonthRange(month)
	if err != nil {
		return month
	}
	return fmt.Sprintf("%d年%d月", first.Year, int(first.Month))
}

func timeTitle(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%d月%d日 %s", int(t.Month()), t.Day(), t.Format("15:04"))
}

// reasonLine is one reason: "服务管理 −1.00：缺交日报：…（10月14日，日报 2026-10-14）".
func reasonLine(s servicebot.KPIIndicatorScore, r servicebot.KPIReason) string {
	where := r.Source
	if !r.Date.IsZero() {
		where = r.Date.MonthDay() + "，" + where
	}
	points := ""
	if r.Points != 0 {
		points = " " + r.Points.Signed()
	}
	return fmt.Sprintf("%s%s：%s（%s）", s.Name, points, r.Text, where)
}

// PreviewText is an engineer's private preview of the draft (R-KPI-13):
// the total, every deduction with its reason and record, and how to appeal.
func PreviewText(month string, rev servicebot.KPIRevision, c servicebot.KPIScorecard, of int, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "【%s考核预览】%s：总分 %s，第 %d 名（共 %d 人）。这是第 %d 版草稿，经理审核后发布。\n",
		monthTitle(month), c.Name, c.Total, c.Rank, of, rev.Revision)
	var minus, plus, notes []string
	for _, s := range c.Indicators {
		for _, r := range s.Reasons {
			switch {
			case r.Points < 0:
				minus = append(minus, reasonLine(s, r))
			case r.Points > 0:
				plus = append(plus, reasonLine(s, r))
			default:
				notes = append(notes, reasonLine(s, r))
			}
		}
	}
	list := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		b.WriteString(title + "\n")
		for i, l := range lines {
			fmt.Fprintf(&b, "%d. %s\n", i+1, l)
		}
	}
	if len(minus) == 0 {
		b.WriteString("本月没有扣分。\n")
	}
	list("扣分及原因：", minus)
	list("加分及更正：", plus)
	list("说明：", notes)
	fmt.Fprintf(&b, "如有异议，请在 %s 前回复「申诉 指标 理由」，例如：申诉 服务管理 10月14日的日报已提交。",
		timeTitle(rev.AppealUntil, loc))
	return b.String()
}

// BreakdownText is an engineer's published result (R-KPI-13): each
// indicator's weight, target, actual and score, and why.
func BreakdownText(month string, rev servicebot.KPIRevision, c servicebot.KPIScorecard, of int, correction bool) string {
	var b strings.Builder
	head := "考核结果"
	if correction {
		head = "考核结果（更正）"
	}
	fmt.Fprintf(&b, "【%s%s】%s：总分 %s，第 %d 名（共 %d 人），第 %d 版。\n", monthTitle(month), head, c.Name, c.Total, c.Rank, of, rev.Revision)
	b.WriteString("指标｜权重｜目标值｜实际值｜得分\n")
	for _, s := range c.Indicators {
		fmt.Fprintf(&b, "%s｜%s｜%s｜%s｜%s\n", s.Name, weightText(s.Weight), s.Target, s.Actual, s.Score)
		for _, r := range s.Reasons {
			where := r.Source
			if !r.Date.IsZero() {
				where = r.Date.MonthDay() + "，" + where
			}
			points := "说明"
			if r.Points != 0 {
				points = r.Points.Signed()
			}
			fmt.Fprintf(&b, "  · %s %s（%s）\n", points, r.Text, where)
		}
	}
	fmt.Fprintf(&b, "合计：%s", c.Total)
	return b.String()
}

// weightText writes a weight without needless decimals: "8", "4.5".
func weightText(p servicebot.Points) string {
	if p == 0 {
		return "—"
	}
	s := p.String()
	s = strings.TrimSuffix(s, ".00")
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(s, "0")
	}
	return s
}

// RankingMarkdown is the department group's post of a published month:
// the ranking, names and totals only (R-KPI-13).
func RankingMarkdown(month string, rev servicebot.KPIRevision, cards []servicebot.KPIScorecard, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s售后服务部 KPI 考核结果**\n", monthTitle(month))
	var sum servicebot.Points
	for _, c := range cards {
		sum += c.Total
	}
	avg := servicebot.Points(0)
	if len(cards) > 0 {
		avg = servicebot.Points((int64(sum)*2 + int64(len(cards))) / (2 * int64(len(cards))))
	}
	fmt.Fprintf(&b, "> 第 %d 版，%s 发布；共 %d 人，平均 %s 分\n\n", rev.Revision, timeTitle(rev.PublishedAt, loc), len(cards), avg)
	for _, c := range cards {
		fmt.Fprintf(&b, "%d. %s　**%s**\n", c.Rank, nameOf(c), c.Total)
	}
	b.WriteString("\n各人的得分明细已单独发送。")
	return b.String()
}

func nameOf(c servicebot.KPIScorecard) string {
	if c.Name != "" {
		return c.Name
	}
	return c.UserID
}

// RankingText is the manager's 查看: the whole ranking and the open appeals.
func RankingText(month string, rev servicebot.KPIRevision, cards []servicebot.KPIScorecard, appeals []servicebot.KPIAppeal, loc *time.Location) string {
	var b strings.Builder
	state := "草稿，待发布"
	if rev.Published() {
		state = "已于 " + timeTitle(rev.PublishedAt, loc) + " 发布"
	}
	fmt.Fprintf(&b, "【%s KPI】第 %d 版（%s），共 %d 人：\n", monthTitle(month), rev.Revision, state, len(cards))
	names := map[string]string{}
	for _, c := range cards {
		names[c.UserID] = nameOf(c)
		var minus servicebot.Points
		for _, r := range c.Deductions() {
			minus += r.Points
		}
		fmt.Fprintf(&b, "%d. %s %s（扣 %s）\n", c.Rank, nameOf(c), c.Total, -minus)
	}
	open := 0
	for _, a := range appeals {
		if a.Status == servicebot.KPIAppealOpen {
			open++
			info, _ := a.Indicator.Info()
			fmt.Fprintf(&b, "申诉 #%d %s「%s」：%s\n", a.ID, cmp.Or(names[a.UserID], a.UserID), info.Name, a.Reason)
		}
	}
	if open == 0 {
		b.WriteString("暂无待处理的申诉。")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
