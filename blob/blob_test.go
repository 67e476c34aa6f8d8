package blob_test

import (
	"context"
	"errors"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/blob"
	"github.com/servicebot/servicebot/blob/blobtest"
)

func TestStores(t *testing.T) {
	for name, url := range map[string]func(t *testing.T) string{
		"dir": func(t *testing.T) string { return t.TempDir() },
		"s3":  func(t *testing.T) string { return blobtest.FakeS3(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := blob.Open(ctx, url(t), "", nil)
			if err != nil {
				t.Fatal(err)
			}
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
		})
	}
}
