package store_test

import (
	"database/sql"
	"fmt"
	"log/slog"
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

// A statement a Postgres connection keeps whose result a migration changed
// (a column's type: "cached plan must not change result type", as an older
// replica sees during a rolling deploy) fails that once, as it would have
// unprepared against the changed table, and is then prepared anew, instead
// of failing for the life of the connection.
func TestKeptStatementIsPreparedAnewAfterItsTableChanged(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresURL(t)
	ctx := t.Context()
	db, err := store.Open(ctx, dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.UpsertCustomers(ctx, []servicebot.Customer{{Name: "甲厂", Tier: servicebot.TierKey, Region: "西南"}}, t0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for range 3 { // kept from its second run
		if _, err := db.CustomerByName(ctx, "甲厂"); err != nil {
			t.Fatal(err)
		}
	}
	migration, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer migration.Close()
	if _, err := migration.ExecContext(ctx, `ALTER TABLE customers ALTER COLUMN region TYPE VARCHAR(64)`); err != nil {
		t.Fatal(err)
	}
	var errs []error
	for range 3 {
		c, err := db.CustomerByName(ctx, "甲厂")
		if err == nil && c.Region != "西南" {
			err = fmt.Errorf("region %q", c.Region)
		}
		errs = append(errs, err)
	}
	if errs[1] != nil || errs[2] != nil {
		t.Fatalf("after the table changed, the kept statement keeps failing: %v", errs)
	}
	t.Logf("the runs after the change: %v", errs)
}
