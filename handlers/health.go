package handlers

import (
	"context"
	"net/http"
	"time"
)

// ReadinessChecker reports whether the database is reachable and migrated.
type ReadinessChecker interface {
	Ready(ctx context.Context) error
}

// ReadyTimeout is how long /readyz waits for the database: under the 2 s a
// probe is given, so a hung database reads "not ready" rather than no answer.
const ReadyTimeout = 1500 * time.Millisecond

// Healthz answers 200 while the process is up (a liveness probe).
func Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

// Readyz answers 200 when the database is reachable and every migration is
// applied, 503 otherwise: a load balancer sends callbacks only to replicas
// that can store them. A database that does not answer within
// ReadyTimeout is not ready.
func Readyz(db ReadinessChecker) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := db.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			// The reason stays in the log: this port faces the internet.
			_, _ = w.Write([]byte("not ready"))
			return
		}
		_, _ = w.Write([]byte("ready"))
	}
}
