// Package approvals runs the approval chains of the manual (R-SVC-1/2,
// R-APV-1…5, R-TOOL-2, R-LIA-1/2) as chat cards: it files a request, sends
// the current approver a button card, records a tap as the decision, updates
// the card, tells the requester and starts the next step, and reminds and
// escalates approvals left pending. The rules themselves are the root
// package's (servicebot.ApprovalRules); this package does the I/O around them.
//
// Every state change and the messages it causes are written in one
// transaction (DESIGN, flow 2). Each decision is a conditional update on the
// step (pending, and the clicker is its approver), so a double tap or a
// callback delivered again decides nothing twice.
package approvals

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/txn"
)

// CardPrefix starts the key of every button of an approval card:
// "apv:<step id>:<choice>".
const CardPrefix = "apv:"

// NotApproverText is the answer to a tap by anyone but the step's current approver.
const NotApproverText = "您不是此审批的当前处理人"

// reasonWindow is how long after a rejection the approver's next text is
// taken as its reason; later texts are ordinary messages again.
const reasonWindow = 2 * time.Hour

// Tx is the part of a store transaction the engine writes through
// (*store.Tx implements it).
type Tx interface {
	EnqueueOutbox(ctx context.Context, m servicebot.OutboxMessage) (id int64, inserted bool, err error)
	CreateApproval(ctx context.Context, req servicebot.ApprovalRequest, chain []servicebot.PlannedStep) (servicebot.Approval, error)
	ApprovalByIdempotencyKey(ctx context.Context, key string) (servicebot.Approval, error)
	Approval(ctx context.Context, id int64) (servicebot.Approval, error)
	ApprovalOfStep(ctx context.Context, stepID int64) (servicebot.Approval, error)
	StartApprovalStep(ctx context.Context, stepID int64, approver, delegatedFrom, taskID string, now time.Time) (bool, error)
	DecideApprovalStep(ctx context.Context, d servicebot.StepDecision) (bool, error)
	CloseApproval(ctx context.Context, id int64, status string, now time.Time) (bool, error)
	AwaitedReason(ctx context.Context, userID string) (servicebot.ApprovalStep, error)
	SetRejectReason(ctx context.Context, stepID int64, reason string) (bool, error)
	MarkApprovalReminded(ctx context.Context, stepID int64, approver string, now time.Time) (bool, error)
	EscalateApprovalStep(ctx context.Context, stepID int64, from, to string, role servicebot.Role, delegatedFrom, taskID string, now time.Time) (bool, error)
	AddApprovalEvent(ctx context.Context, e servicebot.ApprovalEvent) error
	OnLeave(ctx context.Context, userID string, day servicebot.Date) (bool, error)
	GetMember(ctx context.Context, userID string) (servicebot.Member, error)
	Engineers(ctx context.Context, org servicebot.Org) ([]servicebot.Member, error)
	LinkComplaintToFine(ctx context.Context, inputID, approvalID int64, subject, month string) (bool, error)
	// SentResponseCode is the response_code WeCom returned for the sent
	// outbox row dedupKey ("" when unsent): a decision made on the web
	// updates the approver's card with it.
	SentResponseCode(ctx context.Context, dedupKey string) (string, error)
	// SentResponseCodes are those of every sent row whose key starts with
	// prefix: the cards 待审批 sent again for a step.
	SentResponseCodes(ctx context.Context, prefix string) (map[string]string, error)
	// WithdrawApproval ends the request as withdrawn if stepID, its pending
	// step, is still undecided; false when it was decided already.
	WithdrawApproval(ctx context.Context, id, stepID int64, now time.Time) (bool, error)
	AddPartsIssue(ctx context.Context, p servicebot.PartsIssue) (servicebot.PartsIssue, error)
}

// Store is what the engine reads outside a transaction (*store.DB).
type Store interface {
	PendingApprovalSteps(ctx context.Context) ([]servicebot.ApprovalStep, error)
}

// Config is what the engine routes by.
type Config struct {
	Rules    servicebot.ApprovalRules
	Org      servicebot.Org
	Location *time.Location // whose calendar day decides "on leave"
	Clock    servicebot.Clock
	Logger   *slog.Logger
	// Customers, when set, is the customer list POST /api/requests checks
	// a request's customer against (an unknown one is filed with a warning).
	Customers CustomerFinder
	// PendingURL is the page 待我审批 (/web/approvals/pending), linked by
	// the chat command 待审批; "" when the pages are off.
	PendingURL string
}

// Hooks are what other features do inside the engine's transactions. They
// are written against T, the store's transaction the engine runs on, so the
// compiler checks that it has what each hook writes through
// (aftersales.ApprovalHooks builds them). A nil hook is skipped.
type Hooks[T any] struct {
	// AwaitingDispatch is told when a service request reaches its dispatch
	// step (a job now waits for an engineer), so the service job (工单)
	// follows the approval. It may be called again for the same request (a
	// repeated delivery): it must be idempotent.
	AwaitingDispatch func(ctx context.Context, tx T, a servicebot.Approval, now time.Time) error
	// Dispatched is told when the service manager dispatches an engineer;
	// it returns what the engineer's dispatch notice adds (the job and how
	// to move it): the engineer gets one message, not two back to back.
	// Idempotent, as AwaitingDispatch.
	Dispatched func(ctx context.Context, tx T, a servicebot.Approval, engineer string, now time.Time) (note string, err error)
	// MachineStatus says what the records know of the machine of a service
	// request (its warranty today, earlier fault jobs on its serial number)
	// in one line, or "" when it names none: shown on the cards, in 详情 and
	// in the dispatch notice (R-SVC-2).
	MachineStatus func(ctx context.Context, tx T, r servicebot.ApprovalRequest, now time.Time) (string, error)
}

// Engine files requests and moves them along their chains, in
// transactions of type T (*store.Tx).
type Engine[T Tx] struct {
	db     Store
	inTx   txn.Runner[T]
	rules  servicebot.ApprovalRules
	org    servicebot.Org
	loc    *time.Location
	clock  servicebot.Clock
	logger *slog.Logger
	// hooks are set by WithHooks.
	hooks Hooks[T]
	// customers is Config.Customers.
	customers CustomerFinder
	// pendingURL is Config.PendingURL.
	pendingURL string
}

// New makes an engine over db whose transactions inTx runs (*store.DB's
// InTx).
func New[T Tx](db Store, inTx txn.Runner[T], cfg Config) *Engine[T] {
	e := &Engine[T]{db: db, inTx: inTx, rules: cfg.Rules.WithDefaults(), org: cfg.Org,
		loc: cfg.Location, clock: cfg.Clock, logger: cfg.Logger,
		customers: cfg.Customers, pendingURL: cfg.PendingURL}
	if e.loc == nil {
		e.loc = time.UTC
	}
	if e.clock == nil {
		e.clock = servicebot.SystemClock{}
	}
	if e.logger == nil {
		e.logger = slog.New(slog.DiscardHandler)
	}
	return e
}

// WithHooks sets what other features do inside the engine's transactions
// and returns e. Set them while wiring, before serving.
func (e *Engine[T]) WithHooks(h Hooks[T]) *Engine[T] {
	e.hooks = h
	return e
}

// ErrNoApprover: nobody is configured for a role a chain needs.
var ErrNoApprover = errors.New("approvals: no approver configured")

// FileRequest files req in its own transaction; see File.
func (e *Engine[T]) FileRequest(ctx context.Context, req servicebot.ApprovalRequest) (servicebot.Approval, error) {
	var a servicebot.Approval
	err := e.inTx(ctx, func(tx T) error {
		var err error
		a, err = e.File(ctx, tx, req)
		return err
	})
	return a, err
}

// File checks and routes req by the current rules, stores it with its whole
// chain and sends the first approver their card. An invalid request comes
// back as a *servicebot.InvalidRequestError; a chain needing a role nobody
// holds as an error wrapping ErrNoApprover.
func (e *Engine[T]) File(ctx context.Context, tx T, req servicebot.ApprovalRequest) (servicebot.Approval, error) {
	if req.IdempotencyKey != "" {
		// A retried POST: the request filed the first time, nothing new.
		a, err := tx.ApprovalByIdempotencyKey(ctx, req.IdempotencyKey)
		if !errors.Is(err, servicebot.ErrNotFound) {
			return a, err
		}
	}
	now := e.clock.Now()
	req.CreatedAt = now
	prepared, _, err := e.rules.Prepare(req)
	if err != nil {
		return servicebot.Approval{}, err
	}
	if prepared.Kind == servicebot.RequestService && prepared.Region == "" {
		prepared.Region = servicebot.RegionOther
	}
	if err := e.checkParties(ctx, tx, prepared); err != nil {
		return servicebot.Approval{}, err
	}
	parties, err := e.parties(ctx, tx, prepared, now)
	if err != nil {
		return servicebot.Approval{}, err
	}
	// R-APV-5: the chain names the role that decides each step, one level
	// up where a party of the case holds the planned one.
	chain, _, err := e.rules.Chain(prepared, parties)
	if errors.Is(err, servicebot.ErrNoDecider) {
		return servicebot.Approval{}, fmt.Errorf("%w: %w", ErrNoApprover, err)
	}
	if err != nil {
		return servicebot.Approval{}, err
	}
	a, err := tx.CreateApproval(ctx, prepared, chain)
	if err != nil {
		return servicebot.Approval{}, err
	}
	if f := a.Request.Fine; f != nil {
		// R-LIA-0: one complaint is one record; the manager's entry and
		// the fine are linked both ways, or the fine is refused.
		for _, id := range f.ComplaintEntries {
			ok, err := tx.LinkComplaintToFine(ctx, id, a.Request.ID, a.Request.Subject, f.Month)
			if err != nil {
				return servicebot.Approval{}, err
			}
			if !ok {
				return servicebot.Approval{}, &servicebot.InvalidRequestError{Problems: []string{fmt.Sprintf(
					"投诉记录 #%d 不是 %s %s 月的有效投诉记录，或已关联其他处罚", id, a.Request.Subject, f.Month)}}
			}
		}
	}
	note := fmt.Sprintf("%s，%s，规则版本 %s", a.Request.Kind.Name(), amountText(a.Request), a.Request.RulesVersion)
	if f := a.Request.Fine; f != nil && len(f.ComplaintEntries) > 0 {
		var ids []string
		for _, id := range f.ComplaintEntries {
			ids = append(ids, fmt.Sprintf("#%d", id))
		}
		note += "，投诉记录 " + strings.Join(ids, "、")
	}
	if err := e.audit(ctx, tx, a.Request.ID, 0, a.Request.Requester, servicebot.EventFiled, note, now); err != nil {
		return servicebot.Approval{}, err
	}
	if len(a.Steps) == 0 {
		// R-TOOL-2 interpretation: nothing to pay is recorded, not sent
		// for approval.
		if _, err := tx.CloseApproval(ctx, a.Request.ID, servicebot.ApprovalApproved, now); err != nil {
			return servicebot.Approval{}, err
		}
		if err := e.audit(ctx, tx, a.Request.ID, 0, "", servicebot.EventClosed, "金额为 0，仅登记，不送审批", now); err != nil {
			return servicebot.Approval{}, err
		}
		return tx.Approval(ctx, a.Request.ID)
	}
	if err := e.startStep(ctx, tx, a, a.Steps[0], now); err != nil {
		return servicebot.Approval{}, err
	}
	return tx.Approval(ctx, a.Request.ID)
}

// checkParties checks a request against the directory and the roles
// (issue 11 item 8): the filer and the payer are members of the address
// book, the payer of a tool or fine is somebody who can hold a tool or be
// fined (not the filer's own free choice of anybody), and a service
// request's region is one the department has.
func (e *Engine[T]) checkParties(ctx context.Context, tx T, r servicebot.ApprovalRequest) error {
	var problems []string
	member := func(userID, what string) {
		m, err := tx.GetMember(ctx, userID)
		switch {
		case errors.Is(err, servicebot.ErrNotFound):
			problems = append(problems, fmt.Sprintf("%s %s 不在通讯录中", what, userID))
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s %s 无法核对：%v", what, userID, err))
		case !m.Active:
			problems = append(problems, fmt.Sprintf("%s %s 已离职", what, userID))
		}
	}
	member(r.Requester, "申请人")
	if r.Subject != "" {
		member(r.Subject, "责任人")
	}
	if r.Kind == servicebot.RequestService && !slices.Contains(e.regions(), r.Region) {
		problems = append(problems, fmt.Sprintf("区域「%s」不存在，可选：%s", r.Region, strings.Join(e.regions(), "、")))
	}
	if len(problems) > 0 {
		return &servicebot.InvalidRequestError{Problems: problems}
	}
	return nil
}

// regions are the department's regions (R-ORG-2): the defaults and every
// region an engineer is configured for.
func (e *Engine[T]) regions() []string {
	out := []string{servicebot.RegionSouthwest, servicebot.RegionNorth, servicebot.RegionOther}
	for _, r := range e.org.Regions {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// parties gathers who is around a request now: filer, payer, role holders
// and who of them (or their delegates) is on leave today (R-APV-5).
func (e *Engine[T]) parties(ctx context.Context, tx T, r servicebot.ApprovalRequest, now time.Time) (servicebot.ApprovalParties, error) {
	p := servicebot.ApprovalParties{Filer: r.Requester, Payer: r.Subject, Holders: e.org.Roles, Away: map[string]bool{}}
	day := servicebot.DateOf(now.In(e.loc))
	var users []string
	for role, ids := range e.org.Roles {
		if role != servicebot.RoleEngineer && role != servicebot.RoleSales {
			users = append(users, ids...)
		}
	}
	for _, d := range e.rules.Delegates {
		users = append(users, d)
	}
	for _, u := range users {
		if _, seen := p.Away[u]; seen {
			continue
		}
		away, err := tx.OnLeave(ctx, u, day)
		if err != nil {
			return p, fmt.Errorf("approvals: leave of %s: %w", u, err)
		}
		p.Away[u] = away
	}
	return p, nil
}

// approverFor picks who decides a step of a now (R-APV-5): the pure
// servicebot.ApprovalRules.Assign over the parties of the case and who is
// on leave today.
func (e *Engine[T]) approverFor(ctx context.Context, tx T, r servicebot.ApprovalRequest, action servicebot.StepAction, role servicebot.Role, now time.Time) (servicebot.Assignment, error) {
	p, err := e.parties(ctx, tx, r, now)
	if err != nil {
		return servicebot.Assignment{}, err
	}
	as, err := e.rules.Assign(r.Kind, action, role, p)
	if errors.Is(err, servicebot.ErrNoDecider) {
		return as, fmt.Errorf("%w: %w", ErrNoApprover, err)
	}
	return as, err
}

// startStep makes step pending with its approver and sends them its card.
func (e *Engine[T]) startStep(ctx context.Context, tx T, a servicebot.Approval, step servicebot.ApprovalStep, now time.Time) error {
	as, err := e.approverFor(ctx, tx, a.Request, step.Action, step.Role, now)
	if err != nil {
		return err
	}
	approver, delegatedFrom := as.Approver, as.DelegatedFrom
	taskID := taskID(a.Request, step.ID, 1)
	ok, err := tx.StartApprovalStep(ctx, step.ID, approver, delegatedFrom, taskID, now)
	if err != nil || !ok {
		return err
	}
	step.Status, step.ApproverID, step.DelegatedFrom, step.TaskID = servicebot.StepPending, approver, delegatedFrom, taskID
	if step.Action == servicebot.ActionDispatch && e.hooks.AwaitingDispatch != nil {
		if err := e.hooks.AwaitingDispatch(ctx, tx, a, now); err != nil {
			return err
		}
	}
	note := fmt.Sprintf("第 %d 步 %s%s", step.Seq, step.Role.Name(), step.Action.Name())
	if err := e.audit(ctx, tx, a.Request.ID, step.ID, approver, servicebot.EventAssigned, note, now); err != nil {
		return err
	}
	if delegatedFrom != "" {
		note := fmt.Sprintf("%s 请假，由 %s 代为处理", delegatedFrom, approver)
		if err := e.audit(ctx, tx, a.Request.ID, step.ID, approver, servicebot.EventDelegated, note, now); err != nil {
			return err
		}
	}
	return e.sendCard(ctx, tx, a, step, now)
}

// taskID names the card of a step's nth assignment. WeCom refuses a task
// id the app used before, ever: the request's filing time keeps ids apart
// should the database be started afresh against the same app.
func taskID(r servicebot.ApprovalRequest, stepID int64, n int) string {
	return fmt.Sprintf("apv-%d-%d-%d", stepID, n, r.CreatedAt.Unix())
}

// engineersFor lists the engineers a dispatch offers, by userid: those of
// the customer's region (R-ORG-2), or every engineer when the region has
// none. Engineers are the address book's, as the daily report counts them
// (the store's Engineers): a new hire synced into the department is offered
// the day they are chased for reports (R-ORG-1).
func (e *Engine[T]) engineersFor(ctx context.Context, tx T, region string) ([]servicebot.Member, error) {
	all, err := tx.Engineers(ctx, e.org)
	if err != nil {
		return nil, fmt.Errorf("approvals: engineers: %w", err)
	}
	var inRegion []servicebot.Member
	for _, m := range all {
		if e.org.RegionOf(m.UserID) == region {
			inRegion = append(inRegion, m)
		}
	}
	if len(inRegion) == 0 {
		return all, nil
	}
	return inRegion, nil
}

// enqueue writes one outbox row; key makes it once-only per cause.
func (e *Engine[T]) enqueue(ctx context.Context, tx T, m servicebot.OutboxMessage) error {
	if _, _, err := tx.EnqueueOutbox(ctx, m); err != nil {
		return fmt.Errorf("approvals: enqueue %s: %w", m.Kind, err)
	}
	return nil
}

// tell enqueues a text to users (joined by "|"), once per key.
func (e *Engine[T]) tell(ctx context.Context, tx T, key, users, text string, now time.Time) error {
	if users == "" {
		return nil
	}
	// A long text (详情 of a long reason) goes as several messages: WeCom
	// would cut one at 2048 bytes, and the chain at its end with it.
	rows, err := wecommsg.Texts(servicebot.OutboxMessage{DedupKey: key, ToUsers: users, CreatedAt: now}, text)
	if err != nil {
		return fmt.Errorf("approvals: %s: %w", key, err)
	}
	for _, m := range rows {
		if err := e.enqueue(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine[T]) audit(ctx context.Context, tx T, requestID, stepID int64, actor, action, note string, now time.Time) error {
	return tx.AddApprovalEvent(ctx, servicebot.ApprovalEvent{RequestID: requestID, StepID: stepID,
		At: now, Actor: actor, Action: action, Note: note})
}

// machineStatus is MachineStatus' line for r, "" without a hook or a machine.
func (e *Engine[T]) machineStatus(ctx context.Context, tx T, r servicebot.ApprovalRequest) (string, error) {
	if e.hooks.MachineStatus == nil || r.Site == nil || r.Site.Serial == "" {
		return "", nil
	}
	return e.hooks.MachineStatus(ctx, tx, r, e.clock.Now())
}
