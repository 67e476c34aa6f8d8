package store_test

import (
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Issue 15: a transaction (a worker batch of many texts) remembers the
// customers' version it read, and reads it again once it wrote customers or
// aliases itself, so the report reader of the next text sees them.
func TestCustomersVersionFollowsTheTransactionsOwnWrites(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			v0, err := tx.CustomersVersion(ctx)
			if err != nil {
				return err
			}
			if again, err := tx.CustomersVersion(ctx); err != nil || again != v0 {
				t.Errorf("read again: %q, %v; want %q", again, err, v0)
			}
			if _, err := tx.UpsertCustomers(ctx, []servicebot.Customer{{Name: "重庆重工", Tier: servicebot.TierKey,
				Region: servicebot.RegionSouthwest}}, t0); err != nil {
				return err
			}
			v1, err := tx.CustomersVersion(ctx)
			if err != nil {
				return err
			}
			if v1 == v0 {
				t.Errorf("version %q unchanged after a customer was added", v1)
			}
			c, err := tx.CustomerByName(ctx, "重庆重工")
			if err != nil {
				return err
			}
			if err := tx.AddCustomerAlias(ctx, "重庆重工厂", c.ID, "liqiang", t0); err != nil {
				return err
			}
			if v2, err := tx.CustomersVersion(ctx); err != nil || v2 == v1 {
				t.Errorf("version %q, %v unchanged after an alias was added", v2, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
