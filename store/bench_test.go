package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// BenchmarkInsertInbox measures the write the callback handler makes before
// answering WeCom, which must stay well under WeCom's 5 s limit.
func BenchmarkInsertInbox(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		ctx := b.Context()
		for i := 0; b.Loop(); i++ {
			inserted, err := db.InsertInbox(ctx, inboxItem(fmt.Sprintf("msg:%d", i), t0))
			if err != nil || !inserted {
				b.Fatalf("InsertInbox = %v, %v", inserted, err)
			}
		}
	})
}

// BenchmarkRecordContact measures the transaction that records a customer
// contact and settles the customer's R-VIS-1 obligations (aftersales'
// contacted): its statements are short and many, so on SQLite parsing
// their text weighs as much as running them.
func BenchmarkRecordContact(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		ctx := b.Context()
		const customers = 200
		cs := make([]servicebot.Customer, customers)
		for i := range cs {
			cs[i] = servicebot.Customer{Name: fmt.Sprintf("客户%03d", i), Tier: servicebot.TierKey, Region: servicebot.RegionSouthwest}
		}
		ids := make([]int64, customers)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.UpsertCustomers(ctx, cs, t0); err != nil {
				return err
			}
			for i, c := range cs {
				got, err := tx.CustomerByName(ctx, c.Name)
				if err != nil {
					return err
				}
				ids[i] = got.ID
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; b.Loop(); i++ {
			id, at := ids[i%customers], t0.Add(time.Duration(i)*time.Minute)
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.RecordContact(ctx, id, servicebot.ContactPhone, at, "zhangwei", fmt.Sprintf("bench:%d", i)); err != nil {
					return err
				}
				c, err := tx.LockCustomerContacts(ctx, id)
				if err != nil {
					return err
				}
				for _, kind := range []string{servicebot.ObligationCustomerCall, servicebot.ObligationSiteVisit} {
					prefix := servicebot.RegularVisitPrefix(kind, id)
					want := servicebot.Obligation{Kind: kind, UserID: "zhangwei", Key: prefix + c.LastPhone.Format("20060102"),
						DueAt: at.AddDate(0, 1, 0), Note: "bench", CreatedAt: at}
					if _, err := tx.SettleObligation(ctx, kind, prefix, want, at); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
