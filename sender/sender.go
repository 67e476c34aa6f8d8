// Package sender delivers the outbox (DESIGN, flow 2). Nothing calls the WeCom
// send API inline: whatever must go out is written as an outbox row in the
// same transaction as the change that caused it, and a Sender claims due rows,
// keeps every recipient under WeCom's per-member rate, sends them and records
// the outcome: sent, retried later with backoff, or failed for good.
//
// A row is never lost: it leaves the outbox only as sent or failed, and a row
// claimed by a sender that dies goes back to the pool when its lease expires.
// A retry never shows twice: the client sends with enable_duplicate_check,
// so WeCom suppresses a repeat of a request it already delivered.
package sender

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/grace"
	"github.com/servicebot/servicebot/internal/need"
	"github.com/servicebot/servicebot/metrics"
)

// Outbox is the store's side of delivery.
//
// ClaimOutboxExcept marks up to limit rows due at now as sending until
// now+lease and increments their attempts, this claim included, leaving alone
// the rows addressed to exactly one of held (members at their send limit,
// whose rows would only be put back). RetryOutbox puts a row
// back to pending until next after a failed send; DeferOutbox does the same
// for a row that was not tried, giving its attempt back; MarkOutboxSent and
// FailOutbox finish it.
type Outbox interface {
	ClaimOutboxExcept(ctx context.Context, now time.Time, lease time.Duration, limit int, held []string) ([]servicebot.OutboxMessage, error)
	MarkOutboxSent(ctx context.Context, id int64, res servicebot.SendResult, now time.Time) error
	RetryOutbox(ctx context.Context, id int64, errText string, failedAt, next time.Time) error
	DeferOutbox(ctx context.Context, id int64, reason string, next time.Time) error
	FailOutbox(ctx context.Context, id int64, errText string, now time.Time) error
}

// API delivers one row to WeCom (bot.Client). It refreshes the access token
// and retries once on 40014/42001 itself, and reports a non-zero errcode as
// *wecommsg.APIError.
type API interface {
	Send(ctx context.Context, m servicebot.OutboxMessage) (servicebot.SendResult, error)
}

// Limiter keeps each recipient under WeCom's rate (30 messages a minute per
// member; more are dropped silently). AllowAll reserves room for every key or
// for none and otherwise says how long to wait (kv.RedisLimiter shared by all
// replicas, kv.MemoryLimiter for one process).
type Limiter interface {
	AllowAll(ctx context.Context, keys []string, now time.Time) (ok bool, retryAfter time.Duration, err error)
}

// Options tune a Sender. A zero field takes the default shown.
type Options struct {
	// Batch is how many rows one pass claims. Default 20.
	Batch int
	// Lease is how long a claimed row is reserved for this sender. A pass
	// stops sending when its lease runs out and puts the rest back, so that
	// another replica never sends a row this one is still sending. Default 2m.
	Lease time.Duration
	// PollInterval is the pause between passes when the outbox was drained.
	// Default 2s.
	PollInterval time.Duration
	// GiveUpAfter is how long after its first failed attempt a row that
	// keeps failing is given up. Default 6h: well past WeCom's 60-minute
	// block after an hourly rate breach, so a block never costs a message.
	GiveUpAfter time.Duration
	// MaxAttempts is only a safety valve against a row retried for ever
	// (a clock that does not move); GiveUpAfter is the rule. Default 200,
	// far more than fit in 6 h with the default backoff.
	//
	// A row's Attempts counts the claims that tried to send it: a claim that
	// ended in a deferral for the rate limit, or that was put back at
	// shutdown, is given back with DeferOutbox and does not count.
	MaxAttempts int
	// BaseBackoff is the wait after the first failed attempt; it doubles with
	// each attempt up to MaxBackoff. Defaults 10s and 15m.
	BaseBackoff, MaxBackoff time.Duration
	// DeferSpacing is how far apart rows for several recipients (or a chat,
	// a robot) waiting for one send limit are deferred: the limit's pace.
	// Default 2s (WeCom's 30 a minute per member). A row for one member at
	// the limit waits instead until room appears, and the member's other
	// rows are not claimed meanwhile.
	DeferSpacing time.Duration
	// ConfigBackoff is the wait after WeCom refused a row for the
	// department's configuration (60020 untrusted IP, 48002, 60011, 40056…):
	// the row stays pending, spending no attempt, until the admin fixes it
	// (or `servicebot outbox retry --status pending` makes it due at once).
	// Default 10m.
	ConfigBackoff time.Duration

	// Clock is the sender's time. Default the system clock.
	Clock servicebot.Clock
	// Logger logs failed passes and given-up rows. Default: discarded.
	Logger *slog.Logger
}

// Deps are what a Sender works with.
type Deps struct {
	Outbox  Outbox
	API     API
	Limiter Limiter          // each recipient's send limit
	Metrics *metrics.Metrics // nil: not counted
}

func (d Deps) validate() error {
	return need.Deps("sender", map[string]bool{
		"Outbox":  d.Outbox != nil,
		"API":     d.API != nil,
		"Limiter": d.Limiter != nil,
	})
}

// DefaultGiveUpAfter is Options.GiveUpAfter's default.
const DefaultGiveUpAfter = 6 * time.Hour

func (o Options) withDefaults() Options {
	if o.Batch <= 0 {
		o.Batch = 20
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.DeferSpacing <= 0 {
		o.DeferSpacing = 2 * time.Second
	}
	if o.GiveUpAfter <= 0 {
		o.GiveUpAfter = DefaultGiveUpAfter
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 200
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 10 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 15 * time.Minute
	}
	o.MaxBackoff = max(o.MaxBackoff, o.BaseBackoff)
	if o.ConfigBackoff <= 0 {
		o.ConfigBackoff = 10 * time.Minute
	}
	if o.Clock == nil {
		o.Clock = servicebot.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Sender delivers outbox rows. Several Senders, in one process or in several
// replicas, may run on one outbox: a claimed row belongs to one of them.
type Sender struct {
	outbox  Outbox
	api     API
	limiter Limiter
	clock   servicebot.Clock
	metrics *metrics.Metrics
	logger  *slog.Logger
	opts    Options

	kick chan struct{}

	// held are the members found at their send limit, each until room is
	// expected: claims leave their rows alone meanwhile. Only this process's
	// view; the limiter itself stays the rule.
	heldMu sync.Mutex
	held   map[string]time.Time
}

// maxHeld bounds how many held members a claim names.
const maxHeld = 500

// New returns a Sender delivering deps.Outbox's rows through deps.API;
// zero options take their defaults.
func New(deps Deps, opts Options) (*Sender, error) {
	if err := deps.validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	return &Sender{
		outbox:  deps.Outbox,
		api:     deps.API,
		limiter: deps.Limiter,
		clock:   opts.Clock,
		metrics: deps.Metrics,
		logger:  opts.Logger,
		opts:    opts,
		kick:    make(chan struct{}, 1),
		held:    map[string]time.Time{},
	}, nil
}

// Kick wakes Run for a pass now instead of at the next poll, after something
// was enqueued. It never blocks; kicks while a pass runs fold into one.
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run delivers due rows until ctx is cancelled: a pass every PollInterval, at
// once after a Kick, and again straight away after a pass that claimed a full
// batch (more are probably waiting). On cancellation it finishes and records
// the row being sent, puts the rest of its batch back, and returns nil.
// Errors of a pass (the database is down) are logged and retried at the next
// poll.
func (s *Sender) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		// Checked first: select picks at random among ready cases, and a
		// full batch leaves the timer ready at once.
		if ctx.Err() != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-s.kick:
		}
		claimed, _, err := s.pass(ctx)
		if err != nil && ctx.Err() == nil {
			s.logger.ErrorContext(ctx, "outbox pass failed", "err", err)
		}
		wait := s.opts.PollInterval
		if err == nil && claimed == s.opts.Batch {
			wait = 0
		}
		timer.Reset(wait)
	}
}

// SendDue makes one pass: it claims the rows due now and delivers each. It
// returns how many were sent. An error means the claim failed or an outcome
// could not be recorded; rows whose outcome was not recorded are claimed again
// when their lease expires (and WeCom's duplicate check hides a resend).
func (s *Sender) SendDue(ctx context.Context) (sent int, err error) {
	_, sent, err = s.pass(ctx)
	return sent, err
}

func (s *Sender) pass(ctx context.Context) (claimed, sent int, err error) {
	if ctx.Err() != nil {
		return 0, 0, nil
	}
	// The claim runs to its end even if ctx is cancelled meanwhile: a claim
	// the database committed while the driver reported the cancellation
	// would leave rows claimed that nobody releases until their lease ends.
	// Rows claimed after a cancellation are put back just below.
	claimCtx, cancelClaim := recordContext(ctx)
	now := s.clock.Now()
	rows, err := s.outbox.ClaimOutboxExcept(claimCtx, now, s.opts.Lease, s.opts.Batch, s.heldMembers(now))
	cancelClaim()
	if err != nil {
		return 0, 0, fmt.Errorf("sender: claim: %w", err)
	}
	if len(rows) == 0 {
		return 0, 0, nil
	}

	// Delivery runs on a context that the caller's cancellation does not
	// reach: a send cut off half-way would leave us not knowing whether WeCom
	// delivered it. It ends with the lease instead, a little early, so that no
	// other replica claims a row while it is still being sent here.
	leaseCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.Lease-s.opts.Lease/10)
	defer cancel()

	var errs []error
	waiting := map[string]int{} // rows of this pass deferred per limiter key
	for i, m := range rows {
		if ctx.Err() != nil || leaseCtx.Err() != nil {
			errs = append(errs, s.release(ctx, rows[i:]))
			break
		}
		ok, err := s.deliver(ctx, leaseCtx, m, waiting)
		if ok {
			sent++
		}
		errs = append(errs, err)
	}
	return len(rows), sent, errors.Join(errs...)
}

// hold leaves member's rows out of claims until until: they are at their
// send limit, and claiming them before would only put them back.
func (s *Sender) hold(member string, until time.Time) {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	prev, ok := s.held[member]
	if (ok || len(s.held) < maxHeld) && until.After(prev) {
		s.held[member] = until
	}
}

// heldMembers are the members still held at now, in a stable order.
func (s *Sender) heldMembers(now time.Time) []string {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	var members []string
	for m, until := range s.held {
		if !until.After(now) {
			delete(s.held, m)
			continue
		}
		members = append(members, m)
	}
	slices.Sort(members)
	return members
}

// release puts claimed rows back unsent, to be claimed at once rather than
// when their lease expires. Their last error is kept as it was.
func (s *Sender) release(ctx context.Context, rows []servicebot.OutboxMessage) error {
	ctx, cancel := recordContext(ctx)
	defer cancel()
	now := s.clock.Now()
	var errs []error
	for _, m := range rows {
		if err := s.outbox.DeferOutbox(ctx, m.ID, m.LastError, now); err != nil {
			errs = append(errs, fmt.Errorf("sender: release outbox %d: %w", m.ID, err))
		}
	}
	return errors.Join(errs...)
}

// recordTimeout bounds writing a row's outcome. It runs on a context of its
// own: the outcome of a send that used up the lease must still be recorded.
// After shutdown began it has shutdownGrace left at most, so a database that
// stopped answering cannot keep the process from exiting.
const (
	recordTimeout = 10 * time.Second
	shutdownGrace = 2 * time.Second
)

func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return grace.Context(ctx, recordTimeout, shutdownGrace)
}

// deliver sends one claimed row within sendCtx and records the outcome
// (runCtx is Run's, for the shutdown grace of recording). It reports whether
// the row was sent; the error is about recording only.
//
// waiting counts the rows for several recipients this pass deferred per
// recipient: a recipient at the limit gets room for one message every
// DeferSpacing, so its n-th waiting row is deferred n spacings further than
// the first. Deferring them all to the same moment (issue 15) brought a
// backlog back at once, every row of it claimed and deferred again for each
// one sent. A row for one member is held instead (see hold).
func (s *Sender) deliver(runCtx, sendCtx context.Context, m servicebot.OutboxMessage, waiting map[string]int) (sent bool, err error) {
	log := s.logger.With("outbox_id", m.ID, "kind", m.Kind, "attempt", m.Attempts)
	ctx, cancel := recordContext(runCtx)
	defer cancel()
	now := s.clock.Now()

	keys := limiterKeys(m)
	ok, retryAfter, err := s.limiter.AllowAll(sendCtx, keys, now)
	switch {
	case err != nil:
		// Redis is down. The limit only protects against WeCom dropping
		// messages during a burst; not sending at all would be worse.
		log.WarnContext(ctx, "send limiter unavailable, sending without it", "err", err)
	case !ok:
		// Waiting for room is not a failure and spends no attempt.
		s.metrics.OutboxDelivery("deferred")
		if member, ok := strings.CutPrefix(keys[0], "user:"); ok && len(keys) == 1 {
			// One member at their limit: this row waits until room appears,
			// and until then claims leave the member's other rows alone,
			// due and in order (issue 15: claiming and deferring each of a
			// backlog of replies took the database from the inbox worker
			// during a burst). When room appears the rows go in order.
			s.hold(member, now.Add(retryAfter))
		} else {
			// Several budgets (a reminder to many members, a chat, a
			// robot): no hold; rows waiting for one budget are deferred at
			// its pace, not all to the moment room appears.
			queued := 0
			for _, k := range keys {
				queued = max(queued, waiting[k])
				waiting[k]++
			}
			retryAfter += time.Duration(queued) * s.opts.DeferSpacing
		}
		log.DebugContext(ctx, "recipient at send limit, deferring", "retry_after", retryAfter)
		if err := s.outbox.DeferOutbox(ctx, m.ID, "deferred: a recipient is at the send rate limit", now.Add(retryAfter)); err != nil {
			return false, fmt.Errorf("sender: defer outbox %d: %w", m.ID, err)
		}
		return false, nil
	}

	res, sendErr := s.api.Send(sendCtx, m)
	now = s.clock.Now()
	if sendErr == nil {
		s.metrics.OutboxDelivery("sent")
		if len(res.InvalidUsers) > 0 {
			log.WarnContext(ctx, "sent, but WeCom does not know some recipients", "invalid_users", res.InvalidUsers)
		}
		if err := s.outbox.MarkOutboxSent(ctx, m.ID, res, now); err != nil {
			return true, fmt.Errorf("sender: mark outbox %d sent: %w", m.ID, err)
		}
		return true, nil
	}

	errText := sendErr.Error()
	if apiErr, ok := errors.AsType[*wecommsg.APIError](sendErr); ok {
		if fix, config := apiErr.ConfigProblem(); config {
			// Not the message's fault and not WeCom's: nothing is given up
			// while the department fixes its configuration.
			next := now.Add(s.opts.ConfigBackoff)
			s.metrics.OutboxDelivery("config_error")
			s.metrics.WeComConfigError(apiErr.Code)
			log.ErrorContext(ctx, "WeCom refused the message for the department's configuration; it waits", "errcode", apiErr.Code,
				"fix", fix, "err", errText, "next_attempt_at", next)
			if err := s.outbox.DeferOutbox(ctx, m.ID, errText+" — fix: "+fix, next); err != nil {
				return false, fmt.Errorf("sender: defer outbox %d: %w", m.ID, err)
			}
			return false, nil
		}
	}
	firstFailed := m.FirstFailedAt
	if firstFailed.IsZero() {
		firstFailed = now
	}
	failingFor := now.Sub(firstFailed)
	isPermanent := permanent(sendErr)
	if isPermanent || failingFor >= s.opts.GiveUpAfter || m.Attempts >= s.opts.MaxAttempts {
		if !isPermanent {
			errText = fmt.Sprintf("giving up after %d attempts over %s: %s",
				m.Attempts, failingFor.Round(time.Second), errText)
		}
		s.metrics.OutboxDelivery("failed")
		log.ErrorContext(ctx, "outbox message failed for good", "err", errText)
		if err := s.outbox.FailOutbox(ctx, m.ID, errText, now); err != nil {
			return false, fmt.Errorf("sender: fail outbox %d: %w", m.ID, err)
		}
		return false, nil
	}
	next := now.Add(s.backoff(m.ID, m.Attempts))
	s.metrics.OutboxDelivery("retry")
	log.WarnContext(ctx, "outbox send failed, will retry", "err", errText, "next_attempt_at", next)
	if err := s.outbox.RetryOutbox(ctx, m.ID, errText, now, next); err != nil {
		return false, fmt.Errorf("sender: retry outbox %d: %w", m.ID, err)
	}
	return false, nil
}

// permanent reports an error that sending again cannot fix: WeCom refused the
// request itself (81013 all recipients invalid, 40003 bad userid, an invalid
// card...), or the row cannot be turned into a request (servicebot.ErrMalformed:
// unknown kind, no recipient, a body that is not a JSON object). Rate limits
// and busy answers (-1, 45009, 45033), a token still refused after the
// client's refresh, and anything without an errcode (network errors,
// time-outs, 5xx) are worth another try.
func permanent(err error) bool {
	if errors.Is(err, servicebot.ErrMalformed) {
		return true
	}
	var apiErr *wecommsg.APIError
	return errors.As(err, &apiErr) && !apiErr.Temporary() && !apiErr.TokenProblem()
}

// backoff is the wait after the attempt-th failed attempt of row id:
// BaseBackoff doubled per attempt up to MaxBackoff, of which a random half is
// taken off so that rows that failed together (45009 hits every send at once)
// do not come back together. The randomness is seeded by the row and attempt:
// reproducible, and no shared random state.
func (s *Sender) backoff(id int64, attempt int) time.Duration {
	d := s.opts.BaseBackoff
	for i := 1; i < attempt && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.opts.MaxBackoff)
	half := d / 2
	jitter := rand.New(rand.NewPCG(uint64(id), uint64(attempt))).Int64N(int64(half) + 1)
	return d - time.Duration(jitter)
}

// limiterKeys names the send budgets a row draws on: each member it goes to,
// or its group chat or robot.
func limiterKeys(m servicebot.OutboxMessage) []string {
	switch m.Kind {
	case servicebot.OutAppChat:
		return []string{"chat:" + m.ToChat}
	case servicebot.OutWebhook:
		// ToChat is the robot's webhook key, a credential: keep it out of
		// Redis key names.
		sum := sha256.Sum256([]byte(m.ToChat))
		return []string{"robot:" + hex.EncodeToString(sum[:8])}
	}
	var keys []string
	for u := range strings.SplitSeq(m.ToUsers, "|") {
		if u = strings.TrimSpace(u); u != "" {
			keys = append(keys, "user:"+u)
		}
	}
	return keys
}

// RobotsPerMinute is WeCom's limit for a group robot: 20 messages a minute
// per robot (群机器人配置说明, 91770); beyond it webhook/send answers 45009.
const RobotsPerMinute = 20

// SplitLimiter sends a row's budget to robots when it goes through a group
// robot (its one key is "robot:…", at RobotsPerMinute) and to members
// otherwise (30 a minute each): the two limits differ.
func SplitLimiter(members, robots Limiter) Limiter {
	return splitLimiter{members: members, robots: robots}
}

type splitLimiter struct{ members, robots Limiter }

func (l splitLimiter) AllowAll(ctx context.Context, keys []string, now time.Time) (bool, time.Duration, error) {
	if len(keys) > 0 && strings.HasPrefix(keys[0], "robot:") {
		return l.robots.AllowAll(ctx, keys, now)
	}
	return l.members.AllowAll(ctx, keys, now)
}
