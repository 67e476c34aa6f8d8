// Package grace makes contexts for work that should finish even when its
// caller is cancelled, but not hold up a shutdown for long: the row in hand,
// an outcome being recorded.
package grace

import (
	"context"
	"time"
)

// Context returns a context that ends timeout from now, or grace after
// parent ends, whichever comes first. Values of parent are kept.
//
// Shutdown cancels parent; work already under way then has grace to finish,
// so a database that stopped answering cannot keep the process from exiting.
func Context(parent context.Context, timeout, grace time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), timeout)
	stop := context.AfterFunc(parent, func() { time.AfterFunc(grace, cancel) })
	return ctx, func() {
		stop()
		cancel() // a grace timer already running then cancels nothing
	}
}
