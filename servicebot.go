// Package servicebot holds the domain of the after-sales service bot: the types
// that flow between the WeCom edge, the store, the handlers and the scheduler,
// and the pure rules of the department's manual (../shared/RULES.md).
//
// Nothing in this package does I/O. Every other package depends on it; it
// depends on none of them.
package servicebot

import (
	"errors"
	"time"
)

// Clock is where all code takes the time from, so tests and `job run --at`
// can say what "now" is. Nothing calls time.Now() directly.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current wall-clock time.
func (SystemClock) Now() time.Time { return time.Now() }

// ClockFunc adapts a function to Clock (tests, `job run --at`).
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// Sentinel errors shared by every layer. Wrap them with %w; test with errors.Is.
var (
	// ErrNotFound: the row or object asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a unique key says this was stored already (a repeated delivery).
	ErrDuplicate = errors.New("duplicate")
	// ErrBadSignature: a callback's msg_signature does not match (forged or misconfigured).
	ErrBadSignature = errors.New("bad signature")
	// ErrWrongReceiver: a callback decrypted but was addressed to another corp id.
	ErrWrongReceiver = errors.New("wrong receiver")
	// ErrMalformed: a callback body or payload cannot be parsed (XML, base64, padding, length).
	ErrMalformed = errors.New("malformed")
)
