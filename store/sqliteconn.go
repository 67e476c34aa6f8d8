package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"reflect"
	"sync"
)

// SQLite connections keep the statements they have run, by text, and run a
// query again on its prepared statement. modernc.org/sqlite otherwise parses
// a query's text every time it runs (SQLite itself has no statement cache),
// and parsing was a third of the CPU of a transaction recording a customer
// contact, whose statements are short and many. Postgres needs none of this:
// the server parses, and lib/pq with binary_parameters sends a query and its
// arguments in one round trip either way.
//
// The cache is per connection because a prepared statement belongs to one:
// a pool-wide sql.Stmt would prepare on a connection of the pool, and a
// transaction holding one of SQLite's few connections could wait for another
// that way. The store's queries are a few hundred fixed texts (sqlx.In's
// expansions aside); sqliteStmtCache bounds what a connection keeps, the
// least recently run going first.
const sqliteStmtCache = 256

// sqliteConnector opens modernc.org/sqlite connections that keep their
// statements.
type sqliteConnector struct {
	driver.Connector
}

func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &sqliteConn{Conn: dc, stmts: map[string]*list.Element{}}, nil
}

// sqliteConn is a modernc.org/sqlite connection with its statement cache.
// database/sql uses a connection from one goroutine at a time; mu guards the
// cache anyway, since a Rows' Close hands its statement back.
type sqliteConn struct {
	driver.Conn
	mu    sync.Mutex
	stmts map[string]*list.Element // query → its element of lru
	lru   list.List                // *sqliteStmt, most recently run first
}

// sqliteStmt is a kept statement. busy while it runs or its rows are open:
// a query run again before its rows are closed (rows read inside a loop
// over the same query) runs unprepared rather than on a statement in use.
type sqliteStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool
}

// The interfaces every connection of modernc.org/sqlite implements (see
// sqlite.NewConnector): hiding one would change how database/sql uses it.
var (
	_ driver.ConnBeginTx        = (*sqliteConn)(nil)
	_ driver.ConnPrepareContext = (*sqliteConn)(nil)
	_ driver.ExecerContext      = (*sqliteConn)(nil)
	_ driver.QueryerContext     = (*sqliteConn)(nil)
	_ driver.Pinger             = (*sqliteConn)(nil)
	_ driver.SessionResetter    = (*sqliteConn)(nil)
	_ driver.Validator          = (*sqliteConn)(nil)
)

// Unwrap is the driver's own connection (sqlite.Limit and the like look
// through wrappers this way).
func (c *sqliteConn) Unwrap() driver.Conn { return c.Conn }

// take returns query's statement, prepared on c the first time, marked busy
// until release; nil when it is busy already.
func (c *sqliteConn) take(ctx context.Context, query string) (*sqliteStmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.stmts[query]; ok {
		s := e.Value.(*sqliteStmt)
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		s.busy = true
		return s, nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &sqliteStmt{query: query, stmt: st, busy: true}
	c.stmts[query] = c.lru.PushFront(s)
	// Over the bound: close the least recently run statements not in use.
	// Closing (sqlite3_finalize) frees a statement whatever it returns,
	// which is the error of its last run, reported then already.
	for e := c.lru.Back(); e != nil && c.lru.Len() > sqliteStmtCache; {
		prev := e.Prev()
		if old := e.Value.(*sqliteStmt); !old.busy {
			c.lru.Remove(e)
			delete(c.stmts, old.query)
			_ = old.stmt.Close()
		}
		e = prev
	}
	return s, nil
}

func (c *sqliteConn) release(s *sqliteStmt) {
	c.mu.Lock()
	s.busy = false
	c.mu.Unlock()
}

func (c *sqliteConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	defer c.release(s)
	return s.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *sqliteConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.release(s)
		return nil, err
	}
	return &sqliteRows{Rows: rows, release: func() { c.release(s) }}, nil
}

// Close closes the kept statements first: SQLite closes a database with
// statements left open only once they are, and holds it until then.
// Closing a statement frees it whatever it returns (see take).
func (c *sqliteConn) Close() error {
	c.mu.Lock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*sqliteStmt).stmt.Close()
	}
	c.lru.Init()
	clear(c.stmts)
	c.mu.Unlock()
	return c.Conn.Close()
}

// PrepareContext is database/sql's own Prepare: the caller keeps and closes
// the statement, so it is not one of the cache's.
func (c *sqliteConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *sqliteConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *sqliteConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *sqliteConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *sqliteConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

// sqliteRows hands its statement back to the cache when closed, and keeps
// the driver's column type information.
type sqliteRows struct {
	driver.Rows
	once    sync.Once
	release func()
}

func (r *sqliteRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.release)
	return err
}

func (r *sqliteRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *sqliteRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *sqliteRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *sqliteRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *sqliteRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
