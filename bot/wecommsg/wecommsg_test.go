package wecommsg

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/servicebot/servicebot"
)

// contentOf decodes the content of a text, markdown or self-typed body.
func contentOf(t *testing.T, body json.RawMessage) string {
	t.Helper()
	var b struct {
		Content  string `json:"content"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	if b.Content != "" {
		return b.Content
	}
	return b.Markdown.Content
}

// The largest marker the sender writes must still leave the content within
// WeCom's 2048 bytes, or WeCom cuts the marker the duplicate check relies on.
func TestMarkedBodyNeverExceeds2048Bytes(t *testing.T) {
	body, err := Text(strings.Repeat("汉", TextLimit/3))
	if err != nil {
		t.Fatal(err)
	}
	const bigID = 1<<40 - 1 // 20 base-4 digits: the longest marker allowed
	marked, err := Mark(body, bigID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(contentOf(t, marked)); n > ContentLimit {
		t.Errorf("marked content is %d bytes, over %d", n, ContentLimit)
	}
	if _, err := Mark(body, 1<<41); !errors.Is(err, servicebot.ErrMalformed) {
		t.Errorf("a marker longer than reserved was accepted: %v", err)
	}
	over := json.RawMessage(`{"content":"` + strings.Repeat("a", ContentLimit) + `"}`)
	if _, err := Mark(over, 5); !errors.Is(err, servicebot.ErrMalformed) {
		t.Errorf("content pushed over 2048 bytes by its marker was accepted: %v", err)
	}
}

func TestTextRefusesWhatWeComWouldCut(t *testing.T) {
	for _, s := range []string{"", "  \n", strings.Repeat("x", TextLimit+1), "\xff"} {
		if _, err := Text(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("Text(%.20q…) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestTextsSplitsLongTextKeepingEveryLine(t *testing.T) {
	var lines []string
	for i := range 300 {
		lines = append(lines, strings.Repeat("审批链第", 2)+string(rune('A'+i%26)))
	}
	long := strings.Join(lines, "\n")
	rows, err := Texts(servicebot.OutboxMessage{DedupKey: "reply:1", ToUsers: "zhang"}, long)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 {
		t.Fatalf("%d bytes became %d message(s)", len(long), len(rows))
	}
	var joined []string
	for i, r := range rows {
		if r.Kind != servicebot.OutText || r.ToUsers != "zhang" {
			t.Errorf("row %d: kind %q to %q", i, r.Kind, r.ToUsers)
		}
		want := "reply:1"
		if i > 0 {
			want = "reply:1#" + string(rune('1'+i))
		}
		if r.DedupKey != want {
			t.Errorf("row %d dedup key %q, want %q", i, r.DedupKey, want)
		}
		joined = append(joined, contentOf(t, r.Body))
	}
	if got := strings.Join(joined, "\n"); got != long {
		t.Error("the parts do not add up to the text")
	}
}

func TestRecipients(t *testing.T) {
	if _, err := Recipients(nil); !errors.Is(err, ErrInvalid) {
		t.Error("no recipients accepted")
	}
	many := make([]string, MaxRecipients+1)
	for i := range many {
		many[i] = "u"
	}
	if _, err := Recipients(many); !errors.Is(err, ErrInvalid) {
		t.Error("1001 recipients accepted")
	}
	if got := Batches(many); len(got) != 2 || len(got[0]) != MaxRecipients || len(got[1]) != 1 {
		t.Errorf("batches of 1001: %d", len(got))
	}
	if to, err := Recipients([]string{"a", "b"}); err != nil || to != "a|b" {
		t.Errorf("Recipients(a, b) = %q, %v", to, err)
	}
}

func validCard() ButtonCard {
	return ButtonCard{Source: "售后服务部", Title: "11 月工作日志", Desc: "请核对", TaskID: "diary-2026-11_1@x",
		Rows:    []Row{{Key: "日志", Value: "下载 Excel", URL: "https://bot.example.com/f/abc"}},
		Buttons: []Button{{Text: "确认无误", Style: StylePrimary, Key: "monthly:diary:2026-11"}}}
}

func TestButtonCardShape(t *testing.T) {
	body, err := validCard().JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got["card_type"] != "button_interaction" {
		t.Errorf("card_type %v", got["card_type"])
	}
	for _, f := range []string{"jump_list", "replace_text"} {
		if _, has := got[f]; has {
			t.Errorf("message/send card carries %s, which button_interaction does not have there", f)
		}
	}
	row := got["horizontal_content_list"].([]any)[0].(map[string]any)
	if row["type"] != 1.0 || row["url"] != "https://bot.example.com/f/abc" {
		t.Errorf("link row %v: want type 1 with url", row)
	}
}

func TestButtonCardRefusesInvalid(t *testing.T) {
	cases := map[string]func(*ButtonCard){
		"no task id":       func(c *ButtonCard) { c.TaskID = "" },
		"task id charset":  func(c *ButtonCard) { c.TaskID = "a.b" },
		"task id too long": func(c *ButtonCard) { c.TaskID = strings.Repeat("a", 129) },
		"no buttons":       func(c *ButtonCard) { c.Buttons = nil },
		"seven buttons": func(c *ButtonCard) {
			for i := range 6 {
				c.Buttons = append(c.Buttons, Button{Text: "b", Key: strings.Repeat("k", i+1)})
			}
		},
		"key too long":    func(c *ButtonCard) { c.Buttons[0].Key = strings.Repeat("k", 1025) },
		"duplicate key":   func(c *ButtonCard) { c.Buttons = append(c.Buttons, c.Buttons[0]) },
		"style 5":         func(c *ButtonCard) { c.Buttons[0].Style = 5 },
		"no title":        func(c *ButtonCard) { c.Title, c.SubTitle = "", "" },
		"seven rows":      func(c *ButtonCard) { c.Rows = make([]Row, 7) },
		"row link scheme": func(c *ButtonCard) { c.Rows[0].URL = "javascript:alert(1)" },
	}
	for name, mutate := range cases {
		c := validCard()
		mutate(&c)
		if _, err := c.JSON(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestUpdates(t *testing.T) {
	body, err := UpdateCard([]string{"li"}, "code", validCard(), "已确认")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		TemplateCard struct {
			ReplaceText string `json:"replace_text"`
		} `json:"template_card"`
	}
	_ = json.Unmarshal(body, &got)
	if got.TemplateCard.ReplaceText != "已确认" {
		t.Errorf("update lost replace_text: %s", body)
	}
	if _, err := UpdateButton([]string{"li"}, "", "x"); !errors.Is(err, ErrInvalid) {
		t.Error("an update without response_code was accepted")
	}
}

// R-DAY-5 and issue 10: whatever is built, no text or markdown body is over
// 2048 bytes once the sender's row marker is added.
func FuzzBuildersStayUnder2048(f *testing.F) {
	f.Add("您目前没有工单。", int64(1))
	f.Add(strings.Repeat("很长的一行没有换行", 200), int64(1<<39))
	f.Add(strings.Repeat("a\n", 3000), int64(77))
	f.Add(strings.Repeat("汉", 700)+"\n"+strings.Repeat("b", 1999), int64(4_000_000))
	f.Fuzz(func(t *testing.T, s string, id int64) {
		if !utf8.ValidString(s) || id <= 0 || id >= 1<<40 {
			t.Skip()
		}
		m := servicebot.OutboxMessage{DedupKey: "k", ToUsers: "u"}
		for _, build := range []func(servicebot.OutboxMessage, string) ([]servicebot.OutboxMessage, error){Texts, Markdowns} {
			rows, err := build(m, s)
			if err != nil {
				if strings.TrimSpace(s) == "" && errors.Is(err, ErrInvalid) {
					continue
				}
				t.Fatalf("%v", err)
			}
			for _, r := range rows {
				marked, err := Mark(r.Body, id)
				if err != nil {
					t.Fatalf("mark: %v", err)
				}
				if n := len(contentOf(t, marked)); n > ContentLimit {
					t.Fatalf("marked body of %d bytes", n)
				}
			}
		}
		for _, g := range []Group{{ChatID: "c"}, {RobotKey: "k"}} {
			rows, err := g.Posts(m, s)
			if err != nil {
				continue // blank
			}
			limit := ContentLimit
			if g.RobotKey != "" {
				limit = RobotMarkdownLimit
			}
			for _, r := range rows {
				if n := len(contentOf(t, r.Body)); n > limit {
					t.Fatalf("group post of %d bytes", n)
				}
			}
		}
	})
}

// FitLines keeps whole lines while they fit and says what is left; the
// result never exceeds the limit.
func TestFitLines(t *testing.T) {
	more := func(left []string) string { return fmt.Sprintf("另有%d行", len(left)) }
	lines := []string{"一二三四", "五六七八", "九十一二", "三四五六"} // 4 runes each
	for _, tc := range []struct {
		limit int
		want  string
	}{
		{19, "一二三四\n五六七八\n九十一二\n三四五六"}, // all fit: 4*4 + 3 newlines
		{18, "一二三四\n五六七八\n另有2行"},       // room kept for the last line
		{14, "一二三四\n五六七八\n另有2行"},
		{13, "一二三四\n另有3行"},
		{4, "另有4行"},
		{3, "另有…"},
	} {
		got := FitLines(lines, tc.limit, more)
		if got != tc.want {
			t.Errorf("limit %d: %q, want %q", tc.limit, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > tc.limit {
			t.Errorf("limit %d: %d runes", tc.limit, n)
		}
	}
}
