package kpi

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
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

// An engineer's KPI text fits one WeCom text message and a phone's screen
// (issue 12): the total and the rank, the indicators that moved the score,
// and the link to the page with every reason and its source. maxListBytes
// bounds one list line, so the whole text stays far under 2048 bytes
// however many indicators moved.
const maxListBytes = 400

// moved lists the indicators whose score is not their weight, as
// "服务管理 −1.00": deductions and additions apart.
func moved(c servicebot.KPIScorecard) (minus, plus []string) {
	for _, s := range c.Indicators {
		delta := s.Score - s.Weight
		switch {
		case delta < 0:
			minus = append(minus, s.Name+" "+delta.Signed())
		case delta > 0:
			plus = append(plus, s.Name+" "+delta.Signed())
		}
	}
	return minus, plus
}

// listLine is "扣分：a、b、c", cut with "等 N 项" before maxListBytes.
func listLine(title string, items []string) string {
	line := title
	for i, it := range items {
		next := line
		if i > 0 {
			next += "、"
		}
		next += it
		if len(next) > maxListBytes {
			return line + fmt.Sprintf(" 等 %d 项", len(items))
		}
		line = next
	}
	return line
}

// summaryLines are the moved indicators and where the whole breakdown is:
// the page when link is set, else the three largest deductions with their
// reasons (no page to point at).
func summaryLines(c servicebot.KPIScorecard, link string) []string {
	minus, plus := moved(c)
	var lines []string
	if len(minus) == 0 {
		lines = append(lines, "本月没有扣分。")
	} else {
		lines = append(lines, listLine("扣分：", minus))
	}
	if len(plus) > 0 {
		lines = append(lines, listLine("加分：", plus))
	}
	if link != "" {
		return append(lines, "每项的原因和来源："+link)
	}
	var reasons []string
	for _, s := range c.Indicators {
		for _, r := range s.Reasons {
			if r.Points < 0 && len(reasons) < 3 {
				reasons = append(reasons, wecommsg.Clip(reasonLine(s, r), 60))
			}
		}
	}
	return append(lines, reasons...)
}

// rankText is "第 2 名" or, for a shared rank, "并列第 2 名".
func rankText(c servicebot.KPIScorecard, tied bool) string {
	if tied {
		return fmt.Sprintf("并列第 %d 名", c.Rank)
	}
	return fmt.Sprintf("第 %d 名", c.Rank)
}

// PreviewText is an engineer's private preview of the draft (R-KPI-13):
// the total and rank, what moved the score, the link to every reason, and
// how to appeal.
func PreviewText(month string, rev servicebot.KPIRevision, c servicebot.KPIScorecard, of int, tied bool, link string, loc *time.Location) string {
	lines := []string{fmt.Sprintf("【%s考核预览】%s：总分 %s，%s（共 %d 人）。第 %d 版草稿，经理审核后发布。",
		monthTitle(month), c.Name, c.Total, rankText(c, tied), of, rev.Revision)}
	lines = append(lines, summaryLines(c, link)...)
	lines = append(lines, fmt.Sprintf("如有异议，请在 %s 前对其中一项扣分回复「申诉 指标 日期 理由」，例如：申诉 服务管理 10月14日 当天日报已提交。",
		timeTitle(rev.AppealUntil, loc)))
	return strings.Join(lines, "\n")
}

// BreakdownText is an engineer's published result (R-KPI-13): the total
// and rank, what moved the score, and the link to each indicator's weight,
// target, actual, score and reasons on the page.
func BreakdownText(month string, rev servicebot.KPIRevision, c servicebot.KPIScorecard, of int, tied, correction bool, link string) string {
	head := "考核结果"
	if correction {
		head = "考核结果（更正）"
	}
	lines := []string{fmt.Sprintf("【%s%s】%s：总分 %s，%s（共 %d 人），第 %d 版。", monthTitle(month), head, c.Name, c.Total,
		rankText(c, tied), of, rev.Revision)}
	return strings.Join(append(lines, summaryLines(c, link)...), "\n")
}

// Tied reports whether another card of cards shares c's rank.
func Tied(cards []servicebot.KPIScorecard, c servicebot.KPIScorecard) bool {
	for _, o := range cards {
		if o.UserID != c.UserID && o.Rank == c.Rank {
			return true
		}
	}
	return false
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
