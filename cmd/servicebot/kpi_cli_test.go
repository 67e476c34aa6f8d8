package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
)

type kpiRoster []servicebot.Member

func (r kpiRoster) Engineers(context.Context, servicebot.Date) ([]servicebot.Member, error) {
	return r, nil
}

// `servicebot kpi input` and `kpi export` need only the database: entries
// from a CSV file (all rows or none), the month as JSON and as a workbook.
func TestKPICommands_R_KPI_13(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "sb.db")
	cfgPath := filepath.Join(dir, "servicebot.yaml")
	if err := os.WriteFile(cfgPath, []byte("database_url: \""+dbURL+"\"\nlog_format: text\nlog_level: warn\n"+
		"org:\n  after_sales_departments: [2]\n  roles:\n    service_manager: [boss]\n    engineer: [li]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := lookupFrom(nil)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"migrate", "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr.String())
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.csv", "账号,项目,数值\nli,附加分,+9\nli,客户投诉,\n")
	stdout.Reset()
	if err := run(t.Context(), []string{"kpi", "input", bad, "--month", "2026-10", "--by", "boss", "--config", cfgPath}, &stdout, &stderr, env); err == nil ||
		!strings.Contains(stdout.String(), "line 2: 附加分应在 −5.00 到 +5.00 之间") {
		t.Fatalf("bad file: %v\n%s", err, stdout.String())
	}
	// Issue 11 item 8: --by must be a manager, as the API requires.
	stderr.Reset()
	if err := run(t.Context(), []string{"kpi", "input", bad, "--month", "2026-10", "--by", "li", "--config", cfgPath}, &stdout, &stderr, env); err == nil ||
		!strings.Contains(stderr.String(), "only the service manager") {
		t.Fatalf("an engineer's input: %v\n%s", err, stderr.String())
	}
	// Issue 15 item 5: a file with NUL bytes (here the good file's rows
	// saved as UTF-16, as Excel's "Unicode text" does) is refused whole with
	// a clear error, not a database failure half-way; the input below then
	// finds nothing recorded before it.
	var utf16 strings.Builder
	for _, r := range "账号,项目,数值\nli,附加分,+2\n" {
		utf16.WriteString(string([]byte{byte(r), byte(r >> 8)}))
	}
	nul := write("utf16.csv", utf16.String())
	stdout.Reset()
	if err := run(t.Context(), []string{"kpi", "input", nul, "--month", "2026-10", "--by", "boss", "--config", cfgPath}, &stdout, &stderr, env); !errors.Is(err, kpi.ErrNULBytes) ||
		!strings.Contains(err.Error(), "utf16.csv holds NUL bytes") || !strings.Contains(err.Error(), "nothing was recorded") {
		t.Fatalf("a file with NUL bytes: got %v, want a refusal naming the file\n%s", err, stdout.String())
	}
	good := write("good.csv", "账号,项目,日期,数值,说明\nli,附加分,,+2,巡检\nli,客户投诉,2026-10-07,,响应慢\n")
	for i, want := range []string{"2 entries recorded for 2026-10 by boss, 0 already recorded", "0 entries recorded for 2026-10 by boss, 2 already recorded"} {
		stdout.Reset()
		if err := run(t.Context(), []string{"kpi", "input", good, "--month", "2026-10", "--by", "boss", "--config", cfgPath}, &stdout, &stderr, env); err != nil ||
			!strings.Contains(stdout.String(), want) {
			t.Fatalf("input #%d: %v\n%s%s", i+1, err, stdout.String(), stderr.String())
		}
	}

	db, err := store.Open(t.Context(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	course := kpi.NewMonth(db, db.InTx, kpi.MonthConfig{Rules: servicebot.DefaultKPIRules(), Sources: kpiSources(db, catalog, time.UTC),
		Engineers: kpiRoster{{UserID: "li", Name: "李娜", Active: true}}, Location: time.UTC, DraftAt: 9 * time.Hour, AppealWindow: 48 * time.Hour,
		Clock:  servicebot.ClockFunc(func() time.Time { return time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC) }),
		Logger: slog.New(slog.DiscardHandler)})
	_, err = course.Redraft(t.Context(), "2026-10", "boss", "")
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	stdout.Reset()
	if err := run(t.Context(), []string{"kpi", "export", "--month", "2026-10", "--format", "json", "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("export json: %v\n%s", err, stderr.String())
	}
	var m kpi.MonthRecord
	if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
		t.Fatalf("export printed %q: %v", stdout.String(), err)
	}
	if m.Revision != 1 || len(m.Engineers) != 1 || len(m.Engineers[0].Indicators) != len(servicebot.KPIIndicators) {
		t.Fatalf("exported %+v", m)
	}
	sq, _ := m.Engineers[0].Indicator(servicebot.KPIServiceQuality)
	bonus, _ := m.Engineers[0].Indicator(servicebot.KPIBonus)
	if sq.Score != 700 || bonus.Score != 200 || sq.Reasons[0].Text != "客户投诉：响应慢" || sq.Target == "" || sq.Actual == "" {
		t.Errorf("R-KPI-6 %+v, R-KPI-12 %+v", sq, bonus)
	}

	out := filepath.Join(dir, "kpi.xlsx")
	if err := run(t.Context(), []string{"kpi", "export", "--month", "2026-10", "--format", "xlsx", "--out", out, "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("export xlsx: %v\n%s", err, stderr.String())
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[1] != "李娜 li" {
		t.Errorf("sheets = %v", sheets)
	}

	// Issue 11 item 1 (R-KPI-13): a month not over is not drafted — that
	// would claim its automatic draft — but may be previewed, recording nothing.
	stderr.Reset()
	if err := run(t.Context(), []string{"kpi", "draft", "--month", "2099-01", "--by", "boss", "--config", cfgPath}, &stdout, &stderr, env); err == nil ||
		!strings.Contains(stderr.String(), "kpi draft refused") || !strings.Contains(stderr.String(), "尚未结束") {
		t.Errorf("early draft: %v\n%s", err, stderr.String())
	}
	stdout.Reset()
	if err := run(t.Context(), []string{"kpi", "draft", "--month", "2099-01", "--preview", "--config", cfgPath}, &stdout, &stderr, env); err != nil ||
		!strings.Contains(stdout.String(), "预览 2099-01（未记录") {
		t.Errorf("preview: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	db, err = store.Open(t.Context(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LatestKPIRevision(t.Context(), "2099-01"); !errors.Is(err, servicebot.ErrNotFound) {
		t.Errorf("an early draft or a preview recorded a revision: %v", err)
	}
	if done, err := db.DutyDone(t.Context(), "kpi_draft:2099-01"); err != nil || done {
		t.Errorf("the month's draft was claimed: %v %v", done, err)
	}
	db.Close()

	for _, args := range [][]string{
		{"kpi"}, {"kpi", "show"}, {"kpi", "export", "--month", "2026-13", "--config", cfgPath},
		{"kpi", "input", "--month", "2026-10", "--config", cfgPath},
		{"kpi", "export", "--month", "2026-10", "--format", "pdf", "--config", cfgPath},
	} {
		stderr.Reset()
		if err := run(t.Context(), args, &stdout, &stderr, env); err == nil || !strings.Contains(stderr.String(), "servicebot kpi") {
			t.Errorf("%v: %v, stderr %q; want the usage", args, err, stderr.String())
		}
	}
}
