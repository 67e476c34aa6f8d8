package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
)

// ApprovalEngine decides approval steps from the pages (*approvals.Engine):
// the same engine as the cards, so the same guarantees hold (R-APV-5).
type ApprovalEngine interface {
	Decide(ctx context.Context, stepID int64, user, choice, reason string) error
	StepChoices(ctx context.Context, a servicebot.Approval, step servicebot.ApprovalStep) ([]servicebot.Choice, error)
	// Withdraw ends the viewer's own request while nothing is decided (我的申请 → 撤回).
	Withdraw(ctx context.Context, id int64, user string) error
}

// withdrawable reports whether v may withdraw a from the page: their own
// request, pending, no step decided, not waiting for dispatch (the engine
// checks all of it again, in its transaction).
func (s *Server) withdrawable(a servicebot.Approval, v Viewer) bool {
	step, ok := a.Current()
	return s.cfg.Approvals != nil && a.Request.Requester == v.UserID && a.Request.Status == servicebot.ApprovalPending && ok &&
		step.Action != servicebot.ActionDispatch &&
		!slices.ContainsFunc(a.Steps, func(s servicebot.ApprovalStep) bool { return s.Status == servicebot.StepDecided })
}

// approvalWithdraw withdraws the viewer's own request posted from its page,
// then shows the page again (a redirect: a reload posts nothing).
func (s *Server) approvalWithdraw(w http.ResponseWriter, r *http.Request, v Viewer) {
	a, ok := s.approvalToAct(w, r, v, "网页审批未启用。")
	if !ok {
		return
	}
	err := s.cfg.Approvals.Withdraw(r.Context(), a.Request.ID, v.UserID)
	switch {
	case err == nil:
		s.cfg.Logger.Info("web: approval withdrawn", "request", a.Request.ID, "by", v.UserID)
		http.Redirect(w, r, fmt.Sprintf("/web/approvals/%d?done=withdrawn", a.Request.ID), http.StatusSeeOther)
	case errors.Is(err, approvals.ErrNotRequester):
		s.fail(w, r, v, http.StatusForbidden, "无法撤回", "只有申请人本人可以撤回申请。")
	case errors.Is(err, approvals.ErrNotWithdrawable):
		// A second submit finds it withdrawn (read again: two submits at
		// once both read it pending): the first withdrawal stands.
		if now, rerr := s.db.GetApproval(r.Context(), a.Request.ID); rerr == nil && now.Request.Status == servicebot.ApprovalWithdrawn {
			http.Redirect(w, r, fmt.Sprintf("/web/approvals/%d?done=withdrawn-already", a.Request.ID), http.StatusSeeOther)
			return
		}
		s.fail(w, r, v, http.StatusConflict, "无法撤回", "审批人已经处理过这条申请（或已进入派工），不能再撤回。")
	default:
		s.internal(w, r, v, err)
	}
}

// decideView is the decision form of the step the viewer may decide now.
type decideView struct {
	StepID  int64
	Action  string // 审批, 派工 …
	Choices []servicebot.Choice
	Reject  bool // the step offers 驳回
	CSRF    string
	Problem string
	Reason  string // what was typed, shown again with Problem
}

// pendingStep is the viewer's pending step of a, if any.
func pendingStep(a servicebot.Approval, user string) (servicebot.ApprovalStep, bool) {
	for _, s := range a.Steps {
		if s.Status == servicebot.StepPending && s.ApproverID == user {
			return s, true
		}
	}
	return servicebot.ApprovalStep{}, false
}

// approvalTabs are the lists of approvals a viewer has.
func (s *Server) approvalRows(r *http.Request, list []servicebot.Approval) []approvalRow {
	names := s.names(r)
	rows := make([]approvalRow, 0, len(list))
	for _, a := range list {
		req := a.Request
		kind := req.Kind.Name()
		if req.ServiceType != "" {
			kind += "（" + req.ServiceType.Name() + "）"
		}
		rows = append(rows, approvalRow{ID: req.ID, Kind: kind, Customer: req.Customer, Amount: req.Amount.String(),
			Status: servicebot.ApprovalStatusName(req.Status), Requester: nameIn(names, req.Requester), At: req.CreatedAt})
	}
	return rows
}

func nameIn(names map[string]string, user string) string {
	if n := names[user]; n != "" {
		return n
	}
	return user
}

// approvalsPending is 待我审批: the requests waiting for the viewer's
// decision, longest waiting first.
func (s *Server) approvalsPending(w http.ResponseWriter, r *http.Request, v Viewer) {
	steps, err := s.db.PendingApprovalSteps(r.Context())
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	var list []servicebot.Approval
	for _, st := range steps {
		if st.ApproverID != v.UserID {
			continue
		}
		a, err := s.db.GetApproval(r.Context(), st.RequestID)
		if err != nil {
			s.internal(w, r, v, err)
			return
		}
		list = append(list, a)
	}
	s.render(w, r, http.StatusOK, "approvals.html", pageData{Title: "待我审批", Viewer: v, Approvals: s.approvalRows(r, list),
		Tab: "pending"})
}

// approvalsMine is 我的申请: the viewer's own requests, newest first.
func (s *Server) approvalsMine(w http.ResponseWriter, r *http.Request, v Viewer) {
	all, err := s.db.ListApprovals(r.Context(), 500)
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	mine := slices.DeleteFunc(all, func(a servicebot.Approval) bool { return a.Request.Requester != v.UserID })
	s.render(w, r, http.StatusOK, "approvals.html", pageData{Title: "我的申请", Viewer: v, Approvals: s.approvalRows(r, mine),
		Tab: "mine"})
}

// decideForm is the form of the viewer's pending step of a, nil when they
// have none (or the pages cannot decide).
func (s *Server) decideForm(ctx context.Context, a servicebot.Approval, v Viewer) (*decideView, error) {
	step, ok := pendingStep(a, v.UserID)
	if !ok || s.cfg.Approvals == nil {
		return nil, nil
	}
	choices, err := s.cfg.Approvals.StepChoices(ctx, a, step)
	if err != nil {
		return nil, err
	}
	d := &decideView{StepID: step.ID, Action: step.Action.Name(), CSRF: v.csrf}
	for _, c := range choices {
		if c.Key == servicebot.ChoiceReject {
			d.Reject = true
			continue
		}
		d.Choices = append(d.Choices, c)
	}
	return d, nil
}

// approvalDecide records the viewer's decision posted from the request's
// page, then shows the page again (a redirect: a reload posts nothing).
func (s *Server) approvalDecide(w http.ResponseWriter, r *http.Request, v Viewer) {
	stepID, _ := strconv.ParseInt(r.PostFormValue("step"), 10, 64)
	a, ok := s.approvalToAct(w, r, v, "网页审批未启用，请在企业微信的审批卡片上处理。")
	if !ok {
		return
	}
	if _, ok := a.Step(stepID); !ok {
		s.fail(w, r, v, http.StatusBadRequest, "无法处理", "这一步不属于这条审批。")
		return
	}
	choice, reason := r.PostFormValue("choice"), r.PostFormValue("reason")
	err := s.cfg.Approvals.Decide(r.Context(), stepID, v.UserID, choice, reason)
	var problem string
	switch {
	case err == nil:
		s.cfg.Logger.Info("web: approval decided", "request", a.Request.ID, "step", stepID, "by", v.UserID, "choice", choice)
		http.Redirect(w, r, fmt.Sprintf("/web/approvals/%d?done=decided", a.Request.ID), http.StatusSeeOther)
		return
	case errors.Is(err, approvals.ErrDecided):
		http.Redirect(w, r, fmt.Sprintf("/web/approvals/%d?done=already", a.Request.ID), http.StatusSeeOther)
		return
	case errors.Is(err, approvals.ErrNotApprover):
		s.fail(w, r, v, http.StatusForbidden, "无法处理", approvals.NotApproverText)
		return
	case errors.Is(err, approvals.ErrReasonRequired):
		problem = "驳回需要填写理由，理由会转告申请人。"
	case errors.Is(err, approvals.ErrChoiceNotOffered):
		problem = "请选择本步骤提供的处理方式。"
	default:
		s.internal(w, r, v, err)
		return
	}
	s.renderApproval(w, r, v, a, http.StatusUnprocessableEntity, "", problem, reason)
}

func approvalNotice(done string) string {
	switch done {
	case "decided":
		return "已处理，审批卡片和申请人都已同步。"
	case "already":
		return "这一步已经处理过了，以第一次处理为准。"
	case "withdrawn":
		return "已撤回，审批人的卡片已同步。"
	case "withdrawn-already":
		return "这条申请已经撤回了。"
	}
	return ""
}

// approvalToAct is approvalOfPath for a page that acts on the request
// through the engine: without one it answers 503, saying why.
func (s *Server) approvalToAct(w http.ResponseWriter, r *http.Request, v Viewer, why string) (servicebot.Approval, bool) {
	if s.cfg.Approvals == nil {
		s.fail(w, r, v, http.StatusServiceUnavailable, "暂不可用", why)
		return servicebot.Approval{}, false
	}
	return s.approvalOfPath(w, r, v)
}

// approvalOfPath reads the request of /web/approvals/{id}, answering a
// missing one itself.
func (s *Server) approvalOfPath(w http.ResponseWriter, r *http.Request, v Viewer) (servicebot.Approval, bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	a, err := s.db.GetApproval(r.Context(), id)
	if errors.Is(err, servicebot.ErrNotFound) {
		s.fail(w, r, v, http.StatusNotFound, "审批不存在", "没有找到这条审批。")
		return a, false
	}
	if err != nil {
		s.internal(w, r, v, err)
		return a, false
	}
	return a, true
}
