// Package blobtest starts an in-process S3-compatible server for tests of
// the S3 blob store.
package blobtest

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// FakeS3 starts an in-memory S3 server (gofakes3) for the test and returns
// the SERVICEBOT_BLOB_URL of a bucket on it.
func FakeS3(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	return "s3://key:secret@" + strings.TrimPrefix(srv.URL, "http://") + "/servicebot-media?secure=false&region=us-east-1"
}
