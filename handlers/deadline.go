package handlers

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"time"
)

// Time limits of a page or API request (issue 15). The server's own
// timeouts (cmd/servicebot: ReadHeaderTimeout, ReadTimeout, WriteTimeout,
// IdleTimeout) bound the connection, but not the handler: Go does not cancel
// a handler whose connection timed out, so a slow handler or a database that
// stopped answering would hold the request, its goroutine and a pooled
// connection for ever. Deadline bounds the handler itself.
const (
	// DefaultRequestTimeout bounds a page or API request.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultUploadTimeout bounds a multipart request (a form with a few
	// phone photos over a slow mobile link, a KPI workbook), whose body is
	// read inside the handler: as long as the server's ReadTimeout.
	DefaultUploadTimeout = 2 * time.Minute
)

// timeoutBody is what a request that ran out of time is answered.
const timeoutBody = "服务器繁忙，请稍后再试。(request timed out)\n"

// Deadline answers a request that next has not answered within limit
// (upload for a multipart body) with 503, and ends the request's context
// then, so that the handler's database calls stop. What next writes is held
// until it returns (http.TimeoutHandler), so an answer is never cut in two.
// A zero limit or upload takes its default.
func Deadline(limit, upload time.Duration, next http.Handler) http.Handler {
	if limit <= 0 {
		limit = DefaultRequestTimeout
	}
	if upload <= 0 {
		upload = DefaultUploadTimeout
	}
	short := http.TimeoutHandler(next, limit, timeoutBody)
	long := http.TimeoutHandler(next, max(upload, limit), timeoutBody)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			long.ServeHTTP(w, r)
			return
		}
		short.ServeHTTP(w, r)
	})
}

// ErrorStatus is the status for a request that failed with err: 503 when its
// time ran out (Deadline's limit, a database that stopped answering: try
// again later), 500 otherwise. Deadline answers 503 itself at the limit; a
// handler that sees the deadline first answers the same.
func ErrorStatus(err error) int {
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// WriteJSONError answers an API request that failed with err: 503 and
// "temporarily unavailable" when its time ran out, 500 and "internal error"
// otherwise.
func WriteJSONError(w http.ResponseWriter, err error) {
	text := "internal error"
	status := ErrorStatus(err)
	if status == http.StatusServiceUnavailable {
		text = "temporarily unavailable, try again"
	}
	WriteJSON(w, status, map[string]string{"error": text})
}
