package kv_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/servicebot/servicebot/kv"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var bg = context.Background()

// degrade is the fallback setting of the tests: wall clock, the test's log.
func degrade(t *testing.T) kv.Degrade {
	return kv.Degrade{Now: time.Now, Logger: testLogger(t)}
}
