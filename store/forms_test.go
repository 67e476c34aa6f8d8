package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

func TestFormSubmissionsAndPhotos(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		photo := func(user string) int64 {
			id, err := db.AddFormPhoto(ctx, servicebot.FormPhoto{UserID: user, ContentType: "image/png", Content: []byte("png"), CreatedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		mine, theirs := photo("eng1"), photo("eng2")
		draft := servicebot.FormSubmission{FormID: "service_memo", FormVersion: 1, UserID: "eng1", JobID: 7,
			Values: servicebot.FormValues{"customer": "成都某厂", "rows": []map[string]string{{"a": "1"}}},
			Status: servicebot.SubmissionDraft, CreatedAt: now, UpdatedAt: now}
		var saved servicebot.FormSubmission
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if saved, err = tx.SaveFormSubmission(ctx, draft); err != nil {
				return err
			}
			return tx.AttachFormPhotos(ctx, saved.ID, "eng1", []int64{mine})
		})
		if err != nil {
			t.Fatal(err)
		}
		if saved.ID == 0 || saved.JobID != 7 || saved.Values.Rows("rows")[0]["a"] != "1" || !saved.CreatedAt.Equal(now) {
			t.Fatalf("saved %+v", saved)
		}

		tests := []struct {
			name string
			fn   func(tx *store.Tx) error
		}{
			{"another's photo", func(tx *store.Tx) error { return tx.AttachFormPhotos(ctx, saved.ID, "eng1", []int64{mine, theirs}) }},
			{"another's draft", func(tx *store.Tx) error {
				d := saved
				d.UserID = "eng2"
				_, err := tx.SaveFormSubmission(ctx, d)
				return err
			}},
		}
		for _, tt := range tests {
			err := db.InTx(ctx, tt.fn)
			if !errors.Is(err, servicebot.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", tt.name, err)
			}
		}
		if p, err := db.FormPhoto(ctx, theirs); err != nil || p.SubmissionID != 0 {
			t.Errorf("eng2's photo was attached: %+v %v", p, err)
		}

		submitted := saved
		submitted.Status, submitted.SubmittedAt, submitted.UpdatedAt = servicebot.SubmissionSubmitted, now.Add(time.Hour), now.Add(time.Hour)
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.SaveFormSubmission(ctx, submitted)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.SaveFormSubmission(ctx, submitted)
			return err
		})
		if !errors.Is(err, servicebot.ErrNotFound) {
			t.Errorf("a submitted form saved again: %v", err)
		}
		for _, f := range []servicebot.FormFilter{{UserIDs: []string{"eng1"}}, {JobID: 7}, {FormID: "service_memo", Status: servicebot.SubmissionSubmitted}} {
			got, err := db.ListFormSubmissions(ctx, f)
			if err != nil || len(got) != 1 || !got[0].SubmittedAt.Equal(now.Add(time.Hour)) {
				t.Errorf("list %+v: %+v %v", f, got, err)
			}
		}
		if got, _ := db.ListFormSubmissions(ctx, servicebot.FormFilter{UserIDs: []string{"eng2"}}); len(got) != 0 {
			t.Errorf("eng2 has %d submissions", len(got))
		}
		if p, err := db.FormPhoto(ctx, mine); err != nil || p.SubmissionID != saved.ID || string(p.Content) != "png" {
			t.Errorf("photo %+v %v", p, err)
		}
	})
}
