package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/grace"
	"github.com/servicebot/servicebot/internal/need"
	"github.com/servicebot/servicebot/metrics"
)

// Tx is the part of a store transaction the plumbing writes through: the
// outbox rows a handling produces and the inbox row's completion commit
// together, so a crash between the two never doubles nor drops a reply. The
// features' handlers ask more of it, each through its own interface: the
// router and the worker are instantiated with the store's transaction type,
// and the compiler checks it has what every installed feature needs.
type Tx interface {
	EnqueueOutbox(ctx context.Context, m servicebot.OutboxMessage) (id int64, inserted bool, err error)
	CompleteInbox(ctx context.Context, id int64, now time.Time) error
	// CompleteInboxes completes several claimed rows at once, or none
	// (ErrNotFound) when one is no longer processing.
	CompleteInboxes(ctx context.Context, ids []int64, now time.Time) error
	// Savepoint runs fn so that its writes are undone, and the
	// transaction stays usable, when it fails: a batch of deliveries
	// shares a transaction, one savepoint each.
	Savepoint(ctx context.Context, fn func() error) error
}

// InboxQueue is where the worker takes stored deliveries from.
//
// ClaimInboxRuns claims up to limit rows, in order of arrival, with up to
// perMember consecutive rows of one member (a run: never a later row without
// the earlier unfinished ones). ReleaseInbox gives claimed rows back
// unhandled, their attempt not counted.
type InboxQueue interface {
	ClaimInboxRuns(ctx context.Context, now time.Time, lease time.Duration, limit, perMember int) ([]servicebot.InboxItem, error)
	RetryInbox(ctx context.Context, id int64, errText string, retryAt time.Time) error
	FailInbox(ctx context.Context, id int64, errText string, now time.Time) error
	ReleaseInbox(ctx context.Context, ids []int64) error
}

// WorkerOptions tunes the inbox worker; zero values take the defaults.
type WorkerOptions struct {
	Batch        int           // rows claimed per pass (default 50)
	PerMember    int           // of which at most this many of one member, handled in order (default 10)
	Lease        time.Duration // how long a claimed row is ours before another worker may take it (default 1m)
	PollInterval time.Duration // how often to look when not woken (default 1s)
	MaxAttempts  int           // after this many failures a row is kept as failed (default 5)
	// GiveWay, when set, says the callbacks are flooding in (Intake.Flooded):
	// the worker then waits before a batch, up to a second each time.
	GiveWay func() bool
	Clock   servicebot.Clock // default the system clock
	Logger  *slog.Logger     // default discards
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.Batch <= 0 {
		o.Batch = 50
	}
	if o.PerMember <= 0 {
		o.PerMember = 10
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.Clock == nil {
		o.Clock = servicebot.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// WorkerDeps are what the worker works with.
type WorkerDeps[T Tx] struct {
	Queue InboxQueue
	// InTx runs a function in one transaction (the store's InTx).
	InTx  func(ctx context.Context, fn func(T) error) error
	Parse EventParser
	// Route handles an event in the transaction that completes its row.
	Route   func(ctx context.Context, tx T, ev wecommsg.Event) error
	Metrics *metrics.Metrics // nil: not counted
}

func (d WorkerDeps[T]) validate() error {
	return need.Deps("handlers: worker", map[string]bool{
		"Queue": d.Queue != nil,
		"InTx":  d.InTx != nil,
		"Parse": d.Parse != nil,
		"Route": d.Route != nil,
	})
}

// Worker handles inbox rows in order of arrival. Rows left "processing" by a
// crashed process become claimable again when their lease runs out, so a
// restart picks them up.
type Worker[T Tx] struct {
	queue   InboxQueue
	inTx    func(ctx context.Context, fn func(T) error) error
	parse   EventParser
	route   func(ctx context.Context, tx T, ev wecommsg.Event) error
	clock   servicebot.Clock
	metrics *metrics.Metrics
	logger  *slog.Logger
	opts    WorkerOptions
	wake    chan struct{}
	// Handled, when set, is called after each committed row (to wake the sender).
	Handled func()
}

// NewWorker makes a worker that hands each event to deps.Route, in a
// transaction of deps.InTx; zero options take their defaults.
func NewWorker[T Tx](deps WorkerDeps[T], opts WorkerOptions) (*Worker[T], error) {
	if err := deps.validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	return &Worker[T]{
		queue: deps.Queue, inTx: deps.InTx, parse: deps.Parse, route: deps.Route,
		clock: opts.Clock, metrics: deps.Metrics, logger: opts.Logger, opts: opts,
		wake: make(chan struct{}, 1),
	}, nil
}

// Kick wakes the worker now (a callback was just stored). It never blocks.
func (w *Worker[T]) Kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run handles rows until ctx is cancelled. The row in hand is finished before
// it returns: shutdown stops intake, not work half done.
func (w *Worker[T]) Run(ctx context.Context) error {
	for {
		if !w.giveWay(ctx) {
			return nil
		}
		// The pass runs on after ctx is cancelled, to finish the row in
		// hand, but only for shutdownGrace: a database that stopped
		// answering must not keep the process from exiting.
		passCtx, cancel := grace.Context(ctx, w.opts.Lease, shutdownGrace)
		n, err := w.ProcessDue(passCtx)
		cancel()
		if err != nil {
			w.logger.Error("inbox pass failed", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		if n > 0 {
			// More may be waiting: a full batch, or a member's next message,
			// which is claimable only once this one is done.
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-time.After(w.opts.PollInterval):
		}
	}
}

// giveWay waits while the callbacks are flooding in, up to maxGiveWay (see
// Intake). It reports false when ctx ended meanwhile.
func (w *Worker[T]) giveWay(ctx context.Context) bool {
	if w.opts.GiveWay == nil {
		return true
	}
	for waited := time.Duration(0); waited < maxGiveWay && w.opts.GiveWay(); waited += giveWayStep {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(giveWayStep):
		}
	}
	return true
}

// ProcessDue claims one batch and handles it; it returns how many rows it
// claimed. Exported so tests and `servicebot job` can drive it directly.
func (w *Worker[T]) ProcessDue(ctx context.Context) (int, error) {
	items, err := w.queue.ClaimInboxRuns(ctx, w.clock.Now(), w.opts.Lease, w.opts.Batch, w.opts.PerMember)
	if err != nil {
		return 0, fmt.Errorf("handlers: claim inbox: %w", err)
	}
	if len(items) > 1 && w.processBatch(ctx, items) {
		return len(items), nil
	}
	var release []int64
	stopped := map[string]bool{} // members whose earlier row of this batch failed
	for _, item := range items {
		if stopped[item.FromUser] {
			release = append(release, item.ID)
			continue
		}
		if !w.process(ctx, item) {
			stopped[item.FromUser] = true
		}
	}
	w.release(ctx, release)
	return len(items), nil
}

// processBatch handles several claimed rows in one transaction, so that a
// burst costs one commit per batch rather than one per delivery (issue 15).
// The claim holds runs of a member's rows in order; they are handled in that
// order, each seeing what the one before wrote. A row whose handling fails is
// undone alone and then retried or failed as in process, and the rest of its
// member's run is given back unhandled, to wait behind it. It reports false
// when the transaction itself could not commit; the caller then handles the
// rows one by one.
//
// Failures are rare, so the batch is first handled without a savepoint per
// row (two round trips each); if a row fails, that transaction is rolled back
// and the batch handled again, each row in its savepoint.
func (w *Worker[T]) processBatch(ctx context.Context, items []servicebot.InboxItem) bool {
	outcome := w.handleBatch(ctx, items, false)
	if outcome == batchRowFailed {
		outcome = w.handleBatch(ctx, items, true)
	}
	return outcome == batchCommitted
}

// What became of a batch.
type batchOutcome int

const (
	batchCommitted    batchOutcome = iota // committed, outcomes recorded
	batchRowFailed                        // a row failed without savepoints: rolled back
	batchNotCommitted                     // the transaction failed: rolled back
)

// errRowFailed ends a batch handled without savepoints at its first failed
// row: the batch is handled again with them.
var errRowFailed = errors.New("handlers: a row of the batch failed")

// handleBatch handles items in one transaction, each row in a savepoint when
// careful, and records the outcomes once it committed. Without care, a row
// that fails rolls the whole batch back.
func (w *Worker[T]) handleBatch(ctx context.Context, items []servicebot.InboxItem, careful bool) batchOutcome {
	errs := make([]error, len(items))
	var release, done []int64
	err := w.inTx(ctx, func(tx T) error {
		stopped := map[string]bool{}
		for i, item := range items {
			if stopped[item.FromUser] {
				release = append(release, item.ID)
				continue
			}
			ev, err := w.parse(item.Payload)
			switch {
			case err != nil: // nothing written
			case careful:
				err = tx.Savepoint(ctx, func() error { return w.route(ctx, tx, ev) })
			default:
				if err = w.route(ctx, tx, ev); err != nil {
					return errRowFailed
				}
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				errs[i] = err
				stopped[item.FromUser] = true
				continue
			}
			done = append(done, item.ID)
		}
		// Completed in the transaction that wrote their replies, all at
		// once: if another worker finished one of them first (this one's
		// lease ran out), nothing of the batch is kept.
		return tx.CompleteInboxes(ctx, done, w.clock.Now())
	})
	if errors.Is(err, errRowFailed) {
		return batchRowFailed
	}
	if err != nil {
		w.logger.Warn("inbox batch not committed; handling its rows one by one", "rows", len(items), "err", err)
		return batchNotCommitted
	}
	released := map[int64]bool{}
	for _, id := range release {
		released[id] = true
	}
	for i, item := range items {
		switch {
		case released[item.ID]:
		case errs[i] == nil:
			w.metrics.InboxProcessed("done")
		default:
			w.failed(ctx, item, errs[i])
		}
	}
	w.release(ctx, release)
	if len(done) > 0 && w.Handled != nil {
		w.Handled()
	}
	return batchCommitted
}

// release gives back rows claimed behind a failed row of their member.
func (w *Worker[T]) release(ctx context.Context, ids []int64) {
	if len(ids) == 0 {
		return
	}
	if err := w.queue.ReleaseInbox(ctx, ids); err != nil {
		// Their lease runs out and they are claimed again anyway, in order.
		w.logger.Error("cannot give back inbox rows", "ids", ids, "err", err)
	}
}

// process handles one row in its own transaction and reports whether it was
// handled.
func (w *Worker[T]) process(ctx context.Context, item servicebot.InboxItem) bool {
	ev, err := w.parse(item.Payload)
	if err == nil {
		err = w.inTx(ctx, func(tx T) error {
			if err := w.route(ctx, tx, ev); err != nil {
				return err
			}
			return tx.CompleteInbox(ctx, item.ID, w.clock.Now())
		})
	}
	if err == nil {
		w.metrics.InboxProcessed("done")
		if w.Handled != nil {
			w.Handled()
		}
		return true
	}
	w.failed(ctx, item, err)
	return false
}

// failed records a row whose handling failed: retried later, or kept as
// failed after MaxAttempts or when it can never be handled.
func (w *Worker[T]) failed(ctx context.Context, item servicebot.InboxItem, err error) {
	log := w.logger.With("inbox_id", item.ID, "kind", item.Kind, "from", item.FromUser, "attempt", item.Attempts)
	if item.Attempts >= w.opts.MaxAttempts || errors.Is(err, servicebot.ErrMalformed) {
		w.metrics.InboxProcessed("failed")
		log.Error("inbox row failed for good; kept for inspection", "err", err)
		if ferr := w.queue.FailInbox(ctx, item.ID, err.Error(), w.clock.Now()); ferr != nil {
			log.Error("cannot mark inbox row failed", "err", ferr)
		}
		return
	}
	w.metrics.InboxProcessed("retry")
	retryAt := w.clock.Now().Add(backoff(item.Attempts))
	log.Warn("inbox row will be retried", "err", err, "retry_at", retryAt)
	if rerr := w.queue.RetryInbox(ctx, item.ID, err.Error(), retryAt); rerr != nil {
		// The lease runs out and the row is claimed again anyway.
		log.Error("cannot schedule inbox retry", "err", rerr)
	}
}

// shutdownGrace is how long a pass (bounded by the lease) may go on after
// shutdown began.
const shutdownGrace = 2 * time.Second

// backoff doubles from 2 s per attempt, capped at 5 minutes.
func backoff(attempt int) time.Duration {
	d := 2 * time.Second
	for i := 1; i < attempt && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}
