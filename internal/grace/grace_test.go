package grace

import (
	"context"
	"testing"
	"time"
)

func TestContextOutlivesItsParentByGraceOnly(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	ctx, cancel := Context(parent, time.Minute, 50*time.Millisecond)
	defer cancel()
	cancelParent()
	if ctx.Err() != nil {
		t.Fatal("ended with its parent; want grace first")
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5 s after the parent ended; grace was 50 ms")
	}
}

func TestContextEndsAtItsTimeout(t *testing.T) {
	ctx, cancel := Context(context.Background(), 20*time.Millisecond, time.Minute)
	defer cancel()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("did not end at its timeout")
	}
}
