package wecomsim

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// History keeps what a person sees on the /sim page across restarts of
// `servicebot demo`: the messages the bot sent, what members sent, the cards
// as members now see them, and the group chats. *store.DB implements it over
// the demo's database.
type History interface {
	PutSimRecord(ctx context.Context, kind, name string, body []byte) error
	EachSimRecord(ctx context.Context, fn func(kind, name string, body []byte) error) error
}

// Kinds of history records.
const (
	histSent    = "sent"
	histInbound = "inbound"
	histCard    = "card"
	histChat    = "chat"
	histCode    = "code"
)

// histFlushTimeout bounds writing what is still queued when the history stops.
const histFlushTimeout = 5 * time.Second

type histRecord struct {
	kind, name string
	body       []byte
}

// inboundRecord is an inboundEntry as the history keeps it.
type inboundRecord struct {
	Seq    int       `json:"seq"`
	Rev    int       `json:"rev"`
	At     time.Time `json:"at"`
	From   string    `json:"from"`
	Text   string    `json:"text"`
	Kind   string    `json:"kind"`
	Status int       `json:"status,omitempty"`
	Err    string    `json:"err,omitempty"`
	Done   bool      `json:"done"`
}

// cardRecord is a cardState as the history keeps it.
type cardRecord struct {
	CardType string            `json:"card_type"`
	Card     json.RawMessage   `json:"card"`
	Replaced map[string]string `json:"replaced,omitempty"`
}

// codeRecord is a cardCode as the history keeps it: the bot keeps the
// response_code of each card it sent and may update the card with it after
// the demo restarts.
type codeRecord struct {
	TaskID string    `json:"task_id"`
	Users  []string  `json:"users"`
	Issued time.Time `json:"issued"`
	Used   bool      `json:"used,omitempty"`
}

// KeepHistory restores what h kept of earlier runs, then keeps every new
// message, callback, card change, response_code and group chat in h. Call
// it once, before the simulator serves. Writes happen in the background, in
// order, never while a request waits on them (the bot may call the
// simulator while it holds its own database's write lock); stop writes
// what is still queued and returns when it is written.
func (s *Sim) KeepHistory(ctx context.Context, h History) (stop func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hist != nil {
		return nil, fmt.Errorf("wecomsim: history already kept")
	}
	if err := h.EachSimRecord(ctx, s.restoreLocked); err != nil {
		return nil, fmt.Errorf("wecomsim: restore history: %w", err)
	}
	slices.SortFunc(s.sent, func(a, b Sent) int { return a.Seq - b.Seq })
	slices.SortFunc(s.inbound, func(a, b *inboundEntry) int { return a.seq - b.seq })
	s.hist = h
	s.histWake = make(chan struct{}, 1)
	s.notifyLocked()
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-s.histWake:
				s.writeHistory(runCtx)
			case <-runCtx.Done():
				flushCtx, cancelFlush := context.WithTimeout(context.WithoutCancel(ctx), histFlushTimeout)
				s.writeHistory(flushCtx)
				cancelFlush()
				return
			}
		}
	}()
	return func() { cancel(); <-done }, nil
}

// restoreLocked puts one kept record back.
func (s *Sim) restoreLocked(kind, name string, body []byte) error {
	switch kind {
	case histSent:
		var m Sent
		if err := json.Unmarshal(body, &m); err != nil {
			return fmt.Errorf("sent %s: %w", name, err)
		}
		m.Card, m.Body = nonNull(m.Card), nonNull(m.Body)
		s.sent = append(s.sent, m)
		s.rev = max(s.rev, m.Seq)
	case histInbound:
		var r inboundRecord
		if err := json.Unmarshal(body, &r); err != nil {
			return fmt.Errorf("inbound %s: %w", name, err)
		}
		e := &inboundEntry{seq: r.Seq, rev: r.Rev, at: r.At, from: r.From, text: r.Text, kind: r.Kind,
			status: r.Status, err: r.Err, done: r.Done}
		if !e.done {
			// Sent as the last run stopped: its answer was never seen.
			e.done, e.err = true, "演示重启前没有收到应答"
		}
		s.inbound = append(s.inbound, e)
		s.rev = max(s.rev, e.seq, e.rev)
	case histCard:
		var c cardRecord
		if err := json.Unmarshal(body, &c); err != nil {
			return fmt.Errorf("card %s: %w", name, err)
		}
		if c.Replaced == nil {
			c.Replaced = map[string]string{}
		}
		s.tasks[name] = &cardState{cardType: c.CardType, card: nonNull(c.Card), replaced: c.Replaced}
	case histChat:
		var c appChat
		if err := json.Unmarshal(body, &c); err != nil {
			return fmt.Errorf("chat %s: %w", name, err)
		}
		if _, seen := s.chats[c.ID]; !seen {
			s.chatOrder = append(s.chatOrder, c.ID)
		}
		s.chats[c.ID] = &c
	case histCode:
		var c codeRecord
		if err := json.Unmarshal(body, &c); err != nil {
			return fmt.Errorf("code: %w", err)
		}
		s.codes[name] = &cardCode{taskID: c.TaskID, users: c.Users, issued: c.Issued, used: c.Used}
	default:
		s.log.Warn("wecomsim: unknown history record", "kind", kind, "name", name)
	}
	return nil
}

func nonNull(m json.RawMessage) json.RawMessage {
	if string(m) == "null" {
		return nil
	}
	return m
}

// keepLocked queues v to be kept as (kind, name), when history is kept.
func (s *Sim) keepLocked(kind, name string, v any) {
	if s.hist == nil {
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		s.log.Error("wecomsim: history record", "kind", kind, "name", name, "err", err)
		return
	}
	s.histQueue = append(s.histQueue, histRecord{kind: kind, name: name, body: body})
	select {
	case s.histWake <- struct{}{}:
	default:
	}
}

func (s *Sim) keepSentLocked(m Sent) {
	s.keepLocked(histSent, strconv.Itoa(m.Seq), m)
	if state := s.tasks[m.TaskID]; m.TaskID != "" && state != nil {
		s.keepLocked(histCard, m.TaskID, cardRecord{CardType: state.cardType, Card: state.card, Replaced: state.replaced})
	}
}

func (s *Sim) keepCodeLocked(code string) {
	if c := s.codes[code]; c != nil {
		s.keepLocked(histCode, code, codeRecord{TaskID: c.taskID, Users: c.users, Issued: c.issued, Used: c.used})
	}
}

func (s *Sim) keepInboundLocked(e *inboundEntry) {
	s.keepLocked(histInbound, strconv.Itoa(e.seq), inboundRecord{Seq: e.seq, Rev: e.rev, At: e.at, From: e.from,
		Text: e.text, Kind: e.kind, Status: e.status, Err: e.err, Done: e.done})
}

// writeHistory writes the queued records, oldest first. A record that
// cannot be written is logged and skipped: the page's history is a
// convenience of the demo, not a record the bot relies on.
func (s *Sim) writeHistory(ctx context.Context) {
	s.mu.Lock()
	queue := s.histQueue
	s.histQueue = nil
	h := s.hist
	s.mu.Unlock()
	for _, r := range queue {
		if err := h.PutSimRecord(ctx, r.kind, r.name, r.body); err != nil {
			s.log.Error("wecomsim: keep history", "kind", r.kind, "name", r.name, "err", err)
		}
	}
}
