package store_test

import (
	"slices"
	"testing"

	"github.com/servicebot/servicebot/store/storetest"
)

// The Postgres and SQLite migrations lay out the same tables with the same
// columns: every query runs on both through one sqlx code path, so a column
// one dialect's migration forgot fails only there, and only when that query
// runs. This catches it at once.
func TestSchemaParity(t *testing.T) {
	t.Parallel()
	pg := storetest.Postgres(t) // skips without TEST_DATABASE_URL
	lite := storetest.SQLite(t)
	want, err := pg.Columns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got, err := lite.Columns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("no tables on Postgres")
	}
	for table, cols := range want {
		if !slices.Equal(got[table], cols) {
			t.Errorf("table %s: postgres has %v, sqlite %v", table, cols, got[table])
		}
	}
	for table, cols := range got {
		if _, ok := want[table]; !ok {
			t.Errorf("table %s (%v) is only on sqlite", table, cols)
		}
	}
}
