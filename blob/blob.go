// Package blob keeps files the bot must not lose: photos and voice messages
// fetched from WeCom before their media_id expires (three days). A directory
// by default; any S3-compatible object store (package s3store) when several
// replicas must see the same files. This package does not import the S3
// client, so the many packages that use a Store do not link it.
package blob

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

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

// Opener opens the remote store an s3:// URL names (s3store.Opener).
type Opener func(ctx context.Context, rawURL string) (Store, error)

// Open opens the store rawURL names: "" or a path (or file:///path) for a
// directory, defaulting to dir; s3://[ACCESS:SECRET@]HOST[:PORT]/BUCKET
// [?secure=false&region=R] for an S3-compatible store, which s3 opens (nil:
// such URLs are refused).
func Open(ctx context.Context, rawURL, dir string, s3 Opener) (Store, error) {
	switch {
	case rawURL == "":
		return NewDir(dir)
	case strings.HasPrefix(rawURL, "s3://"):
		if s3 == nil {
			return nil, fmt.Errorf("blob: %s: no S3 store in this program", Redact(rawURL))
		}
		return s3(ctx, rawURL)
	case strings.HasPrefix(rawURL, "file://"):
		return NewDir(strings.TrimPrefix(rawURL, "file://"))
	case strings.Contains(rawURL, "://"):
		return nil, fmt.Errorf("blob: %q: want a directory or s3://", Redact(rawURL))
	}
	return NewDir(rawURL)
}

// Redact is the URL raw without its password, for messages and logs.
func Redact(raw string) string {
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
