package s3store_test

import (
	"context"
	"testing"

	"github.com/servicebot/servicebot/blob"
	"github.com/servicebot/servicebot/blob/blobtest"
	"github.com/servicebot/servicebot/blob/s3store"
)

func TestStoreOnAFakeS3(t *testing.T) {
	s, err := blob.Open(context.Background(), blobtest.FakeS3(t), "", s3store.Opener(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*s3store.Store); !ok {
		t.Fatalf("opened a %T, want an *s3store.Store", s)
	}
	blobtest.Exercise(t, s)
}
