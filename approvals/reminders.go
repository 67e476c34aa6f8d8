package approvals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/servicebot/servicebot"
)

// JobName is the scheduler job that reminds and escalates (R-APV-5).
const JobName = "approval-reminders"

// RemindDue looks at every pending step as of now: one pending
// EscalateAfter (48 h) since it started is handed, once, to the next level
// configured for its role, with a new card; one whose current approver has
// had it RemindAfter (24 h) is reminded, once per approver. Each step is
// handled in its own transaction behind a conditional update, so a re-run,
// a late run or two replicas never remind or escalate twice.
func (e *Engine[T]) RemindDue(ctx context.Context, now time.Time) error {
	steps, err := e.db.PendingApprovalSteps(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range steps {
		switch {
		case s.EscalatedAt.IsZero() && !now.Before(s.StartedAt.Add(e.rules.EscalateAfter)):
			err = e.inTx(ctx, func(tx T) error {
				done, err := e.escalate(ctx, tx, s, now)
				if err != nil || done || !s.RemindedAt.IsZero() || now.Before(s.AssignedAt.Add(e.rules.RemindAfter)) {
					return err
				}
				return e.remind(ctx, tx, s, now) // no level above: reminded only
			})
		case s.RemindedAt.IsZero() && !now.Before(s.AssignedAt.Add(e.rules.RemindAfter)):
			err = e.inTx(ctx, func(tx T) error { return e.remind(ctx, tx, s, now) })
		default:
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("approvals: step %d: %w", s.ID, err))
		}
	}
	return errors.Join(errs...)
}

// nextLevel is the level above role for the request's kind (R-APV-5):
// a parts compensation climbs service manager → sales VP → general manager.
func (e *Engine[T]) nextLevel(kind servicebot.RequestKind, role servicebot.Role) servicebot.Role {
	return e.rules.NextLevel(kind, role)
}

func (e *Engine[T]) remind(ctx context.Context, tx T, s servicebot.ApprovalStep, now time.Time) error {
	ok, err := tx.MarkApprovalReminded(ctx, s.ID, s.ApproverID, now)
	if err != nil || !ok {
		return err
	}
	a, err := tx.Approval(ctx, s.RequestID)
	if err != nil {
		return err
	}
	waited := now.Sub(s.AssignedAt).Truncate(time.Hour)
	text := fmt.Sprintf("提醒：%s（%s）已等待您%s %s，请在卡片上处理。", title(a.Request), amountOrCustomer(a.Request),
		s.Action.Name(), hours(waited))
	if next := e.nextLevel(a.Request.Kind, s.Role); next != "" && s.EscalatedAt.IsZero() {
		text += fmt.Sprintf("超过 %s 未处理将转交%s。", hours(e.rules.EscalateAfter), next.Name())
	}
	if err := e.tell(ctx, tx, fmt.Sprintf("apv-remind:%d:%s", s.ID, s.ApproverID), s.ApproverID, text, now); err != nil {
		return err
	}
	return e.audit(ctx, tx, s.RequestID, s.ID, s.ApproverID, servicebot.EventReminded,
		fmt.Sprintf("待处理 %s，提醒 %s", hours(waited), s.ApproverID), now)
}

// escalate hands s to the next level of its request's kind, reporting
// whether it did; a step with no level above, or whose next level is the
// same person, stays.
func (e *Engine[T]) escalate(ctx context.Context, tx T, s servicebot.ApprovalStep, now time.Time) (bool, error) {
	a, err := tx.Approval(ctx, s.RequestID)
	if err != nil {
		return false, err
	}
	role := e.nextLevel(a.Request.Kind, s.Role)
	if role == "" {
		return false, nil
	}
	// Nobody decides a case about themselves, and leave is honoured, at
	// the next level too: Assign may raise it further.
	as, err := e.approverFor(ctx, tx, a.Request, s.Action, role, now)
	if errors.Is(err, ErrNoApprover) {
		e.logger.Warn("approvals: nobody to escalate to", "step", s.ID, "role", role)
		return false, nil
	}
	if err != nil || as.Approver == s.ApproverID {
		return false, err // the next level is the same person: nothing to hand over
	}
	to, delegatedFrom, role := as.Approver, as.DelegatedFrom, as.Role
	ok, err := tx.EscalateApprovalStep(ctx, s.ID, s.ApproverID, to, role, delegatedFrom, taskID(a.Request, s.ID, 2), now)
	if err != nil || !ok {
		return false, err
	}
	if a, err = tx.Approval(ctx, s.RequestID); err != nil {
		return false, err
	}
	step, _ := a.Step(s.ID)
	r := a.Request
	note := fmt.Sprintf("%s超过 %s 未处理，由 %s（%s）转交 %s（%s）", step.Action.Name(), hours(now.Sub(s.StartedAt).Truncate(time.Hour)),
		s.ApproverID, s.Role.Name(), to, role.Name())
	if err := e.audit(ctx, tx, r.ID, s.ID, "", servicebot.EventEscalated, note, now); err != nil {
		return false, err
	}
	if err := e.sendCard(ctx, tx, a, step, now); err != nil {
		return false, err
	}
	toName, err := nameOf(ctx, tx, to)
	if err != nil {
		return false, err
	}
	if err := e.tell(ctx, tx, fmt.Sprintf("apv-escalated:%d:from", s.ID), s.ApproverID,
		fmt.Sprintf("%s超过 %s 未处理，已转交%s %s 处理。", title(r), hours(e.rules.EscalateAfter), role.Name(), toName), now); err != nil {
		return false, err
	}
	return true, e.tell(ctx, tx, fmt.Sprintf("apv-escalated:%d:requester", s.ID), r.Requester,
		fmt.Sprintf("您的%s等待超时，已转交%s %s 处理。", title(r), role.Name(), toName), now)
}

func hours(d time.Duration) string {
	return fmt.Sprintf("%d 小时", int(d.Hours()))
}
