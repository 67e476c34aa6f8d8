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
	Opener  CallbackOpener
	Parse   EventParser
	Inbox   InboxWriter
	Clock   servicebot.Clock
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Stored, when set, is called after a new row is stored, to wake the worker.
	Stored func()
	// StoreTimeout bounds storing a delivery (waiting for a database
	// connection included); past it the answer is 503 and WeCom retries.
	// Default DefaultStoreTimeout.
	StoreTimeout time.Duration
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
	plain, err := h.Opener.VerifyURL(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), q.Get("echostr"))
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	h.Metrics.Callback("url_check")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(plain)
}

func (h *Callback) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCallbackBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.Metrics.Callback("too_large")
			h.Logger.Warn("callback body too large", "limit", MaxCallbackBody, "remote", r.RemoteAddr)
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		h.Metrics.Callback("malformed")
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	plain, err := h.Opener.DecryptBody(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	ev, err := h.Parse(plain)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	timeout := h.StoreTimeout
	if timeout <= 0 {
		timeout = DefaultStoreTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	inserted, err := h.Inbox.InsertInbox(ctx, servicebot.InboxItem{
		DedupKey:   ev.DedupKey(),
		Kind:       ev.Kind(),
		FromUser:   ev.FromUserName,
		Payload:    plain,
		Status:     servicebot.InboxPending,
		ReceivedAt: h.Clock.Now(),
	})
	if err != nil {
		// Never 200 for what is not stored: WeCom retries a failed delivery.
		h.Metrics.Callback("store_error")
		h.Logger.Error("callback not stored; answering 503 so WeCom retries",
			"kind", ev.Kind(), "from", ev.FromUserName, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if !inserted {
		h.Metrics.Callback("duplicate")
		h.Logger.Debug("repeated delivery ignored", "key", ev.DedupKey())
	} else {
		h.Metrics.Callback("stored")
		if h.Stored != nil {
			h.Stored()
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
		h.Metrics.Callback("bad_signature")
		h.Logger.Warn("callback refused: bad signature", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
	case errors.Is(err, servicebot.ErrWrongReceiver):
		h.Metrics.Callback("wrong_receiver")
		h.Logger.Warn("callback refused: addressed to another corp", "remote", r.RemoteAddr)
		http.Error(w, "wrong receiver", http.StatusUnauthorized)
	default:
		h.Metrics.Callback("malformed")
		h.Logger.Warn("callback refused: malformed", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "malformed callback", http.StatusBadRequest)
	}
}
