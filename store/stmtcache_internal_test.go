package store

import (
	"database/sql/driver"
	"testing"
)

// PostgreSQL's connections prepare a query the second time it runs
// (secondRun): preparing costs a round trip of its own.
func TestStatementCachePreparesOnTheSecondRun(t *testing.T) {
	t.Parallel()
	var c stmtCache
	c.secondRun = true
	prepared := 0
	prepare := func() (driver.Stmt, error) { prepared++; return fakeStmt{}, nil }
	for run, want := range []int{0, 1, 1} {
		s, err := c.take("SELECT ?", prepare)
		if err != nil {
			t.Fatal(err)
		}
		if (s != nil) != (run > 0) || prepared != want {
			t.Errorf("run %d: kept statement %v, %d prepared; want %d", run+1, s != nil, prepared, want)
		}
		if s != nil {
			c.release(s)
		}
	}
}

type fakeStmt struct{ driver.Stmt }

func (fakeStmt) Close() error { return nil }
