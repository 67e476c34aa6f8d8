package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/blob"
)

// Blobs reads kept files (blob.Store).
type Blobs interface {
	Get(ctx context.Context, key string) ([]byte, string, error)
}

// Media serves the kept photos and voice messages under /media/: the key's
// 128 random bits are the only way to a file, as with the diary's link.
func Media(blobs Blobs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, "/")
		if !strings.HasPrefix(key, "media/") || !blob.ValidKey(key) {
			http.NotFound(w, r)
			return
		}
		data, ctype, err := blobs.Get(r.Context(), key)
		switch {
		case errors.Is(err, servicebot.ErrNotFound):
			http.NotFound(w, r)
			return
		case err != nil:
			http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "private, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(data)
	})
}
