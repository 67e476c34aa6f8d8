package handlers

import (
	"sync"
	"time"
)

// Giving way to a flood of callbacks (issue 15). When the replies to a
// reminder arrive flat out, answering WeCom within its 5 s matters more than
// handling them at once: an unanswered callback is delivered again, and the
// inbox exists so that handling may lag. The inbox worker and the callbacks
// share two cores and one database; while callbacks are stored faster than
// FloodRate, the worker waits (a bounded while per batch, so that a flood
// that never ends is still handled), and drains the inbox when it is over.
const (
	// FloodRate is the callbacks a second from which the worker gives way:
	// far above what a department sends in ordinary hours, and above what
	// the worker handles a second, so a steady stream it could keep up with
	// never holds it back.
	FloodRate = 1000
	// intakeSlot is the window over which the rate is counted.
	intakeSlot = 100 * time.Millisecond
	// giveWayStep and maxGiveWay: how often the worker looks again while
	// giving way, and how long it gives way at most before one batch.
	giveWayStep = 20 * time.Millisecond
	maxGiveWay  = time.Second
)

// Intake counts the callbacks stored, over the current and the previous
// window of 100 ms.
type Intake struct {
	now func() time.Time // default time.Now

	mu          sync.Mutex
	slot        int64 // the current window, in windows since the epoch
	count, prev int   // stored in the current and in the previous window
}

// NewIntake returns an Intake; now may be nil (the system clock).
func NewIntake(now func() time.Time) *Intake {
	if now == nil {
		now = time.Now
	}
	return &Intake{now: now}
}

func (in *Intake) window() int64 { return in.now().UnixNano() / int64(intakeSlot) }

// Stored counts one callback stored now.
func (in *Intake) Stored() {
	s := in.window()
	in.mu.Lock()
	defer in.mu.Unlock()
	switch s {
	case in.slot:
		in.count++
	case in.slot + 1:
		in.slot, in.prev, in.count = s, in.count, 1
	default:
		in.slot, in.prev, in.count = s, 0, 1
	}
}

// Flooded reports whether callbacks are being stored faster than FloodRate:
// in the current window so far, or in the whole previous one.
func (in *Intake) Flooded() bool {
	s := in.window()
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	switch s {
	case in.slot:
		n = max(in.count, in.prev)
	case in.slot + 1:
		n = in.count
	}
	return n >= FloodRate*int(intakeSlot/time.Millisecond)/1000
}
