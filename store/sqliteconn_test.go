package store

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// openSQLiteConn opens a SQLite store in a temp directory and pins one of
// its connections, whose statement cache the test can look at.
func openSQLiteConn(t *testing.T) (*sql.Conn, func() int) {
	t.Helper()
	db, err := Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	conn, err := db.sqlx.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	kept := func() int {
		n := -1
		if err := conn.Raw(func(dc any) error {
			c := &dc.(*sqliteConn).stmts
			n = c.len()
			c.mu.Lock()
			defer c.mu.Unlock()
			if len(c.stmts) != n {
				t.Errorf("cache map has %d statements, its list %d", len(c.stmts), n)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return conn, kept
}

func TestSQLiteConnectionKeepsItsStatements(t *testing.T) {
	t.Parallel()
	conn, kept := openSQLiteConn(t)
	ctx := t.Context()
	for i := range 3 {
		var got int
		if err := conn.QueryRowContext(ctx, "SELECT ? + 1", i).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != i+1 {
			t.Errorf("SELECT %d + 1 = %d", i, got)
		}
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE t (v INTEGER UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	// A statement that failed runs again as if new.
	const insert = "INSERT INTO t (v) VALUES (?)"
	for i, v := range []int{1, 1, 2} {
		_, err := conn.ExecContext(ctx, insert, v)
		if wantErr := i == 1; (err != nil) != wantErr {
			t.Errorf("insert %d (#%d): %v, want an error: %v", v, i, err, wantErr)
		}
	}
	if n := countRows(t, conn); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
	if n := kept(); n != 4 { // the select, create, insert and count
		t.Errorf("%d statements kept, want 4", n)
	}
}

func countRows(t *testing.T, conn *sql.Conn) int {
	t.Helper()
	var n int
	if err := conn.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A query run again while its rows are still being read (a loop that asks
// the same thing for each row) runs beside them, not on their statement.
func TestSQLiteQueryRunAgainWhileItsRowsAreOpen(t *testing.T) {
	t.Parallel()
	conn, _ := openSQLiteConn(t)
	ctx := t.Context()
	const q = "SELECT value FROM json_each(?)"
	outer, err := conn.QueryContext(ctx, q, "[1, 2, 3]")
	if err != nil {
		t.Fatal(err)
	}
	defer outer.Close()
	var got []string
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		inner, err := conn.QueryContext(ctx, q, fmt.Sprintf("[%d, %d]", 10*v, 10*v+1))
		if err != nil {
			t.Fatal(err)
		}
		for inner.Next() {
			var w int
			if err := inner.Scan(&w); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d:%d", v, w))
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "[1:10 1:11 2:20 2:21 3:30 3:31]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

// A connection keeps at most stmtCacheSize statements, the most recently
// run, and runs a dropped one again as a new one.
func TestSQLiteStatementCacheIsBounded(t *testing.T) {
	t.Parallel()
	conn, kept := openSQLiteConn(t)
	ctx := t.Context()
	query := func(i int) {
		t.Helper()
		var got int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + ?", i), 1).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != i+1 {
			t.Fatalf("SELECT %d + 1 = %d", i, got)
		}
	}
	for i := range stmtCacheSize + 10 {
		query(i)
	}
	if n := kept(); n != stmtCacheSize {
		t.Errorf("%d statements kept, want %d", n, stmtCacheSize)
	}
	query(0) // dropped, as the least recently run
	if n := kept(); n != stmtCacheSize {
		t.Errorf("%d statements kept, want %d", n, stmtCacheSize)
	}
}
