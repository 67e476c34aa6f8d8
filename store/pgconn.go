package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// Bounds on every Postgres connection (issue 15). A database that stops
// answering, rather than refusing, must not hang the bot: lib/pq honours a
// context only by sending PostgreSQL a cancel request, which a hung server
// never reads, so a statement would wait on its socket for ever. Here every
// statement's context is tied to its socket: when the context ends, the
// socket's deadline passes, the read fails, and the connection is dropped.
//
// The server-side timeouts stop a live server from holding a statement or a
// lock for too long; a URL may set its own values, which win.
const (
	// postgresConnectTimeout bounds the dial and the start-up handshake
	// (lib/pq's connect_timeout, in whole seconds).
	postgresConnectTimeout = 5 * time.Second
	// postgresMaxOpenConns caps the pool: a hung database must not make
	// every waiting request open a connection of its own. A request waits
	// for a free connection as long as its context allows.
	postgresMaxOpenConns = 20
)

// postgresRuntimeDefaults are sent at connection start-up unless the URL
// names them: no statement runs longer than 30 s, no lock is waited for
// longer than 10 s, and a transaction left idle is ended after a minute.
var postgresRuntimeDefaults = [][2]string{
	{"connect_timeout", fmt.Sprint(int(postgresConnectTimeout / time.Second))},
	{"statement_timeout", "30000"},
	{"lock_timeout", "10000"},
	{"idle_in_transaction_session_timeout", "60000"},
	{"binary_parameters", "yes"},
}

// withPostgresDefaults adds postgresRuntimeDefaults to a postgres:// URL.
func withPostgresDefaults(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// Never echo the URL: it may hold a password.
		return "", errors.New("store: postgres URL cannot be parsed")
	}
	q := u.Query()
	for _, kv := range postgresRuntimeDefaults {
		if !q.Has(kv[0]) {
			q.Set(kv[0], kv[1])
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// postgresConnector makes lib/pq connections whose statements end when their
// context does.
type postgresConnector struct {
	pq *pq.Connector
}

func newPostgresConnector(dsn string) (*postgresConnector, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	c.Dialer(watchedDialer{})
	return &postgresConnector{pq: c}, nil
}

// dialed receives the socket lib/pq dials inside one Connect.
type dialed struct {
	ctx  context.Context // Connect's, not the dial's (lib/pq cancels that one when the dial returns)
	mu   sync.Mutex
	conn *watchedConn
	stop func() bool
}

type dialedKey struct{}

// Connect opens a connection. lib/pq bounds the handshake by
// connect_timeout but not by ctx; here ctx bounds it too, so a shutdown
// during start-up does not wait for a database that does not answer.
func (c *postgresConnector) Connect(ctx context.Context) (driver.Conn, error) {
	d := &dialed{ctx: ctx}
	dc, err := c.pq.Connect(context.WithValue(ctx, dialedKey{}, d))
	d.mu.Lock()
	if d.stop != nil {
		d.stop()
	}
	nc := d.conn
	d.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("store: postgres connect: %w (%w)", ctx.Err(), err)
		}
		return nil, err
	}
	if nc == nil {
		return dc, nil // a unix socket: nothing to watch
	}
	return &pgConn{Conn: dc, nc: nc, stmts: stmtCache{secondRun: true}}, nil
}

func (c *postgresConnector) Driver() driver.Driver { return c.pq.Driver() }

// watchedDialer dials TCP with the caller's context and hands the socket to
// the Connect that asked for it.
type watchedDialer struct{}

func (watchedDialer) Dial(network, address string) (net.Conn, error) {
	return watchedDialer{}.DialContext(context.Background(), network, address)
}

func (watchedDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return watchedDialer{}.DialContext(ctx, network, address)
}

func (watchedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	wc := &watchedConn{Conn: c}
	if d, ok := ctx.Value(dialedKey{}).(*dialed); ok {
		d.mu.Lock()
		if d.stop != nil {
			d.stop() // lib/pq tries another host
		}
		d.conn = wc
		d.stop = wc.watch(d.ctx)
		d.mu.Unlock()
	}
	return wc, nil
}

// watchedConn is a socket whose pending reads and writes fail when a watched
// context ends. Once that happened it stays failed: the protocol state is
// unknown, so the connection must not be reused.
type watchedConn struct {
	net.Conn
	broken atomic.Bool
}

// past is a deadline already gone: reads and writes fail at once.
var past = time.Unix(1, 0)

// watch fails the socket's I/O when ctx ends, until the returned stop is
// called. stop reports whether it stopped the watch before it fired.
//
// When the watch fired, stop returns only once the socket is marked broken:
// the AfterFunc runs in a goroutine of its own, and a statement that ended
// just as its context did would otherwise hand its connection back to the
// pool before it is marked, where it stays, broken and taken for valid,
// until the next statement fails on it or Close fails to say goodbye on it
// ("i/o timeout").
func (c *watchedConn) watch(ctx context.Context) (stop func() bool) {
	if ctx.Done() == nil {
		return func() bool { return true }
	}
	marked := make(chan struct{})
	stopFunc := context.AfterFunc(ctx, func() {
		c.broken.Store(true)
		_ = c.Conn.SetDeadline(past)
		close(marked)
	})
	var (
		once    sync.Once
		stopped bool
	)
	return func() bool {
		once.Do(func() {
			if stopped = stopFunc(); !stopped {
				<-marked
			}
		})
		return stopped
	}
}

func (c *watchedConn) SetDeadline(t time.Time) error {
	if c.broken.Load() {
		return nil // lib/pq clears its handshake deadline; keep ours
	}
	return c.Conn.SetDeadline(t)
}

// pgConn is a lib/pq connection whose statements honour their context and
// that keeps the statements it runs again with arguments (stmtCache). One without
// arguments goes as a simple query, as lib/pq sends it: it may be several
// statements (a migration), which cannot be prepared, and a failed prepare
// would abort the transaction it ran in.
type pgConn struct {
	driver.Conn
	nc    *watchedConn
	stmts stmtCache
}

var (
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.ConnPrepareContext = (*pgConn)(nil)
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
	_ driver.SessionResetter    = (*pgConn)(nil)
	_ driver.Validator          = (*pgConn)(nil)
	_ driver.NamedValueChecker  = (*pgConn)(nil)
)

// errWatched is what a statement returns when its context ended while it
// waited on the database.
func (c *pgConn) errWatched(ctx context.Context, err error) error {
	if err != nil && c.nc.broken.Load() {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("store: postgres did not answer in time: %w", cerr)
		}
		return driver.ErrBadConn
	}
	return err
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.nc.broken.Load() {
		return nil, driver.ErrBadConn
	}
	stop := c.nc.watch(ctx)
	unprepared := func() (driver.Rows, error) { return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args) }
	var rows driver.Rows
	var err error
	if len(args) == 0 {
		rows, err = unprepared()
	} else {
		rows, err = c.stmts.query(query, prepareOn(ctx, c.Conn, query),
			func(s driver.StmtQueryContext) (driver.Rows, error) { return s.QueryContext(unwatchedByPQ(ctx), args) }, unprepared)
		c.forgetIfStale(query, err)
	}
	if err != nil {
		stop()
		return nil, c.errWatched(ctx, err)
	}
	// Rows are read from the socket as they are scanned: keep watching.
	return &pgRows{Rows: rows, unwatch: unwatch{stop: stop}}, nil
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.nc.broken.Load() {
		return nil, driver.ErrBadConn
	}
	stop := c.nc.watch(ctx)
	defer stop()
	unprepared := func() (driver.Result, error) { return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args) }
	if len(args) == 0 {
		res, err := unprepared()
		return res, c.errWatched(ctx, err)
	}
	res, err := c.stmts.exec(query, prepareOn(ctx, c.Conn, query),
		func(s driver.StmtExecContext) (driver.Result, error) { return s.ExecContext(unwatchedByPQ(ctx), args) }, unprepared)
	c.forgetIfStale(query, err)
	return res, c.errWatched(ctx, err)
}

// unwatchedByPQ is the context a kept (prepared) statement runs with: ctx's
// values without its end. lib/pq answers the end of a prepared statement's
// context with a cancel request on a second connection and returns only once
// that request is done: against a database that accepts connections but does
// not answer, after its 5 s connect timeout, and a shutdown waited that long
// for the media fetcher's query. The watch already fails this connection's
// socket when ctx ends, so the statement still ends with ctx; what is lost
// is the server being told to stop at once. It notices the closed connection
// when it next writes, and statement_timeout bounds it meanwhile. (For a
// statement run unprepared lib/pq sends the same request without waiting.)
func unwatchedByPQ(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// forgetIfStale drops query's kept statement when the server says it no
// longer fits: a migration changed the type of a column it returns (0A000,
// "cached plan must not change result type", say while an older replica
// still runs), or the session lost it (26000, a pooler that does not keep
// prepared statements). That run fails, as it would have unprepared against
// a changed table; the next one prepares the statement anew instead of
// failing for the life of the connection. Other errors are the query's own
// (a unique key, a deadline) and leave the statement kept.
func (c *pgConn) forgetIfStale(query string, err error) {
	if staleStatement(err) {
		c.stmts.forget(query)
	}
}

func staleStatement(err error) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	return pqErr.Code == "26000" || (pqErr.Code == "0A000" && strings.Contains(pqErr.Message, "cached plan"))
}

// Close forgets the kept statements: the server drops them with the session.
func (c *pgConn) Close() error {
	c.stmts.drop(false)
	return c.Conn.Close()
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if c.nc.broken.Load() {
		return nil, driver.ErrBadConn
	}
	stop := c.nc.watch(ctx)
	defer stop()
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	return st, c.errWatched(ctx, err)
}

// BeginTx watches the transaction's context until it commits or rolls back:
// database/sql binds a transaction to the context it began with, and Commit
// and Rollback take none of their own.
func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.nc.broken.Load() {
		return nil, driver.ErrBadConn
	}
	stop := c.nc.watch(ctx)
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		stop()
		return nil, c.errWatched(ctx, err)
	}
	return &pgTx{Tx: tx, unwatch: unwatch{stop: stop}}, nil
}

func (c *pgConn) Ping(ctx context.Context) error {
	if c.nc.broken.Load() {
		return driver.ErrBadConn
	}
	stop := c.nc.watch(ctx)
	defer stop()
	return c.errWatched(ctx, c.Conn.(driver.Pinger).Ping(ctx))
}

func (c *pgConn) ResetSession(ctx context.Context) error {
	if c.nc.broken.Load() {
		return driver.ErrBadConn
	}
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *pgConn) IsValid() bool {
	if c.nc.broken.Load() {
		return false
	}
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// unwatch stops watching a context once, whichever of its holder's
// closing calls comes first.
type unwatch struct {
	once sync.Once
	stop func() bool
}

// after stops watching and returns err, the closing call's result.
func (u *unwatch) after(err error) error {
	u.once.Do(func() { u.stop() })
	return err
}

type pgRows struct {
	driver.Rows
	unwatch
}

func (r *pgRows) Close() error {
	return r.after(r.Rows.Close())
}

// ColumnTypeDatabaseTypeName keeps sql.ColumnType's database type names.
func (r *pgRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

type pgTx struct {
	driver.Tx
	unwatch
}

func (t *pgTx) Commit() error {
	return t.after(t.Tx.Commit())
}

func (t *pgTx) Rollback() error {
	return t.after(t.Tx.Rollback())
}
