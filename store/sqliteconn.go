package store

import (
	"context"
	"database/sql/driver"
)

// sqliteConnector opens modernc.org/sqlite connections that keep their
// statements (stmtCache).
type sqliteConnector struct {
	driver.Connector
}

func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &sqliteConn{Conn: dc}, nil
}

// sqliteConn is a modernc.org/sqlite connection with its statement cache.
type sqliteConn struct {
	driver.Conn
	stmts stmtCache
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

func (c *sqliteConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.stmts.exec(query, prepareOn(ctx, c.Conn, query),
		func(s driver.StmtExecContext) (driver.Result, error) { return s.ExecContext(ctx, args) },
		func() (driver.Result, error) { return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args) })
}

func (c *sqliteConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.stmts.query(query, prepareOn(ctx, c.Conn, query),
		func(s driver.StmtQueryContext) (driver.Rows, error) { return s.QueryContext(ctx, args) },
		func() (driver.Rows, error) { return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args) })
}

// Close finalizes the kept statements first: SQLite closes a database with
// statements left open only once they are, and holds it until then.
func (c *sqliteConn) Close() error {
	c.stmts.drop(true)
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
