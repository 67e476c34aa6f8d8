// Package handlers is what happens when something arrives: WeCom callbacks
// (stored in the inbox, then handled by the inbox worker), and the bot's HTTP
// pages. It talks to the store and the WeCom edge through the small
// interfaces declared here.
package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/need"
	"github.com/servicebot/servicebot/metrics"
)

// MaxCallbackBody is the largest callback body accepted. WeCom's own are a few
// KiB; anything near this is not WeCom.
const MaxCallbackBody = 1 << 20

// CallbackOpener verifies and decrypts WeCom callbacks (bot.Crypto).
type CallbackOpener interface {
	VerifyURL(msgSignature, timestamp, nonce, echostr string) ([]byte, error)
	DecryptBody(msgSignature, timestamp, nonce string, body []byte) ([]byte, error)
}

// EventParser turns a decrypted callback into a typed event (bot.ParseEvent).
type EventParser func(plaintext []byte) (wecommsg.Event, error)

// InboxWriter stores a delivery under its unique key; inserted is false for a
// repeat of one already stored.
type InboxWriter interface {
	InsertInbox(ctx context.Context, item servicebot.InboxItem) (inserted bool, err error)
}

// Callback serves GET and POST /wecom/callback (DESIGN, flow 1): it answers
// WeCom only after the delivery is safely stored, so that a database outage
// makes WeCom retry instead of losing the message.
type Callback struct {
	deps CallbackDeps
	opts CallbackOptions
}

// CallbackDeps are what the callback works with.
type CallbackDeps struct {
	Opener  CallbackOpener
	Parse   EventParser
	Inbox   InboxWriter
	Metrics *metrics.Metrics // nil: not counted
}

// CallbackOptions tune the callback; zero values take the defaults.
type CallbackOptions struct {
	Clock  servicebot.Clock // default the system clock
	Logger *slog.Logger     // default: discarded
	// Stored, when set, is called after a new row is stored, to wake the worker.
	Stored func()
	// StoreTimeout bounds storing a delivery (waiting for a database
	// connection included); past it the answer is 503 and WeCom retries.
	// Default DefaultStoreTimeout.
	StoreTimeout time.Duration
}

// NewCallback makes the callback endpoint; its dependencies are checked.
func NewCallback(deps CallbackDeps, opts CallbackOptions) (*Callback, error) {
	if err := need.Deps("handlers: callback", map[string]bool{
		"Opener": deps.Opener != nil, "Parse": deps.Parse != nil, "Inbox": deps.Inbox != nil,
	}); err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = servicebot.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Callback{deps: deps, opts: opts}, nil
}

// DefaultStoreTimeout keeps the answer to WeCom well under its 5 s, and the
// answer of a replica whose database hangs at 503 within 2 s, so that WeCom's
// retry can reach a healthy one.
const DefaultStoreTimeout = 1500 * time.Millisecond

func (h *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.verifyURL(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verifyURL answers the URL check WeCom makes when the callback is saved in
// the admin console: the decrypted echostr, exactly, with no newline.
func (h *Callback) verifyURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	plain, err := h.deps.Opener.VerifyURL(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), q.Get("echostr"))
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	h.deps.Metrics.Callback("url_check")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(plain)
}

func (h *Callback) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCallbackBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.deps.Metrics.Callback("too_large")
			h.opts.Logger.Warn("callback body too large", "limit", MaxCallbackBody, "remote", r.RemoteAddr)
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		h.deps.Metrics.Callback("malformed")
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	plain, err := h.deps.Opener.DecryptBody(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	ev, err := h.deps.Parse(plain)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	timeout := h.opts.StoreTimeout
	if timeout <= 0 {
		timeout = DefaultStoreTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	inserted, err := h.deps.Inbox.InsertInbox(ctx, servicebot.InboxItem{
		DedupKey:   ev.DedupKey(),
		Kind:       ev.Kind(),
		FromUser:   ev.FromUserName,
		Payload:    plain,
		Status:     servicebot.InboxPending,
		ReceivedAt: h.opts.Clock.Now(),
	})
	if err != nil {
		// Never 200 for what is not stored: WeCom retries a failed delivery.
		h.deps.Metrics.Callback("store_error")
		h.opts.Logger.Error("callback not stored; answering 503 so WeCom retries",
			"kind", ev.Kind(), "from", ev.FromUserName, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if !inserted {
		h.deps.Metrics.Callback("duplicate")
		h.opts.Logger.Debug("repeated delivery ignored", "key", ev.DedupKey())
	} else {
		h.deps.Metrics.Callback("stored")
		if h.opts.Stored != nil {
			h.opts.Stored()
		}
	}
	// An empty 200 tells WeCom the delivery arrived; the reply, if any, goes
	// through the outbox.
	w.WriteHeader(http.StatusOK)
}

// refuse maps a verification or parsing failure to its status: 401 for a
// signature or receiver that is not ours, 400 for anything unreadable.
func (h *Callback) refuse(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, servicebot.ErrBadSignature):
		h.deps.Metrics.Callback("bad_signature")
		h.opts.Logger.Warn("callback refused: bad signature", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
	case errors.Is(err, servicebot.ErrWrongReceiver):
		h.deps.Metrics.Callback("wrong_receiver")
		h.opts.Logger.Warn("callback refused: addressed to another corp", "remote", r.RemoteAddr)
		http.Error(w, "wrong receiver", http.StatusUnauthorized)
	default:
		h.deps.Metrics.Callback("malformed")
		h.opts.Logger.Warn("callback refused: malformed", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "malformed callback", http.StatusBadRequest)
	}
}
