// Package s3store keeps the bot's blobs (package blob) in a bucket of an
// S3-compatible object store, for replicas that must see the same files.
package s3store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/blob"
)

// Opener is blob.Open's way to this store, with credentials by lookup.
func Opener(lookup func(string) (string, bool)) blob.Opener {
	return func(ctx context.Context, raw string) (blob.Store, error) {
		s, err := Open(ctx, raw, lookup)
		if err != nil {
			return nil, err // not a nil *Store in a non-nil interface
		}
		return s, nil
	}
}

// Store keeps blobs in a bucket of an S3-compatible store.
type Store struct {
	client *minio.Client
	bucket string
}

// Open opens the bucket raw names, s3://[ACCESS:SECRET@]HOST[:PORT]/BUCKET
// [?secure=false&region=R], with the credentials of the URL or else
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY by lookup. The bucket is made
// when missing.
func Open(ctx context.Context, raw string, lookup func(string) (string, bool)) (*Store, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("blob: %s: %w", blob.Redact(raw), err)
	}
	bucket := strings.Trim(u.Path, "/")
	if u.Host == "" || bucket == "" || strings.Contains(bucket, "/") {
		return nil, fmt.Errorf("blob: %s: want s3://HOST/BUCKET", blob.Redact(raw))
	}
	access, secret := "", ""
	if u.User != nil {
		access = u.User.Username()
		secret, _ = u.User.Password()
	}
	if access == "" && lookup != nil {
		access, _ = lookup("AWS_ACCESS_KEY_ID")
		secret, _ = lookup("AWS_SECRET_ACCESS_KEY")
	}
	secure := true
	if v := u.Query().Get("secure"); v != "" {
		if secure, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("blob: %s: secure=%q", blob.Redact(raw), v)
		}
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(access, secret, ""),
		Secure: secure,
		Region: u.Query().Get("region"),
	})
	if err != nil {
		return nil, fmt.Errorf("blob: %s: %w", blob.Redact(raw), err)
	}
	exists, err := client.BucketExists(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: %s: bucket: %w", blob.Redact(raw), err)
	}
	if !exists {
		if err := client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: u.Query().Get("region")}); err != nil {
			return nil, fmt.Errorf("blob: %s: make bucket: %w", blob.Redact(raw), err)
		}
	}
	return &Store{client: client, bucket: bucket}, nil
}

// Put uploads the blob.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if !blob.ValidKey(key) {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	if contentType == "" {
		contentType = blob.TypeOf(key)
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Get downloads the blob.
func (s *Store) Get(ctx context.Context, key string) ([]byte, string, error) {
	if !blob.ValidKey(key) {
		return nil, "", fmt.Errorf("blob: invalid key %q", key)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, "", fmt.Errorf("blob: get %s: %w", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, "", fmt.Errorf("blob: %s: %w", key, servicebot.ErrNotFound)
		}
		return nil, "", fmt.Errorf("blob: get %s: %w", key, err)
	}
	info, err := obj.Stat()
	ctype := blob.TypeOf(key)
	if err == nil && info.ContentType != "" {
		ctype = info.ContentType
	}
	return data, ctype, nil
}

// Delete removes the blob; a missing one is no error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if !blob.ValidKey(key) {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}
