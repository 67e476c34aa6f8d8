package kpi

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
)

// Must show 3 (issue 12): however many indicators moved and however long
// their reasons, an engineer's KPI text is one WeCom message (≤ 2048
// bytes) of fewer than 8 lines, with or without the page to link.
func TestEngineerTextsFitOneMessage_RKPI13(t *testing.T) {
	t.Parallel()
	card := servicebot.KPIScorecard{KPIEngineer: servicebot.KPIEngineer{UserID: "zhang", Name: "欧阳建国"}, Total: 12_34, Rank: 7}
	for i := range 40 {
		reason := servicebot.KPIReason{Points: -1_00, Text: strings.Repeat("很长的扣分原因", 20), Source: fmt.Sprintf("经理录入 #%d", i)}
		card.Indicators = append(card.Indicators, servicebot.KPIIndicatorScore{Name: fmt.Sprintf("第%d项指标名称很长", i),
			Weight: 8_00, Score: servicebot.Points(7_00 + (i%3)*1_00), Reasons: []servicebot.KPIReason{reason, reason, reason}})
	}
	loc := time.FixedZone("CST", 8*3600)
	rev := servicebot.KPIRevision{Revision: 3, AppealUntil: time.Date(2026, 11, 3, 9, 0, 0, 0, loc)}
	for _, link := range []string{"https://bot.example.com/web/kpi/2026-10/card?u=zhang", ""} {
		for name, text := range map[string]string{
			"preview":    PreviewText("2026-10", rev, card, 60, true, link, loc),
			"breakdown":  BreakdownText("2026-10", rev, card, 60, true, false, link),
			"correction": BreakdownText("2026-10", rev, card, 60, false, true, link),
		} {
			lines := strings.Count(text, "\n") + 1
			if len(text) > 2048 || lines >= 8 {
				t.Errorf("%s (link %q): %d bytes, %d lines:\n%s", name, link, len(text), lines, text)
			}
			if !strings.Contains(text, "总分 12.34") || !strings.Contains(text, "第 7 名") || !strings.Contains(text, "扣分：") {
				t.Errorf("%s lacks the total, the rank or the deductions:\n%s", name, text)
			}
			if link != "" && !strings.Contains(text, link) {
				t.Errorf("%s lacks the link:\n%s", name, text)
			}
		}
	}
}
