// Package blob keeps files the bot must not lose: photos and voice messages
// fetched from WeCom before their media_id expires (three days). A directory
// by default; any S3-compatible object store (minio-go) when several
// replicas must see the same files.
package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/servicebot/servicebot"
)

// Store keeps blobs by key. Keys are relative slash paths of
// [a-z0-9._-] segments (ValidKey).
type Store interface {
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Get returns the blob and its content type; a missing key is
	// servicebot.ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, string, error)
}

var keyPattern = regexp.MustCompile(`^[a-z0-9_-]+(/[a-z0-9_-][a-z0-9._-]*)*$`)

// ValidKey reports whether key is a key this package accepts: no "..", no
// absolute paths, nothing a URL could smuggle.
func ValidKey(key string) bool {
	return len(key) <= 256 && keyPattern.MatchString(key) && !strings.Contains(key, "..")
}

// Open opens the store rawURL names: "" or a path (or file:///path) for a
// directory, defaulting to dir; s3://[ACCESS:SECRET@]HOST[:PORT]/BUCKET
// [?secure=false&region=R] for an S3-compatible store (credentials from
// the URL or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). The bucket is made
// when missing.
func Open(ctx context.Context, rawURL, dir string, lookup func(string) (string, bool)) (Store, error) {
	switch {
	case rawURL == "":
		return NewDir(dir)
	case strings.HasPrefix(rawURL, "s3://"):
		return openS3(ctx, rawURL, lookup)
	case strings.HasPrefix(rawURL, "file://"):
		return NewDir(strings.TrimPrefix(rawURL, "file://"))
	case strings.Contains(rawURL, "://"):
		return nil, fmt.Errorf("blob: %q: want a directory or s3://", redactURL(rawURL))
	}
	return NewDir(rawURL)
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}

// Dir keeps blobs as files under a directory.
type Dir struct{ root string }

// NewDir makes (if needed) and returns the directory store at root.
func NewDir(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("blob: no directory")
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Dir{root: root}, nil
}

func (d *Dir) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", fmt.Errorf("blob: invalid key %q", key)
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put writes the blob atomically (a temporary file renamed into place).
func (d *Dir) Put(_ context.Context, key string, data []byte, _ string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Get reads the blob; its content type comes from the key's extension.
func (d *Dir) Get(_ context.Context, key string) ([]byte, string, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, "", err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("blob: %s: %w", key, servicebot.ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("blob: get %s: %w", key, err)
	}
	return data, TypeOf(key), nil
}

// TypeOf is the content type of a key by its extension (amr included, which
// the system's table may lack).
func TypeOf(key string) string {
	ext := path.Ext(key)
	if ext == ".amr" {
		return "audio/amr"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// S3 keeps blobs in a bucket of an S3-compatible store.
type S3 struct {
	client *minio.Client
	bucket string
}

func openS3(ctx context.Context, raw string, lookup func(string) (string, bool)) (*S3, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("blob: %s: %w", redactURL(raw), err)
	}
	bucket := strings.Trim(u.Path, "/")
	if u.Host == "" || bucket == "" || strings.Contains(bucket, "/") {
		return nil, fmt.Errorf("blob: %s: want s3://HOST/BUCKET", redactURL(raw))
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
			return nil, fmt.Errorf("blob: %s: secure=%q", redactURL(raw), v)
		}
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(access, secret, ""),
		Secure: secure,
		Region: u.Query().Get("region"),
	})
	if err != nil {
		return nil, fmt.Errorf("blob: %s: %w", redactURL(raw), err)
	}
	exists, err := client.BucketExists(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: %s: bucket: %w", redactURL(raw), err)
	}
	if !exists {
		if err := client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: u.Query().Get("region")}); err != nil {
			return nil, fmt.Errorf("blob: %s: make bucket: %w", redactURL(raw), err)
		}
	}
	return &S3{client: client, bucket: bucket}, nil
}

// Put uploads the blob.
func (s *S3) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if !ValidKey(key) {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	if contentType == "" {
		contentType = TypeOf(key)
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Get downloads the blob.
func (s *S3) Get(ctx context.Context, key string) ([]byte, string, error) {
	if !ValidKey(key) {
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
	ctype := TypeOf(key)
	if err == nil && info.ContentType != "" {
		ctype = info.ContentType
	}
	return data, ctype, nil
}

// Delete removes the blob; a missing one is no error.
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// Delete removes the blob; a missing one is no error.
func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}
