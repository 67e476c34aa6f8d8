package kpi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// R-KPI-1…12: 考核指标 lists every indicator with its rule and configured
// weight and says how to appeal; 帮助 lists it, and it is a command (an
// approver's 考核指标 is no rejection reason).
func TestIndicatorsCommand_R_KPI_1_12(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	clock := testclock.At(time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC))
	rules := servicebot.DefaultKPIRules()
	rules.Weights = map[servicebot.KPIIndicator]servicebot.Points{servicebot.KPIPartsSales: 1200}
	km := kpi.NewMonth[*store.Tx](nil, nil, kpi.MonthConfig{Rules: rules, Location: time.UTC, AppealWindow: 48 * time.Hour, Clock: clock})
	router := handlers.NewRouter[*store.Tx](clock)
	if err := router.Install(kpi.Feature[*store.Tx](km, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(router.HelpText(), "· 考核指标：") || !router.IsCommand("考核指标") || !router.IsCommand("考核规则") {
		t.Fatalf("考核指标 is not declared as a command:\n%s", router.HelpText())
	}
	ev := wecommsg.Event{FromUserName: "li", MsgType: wecommsg.MsgText, MsgID: "1", Content: "考核指标"}
	if err := db.InTx(t.Context(), func(tx *store.Tx) error { return router.Route(t.Context(), tx, ev) }); err != nil {
		t.Fatal(err)
	}
	out, err := db.ListOutbox(t.Context(), nil, 10)
	if err != nil || len(out) != 1 {
		t.Fatalf("outbox %d rows, %v; want the one reply", len(out), err)
	}
	var body struct{ Content string }
	_ = json.Unmarshal(out[0].Body, &body)
	for _, want := range []string{"利润（R-KPI-1）：6.00分", "市场维护与开发（R-KPI-10）：12.00分",
		"附加分值（R-KPI-12）：-5至+5分", "48小时内", "申诉 指标 日期 理由"} {
		if !strings.Contains(body.Content, want) {
			t.Errorf("reply lacks %q:\n%s", want, body.Content)
		}
	}
}
