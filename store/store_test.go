package store_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// t0 has microseconds, the precision both databases keep.
var t0 = time.Date(2025, 3, 10, 9, 30, 0, 123456000, time.UTC)

func TestOpenRejectsBadURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, wantErr string
	}{
		{"unknown scheme", "mysql://root@localhost/app", `unsupported database URL scheme "mysql"`},
		{"no scheme", "/var/lib/servicebot.db", "has no scheme"},
		{"key=value DSN, not echoed", "host=db password=s3cret", "has no scheme"},
		{"sqlite without path", "sqlite:", "names no file"},
		{"sqlite in memory", "sqlite::memory:", "not a file path"},
		{"sqlite with query", "sqlite:/tmp/x.db?mode=ro", "must not contain '?'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(t.Context(), tt.url, nil)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tt.url)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Open(%q) = %v, want an error containing %q", tt.url, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("Open(%q) = %v: the error shows the password", tt.url, err)
			}
		})
	}
}

func TestOpenSQLiteCreatesParentDirectory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a", "b", "servicebot.db")
	db, err := store.Open(t.Context(), "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Dialect(); got != store.DialectSQLite {
		t.Errorf("Dialect() = %q, want %q", got, store.DialectSQLite)
	}
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateAndReady(t *testing.T) {
	t.Parallel()
	for _, d := range []struct {
		dialect string
		open    func(testing.TB) *store.DB
	}{
		{store.DialectSQLite, storetest.OpenSQLite},
		{store.DialectPostgres, storetest.OpenPostgres},
	} {
		t.Run(d.dialect, func(t *testing.T) {
			db := d.open(t)
			ctx := t.Context()
			if got := db.Dialect(); got != d.dialect {
				t.Errorf("Dialect() = %q, want %q", got, d.dialect)
			}
			if err := db.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			if err := db.Ready(ctx); err == nil {
				t.Fatal("Ready before Migrate = nil, want an error")
			}
			for i := range 2 { // the second run must be a no-op
				if err := db.Migrate(ctx); err != nil {
					t.Fatalf("Migrate #%d: %v", i+1, err)
				}
			}
			if err := db.Ready(ctx); err != nil {
				t.Fatalf("Ready after Migrate: %v", err)
			}
			if _, err := db.InsertInbox(ctx, inboxItem("msg:1", t0)); err != nil {
				t.Fatalf("the migrated schema does not take an inbox row: %v", err)
			}
		})
	}
}

func TestReadyFailsWhenClosed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := db.Ready(t.Context()); err == nil {
			t.Error("Ready on a closed store = nil, want an error")
		}
	})
}

// Each Postgres test must get a schema of its own; if search_path were
// ignored, both stores below would share the default schema's tables.
func TestPostgresSchemasAreIsolated(t *testing.T) {
	t.Parallel()
	a, b := storetest.Postgres(t), storetest.Postgres(t)
	ctx := t.Context()
	if _, err := a.InsertInbox(ctx, inboxItem("msg:1", t0)); err != nil {
		t.Fatal(err)
	}
	inserted, err := b.InsertInbox(ctx, inboxItem("msg:1", t0))
	if err != nil {
		t.Fatal(err)
	}
	if !inserted {
		t.Error("a row inserted in one test's schema was seen in another's")
	}
}

func TestTimestampsRoundTripInUTC(t *testing.T) {
	t.Parallel()
	beijing := time.FixedZone("CST", 8*3600)
	// Nanoseconds are dropped: both databases keep microseconds.
	received := time.Date(2025, 12, 31, 23, 59, 59, 987654321, beijing)
	want := time.Date(2025, 12, 31, 15, 59, 59, 987654000, time.UTC)

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if _, err := db.InsertInbox(ctx, inboxItem("msg:1", received)); err != nil {
			t.Fatal(err)
		}
		claimed, err := db.ClaimInbox(ctx, received, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) != 1 {
			t.Fatalf("claimed %d rows, want 1", len(claimed))
		}
		got := claimed[0]
		for _, tc := range []struct {
			name      string
			got, want time.Time
		}{
			{"ReceivedAt", got.ReceivedAt, want},
			{"LockedUntil", got.LockedUntil, want.Add(time.Minute)},
			{"DoneAt", got.DoneAt, time.Time{}},
		} {
			if !tc.got.Equal(tc.want) || tc.got.Location() != time.UTC {
				t.Errorf("%s = %v, want %v in UTC", tc.name, tc.got, tc.want)
			}
		}

		// And in the outbox, through a NULL-able column set later.
		id, _, err := db.EnqueueOutbox(ctx, outboxMessage("", received))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ClaimOutbox(ctx, received, time.Minute, 10); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkOutboxSent(ctx, id, servicebot.SendResult{MsgID: "m"}, received.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		m, err := db.GetOutbox(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !m.CreatedAt.Equal(want) || !m.SentAt.Equal(want.Add(time.Second)) || m.SentAt.Location() != time.UTC {
			t.Errorf("CreatedAt, SentAt = %v, %v; want %v, %v in UTC", m.CreatedAt, m.SentAt, want, want.Add(time.Second))
		}
		if !m.LockedUntil.IsZero() {
			t.Errorf("LockedUntil of a sent row = %v, want zero (NULL)", m.LockedUntil)
		}
	})
}

func TestInTx(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name string
		// fn enqueues and completes the claimed inbox row, then ends the way the case says.
		end       func() error
		wantErr   error
		wantPanic bool
		wantSaved bool
	}{
		{name: "commit", end: func() error { return nil }, wantSaved: true},
		{name: "error rolls back", end: func() error { return errBoom }, wantErr: errBoom},
		{name: "panic rolls back", end: func() error { panic(errBoom) }, wantPanic: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := t.Context()
				item := claimOne(t, db, "msg:1")

				var err error
				panicked := func() (panicked bool) {
					defer func() { panicked = recover() != nil }()
					err = db.InTx(ctx, func(tx *store.Tx) error {
						if _, _, err := tx.EnqueueOutbox(ctx, outboxMessage("reply:msg:1", t0)); err != nil {
							return err
						}
						if err := tx.CompleteInbox(ctx, item.ID, t0.Add(time.Second)); err != nil {
							return err
						}
						return tt.end()
					})
					return false
				}()
				if panicked != tt.wantPanic {
					t.Fatalf("panicked = %v, want %v", panicked, tt.wantPanic)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("InTx = %v, want %v", err, tt.wantErr)
				}

				counts, err := db.OutboxCounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got, err := db.GetInbox(ctx, item.ID)
				if err != nil {
					t.Fatal(err)
				}
				if tt.wantSaved {
					if counts[servicebot.OutboxPending] != 1 || got.Status != servicebot.InboxDone {
						t.Errorf("after commit: %d pending outbox rows, inbox %s; want 1, done",
							counts[servicebot.OutboxPending], got.Status)
					}
					return
				}
				if counts[servicebot.OutboxPending] != 0 || got.Status != servicebot.InboxProcessing {
					t.Errorf("after rollback: %d pending outbox rows, inbox %s; want 0, processing",
						counts[servicebot.OutboxPending], got.Status)
				}
				// The rolled-back transaction released its connection and locks.
				if _, _, err := db.EnqueueOutbox(ctx, outboxMessage("after", t0)); err != nil {
					t.Errorf("write after rollback: %v", err)
				}
			})
		})
	}
}

// inboxItem is a delivery from a member of its own (named after the key), so
// that per-member ordering does not hold up the tests of claiming.
func inboxItem(key string, at time.Time) servicebot.InboxItem {
	return servicebot.InboxItem{
		DedupKey:   key,
		Kind:       wecommsg.MsgText,
		FromUser:   "user-" + key,
		Payload:    []byte("<xml><Content><![CDATA[日报]]></Content></xml>"),
		ReceivedAt: at,
	}
}

func outboxMessage(key string, at time.Time) servicebot.OutboxMessage {
	return servicebot.OutboxMessage{
		DedupKey:  key,
		Kind:      servicebot.OutText,
		ToUsers:   "zhangsan|lisi",
		Body:      json.RawMessage(`{"content":"收到，谢谢"}`),
		CreatedAt: at,
	}
}

// claimOne stores an inbox row received at t0 and claims it at t0.
func claimOne(t *testing.T, db *store.DB, key string) servicebot.InboxItem {
	t.Helper()
	if _, err := db.InsertInbox(t.Context(), inboxItem(key, t0)); err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimInbox(t.Context(), t0, time.Minute, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 1 || claimed[0].DedupKey != key {
		t.Fatalf("claimed %+v, want the row %s", claimed, key)
	}
	return claimed[0]
}
