package main

import (
	"strings"
	"testing"

	"github.com/servicebot/servicebot"
)

// R-ORG-1: 帮助 lists the sections and lines of the commands for the asking
// member's roles (the union for several roles), from the features' own
// declarations; someone with no known role gets a short general help. The
// one-line hint for text nobody took points each role at what it needs.
func TestHelpPerRole_R_ORG_1(t *testing.T) {
	t.Parallel()
	a := demoApp(t)
	org := servicebot.Org{Roles: map[servicebot.Role][]string{
		servicebot.RoleEngineer:       {"eng", "both"},
		servicebot.RoleServiceManager: {"mgr", "both"},
		servicebot.RoleVPAfterSales:   {"vp"},
		servicebot.RoleGeneralManager: {"gm"},
		servicebot.RoleSales:          {"sales"},
		servicebot.RoleSalesClerk:     {"clerk"},
		servicebot.RoleArchivist:      {"arch"},
		servicebot.RoleWarehouse:      {"wh"},
	}}
	a.router.UseRoles(org)
	const reportHowTo = "每天把日报直接发给我就行"
	for _, c := range []struct {
		user      string
		want, not []string
		hint      []string
	}{
		{user: "eng",
			want: []string{reportHowTo, "【日报与请假】", "· 日报模板", "· 我的日报", "· 补报", "· 请假", "【服务工单】", "· 我的工单", "· 开始 7",
				"· 客户咨询", "· 申请器械赔偿", "· 申诉", "· 帮助"},
			not:  []string{"· 日报情况", "· 待审批", "· 出库", "部门管理"},
			hint: []string{"日报直接发给我"}},
		{user: "mgr",
			want: []string{"· 日报情况", "· 待审批", "【部门管理（经理、公司领导）】", "· 我的工单", "· 服务申请", "· 考核指标", "· 请假", "· 帮助"},
			not:  []string{reportHowTo, "· 日报模板", "· 我的日报", "· 补报", "· 开始 7", "· 客户咨询", "· 申诉", "· 出库", "· 申请器械赔偿"},
			hint: []string{"「日报情况」", "「待审批」"}},
		{user: "vp",
			want: []string{"· 日报情况", "· 待审批", "· 请假"},
			not:  []string{reportHowTo, "· 日报模板", "· 我的工单", "· 服务申请", "· 申诉"},
			hint: []string{"「日报情况」", "「待审批」"}},
		{user: "gm",
			want: []string{"· 日报情况", "· 待审批"},
			not:  []string{reportHowTo, "· 补报", "· 客户咨询"},
			hint: []string{"「日报情况」", "「待审批」"}},
		{user: "sales",
			want: []string{"【表单与申请】", "· 服务申请", "· 申请配件赔偿", "· 表单"},
			not:  []string{reportHowTo, "· 日报模板", "· 日报情况", "· 待审批", "· 我的工单", "· 申请器械赔偿", "【服务工单】", "【考核】"},
			hint: []string{"「服务申请」"}},
		{user: "clerk",
			want: []string{"· 服务申请"},
			not:  []string{reportHowTo, "· 申请配件赔偿", "· 日报情况"},
			hint: []string{"「服务申请」"}},
		{user: "arch",
			want: []string{"· 请假", "· 帮助"},
			not:  []string{reportHowTo, "· 日报模板", "· 日报情况", "· 待审批", "· 服务申请", "· 我的工单"}},
		{user: "wh",
			want: []string{"· 出库", "· 请假"},
			not:  []string{reportHowTo, "· 日报模板", "· 日报情况", "· 服务申请"},
			hint: []string{"「出库"}},
		{user: "both", // the union of an engineer's and the manager's
			want: []string{reportHowTo, "· 日报模板", "· 补报", "· 开始 7", "· 日报情况", "· 待审批"},
			hint: []string{"日报直接发给我", "「日报情况」", "「待审批」"}},
		{user: "stranger",
			want: []string{"岗位还没有登记", "· 请假", "· 帮助"},
			not:  []string{reportHowTo, "· 日报模板", "· 日报情况", "· 待审批", "· 服务申请", "· 我的工单", "· 出库"}},
	} {
		t.Run(c.user, func(t *testing.T) {
			help := a.router.HelpFor(c.user)
			for _, w := range c.want {
				if !strings.Contains(help, w) {
					t.Errorf("help for %s lacks %q:\n%s", c.user, w, help)
				}
			}
			for _, n := range c.not {
				if strings.Contains(help, n) {
					t.Errorf("help for %s shows %q:\n%s", c.user, n, help)
				}
			}
			// A section heading is shown only with a line under it.
			if strings.Contains(help, "】\n【") || strings.Contains(help, "】\n· 帮助") {
				t.Errorf("help for %s has an empty section:\n%s", c.user, help)
			}
			if n := len(a.router.HelpReplyFor(c.user, strings.Repeat("长", 100))); n > 2048 {
				t.Errorf("help reply for %s is %d bytes, WeCom takes at most 2048", c.user, n)
			}
			hint := a.router.UnknownFor(c.user, "报销怎么弄")
			if !strings.HasPrefix(hint, "没看懂「报销怎么弄」。") || !strings.HasSuffix(hint, "发「帮助」看全部命令。") || strings.Contains(hint, "\n") {
				t.Errorf("hint for %s = %q", c.user, hint)
			}
			for _, w := range c.hint {
				if !strings.Contains(hint, w) {
					t.Errorf("hint for %s = %q, want %q in it", c.user, hint, w)
				}
			}
			if len(c.hint) == 0 && hint != "没看懂「报销怎么弄」。发「帮助」看全部命令。" {
				t.Errorf("hint for %s = %q, want the general one", c.user, hint)
			}
		})
	}
	// 帮助 from a member is answered with that member's help (the router's
	// own reply, not only HelpFor).
	if got := a.router.HelpReplyFor("mgr", "帮助"); !strings.HasSuffix(got, a.router.HelpFor("mgr")) || strings.Contains(got, reportHowTo) {
		t.Errorf("the manager's 帮助 reply:\n%s", got)
	}
}
