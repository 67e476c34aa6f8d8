package blob_test

import (
	"context"
	"strings"
	"testing"

	"github.com/servicebot/servicebot/blob"
	"github.com/servicebot/servicebot/blob/blobtest"
)

// The S3 half of this test is s3store's TestStoreOnAFakeS3.
func TestStores(t *testing.T) {
	s, err := blob.Open(context.Background(), t.TempDir(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Exercise(t, s)
}

// An s3:// URL goes to the S3 opener the program gives (s3store.Opener);
// without one it is refused, saying so, with the password left out.
func TestOpenHandsS3URLsToTheirOpener(t *testing.T) {
	ctx := context.Background()
	const url = "s3://key:secret@127.0.0.1:9000/media"
	if _, err := blob.Open(ctx, url, "", nil); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("s3:// without an opener: %v, want an error without the password", err)
	}
	dir, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var asked string
	s, err := blob.Open(ctx, url, "", func(_ context.Context, raw string) (blob.Store, error) { asked = raw; return dir, nil })
	if err != nil || s != blob.Store(dir) || asked != url {
		t.Errorf("s3:// with an opener: %v, %v, asked %q", s, err, asked)
	}
	if _, err := blob.Open(ctx, "ftp://host/x", "", nil); err == nil {
		t.Error("ftp:// accepted")
	}
}
