package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// A repeated key inside a transaction must be a quiet no-op: on Postgres a
// unique violation would abort the transaction and lose the state change.
func TestEnqueueOutboxDeduplicatesInsideATransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		const key = "remind:report:zhangsan:2025-03-10:stage1"
		var firstID int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			id, inserted, err := tx.EnqueueOutbox(ctx, outboxMessage(key, t0))
			if err != nil || !inserted {
				return fmt.Errorf("first enqueue = %d, %v, %v; want inserted", id, inserted, err)
			}
			firstID = id
			id, inserted, err = tx.EnqueueOutbox(ctx, outboxMessage(key, t0.Add(time.Minute)))
			if err != nil || inserted || id != firstID {
				return fmt.Errorf("repeated enqueue = %d, %v, %v; want %d, not inserted", id, inserted, err, firstID)
			}
			// The transaction is still usable, and keyless rows are never deduplicated.
			for range 2 {
				if _, inserted, err := tx.EnqueueOutbox(ctx, outboxMessage("", t0)); err != nil || !inserted {
					return fmt.Errorf("keyless enqueue after a repeat = %v, %v; want inserted", inserted, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		id, inserted, err := db.EnqueueOutbox(ctx, outboxMessage(key, t0))
		if err != nil || inserted || id != firstID {
			t.Errorf("enqueue after commit = %d, %v, %v; want %d, not inserted", id, inserted, err, firstID)
		}
		counts, err := db.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[servicebot.OutboxPending] != 3 {
			t.Errorf("pending rows = %d, want 3", counts[servicebot.OutboxPending])
		}
		m, err := db.GetOutbox(ctx, firstID)
		if err != nil {
			t.Fatal(err)
		}
		if m.DedupKey != key || !m.CreatedAt.Equal(t0) || !m.NextAttemptAt.Equal(t0) {
			t.Errorf("stored %+v, want the first enqueue of %s, due at %v", m, key, t0)
		}
	})
}

func TestEnqueueOutboxRejectsIncompleteMessages(t *testing.T) {
	t.Parallel()
	valid := outboxMessage("", t0)
	tests := []struct {
		name   string
		change func(m *servicebot.OutboxMessage)
	}{
		{"no kind", func(m *servicebot.OutboxMessage) { m.Kind = "" }},
		{"no created time", func(m *servicebot.OutboxMessage) { m.CreatedAt = time.Time{} }},
		{"body not JSON", func(m *servicebot.OutboxMessage) { m.Body = json.RawMessage(`{"content":`) }},
		{"no body", func(m *servicebot.OutboxMessage) { m.Body = nil }},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tt := range tests {
			m := valid
			tt.change(&m)
			if _, _, err := db.EnqueueOutbox(t.Context(), m); err == nil {
				t.Errorf("%s: EnqueueOutbox succeeded, want an error", tt.name)
			}
		}
	})
}

func TestClaimOutboxRespectsScheduleAndLeases(t *testing.T) {
	t.Parallel()
	const lease = time.Minute
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		due, _, err := db.EnqueueOutbox(ctx, outboxMessage("", t0)) // due when created
		if err != nil {
			t.Fatal(err)
		}
		later := outboxMessage("", t0)
		later.NextAttemptAt = t0.Add(10 * time.Minute)
		deferred, _, err := db.EnqueueOutbox(ctx, later)
		if err != nil {
			t.Fatal(err)
		}

		steps := []struct {
			name string
			at   time.Time
			want map[int64]int // claimed id -> its attempts
		}{
			{"before anything is due", t0.Add(-time.Microsecond), map[int64]int{}},
			{"first row due", t0, map[int64]int{due: 1}},
			{"its lease running", t0.Add(lease / 2), map[int64]int{}},
			{"its lease ending now", t0.Add(lease), map[int64]int{}},
			{"its lease expired", t0.Add(lease + time.Microsecond), map[int64]int{due: 2}},
			{"deferred row due, lease expired again", t0.Add(10 * time.Minute), map[int64]int{due: 3, deferred: 1}},
		}
		for _, step := range steps {
			claimed, err := db.ClaimOutbox(ctx, step.at, lease, 10)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]int{}
			for _, m := range claimed {
				got[m.ID] = m.Attempts
				if m.Status != servicebot.OutboxSending || !m.LockedUntil.Equal(step.at.Add(lease)) {
					t.Errorf("%s: row %d is %s until %v, want sending until %v",
						step.name, m.ID, m.Status, m.LockedUntil, step.at.Add(lease))
				}
			}
			if !reflect.DeepEqual(got, step.want) {
				t.Errorf("%s: claimed (id: attempts) %v, want %v", step.name, got, step.want)
			}
		}
	})
}

func TestOutboxDeliveryOutcomes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		card := servicebot.OutboxMessage{
			DedupKey:  "card:approval:7",
			Kind:      servicebot.OutTemplateCard,
			ToUsers:   "manager",
			Body:      json.RawMessage(`{"card_type":"button_interaction","main_title":{"title":"借用申请"}}`),
			CreatedAt: t0,
		}
		appchat := outboxMessage("", t0)
		appchat.Kind, appchat.ToUsers, appchat.ToChat = servicebot.OutAppChat, "", "wrkSFfCgAA"
		var ids []int64
		for _, m := range []servicebot.OutboxMessage{card, outboxMessage("", t0), outboxMessage("", t0), appchat} {
			id, _, err := db.EnqueueOutbox(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		sent, retried, failed, sending := ids[0], ids[1], ids[2], ids[3]
		if claimed, err := db.ClaimOutbox(ctx, t0, time.Minute, 10); err != nil || len(claimed) != 4 {
			t.Fatalf("ClaimOutbox = %d rows, %v; want 4", len(claimed), err)
		}

		sentAt, retryAt, failedAt := t0.Add(time.Second), t0.Add(time.Minute), t0.Add(2*time.Second)
		res := servicebot.SendResult{MsgID: "msgid-1", ResponseCode: "rc-1", InvalidUsers: []string{"wangwu", "zhaoliu"}}
		if err := db.MarkOutboxSent(ctx, sent, res, sentAt); err != nil {
			t.Fatal(err)
		}
		if err := db.RetryOutbox(ctx, retried, "wecom message/send: errcode 45009", t0, retryAt); err != nil {
			t.Fatal(err)
		}
		if err := db.FailOutbox(ctx, failed, "wecom message/send: errcode 81013", failedAt); err != nil {
			t.Fatal(err)
		}

		want := map[int64]servicebot.OutboxMessage{
			sent: {Status: servicebot.OutboxSent, SentAt: sentAt, MsgID: "msgid-1", ResponseCode: "rc-1",
				LastError: "invalid users: wangwu|zhaoliu", NextAttemptAt: t0},
			retried: {Status: servicebot.OutboxPending, LastError: "wecom message/send: errcode 45009", NextAttemptAt: retryAt},
			failed:  {Status: servicebot.OutboxFailed, LastError: "wecom message/send: errcode 81013", NextAttemptAt: t0},
			sending: {Status: servicebot.OutboxSending, LockedUntil: t0.Add(time.Minute), NextAttemptAt: t0},
		}
		for id, w := range want {
			got, err := db.GetOutbox(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != w.Status || got.LastError != w.LastError || got.MsgID != w.MsgID ||
				got.ResponseCode != w.ResponseCode || !got.SentAt.Equal(w.SentAt) ||
				!got.LockedUntil.Equal(w.LockedUntil) || !got.NextAttemptAt.Equal(w.NextAttemptAt) || got.Attempts != 1 {
				t.Errorf("row %d = %+v, want %+v on attempt 1", id, got, w)
			}
		}

		got, err := db.GetOutbox(ctx, sent)
		if err != nil {
			t.Fatal(err)
		}
		if got.DedupKey != card.DedupKey || got.Kind != card.Kind || got.ToUsers != card.ToUsers || !sameJSON(t, got.Body, card.Body) {
			t.Errorf("card read back as %+v (body %s), want %+v", got, got.Body, card)
		}
		if got, err := db.GetOutbox(ctx, sending); err != nil || got.ToChat != appchat.ToChat || got.ToUsers != "" || got.DedupKey != "" {
			t.Errorf("appchat read back as %+v, %v; want %+v", got, err, appchat)
		}

		counts, err := db.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantCounts := map[string]int{servicebot.OutboxPending: 1, servicebot.OutboxSending: 1, servicebot.OutboxSent: 1, servicebot.OutboxFailed: 1}
		if !reflect.DeepEqual(counts, wantCounts) {
			t.Errorf("OutboxCounts = %v, want %v", counts, wantCounts)
		}

		lists := []struct {
			statuses []string
			limit    int
			want     []int64
		}{
			{nil, 10, []int64{sending, failed, retried, sent}},
			{nil, 2, []int64{sending, failed}},
			{[]string{servicebot.OutboxSent, servicebot.OutboxFailed}, 10, []int64{failed, sent}},
			{[]string{servicebot.OutboxPending}, 10, []int64{retried}},
		}
		for _, l := range lists {
			msgs, err := db.ListOutbox(ctx, l.statuses, l.limit)
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []int64
			for _, m := range msgs {
				gotIDs = append(gotIDs, m.ID)
			}
			if !reflect.DeepEqual(gotIDs, l.want) {
				t.Errorf("ListOutbox(%v, %d) = %v, want %v", l.statuses, l.limit, gotIDs, l.want)
			}
		}

		// A row not sending (finished, or waiting for its retry) takes no outcome:
		// a sender whose lease expired must not overwrite what another recorded.
		guards := []struct {
			name string
			call func() error
		}{
			{"mark a sent row sent", func() error { return db.MarkOutboxSent(ctx, sent, servicebot.SendResult{}, sentAt) }},
			{"retry a failed row", func() error { return db.RetryOutbox(ctx, failed, "x", t0, retryAt) }},
			{"fail a pending row", func() error { return db.FailOutbox(ctx, retried, "x", failedAt) }},
			{"mark a missing row", func() error { return db.MarkOutboxSent(ctx, sending+100, servicebot.SendResult{}, sentAt) }},
		}
		for _, g := range guards {
			if err := g.call(); !errors.Is(err, servicebot.ErrNotFound) {
				t.Errorf("%s = %v, want ErrNotFound", g.name, err)
			}
		}

		// The retried row goes out on its second attempt; its earlier error stays for the record.
		claimed, err := db.ClaimOutbox(ctx, retryAt, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) != 1 || claimed[0].ID != retried || claimed[0].Attempts != 2 {
			t.Fatalf("claim at retry time = %+v, want row %d on attempt 2", claimed, retried)
		}
		if err := db.MarkOutboxSent(ctx, retried, servicebot.SendResult{MsgID: "msgid-2"}, retryAt); err != nil {
			t.Fatal(err)
		}
		if got, err := db.GetOutbox(ctx, retried); err != nil || got.Status != servicebot.OutboxSent ||
			got.LastError != "wecom message/send: errcode 45009" || !got.LockedUntil.IsZero() {
			t.Errorf("after a successful retry: %+v, %v; want sent, earlier error kept, no lock", got, err)
		}
		if _, err := db.ListOutbox(ctx, nil, 0); err == nil {
			t.Error("ListOutbox with limit 0 succeeded, want an error")
		}
	})
}

func sameJSON(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// A deferral gives the claim's attempt back: the row was not tried.
func TestDeferOutboxGivesTheAttemptBack(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		id, _, err := db.EnqueueOutbox(ctx, servicebot.OutboxMessage{
			Kind: servicebot.OutText, ToUsers: "liqiang", Body: json.RawMessage(`{"content":"x"}`), CreatedAt: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		if rows, err := db.ClaimOutbox(ctx, now, time.Minute, 10); err != nil || len(rows) != 1 || rows[0].Attempts != 1 {
			t.Fatalf("claim: %v %v", rows, err)
		}
		if err := db.DeferOutbox(ctx, id, "at the send limit", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetOutbox(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != servicebot.OutboxPending || got.Attempts != 0 || got.LastError != "at the send limit" ||
			!got.NextAttemptAt.Equal(now.Add(time.Minute)) {
			t.Errorf("after defer: %+v", got)
		}
		if err := db.DeferOutbox(ctx, id, "again", now); !errors.Is(err, servicebot.ErrNotFound) {
			t.Errorf("deferring an unclaimed row: %v, want ErrNotFound", err)
		}
	})
}

func TestInboxCounts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		for _, key := range []string{"a", "b", "c"} {
			if _, err := db.InsertInbox(ctx, servicebot.InboxItem{DedupKey: key, Kind: "text", Payload: []byte("<xml/>"), ReceivedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		claimed, err := db.ClaimInbox(ctx, now, time.Minute, 1)
		if err != nil || len(claimed) != 1 {
			t.Fatal(claimed, err)
		}
		if err := db.FailInbox(ctx, claimed[0].ID, "x", now); err != nil {
			t.Fatal(err)
		}
		got, err := db.InboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{servicebot.InboxPending: 2, servicebot.InboxProcessing: 0, servicebot.InboxDone: 0, servicebot.InboxFailed: 1}
		if !maps.Equal(got, want) {
			t.Errorf("InboxCounts = %v, want %v", got, want)
		}
	})
}

// Issue 15: a row's first failure is kept through later ones; the sender
// gives up by the time since it.
func TestOutboxKeepsTheFirstFailure(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		id, _, err := db.EnqueueOutbox(ctx, outboxMessage("", t0))
		if err != nil {
			t.Fatal(err)
		}
		at := t0
		for i := range 3 {
			if claimed, err := db.ClaimOutbox(ctx, at, time.Minute, 10); err != nil || len(claimed) != 1 {
				t.Fatalf("claim %d = %d rows, %v", i+1, len(claimed), err)
			}
			if err := db.RetryOutbox(ctx, id, "errcode 45009", at, at.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			at = at.Add(time.Minute)
		}
		if got, err := db.GetOutbox(ctx, id); err != nil || !got.FirstFailedAt.Equal(t0) || got.Attempts != 3 {
			t.Errorf("after three failures: first failed at %v, attempts %d (%v); want %v, 3", got.FirstFailedAt, got.Attempts, err, t0)
		}
	})
}
