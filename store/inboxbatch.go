package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/servicebot/servicebot"
)

// Group commit of callbacks (issue 15). When replies to a reminder arrive at
// once, each callback's INSERT was a transaction of its own, and PostgreSQL
// spent most of the burst committing. Here concurrent callbacks share one
// multi-row INSERT … ON CONFLICT DO NOTHING, one commit: a batcher takes the
// first waiting delivery and every other one already waiting, without
// waiting for more, so a lone callback is not delayed and a burst commits in
// batches as large as it queued while the previous batch committed.
//
// The unique key still decides: a repeat (in the table or twice in one
// batch) is reported not inserted, and a caller is told inserted only after
// the commit. A caller whose context ends while its delivery waits gets an
// error (503, WeCom retries); if that delivery is committed after all, the
// retry finds it stored and is answered 200 without new work.

const (
	// inboxBatchers insert in parallel, so one batch's commit overlaps the
	// next batches' gathering and PostgreSQL flushes the WAL of several
	// waiting commits at once: a burst is bound by that flush (about 3 ms
	// here), not by the callbacks' CPU. Four answered a flat-out burst a
	// little faster than two; eight no faster.
	inboxBatchers = 4
	// inboxBatchMax bounds one statement (6 parameters a row).
	inboxBatchMax = 256
	// inboxBatchTimeout bounds one batch; callers give up sooner on their
	// own contexts.
	inboxBatchTimeout = 10 * time.Second
)

type inboxRequest struct {
	item servicebot.InboxItem
	done chan inboxResult // buffered: the batcher never blocks on a gone caller
}

type inboxResult struct {
	inserted bool
	err      error
}

type inboxBatcher struct {
	db      *DB
	queue   chan inboxRequest
	ctx     context.Context
	stop    context.CancelFunc
	stopped sync.WaitGroup
}

func newInboxBatcher(db *DB) *inboxBatcher {
	ctx, stop := context.WithCancel(context.Background())
	b := &inboxBatcher{db: db, queue: make(chan inboxRequest, 4*inboxBatchMax), ctx: ctx, stop: stop}
	for range inboxBatchers {
		b.stopped.Go(b.run)
	}
	return b
}

// close stops the batchers; deliveries still queued get an error.
func (b *inboxBatcher) close() {
	b.stop()
	b.stopped.Wait()
}

// insert queues item and waits for its batch to commit, or for ctx.
func (b *inboxBatcher) insert(ctx context.Context, item servicebot.InboxItem) (bool, error) {
	if b.ctx.Err() != nil {
		return false, errClosedInbox
	}
	req := inboxRequest{item: item, done: make(chan inboxResult, 1)}
	select {
	case b.queue <- req:
	case <-ctx.Done():
		return false, fmt.Errorf("store: insert inbox: %w", ctx.Err())
	case <-b.ctx.Done():
		return false, errClosedInbox
	}
	// The store may close after the request was queued and after the
	// batchers drained the queue: nobody would answer it then, so waiting
	// ends with the store too. A delivery committed in that instant is
	// answered 503 and its retry finds it stored (see above).
	select {
	case res := <-req.done:
		return res.inserted, res.err
	case <-ctx.Done():
		return false, fmt.Errorf("store: insert inbox: %w", ctx.Err())
	case <-b.ctx.Done():
		select {
		case res := <-req.done:
			return res.inserted, res.err
		default:
			return false, errClosedInbox
		}
	}
}

var errClosedInbox = errors.New("store: insert inbox: store closed")

func (b *inboxBatcher) run() {
	batch := make([]inboxRequest, 0, inboxBatchMax)
	for {
		select {
		case <-b.ctx.Done():
			b.drain()
			return
		case req := <-b.queue:
			batch = append(batch[:0], req)
		}
	gather:
		for len(batch) < inboxBatchMax {
			select {
			case req := <-b.queue:
				batch = append(batch, req)
			default:
				break gather
			}
		}
		b.commit(batch)
	}
}

// drain answers what is still queued when the store closes.
func (b *inboxBatcher) drain() {
	for {
		select {
		case req := <-b.queue:
			req.done <- inboxResult{err: errClosedInbox}
		default:
			return
		}
	}
}

// commit inserts batch in one statement and tells each caller its outcome.
func (b *inboxBatcher) commit(batch []inboxRequest) {
	ctx, cancel := context.WithTimeout(b.ctx, inboxBatchTimeout)
	defer cancel()
	// One row per key: the first caller of a key is the one that may be
	// told inserted.
	first := make(map[string]int, len(batch))
	var rows []int
	for i, req := range batch {
		if _, dup := first[req.item.DedupKey]; !dup {
			first[req.item.DedupKey] = i
			rows = append(rows, i)
		}
	}
	// In order of key, shorter first (msg:<MsgId> keys then follow WeCom's
	// increasing MsgIds): batches committing side by side insert keys they
	// share in the same order, so they never wait on each other in a cycle
	// (a deadlock: PostgreSQL would abort one after a second).
	slices.SortFunc(rows, func(i, j int) int {
		a, b := batch[i].item.DedupKey, batch[j].item.DedupKey
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	})
	var sql strings.Builder
	sql.WriteString(`INSERT INTO inbox (dedup_key, kind, from_user, payload, status, received_at) VALUES `)
	args := make([]any, 0, 6*len(rows))
	for _, i := range rows {
		req := batch[i]
		if len(args) > 0 {
			sql.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&sql, "($%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6)
		payload := req.item.Payload
		if payload == nil {
			payload = []byte{}
		}
		args = append(args, req.item.DedupKey, req.item.Kind, req.item.FromUser, payload,
			servicebot.InboxPending, ts(req.item.ReceivedAt))
	}
	sql.WriteString(` ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key`)
	var inserted []string
	err := b.db.sqlx.SelectContext(ctx, &inserted, sql.String(), args...)
	if err != nil {
		err = fmt.Errorf("store: insert inbox: %w", err)
		for _, req := range batch {
			req.done <- inboxResult{err: err}
		}
		return
	}
	isNew := make(map[string]bool, len(inserted))
	for _, k := range inserted {
		isNew[k] = true
	}
	for i, req := range batch {
		req.done <- inboxResult{inserted: isNew[req.item.DedupKey] && first[req.item.DedupKey] == i}
	}
}
