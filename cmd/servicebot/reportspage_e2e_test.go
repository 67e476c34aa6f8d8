package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store/storetest"
)

// The manager's page offers the daily reports as the same Excel file as
// `servicebot reports export`; an engineer is refused it.
func TestE2E_ManagerDownloadsDailyReportsExcel_R_DAY_1(t *testing.T) {
	t.Parallel()
	clock := testclock.At(shanghaiTime(t, "2026-11-27 10:00:00")) // a Friday
	h := startHarnessAt(t, storetest.SQLite(t), clock)
	if _, err := h.sim.SendText(t.Context(), "liqiang", "今天：成都客户现场安装调试\n明天：培训操作人员"); err != nil {
		t.Fatal(err)
	}
	h.waitDelivered("liqiang", 1)
	h.settle()

	link := h.baseURL + "/web/reports.xlsx?from=2026-11-27&to=2026-11-27"
	resp, err := h.phone("sunli").Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("manager's download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	book, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := book.GetRows(book.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range rows {
		line := strings.Join(row, "|")
		if strings.Contains(line, "liqiang") {
			found = true
			for _, want := range []string{"2026-11-27", "李强", "按时", "成都客户现场安装调试", "培训操作人员"} {
				if !strings.Contains(line, want) {
					t.Errorf("liqiang's row lacks %q: %s", want, line)
				}
			}
		}
	}
	if !found || len(rows) < 7 { // the header and one row per engineer
		t.Errorf("workbook rows: %d, liqiang found: %v", len(rows), found)
	}

	resp, err = h.phone("zhangwei").Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("an engineer downloading the department's reports: %d, want 403", resp.StatusCode)
	}
}
