// Package storetest gives tests a real, empty, migrated store: a temp SQLite
// file, or a fresh schema in the Postgres database named by TEST_DATABASE_URL.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/servicebot/servicebot/internal/faultproxy"
	"github.com/servicebot/servicebot/store"
)

// EnvDatabaseURL names the variable holding the Postgres URL tests use.
const EnvDatabaseURL = "TEST_DATABASE_URL"

// cleanupTimeout bounds closing and dropping after a test: t.Context() is
// already cancelled when cleanups run.
const cleanupTimeout = 30 * time.Second

// Each runs fn as the subtests "sqlite" and "postgres", each with its own
// migrated store. The postgres subtest skips when TEST_DATABASE_URL is unset.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{
		{store.DialectSQLite, SQLite},
		{store.DialectPostgres, Postgres},
	} {
		t.Run(d.name, func(t *testing.T) { fn(t, d.open(t)) })
	}
}

// SQLite returns a migrated store on a new SQLite file in a temp directory,
// closed when the test ends.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return migrated(t, OpenSQLite(t))
}

// Postgres returns a migrated store in a new schema of the TEST_DATABASE_URL
// database; the schema is dropped when the test ends. It skips the test when
// TEST_DATABASE_URL is unset and fails it when the database is unreachable.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	db, schema, admin := openPostgres(t)
	migrated(t, db)
	// Proof that the store really worked in the test's schema, not in the
	// database's default one shared with every other test.
	var tables int
	err := admin.QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('inbox', 'outbox')`,
		schema).Scan(&tables)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	if tables != 2 {
		t.Fatalf("storetest: migrations did not create the tables in schema %s: search_path was not applied", schema)
	}
	return db
}

// OpenSQLite is SQLite without migrating: for tests of migration itself.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "servicebot.db")
	db, err := store.Open(t.Context(), "sqlite:"+path, testLogger(t))
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return db
}

// OpenPostgres is Postgres without migrating: for tests of migration itself.
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	db, _, _ := openPostgres(t)
	return db
}

// PostgresURL makes a new, empty schema in the TEST_DATABASE_URL database
// and returns a URL whose connections work in it; the schema is dropped when
// the test ends. For tests that open the store themselves (through a proxy,
// or again after a restart). It skips when TEST_DATABASE_URL is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	dsn, _, _ := postgresSchema(t)
	return dsn
}

// openPostgres also returns the schema's name and a connection outside it.
func openPostgres(t testing.TB) (db *store.DB, schema string, admin *sql.DB) {
	t.Helper()
	dsn, schema, admin := postgresSchema(t)
	db, err := store.Open(t.Context(), dsn, testLogger(t))
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return db, schema, admin
}

// postgresSchema creates the test's schema and returns the URL into it, its
// name, and a connection outside it.
func postgresSchema(t testing.TB) (dsn, schema string, admin *sql.DB) {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Skipf("storetest: %s is not set; set it to run the Postgres tests", EnvDatabaseURL)
	}
	ctx := t.Context()

	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvDatabaseURL, err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("storetest: %s is set but the database is unreachable: %v", EnvDatabaseURL, err)
	}

	schema = schemaName(t.Name())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+pq.QuoteIdentifier(schema)); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	// Registered before the store's Close, so it runs after it (cleanups run
	// last-in first-out) when no connection uses the schema any more.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+pq.QuoteIdentifier(schema)+" CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	// lib/pq sends unknown URL parameters as run-time parameters at startup,
	// so every pooled connection starts in the test's schema.
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema, admin
}

func migrated(t testing.TB, db *store.DB) *store.DB {
	t.Helper()
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return db
}

// schemaName makes a schema name from a test name, unique across runs and
// packages running at once, within Postgres's 63-byte identifier limit.
func schemaName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	const maxName = 63 - len("t__") - 8 // prefix, separator and suffix
	if len(name) > maxName {
		name = name[:maxName]
	}
	return fmt.Sprintf("t_%s_%08x", name, rand.Uint32())
}

// testLogger writes to the test's output, which is shown when it fails or with -v.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// PostgresBehindProxy is Postgres reached through a fault proxy, so a test
// can make the database refuse, hang or cut its connections (issue 15).
func PostgresBehindProxy(t testing.TB) (*store.DB, *faultproxy.Proxy) {
	t.Helper()
	proxy, proxied := faultproxy.StartURL(t, PostgresURL(t))
	db, err := store.Open(t.Context(), proxied, testLogger(t))
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return migrated(t, db), proxy
}
