package media_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/blob"
	"github.com/servicebot/servicebot/media"
)

type fakeStore struct {
	rows map[int64]*row
}

type row struct {
	a        servicebot.ReportAttachment
	next     time.Time // zero: not due (kept or given up)
	key      string
	attempts int
}

func (s *fakeStore) MediaToFetch(_ context.Context, now time.Time, limit int) ([]servicebot.ReportAttachment, error) {
	var out []servicebot.ReportAttachment
	for _, r := range s.rows {
		if r.key == "" && !r.next.IsZero() && !r.next.After(now) && len(out) < limit {
			out = append(out, r.a)
		}
	}
	return out, nil
}

func (s *fakeStore) KeepMedia(_ context.Context, id int64, key, _ string) error {
	s.rows[id].key, s.rows[id].next = key, time.Time{}
	return nil
}

func (s *fakeStore) RetryMediaFetch(_ context.Context, id int64, _ string, next time.Time) error {
	s.rows[id].attempts++
	s.rows[id].next = next
	return nil
}

// fakeAPI fails until up, then serves the file.
type fakeAPI struct {
	now func() time.Time
	up  time.Time
}

func (a fakeAPI) GetMedia(context.Context, string) ([]byte, string, error) {
	if a.now().Before(a.up) {
		return nil, "", errors.New("wecom media/get: errcode -1: system busy")
	}
	return []byte("photo"), "image/jpeg", nil
}

// A media/get that fails is retried with growing waits while the media id
// lives; one that comes back within the three days is kept; one that never
// does is given up at the end of them, not before.
func TestFetchRetriesWithinThreeDays(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		upAfter  time.Duration
		wantKept bool
	}{
		{"back after five hours", 5 * time.Hour, true},
		{"never back", 100 * time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := t0
			clock := servicebot.ClockFunc(func() time.Time { return now })
			st := &fakeStore{rows: map[int64]*row{1: {a: servicebot.ReportAttachment{ID: 1, Kind: servicebot.AttachImage,
				MediaID: "m1", Day: servicebot.NewDate(2026, 11, 27), At: t0}, next: t0}}}
			blobs, err := blob.NewDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			f := media.New(st, fakeAPI{now: clock.Now, up: t0.Add(tc.upAfter)}, blobs, clock, nil)
			for now.Before(t0.Add(media.Lifetime + time.Hour)) {
				if _, err := f.FetchDue(t.Context()); err != nil {
					t.Fatal(err)
				}
				now = now.Add(time.Minute)
			}
			r := st.rows[1]
			if kept := r.key != ""; kept != tc.wantKept {
				t.Fatalf("kept = %v (key %q, %d failed attempts), want %v", kept, r.key, r.attempts, tc.wantKept)
			}
			if tc.wantKept {
				if data, ctype, err := blobs.Get(t.Context(), r.key); err != nil || string(data) != "photo" || ctype != "image/jpeg" {
					t.Errorf("kept file: %q %q %v", data, ctype, err)
				}
			} else if !r.next.IsZero() || r.attempts > 80 {
				t.Errorf("never back: next %v after %d attempts; want given up, with growing waits", r.next, r.attempts)
			}
		})
	}
}
