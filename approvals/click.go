package approvals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
)

// Click handles a tap on an approval card's button (R-APV-5): only the
// step's current approver decides, once; the card is updated with the
// click's response_code, the requester is told and the next step starts.
// Anyone else is told NotApproverText and nothing changes. A repeated tap
// by whoever decided changes nothing and says nothing: the card already
// shows the decision.
func (e *Engine[T]) Click(ctx context.Context, tx T, ev wecommsg.Event) error {
	stepID, choice, ok := parseKey(ev.EventKey)
	if !ok {
		e.logger.Warn("approvals: unreadable button key", "key", ev.EventKey)
		return nil
	}
	a, err := tx.ApprovalOfStep(ctx, stepID)
	if errors.Is(err, servicebot.ErrNotFound) {
		e.logger.Warn("approvals: tap on the card of an unknown step", "step", stepID, "from", ev.FromUserName)
		return nil
	}
	if err != nil {
		return err
	}
	step, _ := a.Step(stepID)
	user := ev.FromUserName
	now := e.clock.Now()

	if choice == choiceDetail {
		if !e.involved(a, user) {
			return e.reply(ctx, tx, ev, NotApproverText, now)
		}
		names, err := namesOf(ctx, tx, participants(a)...)
		if err != nil {
			return err
		}
		machine, err := e.machineStatus(ctx, tx, a.Request)
		if err != nil {
			return err
		}
		return e.reply(ctx, tx, ev, Describe(inZone(a, e.loc), names, machine), now)
	}
	if step.Status != servicebot.StepPending || step.ApproverID != user {
		if step.ApproverID == user && step.Status == servicebot.StepDecided {
			return nil // a second tap on a card already decided
		}
		return e.reply(ctx, tx, ev, NotApproverText, now)
	}
	switch choice {
	case servicebot.ChoiceReject, ChoiceBack:
		// 驳回 is not one tap: the card turns into its second state, asking
		// to confirm (确认驳回) or go back (返回), which restores it.
		return e.confirmCard(ctx, tx, a, step, choice == servicebot.ChoiceReject, ev, now)
	case ChoiceConfirmReject:
		choice = servicebot.ChoiceReject
	}
	decision, ok, err := e.decisionOf(ctx, tx, a.Request, step, choice)
	if err != nil {
		return err
	}
	if !ok {
		e.logger.Warn("approvals: choice not offered by the step", "step", stepID, "choice", choice)
		return nil
	}
	decided, err := tx.DecideApprovalStep(ctx, servicebot.StepDecision{
		StepID: step.ID, Approver: user, Decision: decision, Choice: choice,
		AskReason: decision == servicebot.ApprovalRejected, ResponseCode: ev.ResponseCode, At: now,
	})
	if err != nil || !decided {
		return err // !decided: another delivery of this tap decided it a moment ago
	}
	step.Status, step.Decision, step.Choice, step.DecidedAt = servicebot.StepDecided, decision, choice, now
	step.ResponseCode = ev.ResponseCode
	return e.afterDecision(ctx, tx, a, step, ev.TaskID, now)
}

// decisionOf maps a button to a decision, if the step offers it.
func (e *Engine[T]) decisionOf(ctx context.Context, tx T, r servicebot.ApprovalRequest, step servicebot.ApprovalStep, choice string) (string, bool, error) {
	if choice == servicebot.ChoiceReject && slices.ContainsFunc(step.Action.Choices(), func(c servicebot.Choice) bool { return c.Key == choice }) {
		return servicebot.ApprovalRejected, true, nil
	}
	if step.Action == servicebot.ActionDispatch {
		engineers, err := e.engineersFor(ctx, tx, r.Region)
		if err != nil {
			return "", false, err
		}
		offered := slices.ContainsFunc(engineers, func(m servicebot.Member) bool { return m.UserID == choice })
		return servicebot.ApprovalApproved, offered, nil
	}
	return servicebot.ApprovalApproved, slices.ContainsFunc(step.Action.Choices(), func(c servicebot.Choice) bool { return c.Key == choice }), nil
}

// involved reports whether user may read the request's details: its
// requester or subject, or anyone on its chain.
func (e *Engine[T]) involved(a servicebot.Approval, user string) bool {
	if user == a.Request.Requester || user == a.Request.Subject {
		return true
	}
	return slices.ContainsFunc(a.Steps, func(s servicebot.ApprovalStep) bool {
		return s.ApproverID == user || s.EscalatedFrom == user || s.DelegatedFrom == user
	})
}

// afterDecision does everything a recorded decision causes, in its transaction.
//
// tapped is the task_id of the card tapped, "" for a decision on the web.
func (e *Engine[T]) afterDecision(ctx context.Context, tx T, a servicebot.Approval, step servicebot.ApprovalStep, tapped string, now time.Time) error {
	// a was read before this decision: whatever follows from it (the next
	// step, the service job of R-SVC-2's remote support) reads the decided
	// step, not the pending one.
	if i := slices.IndexFunc(a.Steps, func(s servicebot.ApprovalStep) bool { return s.ID == step.ID }); i >= 0 {
		a.Steps = slices.Clone(a.Steps)
		a.Steps[i] = step
	}
	r := a.Request
	names, err := namesOf(ctx, tx, append(participants(a), step.ApproverID, step.Choice)...)
	if err != nil {
		return err
	}
	result := choiceText(step, names)
	if err := e.updateCard(ctx, tx, a, step, "已"+result, step.ResponseCode, tapped, now); err != nil {
		return err
	}
	if err := e.audit(ctx, tx, r.ID, step.ID, step.ApproverID, servicebot.EventDecided,
		fmt.Sprintf("第 %d 步 %s%s：%s", step.Seq, step.Role.Name(), step.Action.Name(), result), now); err != nil {
		return err
	}
	head := fmt.Sprintf("您的%s（%s）：%s %s %s。", title(r), amountOrCustomer(r), step.Role.Name(), nameIn(names, step.ApproverID), result)
	if step.Decision == servicebot.ApprovalRejected {
		if _, err := tx.CloseApproval(ctx, r.ID, servicebot.ApprovalRejected, now); err != nil {
			return err
		}
		if err := e.audit(ctx, tx, r.ID, 0, "", servicebot.EventClosed, "已驳回", now); err != nil {
			return err
		}
		if step.Comment != "" {
			// Rejected on the web page, where the reason is required.
			if err := e.audit(ctx, tx, r.ID, step.ID, step.ApproverID, servicebot.EventReason, step.Comment, now); err != nil {
				return err
			}
			return e.tell(ctx, tx, fmt.Sprintf("apv-told:%d", step.ID), r.Requester, head+"申请已驳回，理由："+step.Comment, now)
		}
		if err := e.tell(ctx, tx, fmt.Sprintf("apv-told:%d", step.ID), r.Requester, head+"申请已驳回，理由稍后告知。", now); err != nil {
			return err
		}
		return e.tell(ctx, tx, fmt.Sprintf("apv-ask-reason:%d", step.ID), step.ApproverID,
			fmt.Sprintf("已驳回%s。请直接回复一条消息说明驳回理由，将转告申请人 %s。", title(r), nameIn(names, r.Requester)), now)
	}
	if err := e.sendCopies(ctx, tx, r, step, nameIn(names, step.ApproverID), now); err != nil {
		return err
	}
	if step.Action == servicebot.ActionDispatch {
		msg := fmt.Sprintf("派工通知：%s\n客户：%s（%s）", title(r)+" "+r.ServiceType.Name(), r.Customer, r.Region)
		if s := r.Site; s != nil {
			// Whom to call and where, and the machine (R-SVC-1, R-SVC-2).
			if c := s.ContactText(); c != "" {
				msg += "\n联系人：" + c
			}
			if s.Address != "" {
				msg += "\n地址：" + s.Address
			}
			if m := s.MachineText(); m != "" {
				msg += "\n设备：" + m
			}
			if f := s.FaultText(); f != "" {
				msg += "\n故障" + f
			}
		}
		machine, err := e.machineStatus(ctx, tx, r)
		if err != nil {
			return err
		}
		if machine != "" {
			msg += "\n设备状态：" + machine
		}
		msg += fmt.Sprintf("\n事由：%s\n申请人：%s。请尽快联系客户并安排服务。", r.Reason, nameIn(names, r.Requester))
		if plan := faultPlan(a); plan != "" {
			msg += "\n分管副总意见：" + plan
		}
		if e.hooks.Dispatched != nil {
			// The job's line goes in this notice: one message per dispatch.
			note, err := e.hooks.Dispatched(ctx, tx, a, step.Choice, now)
			if err != nil {
				return err
			}
			if note != "" {
				msg += "\n" + note
			}
		}
		if err := e.tell(ctx, tx, fmt.Sprintf("apv-dispatch:%d", step.ID), step.Choice, msg, now); err != nil {
			return err
		}
	}
	if next, ok := a.After(step.Seq); ok {
		if err := e.tell(ctx, tx, fmt.Sprintf("apv-told:%d", step.ID), r.Requester,
			head+fmt.Sprintf("下一步：%s%s。", next.Role.Name(), next.Action.Name()), now); err != nil {
			return err
		}
		return e.startStep(ctx, tx, a, next, now)
	}
	if _, err := tx.CloseApproval(ctx, r.ID, servicebot.ApprovalApproved, now); err != nil {
		return err
	}
	if err := e.audit(ctx, tx, r.ID, 0, "", servicebot.EventClosed, "已通过", now); err != nil {
		return err
	}
	done := head + "审批已全部完成。" + closingNote(r)
	if r.Subject == r.Requester && r.Amount > 0 {
		// One message for the engineer who filed and pays.
		done += fmt.Sprintf("\n您需缴纳 %s 元。\n%s", r.Amount, r.AmountNote)
	}
	if err := e.tell(ctx, tx, fmt.Sprintf("apv-told:%d", step.ID), r.Requester, done, now); err != nil {
		return err
	}
	if r.Subject != "" && r.Subject != r.Requester && r.Amount > 0 {
		// The engineer who pays sees the amount and why (R-TOOL-2, R-LIA-1/2).
		return e.tell(ctx, tx, fmt.Sprintf("apv-subject:%d", r.ID), r.Subject,
			fmt.Sprintf("%s已批准：您需缴纳 %s 元。\n%s\n事由：%s", title(r), r.Amount, r.AmountNote, r.Reason), now)
	}
	return nil
}

// sendCopies tells the roles the step names of its approval (R-APV-4);
// approver is the name of who approved.
func (e *Engine[T]) sendCopies(ctx context.Context, tx T, r servicebot.ApprovalRequest, step servicebot.ApprovalStep, approver string, now time.Time) error {
	var to []string
	for _, role := range step.Copies {
		for _, u := range e.org.Holders(role) {
			if u != step.ApproverID && u != r.Requester && !slices.Contains(to, u) {
				to = append(to, u)
			}
		}
	}
	if len(to) == 0 {
		return nil
	}
	text := fmt.Sprintf("抄送：%s（%s，客户 %s）已由%s %s 批准并执行，登记备案。", title(r), amountText(r), r.Customer,
		step.Role.Name(), approver)
	if err := e.tell(ctx, tx, fmt.Sprintf("apv-copy:%d", step.ID), strings.Join(to, "|"), text, now); err != nil {
		return err
	}
	return e.audit(ctx, tx, r.ID, step.ID, "", servicebot.EventCopied, "抄送 "+strings.Join(to, "、"), now)
}

func amountOrCustomer(r servicebot.ApprovalRequest) string {
	if r.Kind == servicebot.RequestService {
		return r.Customer
	}
	return amountText(r)
}

// faultPlan is the VP's on-site or remote decision of a fault request (R-SVC-2).
func faultPlan(a servicebot.Approval) string {
	for _, s := range a.Steps {
		if s.Action == servicebot.ActionFaultPlan && s.Decision == servicebot.ApprovalApproved {
			return servicebot.ChoiceLabel(s.Choice)
		}
	}
	return ""
}

// closingNote says what happens after the last approval.
func closingNote(r servicebot.ApprovalRequest) string {
	if r.Kind == servicebot.RequestParts {
		return "请销售部下达排产计划，供应物流部负责发运（R-APV-4）。"
	}
	return ""
}

// reply answers the tapper, once per delivery.
func (e *Engine[T]) reply(ctx context.Context, tx T, ev wecommsg.Event, text string, now time.Time) error {
	return e.tell(ctx, tx, "reply:"+ev.DedupKey(), ev.FromUserName, text, now)
}

// TakeReason takes a text as the reason of the sender's rejection when they
// owe one (rejected within the last two hours and not yet explained): it is
// recorded as the step's comment and told to the requester. It reports
// whether it took the text; otherwise the text is someone else's business.
func (e *Engine[T]) TakeReason(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
	text := strings.TrimSpace(ev.Content)
	if ev.MsgType != wecommsg.MsgText || text == "" {
		return false, nil
	}
	step, err := tx.AwaitedReason(ctx, ev.FromUserName)
	if errors.Is(err, servicebot.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := e.clock.Now()
	if now.Sub(step.DecidedAt) > reasonWindow {
		return false, nil
	}
	ok, err := tx.SetRejectReason(ctx, step.ID, text)
	if err != nil || !ok {
		return false, err
	}
	a, err := tx.Approval(ctx, step.RequestID)
	if err != nil {
		return false, err
	}
	r := a.Request
	if err := e.audit(ctx, tx, r.ID, step.ID, ev.FromUserName, servicebot.EventReason, text, now); err != nil {
		return false, err
	}
	names, err := namesOf(ctx, tx, step.ApproverID, r.Requester)
	if err != nil {
		return false, err
	}
	if err := e.tell(ctx, tx, fmt.Sprintf("apv-reason:%d", step.ID), r.Requester,
		fmt.Sprintf("您的%s被%s %s 驳回，理由：%s", title(r), step.Role.Name(), nameIn(names, step.ApproverID), text), now); err != nil {
		return false, err
	}
	return true, e.reply(ctx, tx, ev, fmt.Sprintf("已记录驳回理由，并告知申请人 %s。", nameIn(names, r.Requester)), now)
}
