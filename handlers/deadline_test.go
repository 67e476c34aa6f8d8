package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Issue 15: a page or API request whose handler waits (a slow handler, a
// database that stopped answering) is answered 503 at its time limit, and the
// handler's context ends then, so its database calls stop.
func TestDeadline_SlowHandlerGets503AtTheLimitAndItsContextEnds(t *testing.T) {
	t.Parallel()
	handlerErr := make(chan error, 1)
	h := Deadline(100*time.Millisecond, time.Second, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			handlerErr <- r.Context().Err()
		case <-time.After(5 * time.Second):
			handlerErr <- errors.New("the handler's context did not end")
		}
		w.WriteHeader(http.StatusOK) // too late: the client has its answer
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	start := time.Now()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "服务器繁忙") {
		t.Errorf("slow handler: %d %q, want 503 and the busy text", resp.StatusCode, body)
	}
	if took < 100*time.Millisecond || took > 2*time.Second {
		t.Errorf("answered after %v, want at the 100 ms limit", took)
	}
	if err := <-handlerErr; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the handler's context: %v, want deadline exceeded", err)
	}
}

// A handler in time answers as it would without the limit, headers
// included; a multipart body (an upload) gets the longer upload limit.
func TestDeadline_HandlerInTimeAndUploadsPassThrough(t *testing.T) {
	t.Parallel()
	h := Deadline(50*time.Millisecond, 2*time.Second, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			time.Sleep(200 * time.Millisecond) // past the short limit, within the upload one
		}
		deadline, ok := r.Context().Deadline()
		w.Header().Set("X-Has-Deadline", fmt.Sprint(ok && time.Until(deadline) > 0))
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "made")
	}))
	for _, ct := range []string{"application/json", "multipart/form-data; boundary=x"} {
		req := httptest.NewRequest(http.MethodPost, "/api/x", strings.NewReader("--x--"))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated || rec.Body.String() != "made" || rec.Header().Get("X-Has-Deadline") != "true" {
			t.Errorf("%s: %d %q deadline %q, want 201 \"made\" with a deadline", ct, rec.Code, rec.Body.String(), rec.Header().Get("X-Has-Deadline"))
		}
	}
}

func TestErrorStatus_DeadlineIs503(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	for _, c := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("store: list: %w", ctx.Err()), http.StatusServiceUnavailable},
		{errors.New("store: list: broken"), http.StatusInternalServerError},
	} {
		if got := ErrorStatus(c.err); got != c.want {
			t.Errorf("ErrorStatus(%v) = %d, want %d", c.err, got, c.want)
		}
		rec := httptest.NewRecorder()
		WriteJSONError(rec, c.err)
		if rec.Code != c.want || !strings.Contains(rec.Body.String(), `"error"`) {
			t.Errorf("WriteJSONError(%v): %d %s", c.err, rec.Code, rec.Body.String())
		}
	}
}
