package forms_test

import (
	"strings"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
)

// Every form the issue names is in the catalog, under the ids other
// packages use, and the request forms file the approvals they should.
func TestBuiltinCatalog(t *testing.T) {
	t.Parallel()
	c, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id, title string
		request   servicebot.RequestKind
	}{
		{forms.ServiceRequestInstall, "售后服务申请表（设备安装调试）", servicebot.RequestService},
		{forms.ServiceRequestFault, "售后服务申请表（质量故障处理）", servicebot.RequestService},
		{forms.ServiceRequestVisit, "售后服务申请表（现场走访）", servicebot.RequestService},
		{forms.ServiceMemo, "售后服务备忘录(日志)", ""},
		{forms.ArrivalCheck, "设备到货清点报告", ""},
		{forms.InstallData, "设备安装调试资料数据采集清单", ""},
		{forms.TrainingSignIn, "设备培训人员签到表", ""},
		{forms.FaultReport, "质量故障处理服务报告", ""},
		{forms.ProjectSummary, "项目售后服务总结报告", ""},
		{forms.PhoneReturnVisit, "电话回访跟踪问卷表", ""},
		{forms.SatisfactionSurvey, "顾客满意度调查表", ""},
		{forms.VisitReport, "客户回访售后服务报告", ""},
		{forms.PartsCompensation, "售后赔偿申请单", servicebot.RequestParts},
		{forms.ToolCompensation, "服务器械赔偿单", servicebot.RequestTool},
	}
	if got := len(c.All()); got != len(want) {
		t.Errorf("catalog has %d forms, want %d", got, len(want))
	}
	for _, w := range want {
		def, ok := c.Form(w.id)
		if !ok {
			t.Errorf("form %s missing", w.id)
			continue
		}
		if def.Title != w.title || def.Request != w.request {
			t.Errorf("form %s: title %q request %q, want %q %q", w.id, def.Title, def.Request, w.title, w.request)
		}
		if def.Request == servicebot.RequestService && def.ServiceType == "" {
			t.Errorf("service request %s has no service type", w.id)
		}
		if _, ok := def.Field(forms.FieldCustomer); !ok && w.id != forms.ToolCompensation {
			t.Errorf("form %s has no %q field", w.id, forms.FieldCustomer)
		}
	}
	// The questionnaires carry the answer the dissatisfaction alert reads.
	for _, id := range []string{forms.PhoneReturnVisit, forms.SatisfactionSurvey} {
		def, _ := c.Form(id)
		f, ok := def.Field(forms.FieldSatisfaction)
		if !ok || !f.Required {
			t.Fatalf("%s: no required %q field", id, forms.FieldSatisfaction)
		}
		// Every dissatisfied option is one the alert recognises, and there is one.
		alerting := 0
		for _, o := range f.Options {
			if strings.Contains(o, "不满意") != servicebot.IsDissatisfied(o) {
				t.Errorf("%s: option %q and servicebot.IsDissatisfied disagree", id, o)
			}
			if servicebot.IsDissatisfied(o) {
				alerting++
			}
		}
		if alerting == 0 {
			t.Errorf("%s: no option of %s alerts the manager", id, forms.FieldSatisfaction)
		}
	}
}

func TestParseRejectsBadDefinitions(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"duplicate form", "forms:\n- {id: a, title: A, version: 1}\n- {id: a, title: B, version: 1}\n", "defined twice"},
		{"bad field", "forms:\n- id: a\n  title: A\n  version: 1\n  fields: [{name: x, label: X, type: colour}]\n", "unknown type"},
		{"not yaml", "forms: [", "parse catalog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := forms.Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want …%s…", err, tt.want)
			}
		})
	}
}
