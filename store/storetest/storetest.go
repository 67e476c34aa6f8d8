// Package storetest gives tests a real, empty, migrated store: a temp SQLite
// file, or a schema of their own in the Postgres database named by
// TEST_DATABASE_URL.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
//
// The two subtests are parallel: each has a store of its own, and a test
// spends most of its time waiting on the database (a Postgres round trip, a
// SQLite fsync), which overlaps. So, as with any parallel subtest, they run
// only after the calling test function has returned: nothing after Each in
// the caller may depend on what fn did (nor a defer of the caller on fn
// still running), fn must not write what it shares with the other
// dialect's run (a table case's fields, a package variable), and neither
// the caller nor fn may use t.Setenv or t.Chdir.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range dialects() {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, d.open(t))
		})
	}
}

// EachB runs the benchmark fn on a migrated store of each dialect, one after
// the other (benchmarks are timed alone); the Postgres one is skipped as
// Postgres skips.
func EachB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Helper()
	for _, d := range dialects() {
		b.Run(d.name, func(b *testing.B) { fn(b, d.open(b)) })
	}
}

// dialect is a database the store runs on, and how a test opens a migrated
// store of it.
type dialect struct {
	name string
	open func(testing.TB) *store.DB
}

func dialects() []dialect {
	return []dialect{{store.DialectSQLite, SQLite}, {store.DialectPostgres, Postgres}}
}

// SQLite returns a migrated store on a new SQLite file in a temp directory,
// closed when the test ends.
//
// The file is a copy of one migrated once per test binary: running every
// migration was 20–80 ms of CPU for each of the hundreds of tests on
// SQLite, a copy is a write of a few hundred KB. Migrating the copy again
// finds nothing to do, and checks that.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	sqliteTemplate.once.Do(func() { sqliteTemplate.file, sqliteTemplate.err = migratedSQLiteFile() })
	if sqliteTemplate.err != nil {
		t.Fatalf("storetest: %v", sqliteTemplate.err)
	}
	path := filepath.Join(t.TempDir(), "servicebot.db")
	if err := os.WriteFile(path, sqliteTemplate.file, 0o600); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return migrated(t, openURL(t, "sqlite:"+path))
}

// sqliteTemplate holds the bytes of a migrated, closed SQLite database.
var sqliteTemplate struct {
	once sync.Once
	file []byte
	err  error
}

// migratedSQLiteFile migrates a new SQLite database and returns its file.
func migratedSQLiteFile() ([]byte, error) {
	dir, err := os.MkdirTemp("", "storetest-sqlite-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "servicebot.db")
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	db, err := store.Open(ctx, "sqlite:"+path, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	// Closing the last connection checkpoints the write-ahead log into the
	// file and removes it: the file alone is the database.
	if err := db.Close(); err != nil {
		return nil, err
	}
	if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
		return nil, fmt.Errorf("migrated SQLite template: %d bytes left in its write-ahead log after closing", wal.Size())
	}
	return os.ReadFile(path)
}

// Postgres returns a migrated, empty store in a schema of the
// TEST_DATABASE_URL database that is the test's alone until it ends. It
// skips the test when TEST_DATABASE_URL is unset and fails it when the
// database is unreachable.
//
// The schemas are pooled, not made and dropped per test: creating a schema
// and running every migration took a second and more per test on a busy
// machine, and the dropped schemas left tens of thousands of files for
// PostgreSQL's checkpoints to fsync. A test holds its schema by a session
// advisory lock (released when it ends, or when its process dies) and
// empties every table when it takes it. The pool is keyed by the digest of
// the migrations, so a build with other migrations never takes a schema laid
// out by these.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	dsn, schema, admin := pooledSchema(t)
	db := openURL(t, dsn)
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

// maxPooled bounds how many schemas of one migration set the pool makes:
// more than that many tests at once on one database is a runaway.
const maxPooled = 256

// adminDB opens the TEST_DATABASE_URL database outside any test's schema,
// closed when the test ends. It skips the test when the variable is unset.
func adminDB(t testing.TB) (base string, admin *sql.DB) {
	t.Helper()
	base = os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Skipf("storetest: %s is not set; set it to run the Postgres tests", EnvDatabaseURL)
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvDatabaseURL, err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	return base, admin
}

// pooledSchema takes a free schema of the pool (making it the first time),
// empties it, and returns the URL into it, its name and a connection
// outside it. The schema is given back when the test ends.
func pooledSchema(t testing.TB) (dsn, schema string, admin *sql.DB) {
	t.Helper()
	base, admin := adminDB(t)
	ctx := t.Context()
	digest, err := store.MigrationsDigest(store.DialectPostgres)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	// The lock lives as long as this session: the test's hold on its schema.
	holder, err := admin.Conn(ctx)
	if err != nil {
		t.Fatalf("storetest: %s is set but the database is unreachable: %v", EnvDatabaseURL, err)
	}
	var lockID int64
	for n := 0; ; n++ {
		if n == maxPooled {
			t.Fatalf("storetest: all %d pooled schemas are taken", maxPooled)
		}
		schema = fmt.Sprintf("pool_%s_%d", digest[:12], n)
		lockID = schemaLockID(schema)
		var got bool
		if err := holder.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", lockID).Scan(&got); err != nil {
			t.Fatalf("storetest: lock schema: %v", err)
		}
		if got {
			break
		}
	}
	// Registered before the store's Close, so it runs after it (cleanups
	// run last-in first-out) when no connection uses the schema any more.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", lockID); err != nil {
			t.Errorf("storetest: unlock schema %s: %v", schema, err)
		}
		_ = holder.Close()
	})
	if _, err := holder.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pq.QuoteIdentifier(schema)); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	if err := emptySchema(ctx, holder, schema); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return schemaURL(t, base, schema), schema, admin
}

// emptySchema deletes every row of every table but goose's version table,
// and restarts the sequences: the schema is as its migrations left it.
//
// It deletes rather than truncates. TRUNCATE gives each table and index it
// names new files and a new pg_class row: emptying the few tables a test
// filled took 100–1000 ms of every Postgres test on the shared machine, and
// the churned catalog grew (pg_class to 37 MB for 3,700 rows), which slowed
// every catalog query after it, goose's and this one's. A DELETE of the few
// rows a test left is well under a millisecond, and of an empty table less.
// Tables go before the tables they reference, so no foreign key is in the
// way; all of it is one statement list, one round trip and one transaction.
func emptySchema(ctx context.Context, conn *sql.Conn, schema string) error {
	tables, err := referencersFirst(ctx, conn, schema)
	if err != nil {
		return fmt.Errorf("empty schema %s: %w", schema, err)
	}
	if len(tables) == 0 {
		return nil // new: the migrations make the tables
	}
	var b strings.Builder
	// The rows are thrown away: the commit need not wait for the disk.
	b.WriteString("SET synchronous_commit = off;\n")
	for _, table := range tables {
		fmt.Fprintf(&b, "DELETE FROM %s.%s;\n", pq.QuoteIdentifier(schema), pq.QuoteIdentifier(table))
	}
	fmt.Fprintf(&b, `SELECT setval(c.oid, s.seqstart, false) FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid
		WHERE c.relnamespace = %s::regnamespace;`, pq.QuoteLiteral(schema))
	if _, err := conn.ExecContext(ctx, b.String()); err != nil {
		return fmt.Errorf("empty schema %s: %w", schema, err)
	}
	return nil
}

// referencersFirst lists schema's tables but goose's, each before every
// table it references by a foreign key.
func referencersFirst(ctx context.Context, conn *sql.Conn, schema string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `
		SELECT c.relname, COALESCE(array_agg(r.relname) FILTER (WHERE r.oid IS NOT NULL AND r.oid <> c.oid), '{}')
		FROM pg_class c
		LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f'
		LEFT JOIN pg_class r ON r.oid = k.confrelid
		WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND c.relname <> 'goose_db_version'
		GROUP BY c.relname ORDER BY c.relname`, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	references := map[string][]string{}
	referencedBy := map[string]int{} // by how many tables not yet listed
	for rows.Next() {
		var name string
		var refs []string
		if err := rows.Scan(&name, pq.Array(&refs)); err != nil {
			return nil, err
		}
		names = append(names, name)
		references[name] = refs
		for _, r := range refs {
			referencedBy[r]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Kahn's algorithm: list a table once no unlisted table references it.
	order := make([]string, 0, len(names))
	listed := map[string]bool{}
	for len(order) < len(names) {
		progress := false
		for _, name := range names {
			if listed[name] || referencedBy[name] > 0 {
				continue
			}
			listed[name] = true
			order = append(order, name)
			for _, r := range references[name] {
				referencedBy[r]--
			}
			progress = true
		}
		if !progress {
			return nil, fmt.Errorf("the foreign keys of its tables form a cycle")
		}
	}
	return order, nil
}

// schemaLockID is the advisory lock that holds a pooled schema.
func schemaLockID(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("servicebot/storetest/" + schema))
	return int64(h.Sum64())
}

// OpenSQLite is SQLite without migrating: for tests of migration itself.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	return openURL(t, "sqlite:"+filepath.Join(t.TempDir(), "servicebot.db"))
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
	return openURL(t, dsn), schema, admin
}

// openURL opens the store at dsn, closed when the test ends.
func openURL(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), dsn, testLogger(t))
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

// postgresSchema creates the test's schema and returns the URL into it, its
// name, and a connection outside it.
func postgresSchema(t testing.TB) (dsn, schema string, admin *sql.DB) {
	t.Helper()
	base, admin := adminDB(t)
	ctx := t.Context()
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

	return schemaURL(t, base, schema), schema, admin
}

// schemaURL is base with connections working in schema.
func schemaURL(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	// lib/pq sends unknown URL parameters as run-time parameters at startup,
	// so every pooled connection starts in the test's schema.
	q.Set("search_path", schema)
	// A commit need not wait for its WAL to reach the disk: a test's rows
	// are thrown away, and no test crashes PostgreSQL itself (the fault
	// tests cut, hang or kill the bot and its connections, which this does
	// not change: a commit is still atomic, ordered and visible at once).
	// The flush was 2 ms of every commit on the shared machine's disk.
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
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
// can make the database refuse, hang or cut its connections (issue 15). The
// schema is a pooled one, as Postgres's: it is held by a connection that
// does not go through the proxy.
func PostgresBehindProxy(t testing.TB) (*store.DB, *faultproxy.Proxy) {
	t.Helper()
	dsn, _, _ := pooledSchema(t)
	proxy, proxied := faultproxy.StartURL(t, dsn)
	db, err := store.Open(t.Context(), proxied, testLogger(t))
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return migrated(t, db), proxy
}
