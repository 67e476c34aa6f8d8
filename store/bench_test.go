package store_test

import (
	"fmt"
	"testing"

	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// BenchmarkInsertInbox measures the write the callback handler makes before
// answering WeCom, which must stay well under WeCom's 5 s limit.
func BenchmarkInsertInbox(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{
		{store.DialectSQLite, storetest.SQLite},
		{store.DialectPostgres, storetest.Postgres},
	} {
		b.Run(d.name, func(b *testing.B) {
			db := d.open(b)
			ctx := b.Context()
			for i := 0; b.Loop(); i++ {
				inserted, err := db.InsertInbox(ctx, inboxItem(fmt.Sprintf("msg:%d", i), t0))
				if err != nil || !inserted {
					b.Fatalf("InsertInbox = %v, %v", inserted, err)
				}
			}
		})
	}
}
