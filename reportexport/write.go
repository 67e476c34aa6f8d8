package reportexport

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Formats Write knows.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Write writes records in format.
func Write(w io.Writer, format string, records []Record) error {
	switch format {
	case FormatJSON:
		return WriteJSON(w, records)
	case FormatCSV:
		return WriteCSV(w, records)
	case FormatXLSX:
		return WriteXLSX(w, records)
	}
	return fmt.Errorf("reportexport: unknown format %q (want json, csv or xlsx)", format)
}

// WriteJSON writes records as one indented JSON array.
func WriteJSON(w io.Writer, records []Record) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if records == nil {
		records = []Record{}
	}
	if err := enc.Encode(records); err != nil {
		return fmt.Errorf("reportexport: json: %w", err)
	}
	return nil
}

// columns are the spreadsheet's columns: the headers the manager reads and
// each record's cell.
var columns = []struct {
	header string
	width  float64
	cell   func(r Record) string
}{
	{"日期", 12, func(r Record) string { return r.Date.String() }},
	{"星期", 6, func(r Record) string { return r.Date.WeekdayName() }},
	{"账号", 12, func(r Record) string { return r.UserID }},
	{"姓名", 10, func(r Record) string { return r.Name }},
	{"区域", 10, func(r Record) string { return r.Region }},
	{"状态", 10, func(r Record) string {
		if r.Holiday != "" && r.Status == StatusHoliday {
			return StatusName(r.Status) + "（" + r.Holiday + "）"
		}
		return StatusName(r.Status)
	}},
	{"提交时间", 17, func(r Record) string {
		if r.SubmittedAt == nil {
			return ""
		}
		return r.SubmittedAt.Format("2006-01-02 15:04")
	}},
	{"今日工作", 40, func(r Record) string { return numbered(r.Done) }},
	{"明日计划", 30, func(r Record) string { return numbered(r.Plan) }},
	{"客户", 16, func(r Record) string { return r.Customer }},
	{"地点", 12, func(r Record) string { return r.Location }},
	{"问题/需协调", 24, func(r Record) string { return numbered(r.Issues) }},
	{"配件销售（元）", 12, func(r Record) string {
		if r.PartsSalesFen == nil {
			return ""
		}
		return r.PartsSalesFen.String()
	}},
	{"其他", 20, func(r Record) string { return strings.Join(r.Unlabelled, "\n") }},
	{"缺少", 12, func(r Record) string { return strings.Join(r.Missing, "、") }},
	{"签到", 28, func(r Record) string { return attachments(r, "location") }},
	{"照片", 28, func(r Record) string { return attachments(r, "image") }},
	{"语音", 28, func(r Record) string { return attachments(r, "voice") }},
	{"版本", 6, func(r Record) string {
		if r.Revision == 0 {
			return ""
		}
		return strconv.Itoa(r.Revision)
	}},
	{"原文", 50, func(r Record) string { return r.Raw }},
}

func numbered(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = strconv.Itoa(i+1) + ". " + it
	}
	return strings.Join(lines, "\n")
}

// attachments lists the check-ins (time and place), the photos or the voice
// messages (time and link to the kept copy) of a record, one a line.
func attachments(r Record, kind string) string {
	var lines []string
	for _, a := range r.Attachments {
		if a.Kind != kind {
			continue
		}
		what := a.URL // the kept copy; WeCom's PicUrl is not meant to last
		if what == "" {
			what = a.PicURL
		}
		if what == "" {
			what = "（尚未保存）" // a voice not yet fetched has no other link
		}
		if kind == "location" {
			what = a.Label
			if what == "" {
				what = fmt.Sprintf("%.5f,%.5f", a.Lat, a.Lng)
			}
		}
		lines = append(lines, a.At.Format("15:04")+" "+what)
	}
	return strings.Join(lines, "\n")
}

func row(r Record) []string {
	cells := make([]string, len(columns))
	for i, c := range columns {
		cells[i] = c.cell(r)
	}
	return cells
}

// WriteCSV writes records as CSV with a header row. It starts with a UTF-8
// byte order mark: without it Excel, which managers open it with, reads the
// Chinese as gibberish.
func WriteCSV(w io.Writer, records []Record) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("reportexport: csv: %w", err)
	}
	cw := csv.NewWriter(w)
	headers := make([]string, len(columns))
	for i, c := range columns {
		headers[i] = c.header
	}
	if err := cw.Write(headers); err != nil {
		return fmt.Errorf("reportexport: csv: %w", err)
	}
	for _, r := range records {
		cells := row(r)
		for i, c := range cells {
			cells[i] = neutralizeCSV(c)
		}
		if err := cw.Write(cells); err != nil {
			return fmt.Errorf("reportexport: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reportexport: csv: %w", err)
	}
	return nil
}

// neutralizeCSV defuses a cell that a spreadsheet would read as a formula:
// one starting with = + - @, a tab or a carriage return (an engineer's
// report "=HYPERLINK(…)" or "+cmd|…" would otherwise run when the manager
// opens the file). A leading apostrophe makes Excel and LibreOffice show the
// text as text; the xlsx export writes strings as strings and needs none.
func neutralizeCSV(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// sheetName is the workbook's only sheet.
const sheetName = "日报"

// WriteXLSX writes records as an Excel workbook: one sheet, a frozen header
// row, wrapped text, parts sales as a number.
func WriteXLSX(w io.Writer, records []Record) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return fmt.Errorf("reportexport: xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return fmt.Errorf("reportexport: xlsx: %w", err)
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("reportexport: xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("reportexport: xlsx: %w", err)
	}
	for i, c := range columns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return fmt.Errorf("reportexport: xlsx: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("reportexport: xlsx: %w", err)
	}
	header := make([]any, len(columns))
	for i, c := range columns {
		header[i] = excelize.Cell{StyleID: bold, Value: c.header}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("reportexport: xlsx: %w", err)
	}
	for n, r := range records {
		cells := row(r)
		values := make([]any, len(cells))
		for i, v := range cells {
			values[i] = excelize.Cell{StyleID: wrap, Value: v}
		}
		if r.PartsSalesFen != nil {
			// A number, so the manager can sum the column.
			values[partsColumn] = excelize.Cell{StyleID: wrap, Value: float64(*r.PartsSalesFen) / 100}
		}
		cell, err := excelize.CoordinatesToCellName(1, n+2)
		if err != nil {
			return fmt.Errorf("reportexport: xlsx: %w", err)
		}
		if err := sw.SetRow(cell, values); err != nil {
			return fmt.Errorf("reportexport: xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("reportexport: xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("reportexport: xlsx: %w", err)
	}
	return nil
}

// partsColumn is the index of the parts sales column.
var partsColumn = columnIndex("配件销售（元）")

func columnIndex(header string) int {
	for i, c := range columns {
		if c.header == header {
			return i
		}
	}
	panic("reportexport: no column " + header)
}
