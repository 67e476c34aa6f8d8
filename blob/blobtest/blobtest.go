// Package blobtest checks a blob.Store the way the bot uses one, and starts
// an in-process S3-compatible server for tests of the S3 store.
package blobtest

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/blob"
)

// FakeS3 starts an in-memory S3 server (gofakes3) for the test and returns
// the SERVICEBOT_BLOB_URL of a bucket on it.
func FakeS3(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	return "s3://key:secret@" + strings.TrimPrefix(srv.URL, "http://") + "/servicebot-media?secure=false&region=us-east-1"
}

// Exercise checks s keeps, gives back and deletes a photo, says a missing
// key is servicebot.ErrNotFound, and refuses keys outside blob.ValidKey.
func Exercise(t *testing.T, s blob.Store) {
	t.Helper()
	ctx := context.Background()
	photo := []byte("\xff\xd8\xff photo")
	if err := s.Put(ctx, "media/2026-11-27/0123abcd.jpg", photo, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	got, ctype, err := s.Get(ctx, "media/2026-11-27/0123abcd.jpg")
	if err != nil || string(got) != string(photo) || ctype != "image/jpeg" {
		t.Fatalf("get = %q, %q, %v", got, ctype, err)
	}
	if _, _, err := s.Get(ctx, "media/2026-11-27/missing.jpg"); !errors.Is(err, servicebot.ErrNotFound) {
		t.Errorf("missing key: %v, want ErrNotFound", err)
	}
	// Delete, used when a fetch lost the race to record its file.
	d, ok := s.(interface {
		Delete(context.Context, string) error
	})
	if !ok {
		t.Fatalf("%T has no Delete", s)
	}
	if err := d.Delete(ctx, "media/2026-11-27/0123abcd.jpg"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "media/2026-11-27/0123abcd.jpg"); !errors.Is(err, servicebot.ErrNotFound) {
		t.Errorf("after Delete: %v, want ErrNotFound", err)
	}
	if err := d.Delete(ctx, "media/2026-11-27/0123abcd.jpg"); err != nil {
		t.Errorf("deleting a missing blob: %v", err)
	}
	for _, bad := range []string{"../etc/passwd", "/abs", "media/../x", "Media/X"} {
		if err := s.Put(ctx, bad, photo, ""); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
}
