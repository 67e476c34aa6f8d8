package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/servicebot/servicebot"
)

const approvalRequestColumns = `id, kind, service_type, urgent, amount_fen, amount_note, customer, region, reason,
	evidence_kind, evidence_url, requester, subject, details, rules_version, status, created_at, closed_at, withdrawn_at`

const approvalStepColumns = `id, request_id, seq, role, action, copies, status, approver_id, delegated_from,
	escalated_from, escalated_at, decision, choice, comment, awaiting_reason, started_at, assigned_at,
	reminded_at, decided_at, task_id, response_code, rules_version`

// approvalDetails is the details column: the fields only some kinds have.
type approvalDetails struct {
	Tool *servicebot.ToolLoss    `json:"tool,omitempty"`
	Fine *servicebot.FineBasis   `json:"fine,omitempty"`
	Site *servicebot.ServiceSite `json:"site,omitempty"`
}

type approvalRequestRow struct {
	ID           int64    `db:"id"`
	Kind         string   `db:"kind"`
	ServiceType  string   `db:"service_type"`
	Urgent       bool     `db:"urgent"`
	AmountFen    int64    `db:"amount_fen"`
	AmountNote   string   `db:"amount_note"`
	Customer     string   `db:"customer"`
	Region       string   `db:"region"`
	Reason       string   `db:"reason"`
	EvidenceKind string   `db:"evidence_kind"`
	EvidenceURL  string   `db:"evidence_url"`
	Requester    string   `db:"requester"`
	Subject      string   `db:"subject"`
	Details      []byte   `db:"details"`
	RulesVersion string   `db:"rules_version"`
	Status       string   `db:"status"`
	CreatedAt    nullTime `db:"created_at"`
	ClosedAt     nullTime `db:"closed_at"`
	WithdrawnAt  nullTime `db:"withdrawn_at"`
}

func (r approvalRequestRow) request() (servicebot.ApprovalRequest, error) {
	var d approvalDetails
	if err := json.Unmarshal(r.Details, &d); err != nil {
		return servicebot.ApprovalRequest{}, fmt.Errorf("request %d details: %w", r.ID, err)
	}
	status := r.Status
	if !r.WithdrawnAt.IsZero() {
		// Stored as rejected (SQLite cannot widen the status CHECK without
		// rebuilding a table five others reference); withdrawn_at tells.
		status = servicebot.ApprovalWithdrawn
	}
	return servicebot.ApprovalRequest{
		ID: r.ID, Kind: servicebot.RequestKind(r.Kind), ServiceType: servicebot.ServiceType(r.ServiceType),
		Urgent: r.Urgent, Amount: servicebot.Fen(r.AmountFen), AmountNote: r.AmountNote,
		Customer: r.Customer, Region: r.Region, Reason: r.Reason,
		Evidence:  servicebot.Evidence{Kind: r.EvidenceKind, URL: r.EvidenceURL},
		Requester: r.Requester, Subject: r.Subject, Tool: d.Tool, Fine: d.Fine, Site: d.Site,
		RulesVersion: r.RulesVersion, Status: status, CreatedAt: r.CreatedAt.Time, ClosedAt: r.ClosedAt.Time,
	}, nil
}

type approvalStepRow struct {
	ID             int64    `db:"id"`
	RequestID      int64    `db:"request_id"`
	Seq            int      `db:"seq"`
	Role           string   `db:"role"`
	Action         string   `db:"action"`
	Copies         string   `db:"copies"`
	Status         string   `db:"status"`
	ApproverID     string   `db:"approver_id"`
	DelegatedFrom  string   `db:"delegated_from"`
	EscalatedFrom  string   `db:"escalated_from"`
	EscalatedAt    nullTime `db:"escalated_at"`
	Decision       string   `db:"decision"`
	Choice         string   `db:"choice"`
	Comment        string   `db:"comment"`
	AwaitingReason bool     `db:"awaiting_reason"`
	StartedAt      nullTime `db:"started_at"`
	AssignedAt     nullTime `db:"assigned_at"`
	RemindedAt     nullTime `db:"reminded_at"`
	DecidedAt      nullTime `db:"decided_at"`
	TaskID         string   `db:"task_id"`
	ResponseCode   string   `db:"response_code"`
	RulesVersion   string   `db:"rules_version"`
}

func (r approvalStepRow) step() servicebot.ApprovalStep {
	var copies []servicebot.Role
	for c := range strings.SplitSeq(r.Copies, "|") {
		if c != "" {
			copies = append(copies, servicebot.Role(c))
		}
	}
	return servicebot.ApprovalStep{
		ID: r.ID, RequestID: r.RequestID, Seq: r.Seq, Role: servicebot.Role(r.Role),
		Action: servicebot.StepAction(r.Action), Copies: copies, Status: r.Status,
		ApproverID: r.ApproverID, DelegatedFrom: r.DelegatedFrom, EscalatedFrom: r.EscalatedFrom,
		EscalatedAt: r.EscalatedAt.Time, Decision: r.Decision, Choice: r.Choice, Comment: r.Comment,
		AwaitingReason: r.AwaitingReason, StartedAt: r.StartedAt.Time, AssignedAt: r.AssignedAt.Time,
		RemindedAt: r.RemindedAt.Time, DecidedAt: r.DecidedAt.Time, TaskID: r.TaskID,
		ResponseCode: r.ResponseCode, RulesVersion: r.RulesVersion,
	}
}

type approvalEventRow struct {
	ID        int64         `db:"id"`
	RequestID int64         `db:"request_id"`
	StepID    sql.NullInt64 `db:"step_id"`
	At        nullTime      `db:"at"`
	Actor     string        `db:"actor"`
	Action    string        `db:"action"`
	Note      string        `db:"note"`
}

// CreateApproval stores a prepared request and its chain, every step
// waiting, and returns them with their ids. The caller starts the first step.
func (tx *Tx) CreateApproval(ctx context.Context, req servicebot.ApprovalRequest, chain []servicebot.PlannedStep) (servicebot.Approval, error) {
	details, err := json.Marshal(approvalDetails{Tool: req.Tool, Fine: req.Fine, Site: req.Site})
	if err != nil {
		return servicebot.Approval{}, fmt.Errorf("store: create approval: %w", err)
	}
	q := tx.sqlx
	err = q.GetContext(ctx, &req.ID, q.Rebind(`
		INSERT INTO approval_requests (kind, service_type, urgent, amount_fen, amount_note, customer, region,
			reason, evidence_kind, evidence_url, requester, subject, details, rules_version, status, created_at,
			idempotency_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`),
		string(req.Kind), string(req.ServiceType), req.Urgent, int64(req.Amount), req.AmountNote, req.Customer,
		req.Region, req.Reason, req.Evidence.Kind, req.Evidence.URL, req.Requester, req.Subject, string(details),
		req.RulesVersion, servicebot.ApprovalPending, ts(req.CreatedAt), idempotencyKey(req.IdempotencyKey))
	if err != nil {
		return servicebot.Approval{}, fmt.Errorf("store: create approval: %w", err)
	}
	for i, p := range chain {
		copies := make([]string, len(p.Copies))
		for j, c := range p.Copies {
			copies[j] = string(c)
		}
		_, err := q.ExecContext(ctx, q.Rebind(`
			INSERT INTO approval_steps (request_id, seq, role, action, copies, status, rules_version)
			VALUES (?, ?, ?, ?, ?, ?, ?)`),
			req.ID, i+1, string(p.Role), string(p.Action), strings.Join(copies, "|"), servicebot.StepWaiting, req.RulesVersion)
		if err != nil {
			return servicebot.Approval{}, fmt.Errorf("store: create approval %d step %d: %w", req.ID, i+1, err)
		}
	}
	return getApproval(ctx, q, req.ID, false)
}

// idempotencyKey is the column's value: NULL for none.
func idempotencyKey(key string) any {
	if key == "" {
		return nil
	}
	return key
}

// ApprovalByIdempotencyKey returns the request filed with key, or an error
// wrapping servicebot.ErrNotFound.
func (tx *Tx) ApprovalByIdempotencyKey(ctx context.Context, key string) (servicebot.Approval, error) {
	return tx.approvalWhere(ctx, fmt.Sprintf("approval with key %q", key), `SELECT id FROM approval_requests WHERE idempotency_key = ?`, key)
}

// Approval returns a request with its chain, read in the transaction.
func (tx *Tx) Approval(ctx context.Context, id int64) (servicebot.Approval, error) {
	return getApproval(ctx, tx.sqlx, id, false)
}

// ApprovalOfStep returns the request a step belongs to, with its chain.
func (tx *Tx) ApprovalOfStep(ctx context.Context, stepID int64) (servicebot.Approval, error) {
	return tx.approvalWhere(ctx, fmt.Sprintf("approval of step %d", stepID), `SELECT request_id FROM approval_steps WHERE id = ?`, stepID)
}

// approvalWhere returns, with its chain, the request whose id query selects
// by arg; what names it in the error wrapping servicebot.ErrNotFound.
func (tx *Tx) approvalWhere(ctx context.Context, what, query string, arg any) (servicebot.Approval, error) {
	var id int64
	if err := getOne(ctx, tx.sqlx, what, &id, tx.sqlx.Rebind(query), arg); err != nil {
		return servicebot.Approval{}, err
	}
	return getApproval(ctx, tx.sqlx, id, false)
}

// GetApproval returns a request with its chain and its audit trail.
func (db *DB) GetApproval(ctx context.Context, id int64) (servicebot.Approval, error) {
	return getApproval(ctx, db.sqlx, id, true)
}

// ListApprovals returns the newest requests first, each with its chain and
// audit trail.
func (db *DB) ListApprovals(ctx context.Context, limit int) ([]servicebot.Approval, error) {
	var ids []int64
	err := db.sqlx.SelectContext(ctx, &ids, db.sqlx.Rebind(`SELECT id FROM approval_requests ORDER BY id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("store: list approvals: %w", err)
	}
	out := make([]servicebot.Approval, 0, len(ids))
	for _, id := range ids {
		a, err := getApproval(ctx, db.sqlx, id, true)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func getApproval(ctx context.Context, q sqlx.ExtContext, id int64, withEvents bool) (servicebot.Approval, error) {
	var row approvalRequestRow
	if err := getOne(ctx, q, fmt.Sprintf("approval %d", id), &row, q.Rebind(`SELECT `+approvalRequestColumns+` FROM approval_requests WHERE id = ?`), id); err != nil {
		return servicebot.Approval{}, err
	}
	var a servicebot.Approval
	var err error
	if a.Request, err = row.request(); err != nil {
		return servicebot.Approval{}, fmt.Errorf("store: approval %d: %w", id, err)
	}
	var steps []approvalStepRow
	err = sqlx.SelectContext(ctx, q, &steps, q.Rebind(`SELECT `+approvalStepColumns+` FROM approval_steps WHERE request_id = ? ORDER BY seq`), id)
	if err != nil {
		return servicebot.Approval{}, fmt.Errorf("store: approval %d steps: %w", id, err)
	}
	for _, s := range steps {
		a.Steps = append(a.Steps, s.step())
	}
	if !withEvents {
		return a, nil
	}
	var events []approvalEventRow
	err = sqlx.SelectContext(ctx, q, &events, q.Rebind(`
		SELECT id, request_id, step_id, at, actor, action, note FROM approval_events WHERE request_id = ? ORDER BY id`), id)
	if err != nil {
		return servicebot.Approval{}, fmt.Errorf("store: approval %d events: %w", id, err)
	}
	for _, e := range events {
		a.Events = append(a.Events, servicebot.ApprovalEvent{ID: e.ID, RequestID: e.RequestID, StepID: e.StepID.Int64,
			At: e.At.Time, Actor: e.Actor, Action: e.Action, Note: e.Note})
	}
	return a, nil
}

// StartApprovalStep makes a waiting step pending with approver, whose card
// has taskID. It reports false when the step was not waiting (started already).
func (tx *Tx) StartApprovalStep(ctx context.Context, stepID int64, approver, delegatedFrom, taskID string, now time.Time) (bool, error) {
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE approval_steps SET status = ?, approver_id = ?, delegated_from = ?, task_id = ?,
			started_at = ?, assigned_at = ?
		WHERE id = ? AND status = ?`),
		servicebot.StepPending, approver, delegatedFrom, taskID, ts(now), ts(now), stepID, servicebot.StepWaiting))
	if err != nil {
		return false, fmt.Errorf("store: start approval step %d: %w", stepID, err)
	}
	return ok, nil
}

// DecideApprovalStep records d if, and only if, the step is still pending
// with d.Approver as its approver: one conditional UPDATE, so of two taps or
// two deliveries of a callback, even at once on two replicas, exactly one
// decides and the other gets false.
func (tx *Tx) DecideApprovalStep(ctx context.Context, d servicebot.StepDecision) (bool, error) {
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE approval_steps SET status = ?, decision = ?, choice = ?, comment = ?, awaiting_reason = ?,
			response_code = ?, decided_at = ?
		WHERE id = ? AND status = ? AND approver_id = ?`),
		servicebot.StepDecided, d.Decision, d.Choice, d.Comment, d.AskReason, d.ResponseCode, ts(d.At),
		d.StepID, servicebot.StepPending, d.Approver))
	if err != nil {
		return false, fmt.Errorf("store: decide approval step %d: %w", d.StepID, err)
	}
	return ok, nil
}

// CloseApproval ends a pending request as approved or rejected, cancelling
// the steps that were still waiting. It reports false when it was closed already.
func (tx *Tx) CloseApproval(ctx context.Context, id int64, status string, now time.Time) (bool, error) {
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE approval_requests SET status = ?, closed_at = ? WHERE id = ? AND status = ?`),
		status, ts(now), id, servicebot.ApprovalPending))
	if err != nil || !ok {
		return false, approvalErr("store: close approval", id, err)
	}
	return true, approvalErr("store: close approval", id, tx.cancelWaitingSteps(ctx, id))
}

// WithdrawApproval ends pending request id as withdrawn by its requester,
// provided stepID, its step pending now, is still undecided: the step is
// cancelled first (the same row a decision updates, so a decision racing
// the withdrawal either comes first, and the withdrawal reports false, or
// finds the step cancelled and decides nothing), then the request is
// closed and its waiting steps cancelled. It reports false, changing
// nothing the caller keeps, when the step or the request was decided
// already; the caller then rolls its transaction back.
func (tx *Tx) WithdrawApproval(ctx context.Context, id, stepID int64, now time.Time) (bool, error) {
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE approval_steps SET status = ? WHERE id = ? AND request_id = ? AND status = ?`),
		servicebot.StepCancelled, stepID, id, servicebot.StepPending))
	if err != nil || !ok {
		return false, approvalErr("store: withdraw approval", id, err)
	}
	// The status stays within the column's CHECK: see request().
	ok, err = rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE approval_requests SET status = ?, closed_at = ?, withdrawn_at = ? WHERE id = ? AND status = ?`),
		servicebot.ApprovalRejected, ts(now), ts(now), id, servicebot.ApprovalPending))
	if err != nil || !ok {
		return false, approvalErr("store: withdraw approval", id, err)
	}
	return true, approvalErr("store: withdraw approval", id, tx.cancelWaitingSteps(ctx, id))
}

// cancelWaitingSteps cancels the steps of request id not started yet.
func (tx *Tx) cancelWaitingSteps(ctx context.Context, id int64) error {
	_, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE approval_steps SET status = ? WHERE request_id = ? AND status = ?`),
		servicebot.StepCancelled, id, servicebot.StepWaiting)
	return err
}

// AwaitedReason returns the step whose rejection reason userID still owes,
// the latest one if several.
func (tx *Tx) AwaitedReason(ctx context.Context, userID string) (servicebot.ApprovalStep, error) {
	var row approvalStepRow
	err := tx.sqlx.GetContext(ctx, &row, tx.sqlx.Rebind(`
		SELECT `+approvalStepColumns+` FROM approval_steps
		WHERE approver_id = ? AND awaiting_reason ORDER BY decided_at DESC, id DESC LIMIT 1`), userID)
	if errors.Is(err, sql.ErrNoRows) {
		return servicebot.ApprovalStep{}, fmt.Errorf("store: awaited reason of %s: %w", userID, servicebot.ErrNotFound)
	}
	if err != nil {
		return servicebot.ApprovalStep{}, fmt.Errorf("store: awaited reason of %s: %w", userID, err)
	}
	return row.step(), nil
}

// SetRejectReason records the reason of a rejection still awaiting one. It
// reports false when the reason was given already.
func (tx *Tx) SetRejectReason(ctx context.Context, stepID int64, reason string) (bool, error) {
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE approval_steps SET comment = ?, awaiting_reason = ? WHERE id = ? AND awaiting_reason`),
		reason, false, stepID))
	return ok, approvalErr("store: set reject reason", stepID, err)
}

// MarkApprovalReminded records that the step's current approver was
// reminded. It reports false when they were reminded already.
func (tx *Tx) MarkApprovalReminded(ctx context.Context, stepID int64, approver string, now time.Time) (bool, error) {
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE approval_steps SET reminded_at = ?
		WHERE id = ? AND status = ? AND approver_id = ? AND reminded_at IS NULL`),
		ts(now), stepID, servicebot.StepPending, approver))
	return ok, approvalErr("store: mark approval reminded", stepID, err)
}

// EscalateApprovalStep hands a pending step from one approver to another,
// once: a step escalated before, decided, or no longer with from is left
// alone and false returned. The new approver's card has taskID; the step's
// role becomes role, the level that now decides (cards and the audit name it).
func (tx *Tx) EscalateApprovalStep(ctx context.Context, stepID int64, from, to string, role servicebot.Role, delegatedFrom, taskID string, now time.Time) (bool, error) {
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE approval_steps SET approver_id = ?, role = ?, delegated_from = ?, escalated_from = ?, escalated_at = ?,
			assigned_at = ?, reminded_at = NULL, task_id = ?
		WHERE id = ? AND status = ? AND approver_id = ? AND escalated_at IS NULL`),
		to, string(role), delegatedFrom, from, ts(now), ts(now), taskID, stepID, servicebot.StepPending, from))
	return ok, approvalErr("store: escalate approval step", stepID, err)
}

// AddApprovalEvent appends a line to a request's audit trail.
func (tx *Tx) AddApprovalEvent(ctx context.Context, e servicebot.ApprovalEvent) error {
	stepID := sql.NullInt64{Int64: e.StepID, Valid: e.StepID != 0}
	_, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		INSERT INTO approval_events (request_id, step_id, at, actor, action, note) VALUES (?, ?, ?, ?, ?, ?)`),
		e.RequestID, stepID, ts(e.At), e.Actor, e.Action, e.Note)
	return approvalErr("store: add approval event", e.RequestID, err)
}

// PendingApprovalSteps lists the steps waiting for a decision, longest
// assigned first (the reminder job).
func (db *DB) PendingApprovalSteps(ctx context.Context) ([]servicebot.ApprovalStep, error) {
	var rows []approvalStepRow
	err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(`
		SELECT `+approvalStepColumns+` FROM approval_steps WHERE status = ? ORDER BY assigned_at, id`),
		servicebot.StepPending)
	if err != nil {
		return nil, fmt.Errorf("store: pending approval steps: %w", err)
	}
	out := make([]servicebot.ApprovalStep, len(rows))
	for i, r := range rows {
		out[i] = r.step()
	}
	return out, nil
}

// OnLeave reports whether userID has recorded, not cancelled leave covering
// day (the leaves table of the people store), in the transaction: an
// approver on leave gets their delegate.
func (tx *Tx) OnLeave(ctx context.Context, userID string, day servicebot.Date) (bool, error) {
	var n int
	err := tx.sqlx.GetContext(ctx, &n, tx.sqlx.Rebind(`
		SELECT COUNT(*) FROM leaves
		WHERE user_id = ? AND cancelled_at IS NULL AND from_day <= ? AND to_day >= ?`),
		userID, day.String(), day.String())
	if err != nil {
		return false, fmt.Errorf("store: on leave %s %s: %w", userID, day, err)
	}
	return n > 0, nil
}

// rowChanged reports whether an UPDATE touched a row.
func rowChanged(res sql.Result, err error) (bool, error) {
	n, err := rowsChanged(res, err)
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// rowsChanged is how many rows a statement changed, given ExecContext's
// result and error.
func rowsChanged(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func approvalErr(what string, id int64, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %d: %w", what, id, err)
}
