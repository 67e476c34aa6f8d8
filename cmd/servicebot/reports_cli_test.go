package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
)

// `servicebot reports export` needs only the database and the department's
// settings: no WeCom credentials.
func TestReportsExportCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "sb.db")
	cfgPath := filepath.Join(dir, "servicebot.yaml")
	cfg := "database_url: \"" + dbURL + "\"\nlog_format: text\nlog_level: warn\n" +
		"org:\n  after_sales_departments: [2]\n  regions: {zhangwei: 西南}\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := lookupFrom(nil)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"migrate", "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr.String())
	}

	// The directory as a sync leaves it, and one report.
	db, err := store.Open(t.Context(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	members := []servicebot.Member{
		{UserID: "zhangwei", Name: "张伟", Departments: []int64{2}, Active: true},
		{UserID: "liqiang", Name: "李强", Departments: []int64{2}, Active: true},
	}
	_, _, err = db.ReplaceDirectory(t.Context(), []servicebot.Department{{ID: 1, Name: "公司"}, {ID: 2, ParentID: 1, Name: "售后服务部"}},
		members, time.Date(2026, 11, 1, 6, 0, 0, 0, cst))
	if err == nil {
		err = db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := tx.SaveReport(t.Context(), servicebot.DailyReport{
				UserID: "zhangwei", Day: servicebot.NewDate(2026, 11, 2), Status: servicebot.ReportOnTime,
				Source: servicebot.ReportSourceChat, Raw: "今天：安装\n明天：调试",
				Report:      servicebot.Report{Done: []string{"安装"}, Plan: []string{"调试"}},
				SubmittedAt: time.Date(2026, 11, 2, 19, 0, 0, 0, cst),
			})
			return err
		})
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	// Monday 2 and Tuesday 3 November, both past.
	args := []string{"reports", "export", "--config", cfgPath, "--from", "2026-11-02", "--to", "2026-11-03"}
	stdout.Reset()
	if err := run(t.Context(), append(args, "--format", "json"), &stdout, &stderr, env); err != nil {
		t.Fatalf("export json: %v\n%s", err, stderr.String())
	}
	var recs []struct {
		Date, UserID, Name, Region, Status string
		Done                               []string
	}
	if err := json.Unmarshal(stdout.Bytes(), &recs); err != nil {
		t.Fatalf("export json printed %q: %v", stdout.String(), err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Date+" "+r.UserID+" "+r.Status+" "+strings.Join(r.Done, ","))
	}
	want := []string{"2026-11-02 liqiang missing ", "2026-11-02 zhangwei on_time 安装", "2026-11-03 liqiang missing ", "2026-11-03 zhangwei missing "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("exported\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if recs[1].Name != "张伟" || recs[1].Region != "西南" {
		t.Errorf("zhangwei's record = %+v", recs[1])
	}

	out := filepath.Join(dir, "reports.xlsx")
	if err := run(t.Context(), append(args, "--format", "xlsx", "--out", out), &stdout, &stderr, env); err != nil {
		t.Fatalf("export xlsx: %v\n%s", err, stderr.String())
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows, err := f.GetRows("日报"); err != nil || len(rows) != 5 || rows[2][3] != "张伟" || rows[2][5] != "按时" {
		t.Errorf("workbook rows = %q, %v", rows, err)
	}

	for _, bad := range [][]string{
		{"reports", "export", "--config", cfgPath, "--to", "2026-11-03"},
		{"reports", "export", "--config", cfgPath, "--from", "2026-11-03", "--to", "2026-11-02"},
		{"reports", "export", "--config", cfgPath, "--from", "2026-11-02", "--to", "2026-11-03", "--format", "xlsx"},
		{"reports", "export", "--config", cfgPath, "--from", "2026-11-02", "--to", "2026-11-03", "--format", "pdf"},
		{"reports", "import"},
	} {
		stderr.Reset()
		if err := run(t.Context(), bad, &stdout, &stderr, env); err == nil {
			t.Errorf("%v succeeded", bad)
		} else if !strings.Contains(stderr.String(), "servicebot reports export --from") {
			t.Errorf("%v did not show the usage:\n%s", bad, stderr.String())
		}
	}
}
