package storetest

import (
	"os"
	"testing"

	"github.com/lib/pq"
)

// A pooled schema is handed on empty, with its sequences restarted: the
// tables a test filled (a customer and the equipment that references it,
// which must go first), and those it left empty but whose sequences it moved
// (an insert rolled back), are as the migrations left them.
func TestEmptySchemaEmptiesAndRestarts(t *testing.T) {
	t.Parallel()
	_, schema, admin := pooledSchema(t)
	migrated(t, openURL(t, schemaURL(t, os.Getenv(EnvDatabaseURL), schema)))
	ctx := t.Context()
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	inbox, outbox := pq.QuoteIdentifier(schema)+".inbox", pq.QuoteIdentifier(schema)+".outbox"
	exec := func(q string) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO ` + inbox + ` (dedup_key, kind, payload, received_at) VALUES ('a', 'text', 'x', now()), ('b', 'text', 'x', now())`)
	customers, equipment := pq.QuoteIdentifier(schema)+".customers", pq.QuoteIdentifier(schema)+".equipment"
	exec(`INSERT INTO ` + customers + ` (name, tier, created_at, updated_at) VALUES ('甲厂', 'key', now(), now())`)
	exec(`INSERT INTO ` + equipment + ` (customer_id, model, serial, created_at, updated_at)
		SELECT id, 'X1', 'S-1', now(), now() FROM ` + customers)
	exec(`BEGIN`)
	exec(`INSERT INTO ` + outbox + ` (kind, body, created_at, next_attempt_at) VALUES ('text', '{}', now(), now())`)
	exec(`ROLLBACK`)

	if err := emptySchema(ctx, conn, schema); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{inbox, outbox, customers, equipment} {
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s has %d rows after emptying, want 0", table, n)
		}
	}
	var inboxID, outboxID int64
	if err := conn.QueryRowContext(ctx, `INSERT INTO `+inbox+` (dedup_key, kind, payload, received_at) VALUES ('c', 'text', 'x', now()) RETURNING id`).Scan(&inboxID); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, `INSERT INTO `+outbox+` (kind, body, created_at, next_attempt_at) VALUES ('text', '{}', now(), now()) RETURNING id`).Scan(&outboxID); err != nil {
		t.Fatal(err)
	}
	if inboxID != 1 || outboxID != 1 {
		t.Errorf("first ids after emptying: inbox %d, outbox %d; want 1 and 1", inboxID, outboxID)
	}
}
