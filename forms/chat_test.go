package forms_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// pages stands in for web.Server's addresses: the forms each member may
// fill in are listed (the web package tests who may fill in what).
type pages map[string][]string

func (pages) HomeURL() string { return "https://bot.example/web/" }
func (pages) FormURL(id string, _ int64) string {
	return "https://bot.example/web/forms/" + id
}
func (p pages) MayFill(_ context.Context, user, form string) (bool, error) {
	for _, f := range p[user] {
		if f == form {
			return true, nil
		}
	}
	return false, nil
}

// The form commands answer with the links to the forms the member may fill
// in, before the report handler; without the pages they say so; anything
// else goes on.
func TestFormCommands(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := servicebot.ClockFunc(func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) })
		may := pages{
			"li":      {"service_request_install", "service_request_fault", "service_request_visit", "parts_compensation", "tool_compensation"},
			"yangfan": {"service_request_install", "service_request_fault", "parts_compensation"},
		}
		on, off := handlers.NewRouter[*store.Tx](clock), handlers.NewRouter[*store.Tx](clock)
		if err := on.Install(forms.Feature[*store.Tx](clock, may)); err != nil {
			t.Fatal(err)
		}
		if err := off.Install(forms.Feature[*store.Tx](clock, nil)); err != nil {
			t.Fatal(err)
		}
		msg := 0
		say := func(r *handlers.Router[*store.Tx], user, text string) string {
			t.Helper()
			msg++
			ev := wecommsg.Event{FromUserName: user, MsgType: wecommsg.MsgText, MsgID: strings.Repeat("9", msg), Content: text}
			if err := db.InTx(ctx, func(tx *store.Tx) error { return r.Route(ctx, tx, ev) }); err != nil {
				t.Fatal(err)
			}
			out, err := db.ListOutbox(ctx, nil, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range out {
				if m.DedupKey == "reply:"+ev.DedupKey() {
					var body struct{ Content string }
					_ = json.Unmarshal(m.Body, &body)
					return body.Content
				}
			}
			return ""
		}
		for _, tt := range []struct {
			name, user, text string
			router           *handlers.Router[*store.Tx]
			want, not        []string
		}{
			{"the page of forms", "li", "表单", on, []string{"https://bot.example/web/"}, nil},
			{"three request forms for an engineer", "li", "服务申请", on, []string{"设备安装调试：https://bot.example/web/forms/service_request_install",
				"质量故障处理：https://bot.example/web/forms/service_request_fault", "现场走访（售后服务部经理签批）：https://bot.example/web/forms/service_request_visit"}, nil},
			{"sales is not sent to the visit form", "yangfan", "申请服务", on, []string{"service_request_install", "service_request_fault"},
				[]string{"service_request_visit"}},
			{"parts compensation", "yangfan", " 申请配件赔偿 ", on, []string{"售后赔偿申请单", "https://bot.example/web/forms/parts_compensation"}, nil},
			{"tool compensation", "li", "器械赔偿", on, []string{"服务器械赔偿单", "https://bot.example/web/forms/tool_compensation"}, nil},
			{"a form nobody lets sales fill in", "yangfan", "申请器械赔偿", on, []string{"您没有填写此类申请的权限"}, []string{"https://"}},
			{"a report mentioning a command is no command", "li", "今天：处理配件赔偿\n明天：回访", on, nil, []string{"https://"}},
			{"without the pages", "li", "申请配件赔偿", off, []string{"表单页面尚未开通"}, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got := say(tt.router, tt.user, tt.text)
				// Not taken: the text goes on to the router's own answer.
				if tt.want == nil && got != tt.router.Unknown(tt.text) {
					t.Errorf("%q was taken: %q", tt.text, got)
				}
				for _, w := range tt.want {
					if !strings.Contains(got, w) {
						t.Errorf("%q: reply %q lacks %q", tt.text, got, w)
					}
				}
				for _, n := range tt.not {
					if strings.Contains(got, n) {
						t.Errorf("%q: reply %q has %q", tt.text, got, n)
					}
				}
			})
		}
	})
}
