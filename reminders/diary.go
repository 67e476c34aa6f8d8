package reminders

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot"
)

// diaryHeader is the columns of the work diary (日记), one row per day.
var diaryHeader = []any{"日期", "星期", "状态", "今日工作", "明日计划", "客户", "地点", "问题/需协调", "配件销售（元）", "提交时间"}

// CompileDiary writes the work diary of one engineer for the month of
// period ("2026-10") as an .xlsx file: every day of the month, with the day's
// current report, or why there is none (休息 on a day off, 未报 on a working
// day without a report). reports are the engineer's reports of that month.
func CompileDiary(name, period string, reports []servicebot.DailyReport, cal *servicebot.Calendar) ([]byte, error) {
	first, err := servicebot.ParseDate(period + "-01")
	if err != nil {
		return nil, fmt.Errorf("reminders: diary period %q: %w", period, err)
	}
	byDay := make(map[servicebot.Date]servicebot.DailyReport, len(reports))
	for _, r := range reports {
		byDay[r.Day] = r
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "日记"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, fmt.Errorf("reminders: diary: %w", err)
	}
	title := fmt.Sprintf("%s %d年%d月工作日记", name, first.Year, int(first.Month))
	rows := [][]any{{title}, diaryHeader}
	for d := first; d.Month == first.Month; d = d.AddDays(1) {
		row := []any{d.String(), d.WeekdayName()}
		r, filed := byDay[d]
		switch {
		case filed:
			status := "按时"
			if r.Status == servicebot.ReportLate {
				status = "迟交"
			}
			parts := ""
			if r.PartsSales != nil {
				parts = fmt.Sprintf("%.2f", float64(*r.PartsSales)/100)
			}
			row = append(row, status, numbered(r.Done), numbered(r.Plan), r.Customer, r.Location,
				numbered(r.Issues), parts, r.SubmittedAt.In(cal.Location()).Format(time.DateTime))
		case cal.IsWorkingDate(d):
			row = append(row, "未报")
		default:
			row = append(row, "休息")
		}
		rows = append(rows, row)
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, fmt.Errorf("reminders: diary: %w", err)
		}
	}
	for col, width := range map[string]float64{"A": 12, "B": 6, "C": 6, "D": 40, "E": 30, "F": 16, "G": 16, "H": 24, "I": 12, "J": 20} {
		_ = f.SetColWidth(sheet, col, col, width)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("reminders: diary: %w", err)
	}
	return buf.Bytes(), nil
}

// numbered writes a section's items one per line, numbered when several.
func numbered(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = fmt.Sprintf("%d. %s", i+1, it)
	}
	return strings.Join(lines, "\n")
}
