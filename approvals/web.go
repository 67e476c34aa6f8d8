package approvals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
)

// Why a decision made on the web page (待我审批) was not recorded. The page
// says each in Chinese; none of them changes anything.
var (
	// ErrNotApprover: the member is not the step's current approver (R-APV-5).
	ErrNotApprover = errors.New("approvals: not the step's current approver")
	// ErrDecided: the step is decided already (a second submit, or a tap
	// on the card in the meantime): the first decision stands.
	ErrDecided = errors.New("approvals: step already decided")
	// ErrReasonRequired: 驳回 on the web names its reason at once.
	ErrReasonRequired = errors.New("approvals: a rejection needs its reason")
	// ErrChoiceNotOffered: the step does not offer the choice.
	ErrChoiceNotOffered = errors.New("approvals: choice not offered by the step")
	// ErrNotRequester: only the request's requester may withdraw it.
	ErrNotRequester = errors.New("approvals: not the request's requester")
	// ErrNotWithdrawable: a step is decided already (or the request is
	// closed, or waits for dispatch with its service job open): it can no
	// longer be withdrawn.
	ErrNotWithdrawable = errors.New("approvals: request can no longer be withdrawn")
)

// Withdraw ends request id as withdrawn by its requester user (我的申请 →
// 撤回, issue 12) while nothing is decided, in its own transaction, with
// the decision's guarantees: only the requester; once (the pending step is
// cancelled by a conditional update, the row a decision updates, so a
// second submit or a decision racing it leaves one outcome); the pending
// approver's card updated (and the copies 待审批 sent again) and the
// approver told they need not act.
func (e *Engine[T]) Withdraw(ctx context.Context, id int64, user string) error {
	return e.inTx(ctx, func(tx T) error { return e.withdraw(ctx, tx, id, user) })
}

func (e *Engine[T]) withdraw(ctx context.Context, tx T, id int64, user string) error {
	a, err := tx.Approval(ctx, id)
	if err != nil {
		return err
	}
	if a.Request.Requester != user {
		return ErrNotRequester
	}
	step, ok := a.Current()
	decided := slices.ContainsFunc(a.Steps, func(s servicebot.ApprovalStep) bool { return s.Status == servicebot.StepDecided })
	// A dispatch step pending has its service job open (AwaitingDispatch):
	// the service manager closes that, not a withdrawal.
	if a.Request.Status != servicebot.ApprovalPending || !ok || decided || step.Action == servicebot.ActionDispatch {
		return ErrNotWithdrawable
	}
	now := e.clock.Now()
	done, err := tx.WithdrawApproval(ctx, id, step.ID, now)
	if err != nil {
		return err
	}
	if !done {
		return ErrNotWithdrawable
	}
	code, err := tx.SentResponseCode(ctx, "apv-card:"+step.TaskID)
	if err != nil {
		return err
	}
	a.Request.Status, a.Request.ClosedAt = servicebot.ApprovalWithdrawn, now
	step.Status = servicebot.StepCancelled
	names, err := namesOf(ctx, tx, user, step.ApproverID)
	if err != nil {
		return err
	}
	if err := e.updateCard(ctx, tx, a, step, "申请人已撤回", code, "", now); err != nil {
		return err
	}
	if err := e.audit(ctx, tx, id, step.ID, user, servicebot.EventWithdrawn, "申请人撤回，尚无审批人处理", now); err != nil {
		return err
	}
	text := fmt.Sprintf("%s 撤回了%s（%s），您无需再处理。", nameIn(names, user), title(a.Request), amountOrCustomer(a.Request))
	return e.tell(ctx, tx, fmt.Sprintf("apv-withdrawn:%d", id), step.ApproverID, text, now)
}

// Decide records member user's decision of step stepID made on the web
// page, in its own transaction: the same rules as a tap on the card
// (R-APV-5: only the current approver, once — the update is conditional, so
// a double submit or a tap racing it decides once), the same effects (the
// requester told, the next step started, copies sent), and the card the
// approver holds in chat updated with the code of its sending. A rejection
// carries its reason, passed on to the requester at once.
func (e *Engine[T]) Decide(ctx context.Context, stepID int64, user, choice, reason string) error {
	return e.inTx(ctx, func(tx T) error { return e.decideOnWeb(ctx, tx, stepID, user, choice, strings.TrimSpace(reason)) })
}

func (e *Engine[T]) decideOnWeb(ctx context.Context, tx T, stepID int64, user, choice, reason string) error {
	a, err := tx.ApprovalOfStep(ctx, stepID)
	if err != nil {
		return err
	}
	step, _ := a.Step(stepID)
	if step.Status != servicebot.StepPending || step.ApproverID != user {
		if step.Status == servicebot.StepDecided && step.ApproverID == user {
			return ErrDecided
		}
		return ErrNotApprover
	}
	decision, ok, err := e.decisionOf(ctx, tx, a.Request, step, choice)
	if err != nil {
		return err
	}
	if !ok {
		return ErrChoiceNotOffered
	}
	if decision == servicebot.ApprovalRejected && reason == "" {
		return ErrReasonRequired
	}
	// The response_code WeCom returned when the card was sent (the outbox
	// keeps it) updates that card: one use, 72 h (WECOM.md). "" when the
	// card is not sent yet: the card then keeps its buttons, and a tap on
	// it is answered as a tap on a decided step.
	code, err := tx.SentResponseCode(ctx, "apv-card:"+step.TaskID)
	if err != nil {
		return err
	}
	now := e.clock.Now()
	decided, err := tx.DecideApprovalStep(ctx, servicebot.StepDecision{
		StepID: step.ID, Approver: user, Decision: decision, Choice: choice, Comment: reason,
		ResponseCode: code, At: now,
	})
	if err != nil {
		return err
	}
	if !decided {
		return ErrDecided
	}
	step.Status, step.Decision, step.Choice, step.Comment, step.DecidedAt = servicebot.StepDecided, decision, choice, reason, now
	step.ResponseCode = code
	return e.afterDecision(ctx, tx, a, step, "", now)
}

// StepChoices are what the approver of step may choose, as on the card:
// the action's choices, and for a dispatch the engineers of the region.
func (e *Engine[T]) StepChoices(ctx context.Context, a servicebot.Approval, step servicebot.ApprovalStep) ([]servicebot.Choice, error) {
	var out []servicebot.Choice
	if step.Action == servicebot.ActionDispatch {
		err := e.inTx(ctx, func(tx T) error {
			engineers, err := e.engineersFor(ctx, tx, a.Request.Region)
			for _, m := range engineers {
				out = append(out, servicebot.Choice{Key: m.UserID, Label: "派 " + nameOr(m)})
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("approvals: choices of step %d: %w", step.ID, err)
		}
	}
	return append(out, step.Action.Choices()...), nil
}

// againKey starts the outbox key of every card 待审批 sent again for step
// stepID (the key ends with the copy's task_id): the step's decision finds
// them by it, to update each.
func againKey(stepID int64) string { return fmt.Sprintf("apv-again:%d:", stepID) }

func nameOr(m servicebot.Member) string {
	if m.Name != "" {
		return m.Name
	}
	return m.UserID
}

// PendingWords ask for the member's pending approval steps in chat.
var PendingWords = []string{"待审批", "待我审批", "我的审批"}

// maxPendingCards is how many pending steps 待审批 sends as cards; the page
// 待我审批 lists them all.
const maxPendingCards = 5

// SendPending answers 待审批 (issue 12): each step waiting for the member's
// decision comes again as its card (a new task_id: WeCom refuses one it has
// seen; the buttons name the step, so a tap decides it as on the first
// card), and a line with the count and the page.
func (e *Engine[T]) SendPending(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
	steps, err := e.db.PendingApprovalSteps(ctx)
	if err != nil {
		return false, err
	}
	user, now := ev.FromUserName, e.clock.Now()
	var mine []servicebot.ApprovalStep
	for _, s := range steps {
		if s.ApproverID == user {
			mine = append(mine, s)
		}
	}
	if len(mine) == 0 {
		return true, e.reply(ctx, tx, ev, "没有等您处理的审批。", now)
	}
	for i, step := range mine {
		if i == maxPendingCards {
			break
		}
		a, err := tx.Approval(ctx, step.RequestID)
		if err != nil {
			return false, err
		}
		card, err := e.cardFor(ctx, tx, a, step, "")
		if err != nil {
			return false, err
		}
		card.TaskID = fmt.Sprintf("%s-again%d", step.TaskID, ev.CreateTime)
		body, err := card.JSON()
		if err != nil {
			return false, fmt.Errorf("approvals: card: %w", err)
		}
		if err := e.enqueue(ctx, tx, servicebot.OutboxMessage{
			DedupKey: againKey(step.ID) + card.TaskID, Kind: servicebot.OutTemplateCard,
			ToUsers: user, Body: body, CreatedAt: now,
		}); err != nil {
			return false, err
		}
	}
	text := fmt.Sprintf("您有 %d 条待审批", len(mine))
	if len(mine) > maxPendingCards {
		text += fmt.Sprintf("，以上是等待最久的 %d 条", maxPendingCards)
	}
	text += "。"
	if e.pendingURL != "" {
		text += "\n全部待审批：" + e.pendingURL
	}
	return true, e.reply(ctx, tx, ev, text, now)
}
