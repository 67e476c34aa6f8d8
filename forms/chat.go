package forms

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
)

// The chat commands answered with links to the form pages. Each is the whole
// message: a report that happens to mention 配件赔偿 is still a report.
const (
	FormsCommand             = "表单"     // the page of every form
	ServiceRequestCommand    = "服务申请"   // the three 售后服务申请表 (R-SVC-1/2, R-VIS-4)
	PartsCompensationCommand = "申请配件赔偿" // 售后赔偿申请单 (R-APV-1…4)
	ToolCompensationCommand  = "申请器械赔偿" // 服务器械赔偿单 (R-TOOL-2)
)

// formCommandWords maps what people type to the commands above.
var formCommandWords = map[string]string{
	FormsCommand: FormsCommand, "填表": FormsCommand, "表格": FormsCommand,
	ServiceRequestCommand: ServiceRequestCommand, "申请服务": ServiceRequestCommand, "售后服务申请": ServiceRequestCommand,
	PartsCompensationCommand: PartsCompensationCommand, "配件赔偿": PartsCompensationCommand, "配件赔偿申请": PartsCompensationCommand,
	ToolCompensationCommand: ToolCompensationCommand, "器械赔偿": ToolCompensationCommand, "器械赔偿申请": ToolCompensationCommand,
}

// FormPages gives the addresses of the form pages and who may fill in
// which form (*web.Server).
type FormPages interface {
	HomeURL() string
	FormURL(id string, jobID int64) string
	MayFill(ctx context.Context, userID, formID string) (bool, error)
}

// formLink is one form a filing command links, as the reply names it.
type formLink struct{ id, label string }

// filingForms are the forms each filing command links, in the reply's order.
var filingForms = map[string][]formLink{
	ServiceRequestCommand: {{ServiceRequestInstall, "设备安装调试"}, {ServiceRequestFault, "质量故障处理"},
		{ServiceRequestVisit, "现场走访（售后服务部经理签批）"}},
	PartsCompensationCommand: {{PartsCompensation, "售后赔偿申请单"}},
	ToolCompensationCommand:  {{ToolCompensation, "服务器械赔偿单"}},
}

// filingIntro heads each filing command's reply: what the form needs and
// what happens once it is submitted.
var filingIntro = map[string]string{
	ServiceRequestCommand: "请填写售后服务申请表，提交后由分管副总审批，再由售后服务部经理派工：",
	PartsCompensationCommand: "请填写「售后赔偿申请单」，须附客户质量问题来函或设备损坏状况报告（照片）；" +
		"提交后按金额和是否紧急自动送审，审批结果会发给您：",
	ToolCompensationCommand: "请填写「服务器械赔偿单」，赔偿金额按器械类别、原价和已使用月数计算，" +
		"提交后由售后服务部经理审批，结果会发给您：",
}

// Feature is the forms' surface in chat: 表单 answers with the page of
// forms; 服务申请, 申请配件赔偿 and 申请器械赔偿 with the forms that file
// those approvals (a submitted form starts the approval, so filing from chat
// is filling in the form the link opens), only those the member may fill in.
// pages nil means the form pages are not served (no public address
// configured): the commands then say so, instead of getting the help text,
// which lists them.
func Feature[T feature.Outbox](clock servicebot.Clock, pages FormPages) feature.Feature[T] {
	// For: who may fill the forms a command links (forms.yaml's roles).
	command := func(cmd, help string, roles ...servicebot.Role) feature.Command[T] {
		var words []string
		for w, c := range formCommandWords {
			if c == cmd && w != cmd {
				words = append(words, w)
			}
		}
		slices.Sort(words)
		return feature.Command[T]{
			Words: append([]string{cmd}, words...), Section: "表单与申请", Help: help, For: roles,
			Match: func(text string) bool { return formCommandWords[text] == cmd },
			Run: func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
				text := "表单页面尚未开通，暂时无法在线填写。请联系售后服务部经理。"
				if pages != nil {
					var err error
					if text, err = formCommandReply(ctx, cmd, ev.FromUserName, pages); err != nil {
						return false, fmt.Errorf("forms: %s: %w", cmd, err)
					}
				}
				return true, feature.Reply(ctx, tx, ev, text, clock.Now())
			},
		}
	}
	return feature.Feature[T]{
		Name: "forms",
		Commands: []feature.Command[T]{
			command(FormsCommand, "表单：在手机上填写售后服务表单",
				servicebot.RoleEngineer, servicebot.RoleServiceManager, servicebot.RoleSales, servicebot.RoleSalesClerk),
			command(ServiceRequestCommand, "服务申请：安装调试、故障处理、现场走访的申请表",
				servicebot.RoleSales, servicebot.RoleSalesClerk, servicebot.RoleEngineer, servicebot.RoleServiceManager),
			command(PartsCompensationCommand, "申请配件赔偿：填写售后赔偿申请单，提交后自动送审",
				servicebot.RoleEngineer, servicebot.RoleSales, servicebot.RoleServiceManager),
			command(ToolCompensationCommand, "申请器械赔偿：填写服务器械赔偿单，提交后自动送审", servicebot.RoleEngineer),
		},
	}
}

func formCommandReply(ctx context.Context, cmd, userID string, pages FormPages) (string, error) {
	links, ok := filingForms[cmd]
	if !ok {
		return "在手机上填写售后服务表单（申请表、备忘录、报告、回访问卷等），草稿会自动保留：\n" + pages.HomeURL(), nil
	}
	var lines []string
	for _, l := range links {
		may, err := pages.MayFill(ctx, userID, l.id)
		if err != nil {
			return "", err
		}
		if !may {
			continue
		}
		if len(links) == 1 {
			lines = append(lines, pages.FormURL(l.id, 0))
		} else {
			lines = append(lines, "· "+l.label+"："+pages.FormURL(l.id, 0))
		}
	}
	if len(lines) == 0 {
		return "您没有填写此类申请的权限。如需开通，请联系售后服务部经理。", nil
	}
	return filingIntro[cmd] + "\n" + strings.Join(lines, "\n"), nil
}
