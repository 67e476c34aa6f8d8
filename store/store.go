// Package store keeps servicebot's state in PostgreSQL (production, several
// replicas) or in a SQLite file (embedded default, one process). Both go
// through the same sqlx code: queries are written with ? placeholders and
// rebound per dialect, and only the row-locking clause of the claim queries
// differs.
//
// Timestamps are stored in UTC at microsecond precision, the precision both
// databases keep, so a time read back equals the time written (after
// servicebot's own truncation). A zero time.Time is stored as NULL.
package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // registers the "postgres" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"

	"github.com/servicebot/servicebot"
)

// Dialects, as Dialect reports them.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// sqliteBusyTimeout is how long a SQLite writer waits for another to finish.
// Every write is short, so waiting this long means something is stuck, not busy.
const sqliteBusyTimeout = 10 * time.Second

// sqliteMaxConns caps the SQLite pool. Writers are serialised by the file lock
// anyway; a few connections let WAL readers run beside a writer.
const sqliteMaxConns = 4

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFiles embed.FS

// shared answers what a DB and a Tx both answer, on the pool or inside the
// transaction: each such method is written once, on the connection q.
type shared struct {
	q sqlx.ExtContext
}

// DB is an open database. It is safe for concurrent use.
type DB struct {
	shared
	sqlx       *sqlx.DB
	dialect    string
	migrations *goose.Provider
	logger     *slog.Logger
	// inboxBatch groups concurrent InsertInbox calls into one commit
	// (Postgres only; SQLite has one writer anyway).
	inboxBatch *inboxBatcher
}

// Open connects to databaseURL and pings it. It does not migrate: call Migrate.
//
// databaseURL is postgres://… or postgresql://… (lib/pq; runtime parameters
// such as search_path may be given as query parameters), or sqlite:PATH for a
// SQLite file, whose parent directory is created if missing.
func Open(ctx context.Context, databaseURL string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dst, err := parseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if dst.dialect == DialectSQLite {
		if err := os.MkdirAll(filepath.Dir(dst.path), 0o750); err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
	}
	var x *sqlx.DB
	if dst.dialect == DialectSQLite {
		connector, err := sqlite.NewConnector(dst.dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", dst.dialect, err)
		}
		x = sqlx.NewDb(sql.OpenDB(sqliteConnector{connector}), dst.driver)
		x.SetMaxOpenConns(sqliteMaxConns)
	} else {
		dsn, err := withPostgresDefaults(dst.dsn)
		if err != nil {
			return nil, err
		}
		connector, err := newPostgresConnector(dsn)
		if err != nil {
			return nil, err
		}
		x = sqlx.NewDb(sql.OpenDB(connector), dst.driver)
		x.SetMaxOpenConns(postgresMaxOpenConns)
		// The callback, the inbox worker and the sender often hold more
		// than database/sql's default of 2 idle connections at once; with
		// that default every burst opened and closed Postgres sessions, a
		// tenth of the server's CPU at 200 callbacks a second.
		x.SetMaxIdleConns(postgresIdleConns)
		x.SetConnMaxIdleTime(5 * time.Minute)
	}
	db := &DB{shared: shared{x}, sqlx: x, dialect: dst.dialect, logger: logger}
	if err := db.open(ctx); err != nil {
		_ = x.Close()
		return nil, err
	}
	if db.dialect == DialectPostgres {
		db.inboxBatch = newInboxBatcher(db)
	}
	return db, nil
}

// MigrationsDigest is a fingerprint of the migrations embedded for dialect
// (DialectPostgres or DialectSQLite): two builds with the same digest lay
// out the same schema. Tests key reusable schemas by it.
func MigrationsDigest(dialect string) (string, error) {
	dir := "migrations/" + dialect
	entries, err := migrationFiles.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("store: migrations of %q: %w", dialect, err)
	}
	h := sha256.New()
	for _, e := range entries { // ReadDir sorts by name
		b, err := migrationFiles.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return "", fmt.Errorf("store: migrations of %q: %w", dialect, err)
		}
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// postgresIdleConns is how many idle Postgres connections are kept for reuse.
const postgresIdleConns = 10

// open pings the database and prepares the migration provider.
func (db *DB) open(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	sub, err := fs.Sub(migrationFiles, "migrations/"+db.dialect)
	if err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithSlog(db.logger)}
	goDialect := goose.DialectSQLite3
	if db.dialect == DialectPostgres {
		goDialect = goose.DialectPostgres
		locker, err := db.migrationLocker(ctx)
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	db.migrations, err = goose.NewProvider(goDialect, db.sqlx.DB, sub, opts...)
	if err != nil {
		return fmt.Errorf("store: open: migrations: %w", err)
	}
	return nil
}

// migrationLocker makes replicas starting together migrate one at a time. The
// advisory lock is keyed by the schema, so deployments (and test runs) in
// other schemas of the same database do not wait for each other.
func (db *DB) migrationLocker(ctx context.Context) (lock.SessionLocker, error) {
	var schema sql.NullString
	if err := db.sqlx.GetContext(ctx, &schema, "SELECT current_schema()"); err != nil {
		return nil, fmt.Errorf("store: open: current schema: %w", err)
	}
	if !schema.Valid {
		return nil, errors.New("store: open: search_path names no existing schema")
	}
	h := fnv.New64a()
	h.Write([]byte("servicebot/goose/" + schema.String))
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64())), // any 64 bits make a lock id
		lock.WithLockTimeout(1, 300),
	)
	if err != nil {
		return nil, fmt.Errorf("store: open: migration lock: %w", err)
	}
	return locker, nil
}

// target is where a database URL points.
type target struct {
	dialect string
	driver  string // database/sql driver name
	dsn     string
	path    string // SQLite only: the database file
}

func parseURL(databaseURL string) (target, error) {
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return target{dialect: DialectPostgres, driver: "postgres", dsn: databaseURL}, nil
	case strings.HasPrefix(databaseURL, "sqlite:"):
		path := strings.TrimPrefix(databaseURL, "sqlite:")
		switch {
		case path == "":
			return target{}, errors.New("store: sqlite URL names no file (want sqlite:PATH)")
		case path == ":memory:" || strings.HasPrefix(path, "file:"):
			// An in-memory database would be one per pooled connection, and a
			// URI would keep our DSN parameters in the file name.
			return target{}, fmt.Errorf("store: sqlite: %q is not a file path (want sqlite:PATH)", path)
		case strings.ContainsRune(path, '?'):
			return target{}, fmt.Errorf("store: sqlite: path %q must not contain '?'", path)
		}
		return target{dialect: DialectSQLite, driver: "sqlite", dsn: path + "?" + sqliteParams(), path: path}, nil
	}
	const want = "want postgres://, postgresql:// or sqlite:PATH"
	scheme, _, found := strings.Cut(databaseURL, ":")
	if !found || strings.ContainsAny(scheme, " =/@") {
		// Not a URL; it may be a key=value DSN with a password: do not echo it.
		return target{}, fmt.Errorf("store: database URL has no scheme (%s)", want)
	}
	return target{}, fmt.Errorf("store: unsupported database URL scheme %q (%s)", scheme, want)
}

// sqliteParams are the modernc.org/sqlite DSN parameters, applied on every
// new connection of the pool.
func sqliteParams() string {
	return strings.Join([]string{
		// Wait for the writer instead of failing with SQLITE_BUSY.
		fmt.Sprintf("_pragma=busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()),
		// Readers do not block the writer, nor the writer the readers.
		"_pragma=journal_mode(WAL)",
		// Durable at each checkpoint; safe against corruption in WAL mode.
		"_pragma=synchronous(NORMAL)",
		"_pragma=foreign_keys(1)",
		// Transactions take the write lock when they begin. A deferred one that
		// reads and then writes can fail with SQLITE_BUSY at once, whatever the
		// busy timeout, when another writer got in between.
		"_txlock=immediate",
		// time.Time parameters are written as unix microseconds: they sort and
		// compare as integers (see the migrations).
		"_time_integer_format=unix_micro",
	}, "&")
}

// Dialect is DialectPostgres or DialectSQLite.
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sqlx.PingContext(ctx); err != nil {
		if ne, ok := errors.AsType[net.Error](err); (ok && ne.Timeout()) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("store: ping %s: the server accepted the connection but did not answer in time: %w", db.dialect, err)
		}
		return fmt.Errorf("store: ping %s: %w", db.dialect, err)
	}
	return nil
}

// Close closes the connection pool.
func (db *DB) Close() error {
	if db.inboxBatch != nil {
		db.inboxBatch.close()
	}
	if err := db.sqlx.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Migrate applies the pending migrations. Running it again is a no-op; on
// Postgres, replicas running it at once take turns.
func (db *DB) Migrate(ctx context.Context) error {
	results, err := db.migrations.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", db.dialect, err)
	}
	if len(results) > 0 {
		db.logger.Info("store: migrated", "dialect", db.dialect, "applied", len(results),
			"version", results[len(results)-1].Source.Version)
	}
	return nil
}

// Ready reports an error unless the database answers and has no pending
// migrations: a replica must not take traffic against an older schema.
//
// On a database never migrated, goose creates its (empty) version table as a
// side effect of looking.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	pending, err := db.migrations.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("store: ready: %w", err)
	}
	if pending {
		return fmt.Errorf("store: ready: %s database has pending migrations", db.dialect)
	}
	return nil
}

// Tx is a transaction begun by InTx. Repositories add methods to it so that a
// state change and the outbox rows it causes commit together.
type Tx struct {
	shared
	sqlx *sqlx.Tx
	// The directory as this transaction first read it: a worker batch
	// handles many texts from a few members in one transaction, and each
	// asked for its sender and the departments again (issue 15). Cleared
	// when the transaction writes the directory.
	members     map[string]servicebot.Member
	departments []departmentEdge
	// customersVersion is CustomersVersion as first read ("" unknown),
	// cleared when the transaction writes customers or aliases.
	customersVersion string
}

// InTx runs fn in a transaction and commits it if fn returns nil. It rolls
// back when fn returns an error, which InTx returns as it is, or panics, which
// it lets continue.
//
// On SQLite the transaction holds the database's write lock from its start, so
// fn must not use db itself (only tx) and should be short.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := db.sqlx.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// After a failed fn the rollback's own error adds nothing: the
			// transaction is gone either way.
			_ = stx.Rollback()
		}
	}()
	if err := fn(&Tx{shared: shared{stx}, sqlx: stx}); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	committed = true
	return nil
}

// Savepoint runs fn inside a savepoint of tx: when fn fails, what it wrote
// is undone and the transaction goes on as before it, usable (on Postgres a
// failed statement otherwise aborts the whole transaction). The inbox worker
// handles a batch of deliveries in one transaction this way, one savepoint
// each, so that one delivery's failure costs the others nothing.
func (tx *Tx) Savepoint(ctx context.Context, fn func() error) error {
	if _, err := tx.sqlx.ExecContext(ctx, "SAVEPOINT sb_row"); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	if err := fn(); err != nil {
		if _, rerr := tx.sqlx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT sb_row"); rerr != nil {
			return errors.Join(err, fmt.Errorf("store: rollback to savepoint: %w", rerr))
		}
		if _, rerr := tx.sqlx.ExecContext(ctx, "RELEASE SAVEPOINT sb_row"); rerr != nil {
			return errors.Join(err, fmt.Errorf("store: release savepoint: %w", rerr))
		}
		return err
	}
	if _, err := tx.sqlx.ExecContext(ctx, "RELEASE SAVEPOINT sb_row"); err != nil {
		return fmt.Errorf("store: release savepoint: %w", err)
	}
	return nil
}

// skipLocked is the locking clause of a claim's SELECT. Postgres lets
// concurrent claimers pass over each other's rows instead of queueing on them.
// SQLite needs none: a claim is a single UPDATE statement, which holds the
// database's write lock from its start to its end, so claimers are serialised
// and never see the same row.
func (db *DB) skipLocked() string {
	if db.dialect == DialectPostgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// Analyze brings the planner's statistics up to date (ANALYZE on both
// dialects). Autovacuum does it in its own time; a bulk load — a seeded
// demo, a benchmark's month of reports — asks for it at once, so the first
// queries after it are planned for the rows that are there.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.sqlx.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// getOne scans the one row query finds into dst. No row is an error
// wrapping servicebot.ErrNotFound; what names the row in errors
// ("customer \"甲厂\"").
func getOne(ctx context.Context, q sqlx.QueryerContext, what string, dst any, query string, args ...any) error {
	err := sqlx.GetContext(ctx, q, dst, query, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", what, servicebot.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}
