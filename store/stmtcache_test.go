package store_test

import (
	"fmt"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Connections keep the statements they run (stmtCache): one prepared in a
// transaction that failed, by its own error, runs again as if new, in the
// next transaction on that connection and on the pool.
func TestKeptStatementsRunAgainAfterAFailedTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		upsert := func(name, tier string) error {
			return db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.UpsertCustomers(ctx, []servicebot.Customer{{Name: name, Tier: tier}}, t0)
				return err
			})
		}
		for i := range 3 {
			if err := upsert(fmt.Sprintf("坏客户%d", i), "gold"); err == nil {
				t.Fatalf("a customer of tier gold was stored")
			}
			name := fmt.Sprintf("客户%d", i)
			if err := upsert(name, servicebot.TierKey); err != nil {
				t.Fatal(err)
			}
			c, err := db.CustomerByName(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if c.Tier != servicebot.TierKey {
				t.Errorf("customer %s has tier %q", name, c.Tier)
			}
		}
	})
}
