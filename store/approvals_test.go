package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// R-APV-5: of many taps deciding one step at the same moment, in separate
// transactions, exactly one decides; the step keeps that decision.
func TestDecideApprovalStepOnce_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		req, chain, err := servicebot.DefaultApprovalRules().Prepare(servicebot.ApprovalRequest{
			Kind: servicebot.RequestParts, Urgent: true, Amount: 5000_01, Customer: "某厂", Reason: "损坏",
			Requester: "yangfan", CreatedAt: now,
			Evidence: servicebot.Evidence{Kind: servicebot.EvidenceFaultLetter, URL: "https://x/letter"}})
		if err != nil {
			t.Fatal(err)
		}
		var a servicebot.Approval
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if a, err = tx.CreateApproval(ctx, req, chain); err != nil {
				return err
			}
			_, err := tx.StartApprovalStep(ctx, a.Steps[0].ID, "huangzhiqiang", "", "apv-1-1", now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if a.Steps[1].Status != servicebot.StepWaiting || a.Request.RulesVersion != servicebot.DefaultRulesVersion {
			t.Fatalf("created %+v", a)
		}

		var decided atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				user, choice := "huangzhiqiang", servicebot.ChoiceApprove
				if i%2 == 1 {
					choice = servicebot.ChoiceReject
				}
				if i == 7 {
					user = "sunli" // not the approver: never decides
				}
				err := db.InTx(ctx, func(tx *store.Tx) error {
					ok, err := tx.DecideApprovalStep(ctx, servicebot.StepDecision{StepID: a.Steps[0].ID, Approver: user,
						Decision: map[string]string{servicebot.ChoiceApprove: servicebot.ApprovalApproved,
							servicebot.ChoiceReject: servicebot.ApprovalRejected}[choice],
						Choice: choice, At: now.Add(time.Minute)})
					if ok {
						decided.Add(1)
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := decided.Load(); n != 1 {
			t.Fatalf("%d decisions, want exactly 1", n)
		}
		got, err := db.GetApproval(ctx, a.Request.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.Steps[0]; s.Status != servicebot.StepDecided || s.ApproverID != "huangzhiqiang" || s.DecidedAt.IsZero() {
			t.Errorf("step %+v", s)
		}
		if _, err := db.GetApproval(ctx, 999); !errors.Is(err, servicebot.ErrNotFound) {
			t.Errorf("unknown approval: %v", err)
		}
	})
}
