package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/servicebot/servicebot/handlers"
)

// Issue 15: every connection limit of the web, API and metrics server is
// set, and they fit the handlers' own limits: a request's 503 at its
// deadline (handlers.Deadline, uploads the longest) can still be written.
func TestHTTPServerLimitsEveryConnection(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler())
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s is not set: a slow or silent client would hold a connection for ever", name)
		}
	}
	if srv.ReadHeaderTimeout > 10*time.Second {
		t.Errorf("ReadHeaderTimeout %v: a client trickling its headers holds a connection that long", srv.ReadHeaderTimeout)
	}
	if srv.ReadTimeout < handlers.DefaultUploadTimeout {
		t.Errorf("ReadTimeout %v cuts off uploads the handlers allow %v", srv.ReadTimeout, handlers.DefaultUploadTimeout)
	}
	if srv.WriteTimeout <= max(handlers.DefaultUploadTimeout, handlers.DefaultRequestTimeout) {
		t.Errorf("WriteTimeout %v leaves no time to answer 503 at the handlers' deadline %v", srv.WriteTimeout, handlers.DefaultUploadTimeout)
	}
}
