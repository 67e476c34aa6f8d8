package media_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/blob"
	"github.com/servicebot/servicebot/media"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
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

func (s *fakeStore) ClaimMediaFetch(_ context.Context, id int64, now, until time.Time) (bool, error) {
	r := s.rows[id]
	if r.key != "" || r.next.IsZero() || r.next.After(now) {
		return false, nil
	}
	r.next = until
	return true, nil
}

func (s *fakeStore) KeepMedia(_ context.Context, id int64, key, _ string) (bool, error) {
	if s.rows[id].key != "" {
		return false, nil
	}
	s.rows[id].key, s.rows[id].next = key, time.Time{}
	return true, nil
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
	t.Parallel()
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
			f := newFetcher(t, st, fakeAPI{now: clock.Now, up: t0.Add(tc.upAfter)}, blobs, clock)
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

// gate is a media/get that holds every caller until release, counting them:
// two replicas that both saw a photo due are both inside at once.
type gate struct {
	calls   atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (g *gate) GetMedia(ctx context.Context, _ string) ([]byte, string, error) {
	g.calls.Add(1)
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	return []byte("\xff\xd8\xff photo"), "image/jpeg", nil
}

// Issue 10: two replicas fetching the same due photo at the same moment
// fetch it once and keep one file — no second copy left in the blob store
// under a key nothing points at — on both databases.
func TestTwoReplicasFetchAPhotoOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		clock := servicebot.ClockFunc(func() time.Time { return now })
		var id int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			id, err = tx.AddReportAttachment(ctx, servicebot.ReportAttachment{UserID: "zhangwei",
				Day: servicebot.NewDate(2026, 11, 27), Kind: servicebot.AttachImage, MediaID: "m1", At: now})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		blobs, err := blob.NewDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		api := &gate{entered: make(chan struct{}, 2), release: make(chan struct{})}
		// Both replicas read the photo as due before either claims it.
		due, err := db.MediaToFetch(ctx, now, 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due %v %v", due, err)
		}
		var wg sync.WaitGroup
		kept := make([]int, 2)
		for i := range 2 {
			f := newFetcher(t, db, api, blobs, clock)
			wg.Go(func() {
				n, err := f.FetchDue(ctx)
				if err != nil {
					t.Error(err)
				}
				kept[i] = n
			})
		}
		<-api.entered // one is inside media/get; the other has claimed or lost
		select {
		case <-api.entered:
			t.Error("both replicas called media/get for one photo")
		case <-time.After(300 * time.Millisecond):
		}
		close(api.release)
		wg.Wait()
		if got := api.calls.Load(); got != 1 || kept[0]+kept[1] != 1 {
			t.Fatalf("media/get called %d times, kept %v; want once and one", got, kept)
		}
		var files []string
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return err
		})
		if err != nil || len(files) != 1 {
			t.Fatalf("blob store holds %v (%v), want exactly one file", files, err)
		}
		atts, err := db.ListReportAttachments(ctx, servicebot.NewDate(2026, 11, 27), servicebot.NewDate(2026, 11, 27))
		if err != nil || len(atts) != 1 || atts[0].ID != id || atts[0].BlobKey == "" ||
			filepath.Join(dir, filepath.FromSlash(atts[0].BlobKey)) != files[0] {
			t.Fatalf("attachment %+v %v, want it pointing at %s", atts, err, files)
		}
	})
}

// A fetch whose claim ran out while it was slow, and that finds the photo
// kept by another, removes its own copy instead of leaving it behind.
func TestLateFetchRemovesItsCopy(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	st := &fakeStore{rows: map[int64]*row{1: {a: servicebot.ReportAttachment{ID: 1, Kind: servicebot.AttachImage,
		MediaID: "m1", Day: servicebot.NewDate(2026, 11, 27), At: t0}, next: t0}}}
	dir := t.TempDir()
	blobs, err := blob.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	api := keptMeanwhile{st: st}
	f := newFetcher(t, st, api, blobs, servicebot.ClockFunc(func() time.Time { return t0 }))
	if n, err := f.FetchDue(t.Context()); err != nil || n != 0 {
		t.Fatalf("FetchDue = %d, %v; want nothing kept by this fetch", n, err)
	}
	if st.rows[1].key != "media/2026-11-27/first.jpg" {
		t.Fatalf("key %q: the first kept file must stay", st.rows[1].key)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "media", "2026-11-27"))
	if err != nil || len(entries) != 0 {
		t.Fatalf("left in the blob store: %v %v", entries, err)
	}
}

// keptMeanwhile is a media/get during which another replica keeps the file.
type keptMeanwhile struct{ st *fakeStore }

func (k keptMeanwhile) GetMedia(context.Context, string) ([]byte, string, error) {
	k.st.rows[1].key = "media/2026-11-27/first.jpg"
	return []byte("photo"), "image/jpeg", nil
}

// newFetcher is a Fetcher over st, api and blobs at clock's time.
func newFetcher(t *testing.T, st media.Store, api media.API, blobs blob.Store, clock servicebot.Clock) *media.Fetcher {
	t.Helper()
	f, err := media.New(media.Deps{Store: st, API: api, Blobs: blobs}, media.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return f
}
