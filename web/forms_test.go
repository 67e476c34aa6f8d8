package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// A missing required field shows its Chinese message and stores nothing; a
// draft keeps what was typed; submitting the draft stores exactly that.
func TestValidationDraftAndSubmit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		eng := f.as("eng1")
		missing := memoValues("submit")
		missing.Del("customer_signature")
		p := eng.post("/web/forms/service_memo", missing, nil)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "请签名（输入姓名）：客户签字") {
			t.Fatalf("missing signature: %d\n%s", p.status, p.body)
		}
		if !strings.Contains(p.body, "成都某机械厂") {
			t.Error("the page shown again lost what was typed")
		}
		if n := len(f.submissions(servicebot.FormFilter{})); n != 0 {
			t.Fatalf("%d submissions stored after a refused submit", n)
		}

		p = eng.post("/web/forms/service_memo", with(missing, "action", "draft"), nil)
		drafts := f.submissions(servicebot.FormFilter{})
		if p.status != http.StatusOK || len(drafts) != 1 || drafts[0].Status != servicebot.SubmissionDraft {
			t.Fatalf("draft: %d, stored %+v", p.status, drafts)
		}
		if !strings.Contains(p.body, "草稿已保存") || !strings.Contains(p.body, "安装调试第一天") {
			t.Fatal("the draft page does not show the draft")
		}
		if home := eng.get("/web/").body; !strings.Contains(home, fmt.Sprintf("draft=%d", drafts[0].ID)) {
			t.Error("the home page does not list the draft")
		}

		full := memoValues("submit")
		full.Set("draft_id", fmt.Sprint(drafts[0].ID))
		p = eng.post(fmt.Sprintf("/web/forms/service_memo?draft=%d", drafts[0].ID), full, nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "已提交") {
			t.Fatalf("submit the draft: %d\n%s", p.status, p.body)
		}
		subs := f.submissions(servicebot.FormFilter{})
		if len(subs) != 1 || subs[0].ID != drafts[0].ID || subs[0].Status != servicebot.SubmissionSubmitted {
			t.Fatalf("after submitting the draft: %+v", subs)
		}
		want := servicebot.FormValues{"customer": "成都某机械厂", "work_date": "2026-11-20", "arrived_at": "2026-11-20T09:00",
			"work_content": "安装调试第一天：现场清点、验货交接", "customer_signature": "李四"}
		if got := subs[0].Values; !reflect.DeepEqual(got, want) || subs[0].JobID != 42 || subs[0].UserID != "eng1" {
			t.Fatalf("stored %#v job %d user %s, want %#v job 42", got, subs[0].JobID, subs[0].UserID, want)
		}
		// A submitted draft cannot be submitted again.
		p = eng.postRaw("/web/forms/service_memo", with(full, "_csrf", csrfOf(t, eng, "/web/forms/service_memo")), nil)
		if p.status != http.StatusConflict {
			t.Errorf("submitting a submitted draft again: %d", p.status)
		}
	})
}

func csrfOf(t *testing.T, m *member, path string) string {
	t.Helper()
	match := csrfRe.FindStringSubmatch(m.get(path).body)
	if match == nil {
		t.Fatalf("%s has no CSRF token", path)
	}
	return match[1]
}

// The request forms file their approval in the submission's transaction
// (R-SVC-1, R-APV-1…2, R-TOOL-2): the first approver gets the card.
func TestRequestFormsStartApprovals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	tests := []struct {
		name, user, form string
		values           url.Values
		files            map[string][]byte
		kind             servicebot.RequestKind
		approver         string
		amount           servicebot.Fen
	}{
		{"service request", "sales1", forms.ServiceRequestInstall, url.Values{
			"customer": {"重庆某化工"}, "address": {"重庆市渝北区"}, "contact": {"王工"}, "phone": {"13800138000"},
			"region": {"西南"}, "equipment.0.model": {"LX-200"}, "equipment.0.quantity": {"2"},
			"expected_date": {"2026-12-01"}, "reason": {"按合同安装调试两台"}}, nil,
			servicebot.RequestService, "mgr", 0}, // R-SVC-1: the service department reviews first
		{"urgent parts compensation", "eng1", forms.PartsCompensation, url.Values{
			"customer": {"成都某机械厂"}, "model": {"LX-200"}, "parts.0.name": {"密封圈"}, "parts.0.quantity": {"4"},
			"amount": {"800"}, "urgent": {"是"}, "evidence_kind": {"设备损坏状况报告（照片）"}, "reason": {"密封圈老化漏油"}},
			map[string][]byte{"evidence_photos": png}, servicebot.RequestParts, "mgr", 80000},
		{"tool compensation", "eng2", forms.ToolCompensation, url.Values{
			"tool_name": {"笔记本电脑"}, "tool_class": {"一类耐用品（笔记本电脑、相机、游标卡尺、万用表）"},
			"tool_price": {"6000"}, "tool_months": {"13"}, "loss_kind": {"丢失"}, "reason": {"出差途中丢失"}},
			nil, servicebot.RequestTool, "mgr", 480000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := f.as(tt.user)
			tt.values.Set("action", "submit")
			p := m.post("/web/forms/"+tt.form, tt.values, tt.files)
			if p.status != http.StatusOK || !strings.Contains(p.body, "已发起审批") {
				t.Fatalf("submit: %d\n%s", p.status, p.body)
			}
			subs := f.submissions(servicebot.FormFilter{FormID: tt.form})
			if len(subs) != 1 || subs[0].ApprovalID == 0 {
				t.Fatalf("stored %+v", subs)
			}
			a, err := f.db.GetApproval(t.Context(), subs[0].ApprovalID)
			if err != nil {
				t.Fatal(err)
			}
			cur, _ := a.Current()
			if a.Request.Kind != tt.kind || a.Request.Requester != tt.user || cur.ApproverID != tt.approver ||
				a.Request.Amount != tt.amount {
				t.Fatalf("approval %+v, current step %+v", a.Request, cur)
			}
			if tt.kind == servicebot.RequestParts && a.Request.Evidence.URL != fmt.Sprintf("%s/web/submissions/%d", f.url, subs[0].ID) {
				t.Errorf("evidence %+v does not link the submission", a.Request.Evidence)
			}
			// The requester follows their request; the approver reads the audit.
			if p := m.get(fmt.Sprintf("/web/approvals/%d", a.Request.ID)); p.status != http.StatusOK {
				t.Errorf("requester opens their approval: %d", p.status)
			}
			if p := f.as("mgr").get("/web/approvals"); !strings.Contains(p.body, fmt.Sprintf(`data-approval="%d"`, a.Request.ID)) {
				t.Error("the approvals audit does not list the request")
			}
		})
	}
}

// A hook runs in the submission's transaction: its field errors are shown
// and roll the submission (and its approval) back; otherwise it sees the
// stored submission.
func TestSubmissionHooks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	var seen []servicebot.FormSubmission
	f.forms.OnSubmit(forms.PhoneReturnVisit, func(ctx context.Context, tx *store.Tx, sub servicebot.FormSubmission) error {
		if sub.JobID == 999 {
			return fmt.Errorf("job: %w", servicebot.FieldErrors{"job_id": "工单 999 不存在"})
		}
		got, err := tx.FormSubmission(ctx, sub.ID)
		if err != nil {
			return err
		}
		seen = append(seen, got)
		return nil
	})
	eng := f.as("eng1")
	values := url.Values{"action": {"submit"}, "customer": {"成都某机械厂"}, "contact": {"李四"}, "phone": {"13800138000"},
		"called_at": {"2026-11-12T10:00"}, "running_state": {"良好"}, "timeliness": {"满意"}, "attitude": {"满意"},
		"satisfaction": {"不满意"}, "job_id": {"999"}}
	p := eng.post("/web/forms/phone_return_visit", values, nil)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "工单 999 不存在") {
		t.Fatalf("hook refusal: %d\n%s", p.status, p.body)
	}
	if n := len(f.submissions(servicebot.FormFilter{})); n != 0 || len(seen) != 0 {
		t.Fatalf("%d stored, hook saw %d after a refusal", n, len(seen))
	}
	values.Set("job_id", "7")
	if p := eng.post("/web/forms/phone_return_visit", values, nil); p.status != http.StatusOK {
		t.Fatalf("submit: %d\n%s", p.status, p.body)
	}
	if len(seen) != 1 || seen[0].JobID != 7 || seen[0].Values.Text(forms.FieldSatisfaction) != "不满意" {
		t.Fatalf("hook saw %+v", seen)
	}
	var invalid servicebot.FieldErrors
	_, err := f.forms.Submit(t.Context(), forms.Filled{FormID: forms.PhoneReturnVisit, UserID: "eng1"})
	if !errors.As(err, &invalid) || invalid["customer"] == "" {
		t.Fatalf("Submit of an empty form: %v", err)
	}
}

// Photos: a non-image or an oversized file is refused with a message; a
// stored photo is served to who may see it.
func TestPhotoUploadLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	eng := f.as("eng1")
	for name, tc := range map[string]struct {
		content []byte
		want    string
	}{
		"not an image": {[]byte("%PDF-1.4 not a photo"), "不是照片"},
		"too big":      {append(append([]byte{}, png...), make([]byte, 2<<10)...), "超过"},
	} {
		t.Run(name, func(t *testing.T) {
			p := eng.post("/web/forms/service_memo", memoValues("submit"), map[string][]byte{"photos": tc.content})
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, tc.want) {
				t.Fatalf("%d\n%s", p.status, p.body)
			}
		})
	}
	if n := len(f.submissions(servicebot.FormFilter{})); n != 0 {
		t.Fatalf("%d stored", n)
	}
}

// with is a copy of v with key set to value.
func with(v url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	out.Set(key, value)
	return out
}
