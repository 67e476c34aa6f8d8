package store

import (
	"context"
	"net"
	"testing"
)

// A statement whose context ends as it finishes gives its connection back
// marked broken, never broken but unmarked: once stop says the watch fired,
// the connection already reads as broken.
func TestWatchStopReturnsOnceTheConnectionIsMarked(t *testing.T) {
	t.Parallel()
	for range 2000 {
		a, b := net.Pipe()
		c := &watchedConn{Conn: a}
		ctx, cancel := context.WithCancel(context.Background())
		stop := c.watch(ctx)
		cancel()
		if !stop() && !c.broken.Load() {
			t.Fatal("stop reported the watch fired, but the connection is not marked broken")
		}
		if stop() != stop() {
			t.Fatal("stop answered differently when called again")
		}
		a.Close()
		b.Close()
	}
}
