package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"reflect"
	"sync"
)

// Connections keep the statements they have run, by text, and run a query
// again on its prepared statement (issue 14). modernc.org/sqlite otherwise
// parses a query's text every time it runs (SQLite has no statement cache of
// its own): a third of the CPU of a transaction recording a customer contact,
// whose statements are short and many. PostgreSQL otherwise parses and plans
// every statement sent with arguments: half of the server's CPU for the same
// transaction. lib/pq runs a prepared statement in one round trip, as it runs
// an unprepared one with binary_parameters.
//
// The cache is per connection because a prepared statement belongs to one:
// a pool-wide sql.Stmt would prepare on some connection of the pool, and a
// transaction holding one could wait for another that way. The store's
// queries are a few hundred fixed texts (sqlx.In's expansions aside);
// stmtCacheSize bounds what a connection keeps, the least recently run going
// first.
const stmtCacheSize = 256

// stmtCache is one connection's statements. database/sql uses a connection
// from one goroutine at a time; mu guards the cache anyway, since a Rows'
// Close hands its statement back.
type stmtCache struct {
	// secondRun: a query is prepared the second time it runs on the
	// connection, not the first. Preparing costs PostgreSQL a round trip of
	// its own, more than it saves on a query run once (by a connection that
	// closes soon, or a text sqlx.In made for one list); SQLite parses the
	// text either way.
	secondRun bool
	mu        sync.Mutex
	stmts     map[string]*list.Element // query → its element of lru
	lru       list.List                // *cachedStmt, most recently run first
	ranOnce   map[string]bool          // secondRun: queries run once, unprepared
}

// cachedStmt is a kept statement. busy while it runs or its rows are open: a
// query run again before its rows are closed (rows read in a loop over the
// same query) runs unprepared rather than on a statement in use.
type cachedStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool
}

// take returns query's statement, prepared the first time (the second with
// secondRun), marked busy until release; nil when it is busy already or not
// to be prepared yet. Statements it drops to stay within
// the bound are closed; closing frees a statement whatever it returns (the
// error of its last run, reported then already, or of a broken connection,
// reported by its next use).
func (c *stmtCache) take(query string, prepare func() (driver.Stmt, error)) (*cachedStmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.stmts[query]; ok {
		s := e.Value.(*cachedStmt)
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		s.busy = true
		return s, nil
	}
	if c.secondRun && !c.ranOnce[query] {
		if len(c.ranOnce) >= 4*stmtCacheSize {
			clear(c.ranOnce) // bounded too: a query run again later is seen anew
		}
		if c.ranOnce == nil {
			c.ranOnce = map[string]bool{}
		}
		c.ranOnce[query] = true
		return nil, nil
	}
	delete(c.ranOnce, query)
	st, err := prepare()
	if err != nil {
		return nil, err
	}
	if c.stmts == nil {
		c.stmts = map[string]*list.Element{}
	}
	s := &cachedStmt{query: query, stmt: st, busy: true}
	c.stmts[query] = c.lru.PushFront(s)
	for e := c.lru.Back(); e != nil && c.lru.Len() > stmtCacheSize; {
		prev := e.Prev()
		if old := e.Value.(*cachedStmt); !old.busy {
			c.lru.Remove(e)
			delete(c.stmts, old.query)
			_ = old.stmt.Close()
		}
		e = prev
	}
	return s, nil
}

// prepareOn is how take prepares query on the driver's connection conn,
// under the context of the statement that asked for it.
func prepareOn(ctx context.Context, conn driver.Conn, query string) func() (driver.Stmt, error) {
	return func() (driver.Stmt, error) { return conn.(driver.ConnPrepareContext).PrepareContext(ctx, query) }
}

// forget drops query's statement without closing it (its connection may be
// in a failed transaction, where the server refuses what is sent before a
// rollback; the server drops it with the session), so that the query's next
// run prepares it anew.
func (c *stmtCache) forget(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.stmts[query]; ok && !e.Value.(*cachedStmt).busy {
		c.lru.Remove(e)
		delete(c.stmts, query)
	}
}

func (c *stmtCache) release(s *cachedStmt) {
	c.mu.Lock()
	s.busy = false
	c.mu.Unlock()
}

// drop empties the cache when its connection closes, closing each statement
// when closeEach (see take on closing).
func (c *stmtCache) drop(closeEach bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if closeEach {
		for e := c.lru.Front(); e != nil; e = e.Next() {
			_ = e.Value.(*cachedStmt).stmt.Close()
		}
	}
	c.lru.Init()
	clear(c.stmts)
	clear(c.ranOnce)
}

// len is how many statements the cache keeps.
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// exec runs query on its kept statement, or through unprepared when that is
// busy or not kept yet.
func (c *stmtCache) exec(query string, prepare func() (driver.Stmt, error),
	run func(driver.StmtExecContext) (driver.Result, error), unprepared func() (driver.Result, error)) (driver.Result, error) {
	s, err := c.take(query, prepare)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return unprepared()
	}
	defer c.release(s)
	return run(s.stmt.(driver.StmtExecContext))
}

// query is exec for a query with rows: the statement is handed back when
// they are closed.
func (c *stmtCache) query(query string, prepare func() (driver.Stmt, error),
	run func(driver.StmtQueryContext) (driver.Rows, error), unprepared func() (driver.Rows, error)) (driver.Rows, error) {
	s, err := c.take(query, prepare)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return unprepared()
	}
	rows, err := run(s.stmt.(driver.StmtQueryContext))
	if err != nil {
		c.release(s)
		return nil, err
	}
	return &cachedRows{Rows: rows, release: func() { c.release(s) }}, nil
}

// cachedRows hands its statement back to the cache when closed, and keeps
// the driver's column type information.
type cachedRows struct {
	driver.Rows
	once    sync.Once
	release func()
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.release)
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
