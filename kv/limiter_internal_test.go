package kv

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Members who stop receiving messages must not stay in memory for good.
func TestMemoryLimiterForgetsIdleKeys(t *testing.T) {
	t.Parallel()
	l := NewMemoryLimiter(30, time.Minute)
	t0 := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	for i := range 100 {
		if ok, _, _ := l.Allow(context.Background(), fmt.Sprintf("user%d", i), t0); !ok {
			t.Fatalf("user%d refused", i)
		}
	}
	if ok, _, _ := l.Allow(context.Background(), "active", t0.Add(2*time.Minute)); !ok {
		t.Fatal("active refused")
	}
	if n := len(l.log); n != 1 {
		t.Fatalf("%d keys kept after everyone else went idle for two windows, want 1", n)
	}
}
