package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Issue 15: lib/pq alone waits for ever on a database that stopped answering
// (it honours a context only by asking the server to cancel). Every
// statement here ends with its context, and the pool recovers when the
// database answers again.
func TestPostgresStatementsEndWithTheirContextWhenTheDatabaseHangs(t *testing.T) {
	t.Parallel()
	db, proxy := storetest.PostgresBehindProxy(t)
	item := func(key string) servicebot.InboxItem {
		return servicebot.InboxItem{DedupKey: key, Kind: "text", FromUser: "u", Payload: []byte("<xml/>"),
			Status: servicebot.InboxPending, ReceivedAt: time.Now()}
	}
	if _, err := db.InsertInbox(t.Context(), item("before")); err != nil {
		t.Fatal(err)
	}
	// Kept prepared by its connection from its second run (stmtCache): run
	// again on the hung database, as is a query run there for the first time.
	for range 3 {
		if _, err := db.CustomerByName(t.Context(), "甲厂"); !errors.Is(err, servicebot.ErrNotFound) {
			t.Fatal(err)
		}
	}

	proxy.Hang()
	for _, op := range []struct {
		name string
		run  func(ctx context.Context) error
	}{
		// First, while the connection that keeps it is still in the pool:
		// each op below breaks the connection it ran on.
		{"prepared query", func(ctx context.Context) error { _, err := db.CustomerByName(ctx, "甲厂"); return err }},
		{"insert", func(ctx context.Context) error { _, err := db.InsertInbox(ctx, item("during")); return err }},
		{"transaction", func(ctx context.Context) error {
			return db.InTx(ctx, func(tx *store.Tx) error { return nil })
		}},
		{"ready", db.Ready},
		{"query prepared first", func(ctx context.Context) error { _, err := db.Job(ctx, 1); return err }},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		start := time.Now()
		err := op.run(ctx)
		took := time.Since(start)
		cancel()
		if err == nil {
			t.Errorf("%s succeeded on a hung database", op.name)
		}
		if took > 1500*time.Millisecond {
			t.Errorf("%s returned after %v with a 300 ms context", op.name, took)
		}
	}

	proxy.Pass()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		_, err := db.InsertInbox(ctx, item("after"))
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not recover after the database came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
