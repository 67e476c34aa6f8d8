package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/reportexport"
)

// submissionRow is one line of a list of submissions.
type submissionRow struct {
	ID      int64
	Title   string
	Who     string
	Status  string // Chinese
	Draft   bool
	At      time.Time
	FormID  string
	JobID   int64
	Summary string // the customer, when the form names one
}

type submissionFilter struct {
	FormID string
	Status string
}

func statusName(s string) string {
	if s == servicebot.SubmissionDraft {
		return "草稿"
	}
	return "已提交"
}

// names maps userids to names, for lists that show who filed what.
func (s *Server) names(r *http.Request) map[string]string {
	out := map[string]string{}
	members, err := s.db.ListMembers(r.Context(), false)
	if err != nil {
		s.cfg.Logger.Warn("web: members for names", "err", err)
		return out
	}
	for _, m := range members {
		out[m.UserID] = m.Name
	}
	return out
}

func (s *Server) rows(subs []servicebot.FormSubmission, names map[string]string) []submissionRow {
	out := make([]submissionRow, 0, len(subs))
	for _, sub := range subs {
		title := sub.FormID
		if def, ok := s.forms.Catalog().Form(sub.FormID); ok {
			title = def.Title
		}
		who := names[sub.UserID]
		if who == "" {
			who = sub.UserID
		}
		at := sub.SubmittedAt
		if at.IsZero() {
			at = sub.UpdatedAt
		}
		out = append(out, submissionRow{ID: sub.ID, Title: title, Who: who, Status: statusName(sub.Status),
			Draft: sub.Status == servicebot.SubmissionDraft, At: at, FormID: sub.FormID, JobID: sub.JobID,
			Summary: sub.Values.Text("customer")})
	}
	return out
}

// home lists the forms the viewer may fill in, their drafts and recent
// submissions, and the manager's pages they may open.
func (s *Server) home(w http.ResponseWriter, r *http.Request, v Viewer) {
	var fillable []servicebot.FormDef
	for _, def := range s.forms.Catalog().All() {
		if v.MayFill(def) {
			fillable = append(fillable, def)
		}
	}
	mine, err := s.db.ListFormSubmissions(r.Context(), servicebot.FormFilter{UserIDs: []string{v.UserID}, Limit: 50})
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	var drafts, recent []servicebot.FormSubmission
	for _, sub := range mine {
		if sub.Status == servicebot.SubmissionDraft {
			drafts = append(drafts, sub)
		} else if len(recent) < 10 {
			recent = append(recent, sub)
		}
	}
	names := map[string]string{v.UserID: v.Name}
	s.render(w, r, http.StatusOK, "home.html", pageData{Title: "售后服务", Viewer: v, Fillable: fillable,
		Drafts: s.rows(drafts, names), Recent: s.rows(recent, names)})
}

// submissionList is the viewer's own records, or the department's (the
// archive's) for those who see it.
func (s *Server) submissionList(w http.ResponseWriter, r *http.Request, v Viewer) {
	q := r.URL.Query()
	f := submissionFilter{FormID: q.Get("form"), Status: q.Get("status")}
	filter := servicebot.FormFilter{FormID: f.FormID, Status: f.Status, Limit: 200}
	switch {
	case q.Get("mine") == "1" || !v.SeesArchive():
		filter.UserIDs = []string{v.UserID}
	case !v.SeesDepartment() || f.Status == "":
		// The archive holds submitted records; drafts stay their filer's.
		filter.Status = servicebot.SubmissionSubmitted
		f.Status = servicebot.SubmissionSubmitted
	}
	subs, err := s.db.ListFormSubmissions(r.Context(), filter)
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	var visible []servicebot.FormSubmission
	for _, sub := range subs {
		if v.MayView(sub) {
			visible = append(visible, sub)
		}
	}
	title := "我的记录"
	if len(filter.UserIDs) == 0 {
		title = "表单记录"
	}
	s.render(w, r, http.StatusOK, "submissions.html", pageData{Title: title, Viewer: v,
		Rows: s.rows(visible, s.names(r)), Filter: f, AllForms: s.forms.Catalog().All()})
}

type submissionView struct {
	Row      submissionRow
	Fields   []fieldView
	Approval int64 // the approval's id, when the viewer may open it
	Filed    bool  // filed an approval (shown even when the page is not the viewer's)
	New      bool
}

// submissionPage shows one submission as filled in.
func (s *Server) submissionPage(w http.ResponseWriter, r *http.Request, v Viewer) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	sub, err := s.db.FormSubmission(r.Context(), id)
	if errors.Is(err, servicebot.ErrNotFound) {
		s.fail(w, r, v, http.StatusNotFound, "记录不存在", "没有找到这条记录。")
		return
	}
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	if !v.MayView(sub) {
		s.refuse(w, r, v)
		return
	}
	if sub.Status == servicebot.SubmissionDraft {
		http.Redirect(w, r, fmt.Sprintf("/web/forms/%s?draft=%d", sub.FormID, sub.ID), http.StatusSeeOther)
		return
	}
	def, ok := s.forms.Catalog().Form(sub.FormID)
	if !ok {
		def = servicebot.FormDef{ID: sub.FormID, Title: sub.FormID}
	}
	rows := s.rows([]servicebot.FormSubmission{sub}, s.names(r))
	view := submissionView{Row: rows[0], Fields: s.view(def, v, sub.Values, nil, 0, 0).Fields,
		Filed: sub.ApprovalID != 0, New: r.URL.Query().Get("new") == "1"}
	if sub.ApprovalID != 0 && (v.SeesApprovals() || sub.UserID == v.UserID) {
		view.Approval = sub.ApprovalID
	}
	s.render(w, r, http.StatusOK, "submission.html", pageData{Title: def.Title, Viewer: v, Submission: view})
}

type approvalRow struct {
	ID        int64
	Kind      string
	Customer  string
	Amount    string
	Status    string
	Requester string
	At        time.Time
}

type approvalView struct {
	View   approvals.View
	Names  map[string]string
	Decide *decideView // the viewer's pending step, nil without one
	// Withdraw is the CSRF token of the 撤回 form, "" when the viewer may
	// not withdraw the request.
	Withdraw string
}

// stepStatus and eventName name a step's status and an audit event in
// Chinese; anything unnamed shows as it is.
func stepStatus(s string) string {
	return nameOr(s, map[string]string{
		servicebot.StepWaiting:   "未开始",
		servicebot.StepPending:   "待处理",
		servicebot.StepDecided:   "已处理",
		servicebot.StepCancelled: "已取消",
	})
}

func eventName(action string) string {
	return nameOr(action, map[string]string{
		servicebot.EventFiled:     "提交",
		servicebot.EventAssigned:  "分配",
		servicebot.EventDelegated: "代理",
		servicebot.EventDecided:   "决定",
		servicebot.EventReason:    "驳回理由",
		servicebot.EventReminded:  "提醒",
		servicebot.EventEscalated: "升级",
		servicebot.EventCopied:    "抄送",
		servicebot.EventClosed:    "结束",
		servicebot.EventWithdrawn: "撤回",
	})
}

// nameOr is names[key], or key itself when names has none.
func nameOr(key string, names map[string]string) string {
	if n, ok := names[key]; ok {
		return n
	}
	return key
}

// approvalList is the approvals audit (R-APV-4/5): every request, newest first.
func (s *Server) approvalList(w http.ResponseWriter, r *http.Request, v Viewer) {
	if !v.SeesApprovals() {
		s.refuse(w, r, v)
		return
	}
	list, err := s.db.ListApprovals(r.Context(), 200)
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	s.render(w, r, http.StatusOK, "approvals.html", pageData{Title: "审批记录", Viewer: v, Approvals: s.approvalRows(r, list), Tab: "all"})
}

// approvalPage is one request's chain and audit trail, with the decision
// form when a step of it waits for the viewer.
func (s *Server) approvalPage(w http.ResponseWriter, r *http.Request, v Viewer) {
	a, ok := s.approvalOfPath(w, r, v)
	if !ok {
		return
	}
	s.renderApproval(w, r, v, a, http.StatusOK, approvalNotice(r.URL.Query().Get("done")), "", "")
}

func (s *Server) renderApproval(w http.ResponseWriter, r *http.Request, v Viewer, a servicebot.Approval, status int,
	notice, problem, reason string) {
	_, approver := pendingStep(a, v.UserID)
	if !v.MayViewApproval(a) && !approver {
		s.refuse(w, r, v)
		return
	}
	decide, err := s.decideForm(r.Context(), a, v)
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	if decide != nil {
		decide.Problem, decide.Reason = problem, reason
	}
	view := approvalView{View: approvals.ViewOf(a), Names: s.names(r), Decide: decide}
	if s.withdrawable(a, v) {
		view.Withdraw = v.csrf
	}
	s.render(w, r, status, "approval.html", pageData{Title: fmt.Sprintf("审批 #%d", a.Request.ID), Viewer: v, Notice: notice,
		Approval: view})
}

// reportPeriod reads ?from=&to= (default: this month so far).
func (s *Server) reportPeriod(r *http.Request) (from, to servicebot.Date, err error) {
	today := servicebot.DateOf(s.cfg.Clock.Now().In(s.cfg.Location))
	from = servicebot.NewDate(today.Year, today.Month, 1)
	to = today
	if f := r.URL.Query().Get("from"); f != "" {
		if from, err = servicebot.ParseDate(f); err != nil {
			return from, to, err
		}
	}
	if t := r.URL.Query().Get("to"); t != "" {
		if to, err = servicebot.ParseDate(t); err != nil {
			return from, to, err
		}
	}
	if to.Before(from) {
		return from, to, errors.New("to before from")
	}
	return from, to, nil
}

// reportsPage offers the daily reports of a period as Excel.
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request, v Viewer) {
	if !v.SeesDepartment() {
		s.refuse(w, r, v)
		return
	}
	from, to, err := s.reportPeriod(r)
	if err != nil {
		s.fail(w, r, v, http.StatusBadRequest, "日期无效", "请选择有效的起止日期。")
		return
	}
	s.render(w, r, http.StatusOK, "reports.html", pageData{Title: "日报导出", Viewer: v,
		From: from.String(), To: to.String(), ReportsOffline: s.reports == nil})
}

// reportsExcel is the same workbook as `servicebot reports export --format xlsx`.
func (s *Server) reportsExcel(w http.ResponseWriter, r *http.Request, v Viewer) {
	if !v.SeesDepartment() {
		s.refuse(w, r, v)
		return
	}
	if s.reports == nil {
		s.fail(w, r, v, http.StatusServiceUnavailable, "暂不可用", "日报导出未启用。")
		return
	}
	from, to, err := s.reportPeriod(r)
	if err != nil || from.AddDays(366).Before(to) {
		s.fail(w, r, v, http.StatusBadRequest, "日期无效", "请选择有效的起止日期（最长一年）。")
		return
	}
	records, err := s.reports.Records(r.Context(), from, to, s.cfg.Clock.Now())
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="daily-reports-%s-%s.xlsx"`, from, to))
	if err := reportexport.WriteXLSX(w, records); err != nil {
		s.cfg.Logger.Error("web: write reports workbook", "err", err)
	}
}
