package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

func TestInsertInbox(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		want := inboxItem("msg:100", t0)

		tests := []struct {
			name         string
			item         servicebot.InboxItem
			wantInserted bool
		}{
			{"first delivery", want, true},
			{"repeated delivery", want, false},
			{"repeat with other fields still deduplicated", servicebot.InboxItem{
				DedupKey: "msg:100", Kind: wecommsg.MsgImage, ReceivedAt: t0.Add(time.Hour),
			}, false},
			{"another event", inboxItem("evt:zhangsan:1741570200:event:click:k:", t0), true},
		}
		for _, tt := range tests {
			inserted, err := db.InsertInbox(ctx, tt.item)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if inserted != tt.wantInserted {
				t.Errorf("%s: inserted = %v, want %v", tt.name, inserted, tt.wantInserted)
			}
		}

		claimed, err := db.ClaimInbox(ctx, t0, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) != 2 {
			t.Fatalf("claimed %d rows, want 2", len(claimed))
		}
		got := claimed[0]
		if got.DedupKey != want.DedupKey || got.Kind != want.Kind || got.FromUser != want.FromUser ||
			!bytes.Equal(got.Payload, want.Payload) || !got.ReceivedAt.Equal(want.ReceivedAt) ||
			got.Status != servicebot.InboxProcessing || got.Attempts != 1 || got.LastError != "" {
			t.Errorf("stored row = %+v, want the first delivery %+v processing on attempt 1", got, want)
		}
	})
}

func TestInsertInboxRejectsIncompleteItems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, item := range []servicebot.InboxItem{
			{Kind: wecommsg.MsgText, ReceivedAt: t0},    // no dedup key: would swallow other deliveries
			{DedupKey: "msg:1", Kind: wecommsg.MsgText}, // no receive time
		} {
			if _, err := db.InsertInbox(t.Context(), item); err == nil {
				t.Errorf("InsertInbox(%+v) succeeded, want an error", item)
			}
		}
	})
}

func TestInsertInboxFailsWhenDatabaseIsDown(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		// The callback handler answers 503 on this error so WeCom retries.
		if _, err := db.InsertInbox(t.Context(), inboxItem("msg:1", t0)); err == nil {
			t.Error("InsertInbox on a closed store succeeded")
		}
	})
}

func TestClaimInboxInOrderOfArrival(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for i := range 5 {
			// Received times run backwards: the order is the id, the order of storing.
			if _, err := db.InsertInbox(ctx, inboxItem(fmt.Sprintf("msg:%d", i), t0.Add(-time.Duration(i)*time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for _, limit := range []int{2, 2, 2} {
			claimed, err := db.ClaimInbox(ctx, t0, time.Minute, limit)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range claimed {
				got = append(got, it.DedupKey)
				if !it.LockedUntil.Equal(t0.Add(time.Minute)) {
					t.Errorf("%s: LockedUntil = %v, want %v", it.DedupKey, it.LockedUntil, t0.Add(time.Minute))
				}
			}
		}
		want := []string{"msg:0", "msg:1", "msg:2", "msg:3", "msg:4"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("claimed %v, want %v", got, want)
		}
		if _, err := db.ClaimInbox(ctx, t0, time.Minute, 0); err == nil {
			t.Error("ClaimInbox with limit 0 succeeded, want an error")
		}
	})
}

func TestClaimInboxRecoversExpiredLeases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		first := claimOne(t, db, "msg:1") // claimed at t0 for a minute, then the worker "crashes"

		tests := []struct {
			name         string
			now          time.Time
			wantAttempts int // 0: nothing claimed
		}{
			{"lease running", t0.Add(30 * time.Second), 0},
			{"lease ends now", t0.Add(time.Minute), 0},
			{"lease expired", t0.Add(time.Minute + time.Microsecond), 2},
			{"re-claimed lease running", t0.Add(90 * time.Second), 0},
		}
		for _, tt := range tests {
			claimed, err := db.ClaimInbox(ctx, tt.now, time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantAttempts == 0 {
				if len(claimed) != 0 {
					t.Errorf("%s: claimed %+v, want nothing", tt.name, claimed)
				}
				continue
			}
			if len(claimed) != 1 || claimed[0].ID != first.ID || claimed[0].Attempts != tt.wantAttempts ||
				!claimed[0].LockedUntil.Equal(tt.now.Add(time.Minute)) {
				t.Errorf("%s: claimed %+v, want row %d on attempt %d locked until %v",
					tt.name, claimed, first.ID, tt.wantAttempts, tt.now.Add(time.Minute))
			}
		}
	})
}

func TestRetryAndFailInbox(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		item := claimOne(t, db, "msg:1")
		retryAt := t0.Add(5 * time.Minute)
		if err := db.RetryInbox(ctx, item.ID, "handler: timeout", retryAt); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetInbox(ctx, item.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != servicebot.InboxPending || got.LastError != "handler: timeout" || !got.LockedUntil.Equal(retryAt) {
			t.Errorf("after retry: %+v, want pending with its error until %v", got, retryAt)
		}
		if pending, oldest, err := db.InboxStats(ctx); err != nil || pending != 1 || !oldest.Equal(t0) {
			t.Errorf("InboxStats = %d, %v, %v; want 1, %v", pending, oldest, err, t0)
		}

		if claimed, err := db.ClaimInbox(ctx, retryAt.Add(-time.Microsecond), time.Minute, 10); err != nil || len(claimed) != 0 {
			t.Fatalf("claim before retryAt = %+v, %v; want nothing", claimed, err)
		}
		claimed, err := db.ClaimInbox(ctx, retryAt, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) != 1 || claimed[0].Attempts != 2 {
			t.Fatalf("claim at retryAt = %+v, want the row on attempt 2", claimed)
		}

		failedAt := retryAt.Add(time.Second)
		if err := db.FailInbox(ctx, item.ID, "handler: bad payload", failedAt); err != nil {
			t.Fatal(err)
		}
		got, err = db.GetInbox(ctx, item.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != servicebot.InboxFailed || got.LastError != "handler: bad payload" ||
			!got.DoneAt.Equal(failedAt) || !got.LockedUntil.IsZero() {
			t.Errorf("after fail: %+v, want failed with its error at %v", got, failedAt)
		}
		if claimed, err := db.ClaimInbox(ctx, failedAt.Add(time.Hour), time.Minute, 10); err != nil || len(claimed) != 0 {
			t.Errorf("claim after fail = %+v, %v; want nothing", claimed, err)
		}
		if pending, oldest, err := db.InboxStats(ctx); err != nil || pending != 0 || !oldest.IsZero() {
			t.Errorf("InboxStats = %d, %v, %v; want 0, zero time", pending, oldest, err)
		}
	})
}

// Only a processing row can be retried, failed or completed: the outcome of a
// worker whose row was finished by another must not be recorded.
func TestInboxTransitionsNeedAClaim(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		item := claimOne(t, db, "msg:1")
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CompleteInbox(ctx, item.ID, t0) }); err != nil {
			t.Fatal(err)
		}
		if got, err := db.GetInbox(ctx, item.ID); err != nil || got.Status != servicebot.InboxDone || !got.DoneAt.Equal(t0) {
			t.Fatalf("after complete: %+v, %v; want done at %v", got, err, t0)
		}

		tests := []struct {
			name string
			call func() error
		}{
			{"complete twice", func() error {
				return db.InTx(ctx, func(tx *store.Tx) error { return tx.CompleteInbox(ctx, item.ID, t0) })
			}},
			{"retry a done row", func() error { return db.RetryInbox(ctx, item.ID, "x", t0) }},
			{"fail a done row", func() error { return db.FailInbox(ctx, item.ID, "x", t0) }},
			{"retry a missing row", func() error { return db.RetryInbox(ctx, item.ID+100, "x", t0) }},
		}
		for _, tt := range tests {
			if err := tt.call(); !errors.Is(err, servicebot.ErrNotFound) {
				t.Errorf("%s = %v, want ErrNotFound", tt.name, err)
			}
		}
		if _, err := db.GetInbox(ctx, item.ID+100); !errors.Is(err, servicebot.ErrNotFound) {
			t.Errorf("GetInbox of a missing row = %v, want ErrNotFound", err)
		}
	})
}

func TestInboxStats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if pending, oldest, err := db.InboxStats(ctx); err != nil || pending != 0 || !oldest.IsZero() {
			t.Fatalf("empty: InboxStats = %d, %v, %v; want 0, zero time", pending, oldest, err)
		}
		for i := range 3 {
			if _, err := db.InsertInbox(ctx, inboxItem(fmt.Sprintf("msg:%d", i), t0.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
		// The oldest is claimed (processing, still counted) and the next one is done.
		claimed, err := db.ClaimInbox(ctx, t0, time.Minute, 2)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("ClaimInbox = %+v, %v; want 2 rows", claimed, err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CompleteInbox(ctx, claimed[1].ID, t0) }); err != nil {
			t.Fatal(err)
		}
		pending, oldest, err := db.InboxStats(ctx)
		if err != nil || pending != 2 || !oldest.Equal(t0) {
			t.Errorf("InboxStats = %d, %v, %v; want 2, %v", pending, oldest, err, t0)
		}
	})
}

func TestConcurrentClaimers(t *testing.T) {
	t.Parallel()
	const rows, claimers, batch = 200, 4, 10
	type claimFunc func(db *store.DB, now time.Time) ([]int64, error)
	tests := []struct {
		name   string
		insert func(t *testing.T, db *store.DB, i int)
		claim  claimFunc
	}{
		{
			name: "inbox",
			insert: func(t *testing.T, db *store.DB, i int) {
				if _, err := db.InsertInbox(t.Context(), inboxItem(fmt.Sprintf("msg:%d", i), t0)); err != nil {
					t.Fatal(err)
				}
			},
			claim: func(db *store.DB, now time.Time) ([]int64, error) {
				items, err := db.ClaimInbox(t.Context(), now, time.Hour, batch)
				ids := make([]int64, len(items))
				for i, it := range items {
					ids[i] = it.ID
				}
				return ids, err
			},
		},
		{
			name: "outbox",
			insert: func(t *testing.T, db *store.DB, i int) {
				if _, _, err := db.EnqueueOutbox(t.Context(), outboxMessage("", t0)); err != nil {
					t.Fatal(err)
				}
			},
			claim: func(db *store.DB, now time.Time) ([]int64, error) {
				msgs, err := db.ClaimOutbox(t.Context(), now, time.Hour, batch)
				ids := make([]int64, len(msgs))
				for i, m := range msgs {
					ids[i] = m.ID
				}
				return ids, err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				for i := range rows {
					tt.insert(t, db, i)
				}
				var (
					mu     sync.Mutex
					counts = map[int64]int{}
					wg     sync.WaitGroup
					errs   = make(chan error, claimers)
				)
				for range claimers {
					wg.Go(func() {
						// Claim until nothing is left. A Postgres claimer may
						// come back empty while others hold the last rows:
						// they claim those.
						for {
							ids, err := tt.claim(db, t0)
							if err != nil {
								errs <- err
								return
							}
							if len(ids) == 0 {
								return
							}
							mu.Lock()
							for _, id := range ids {
								counts[id]++
							}
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
				if len(counts) != rows {
					t.Errorf("%d distinct rows claimed, want %d", len(counts), rows)
				}
				for id, n := range counts {
					if n != 1 {
						t.Errorf("row %d claimed %d times", id, n)
					}
				}
				if ids, err := tt.claim(db, t0); err != nil || len(ids) != 0 {
					t.Errorf("claim after all were claimed = %v, %v; want nothing", ids, err)
				}
			})
		})
	}
}

// inboxFrom is a delivery of key from user.
func inboxFrom(user, key string) servicebot.InboxItem {
	it := inboxItem(key, t0)
	it.FromUser = user
	return it
}

// inboxKeys lists the dedup keys of items, in order.
func inboxKeys(items []servicebot.InboxItem) string {
	var ks []string
	for _, it := range items {
		ks = append(ks, it.DedupKey)
	}
	return fmt.Sprint(ks)
}

// One member's messages are handled one at a time, in order: a later one is
// not claimed while an earlier one is claimed or waiting for a retry; a failed
// one no longer holds the rest up; other members are not held up at all.
func TestClaimInboxKeepsEachMembersOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for _, it := range []servicebot.InboxItem{
			inboxFrom("li", "li-1"), inboxFrom("li", "li-2"), inboxFrom("wang", "wang-1"), inboxFrom("li", "li-3"),
		} {
			if _, err := db.InsertInbox(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		claim := func(now time.Time) []servicebot.InboxItem {
			t.Helper()
			got, err := db.ClaimInbox(ctx, now, time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}

		first := claim(t0)
		if inboxKeys(first) != "[li-1 wang-1]" {
			t.Fatalf("first claim %s, want [li-1 wang-1]", inboxKeys(first))
		}
		if got := claim(t0); len(got) != 0 {
			t.Fatalf("li-2 claimed while li-1 is being handled: %s", inboxKeys(got))
		}
		// li-1 fails and waits for a retry: li-2 still waits behind it.
		if err := db.RetryInbox(ctx, first[0].ID, "boom", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := claim(t0.Add(time.Second)); len(got) != 0 {
			t.Fatalf("li-2 overtook li-1 waiting for its retry: %s", inboxKeys(got))
		}
		retried := claim(t0.Add(time.Minute))
		if inboxKeys(retried) != "[li-1]" {
			t.Fatalf("after the retry delay: %s, want [li-1]", inboxKeys(retried))
		}
		// li-1 fails for good: li-2 goes on.
		if err := db.FailInbox(ctx, retried[0].ID, "boom", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := claim(t0.Add(time.Minute)); inboxKeys(got) != "[li-2]" {
			t.Fatalf("after li-1 failed: %s, want [li-2]", inboxKeys(got))
		}
	})
}

// Issue 15: a claim may hold a run of each member's rows, in order, so that
// a burst from a few members fills a batch; the run stops at perMember, at a
// row that waits for a retry, and never starts while an earlier row of the
// member is someone else's. Rows given back behind a failed one wait for it.
func TestClaimInboxRunsKeepEachMembersOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for _, it := range []servicebot.InboxItem{
			inboxFrom("li", "li-1"), inboxFrom("li", "li-2"), inboxFrom("wang", "wang-1"), inboxFrom("li", "li-3"), inboxFrom("li", "li-4"),
		} {
			if _, err := db.InsertInbox(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		claim := func(now time.Time) []servicebot.InboxItem {
			t.Helper()
			got, err := db.ClaimInboxRuns(ctx, now, time.Minute, 10, 3)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}

		first := claim(t0)
		if inboxKeys(first) != "[li-1 li-2 wang-1 li-3]" {
			t.Fatalf("first claim %s, want li's first three in order and wang-1", inboxKeys(first))
		}
		if got := claim(t0); len(got) != 0 {
			t.Fatalf("li-4 claimed while li's run is being handled: %s", inboxKeys(got))
		}
		// li-1 is done, li-2 fails and waits for a retry, li-3 is given back.
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CompleteInbox(ctx, first[0].ID, t0) }); err != nil {
			t.Fatal(err)
		}
		if err := db.RetryInbox(ctx, first[1].ID, "boom", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.ReleaseInbox(ctx, []int64{first[3].ID}); err != nil {
			t.Fatal(err)
		}
		if got, err := db.GetInbox(ctx, first[3].ID); err != nil || got.Status != servicebot.InboxPending || got.Attempts != 0 {
			t.Fatalf("li-3 given back: %+v, %v; want pending with its attempt given back", got, err)
		}
		if got := claim(t0.Add(time.Second)); len(got) != 0 {
			t.Fatalf("li-3 or li-4 overtook li-2 waiting for its retry: %s", inboxKeys(got))
		}
		if got := claim(t0.Add(time.Minute)); inboxKeys(got) != "[li-2 li-3 li-4]" {
			t.Fatalf("after the retry delay: %s, want [li-2 li-3 li-4]", inboxKeys(got))
		}
	})
}

// Concurrent workers claiming runs (four claimers, three members, small
// batches) handle every row exactly once, and each member's rows in order.
func TestClaimInboxRunsConcurrentExactlyOnceInOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const rows, members, claimers = 150, 3, 4
		ctx := t.Context()
		for i := range rows {
			it := inboxItem(fmt.Sprintf("msg:%d", i), t0)
			it.FromUser = fmt.Sprintf("u%d", i%members)
			if _, err := db.InsertInbox(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		var (
			mu      sync.Mutex
			handled = map[int64]int{}
			order   = map[string][]int64{}
			wg      sync.WaitGroup
		)
		for range claimers {
			wg.Go(func() {
				for idle := 0; idle < 50; {
					items, err := db.ClaimInboxRuns(ctx, t0, time.Hour, 7, 4)
					if err != nil {
						t.Error(err)
						return
					}
					if len(items) == 0 {
						idle++
						time.Sleep(2 * time.Millisecond)
						continue
					}
					idle = 0
					for _, it := range items {
						mu.Lock()
						handled[it.ID]++
						order[it.FromUser] = append(order[it.FromUser], it.ID)
						mu.Unlock()
						if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CompleteInbox(ctx, it.ID, t0) }); err != nil {
							t.Error(err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		if len(handled) != rows {
			t.Errorf("%d rows handled, want %d", len(handled), rows)
		}
		for id, n := range handled {
			if n != 1 {
				t.Errorf("row %d handled %d times", id, n)
			}
		}
		for user, ids := range order {
			if !slices.IsSorted(ids) {
				t.Errorf("%s's rows handled out of order: %v", user, ids)
			}
		}
	})
}

// Issue 15: concurrent callbacks share a commit (group commit on Postgres)
// and the unique key still decides: of many deliveries of each key, racing
// each other and repeats in the table, exactly one is told inserted.
func TestInsertInboxConcurrentDeliveriesStoredOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const keys, copies = 60, 4
		var wg sync.WaitGroup
		var mu sync.Mutex
		inserted := map[string]int{}
		now := time.Now()
		for c := range copies {
			for k := range keys {
				wg.Go(func() {
					key := fmt.Sprintf("msg:%d", k)
					ok, err := db.InsertInbox(t.Context(), servicebot.InboxItem{DedupKey: key, Kind: "text",
						FromUser: fmt.Sprintf("u%d", k%7), Payload: []byte(fmt.Sprintf("<xml>%d/%d</xml>", k, c)),
						Status: servicebot.InboxPending, ReceivedAt: now})
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						mu.Lock()
						inserted[key]++
						mu.Unlock()
					}
				})
			}
		}
		wg.Wait()
		if len(inserted) != keys {
			t.Errorf("%d keys reported inserted, want %d", len(inserted), keys)
		}
		for k, n := range inserted {
			if n != 1 {
				t.Errorf("%s reported inserted %d times", k, n)
			}
		}
		counts, err := db.InboxCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if counts[servicebot.InboxPending] != keys {
			t.Errorf("inbox %v, want %d pending rows", counts, keys)
		}
	})
}

// A worker batch completes its rows at once, or none when one of them was
// finished by another worker meanwhile (its lease ran out): the caller rolls
// the batch back.
func TestCompleteInboxesAllOrNone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for _, it := range []servicebot.InboxItem{inboxFrom("li", "a"), inboxFrom("wang", "b"), inboxFrom("zhao", "c")} {
			if _, err := db.InsertInbox(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		claimed, err := db.ClaimInbox(ctx, t0, time.Minute, 10)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("claim: %d rows, %v", len(claimed), err)
		}
		ids := []int64{claimed[0].ID, claimed[1].ID}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CompleteInbox(ctx, claimed[1].ID, t0) }); err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error { return tx.CompleteInboxes(ctx, ids, t0) })
		if !errors.Is(err, servicebot.ErrNotFound) {
			t.Fatalf("completing a row another worker finished: %v, want ErrNotFound", err)
		}
		if got, _ := db.GetInbox(ctx, claimed[0].ID); got.Status != servicebot.InboxProcessing {
			t.Errorf("after the rollback row a is %s, want still processing", got.Status)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.CompleteInboxes(ctx, []int64{claimed[0].ID, claimed[2].ID}, t0)
		}); err != nil {
			t.Fatal(err)
		}
		if counts, _ := db.InboxCounts(ctx); counts[servicebot.InboxDone] != 3 {
			t.Errorf("inbox %v, want all 3 done", counts)
		}
	})
}
