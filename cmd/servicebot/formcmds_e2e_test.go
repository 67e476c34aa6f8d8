package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// phone is a member's browser inside WeCom: its first page goes through the
// simulator's OAuth, which signs it in as userID (?as=, as WeCom would).
func (h *harness) phone(userID string) *http.Client { return simPhone(userID) }

func (h *harness) open(c *http.Client, method, link string, form url.Values) (int, string) {
	h.t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(link, form)
	} else {
		resp, err = c.Get(link)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

var (
	linkRe     = regexp.MustCompile(`https?://\S+/web/forms/[a-z_]+`)
	formCSRFRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
)

// Filing approvals from chat through the forms: 服务申请,
// 申请配件赔偿 and 申请器械赔偿 answer with the links to the forms that file
// them, those the member may fill in; each link opens its form for the
// member who asked; a tool-loss form
// filled in through the link files the approval, whose card reaches the
// service manager with the amount of R-TOOL-2 (6000 元 × 13 months → 4800).
func TestE2E_FilingCommandsLinkTheirForms_RTOOL2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := startHarness(t, db)
		for _, c := range []struct {
			user, command string
			forms         []string // the linked forms, in order
			titles        []string // what each page shows
		}{
			{engineer, "申请配件赔偿", []string{"parts_compensation"}, []string{"售后赔偿申请单"}},
			{engineer, "申请器械赔偿", []string{"tool_compensation"}, []string{"服务器械赔偿单"}},
			{engineer, " 服务申请 ", []string{"service_request_install", "service_request_fault", "service_request_visit"},
				[]string{"设备安装调试", "质量故障处理", "现场走访"}},
			// Sales files installations and faults; an on-site visit is the
			// service department's (R-VIS-4), so sales is not sent there.
			{"yangfan", "服务申请", []string{"service_request_install", "service_request_fault"},
				[]string{"设备安装调试", "质量故障处理"}},
		} {
			reply := h.ask(c.user, c.command, h.baseURL+"/web/forms/")
			links := linkRe.FindAllString(reply, -1)
			if len(links) != len(c.forms) {
				t.Fatalf("%s: reply %q has links %q, want %d", c.command, reply, links, len(c.forms))
			}
			phone := h.phone(c.user)
			for i, link := range links {
				if want := h.baseURL + "/web/forms/" + c.forms[i]; link != want {
					t.Errorf("%s: link %d is %s, want %s", c.command, i, link, want)
				}
				status, page := h.open(phone, http.MethodGet, link, nil)
				if status != http.StatusOK || !strings.Contains(page, c.titles[i]) {
					t.Errorf("%s as %s: %s answers %d without %q", c.command, c.user, link, status, c.titles[i])
				}
			}
		}

		// Tools are lent to engineers only: sales gets no link, but why.
		h.ask("yangfan", "申请器械赔偿", "您没有填写此类申请的权限")

		// Filing through the link: the engineer fills in the tool form.
		phone := h.phone(engineer)
		link := h.baseURL + "/web/forms/tool_compensation"
		_, page := h.open(phone, http.MethodGet, link, nil)
		csrf := formCSRFRe.FindStringSubmatch(page)
		if csrf == nil {
			t.Fatalf("the tool form has no CSRF token:\n%s", page)
		}
		status, page := h.open(phone, http.MethodPost, link, url.Values{
			"_csrf": {csrf[1]}, "action": {"submit"}, "tool_name": {"笔记本电脑"},
			"tool_class": {"一类耐用品（笔记本电脑、相机、游标卡尺、万用表）"}, "tool_price": {"6000"},
			"tool_months": {"13"}, "loss_kind": {"丢失"}, "reason": {"出差途中遗失"},
		})
		if status != http.StatusOK || !strings.Contains(page, "已提交") {
			t.Fatalf("submitting the tool form: %d\n%s", status, page)
		}
		card := h.said("sunli", "服务器械赔偿")
		if !strings.Contains(string(card.Card), "4800.00") || !strings.Contains(string(card.Card), "出差途中遗失") {
			t.Errorf("the service manager's approval card: %+v", card)
		}
		list, err := db.ListApprovals(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Request.Kind != servicebot.RequestTool || list[0].Request.Requester != engineer {
			t.Errorf("approvals filed: %+v", list)
		}
	})
}

// Every command 帮助 lists is understood by the running bot: none of them
// falls through to the help text (帮助 itself excepted).
func TestE2E_EveryHelpCommandIsUnderstood(t *testing.T) {
	t.Parallel()
	h := startHarness(t, storetest.SQLite(t))
	for _, c := range []struct{ text, marker string }{
		{"日报模板", "日报可以这样写"},
		{"我的日报", "本周"},
		{"补报", "补报"},
		{"请假", "请假"},
		{"取消请假", "请假"},
		{"我的工单", "工单"},
		{"开始 7", "工单"},
		{"完成 7", "工单"},
		{"客户咨询", "客户咨询 客户名称 问题"},
		{"已答复 3", "3"},
		{"我的待办", "待办"},
		{"待办", "待办"},
		{"表单", h.baseURL + "/web/"},
		{"服务申请", h.baseURL + "/web/forms/service_request_install"},
		{"申请配件赔偿", h.baseURL + "/web/forms/parts_compensation"},
		{"申请器械赔偿", h.baseURL + "/web/forms/tool_compensation"},
		{"申诉 服务管理 10月14日的日报已提交", "考核"},
	} {
		reply := h.ask(engineer, c.text, c.marker)
		if reply == h.helpReply(engineer, c.text) {
			t.Errorf("%s: answered with the help text", c.text)
		}
	}
	if reply := h.ask(engineer, "帮助", "【日报与请假】"); reply != h.helpReply(engineer, "帮助") {
		t.Errorf("帮助: %q", reply)
	}
}
