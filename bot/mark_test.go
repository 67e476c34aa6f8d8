package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/servicebot/servicebot/bot/wecommsg"
)

// Two rows saying the same thing must not look identical to WeCom's duplicate
// check; the same row sent again must.
func TestMarkRowMakesRowsDistinctAndRetriesIdentical(t *testing.T) {
	body := json.RawMessage(`{"content":"您目前没有工单。"}`)
	first, err := markRow(body, 41)
	if err != nil {
		t.Fatal(err)
	}
	retry, _ := markRow(body, 41)
	other, _ := markRow(body, 42)
	if string(first) != string(retry) {
		t.Errorf("a retry of row 41 differs: %s vs %s", first, retry)
	}
	if string(first) == string(other) {
		t.Errorf("rows 41 and 42 look identical: %s", first)
	}
	var got struct{ Content string }
	if err := json.Unmarshal(first, &got); err != nil {
		t.Fatal(err)
	}
	visible := strings.Map(func(r rune) rune {
		if wecommsg.IsMark(r) {
			return -1
		}
		return r
	}, got.Content)
	if visible != "您目前没有工单。" {
		t.Errorf("visible text changed: %q", visible)
	}
	if unmarked, _ := markRow(body, 0); string(unmarked) != string(body) {
		t.Errorf("a row without an id was changed: %s", unmarked)
	}
	if _, err := markRow(json.RawMessage(`{"nocontent":1}`), 1); err == nil {
		t.Error("a text body without content was accepted")
	}
}
