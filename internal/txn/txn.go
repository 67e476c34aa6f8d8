// Package txn is the one adapter between the store's transaction runner and
// the transaction interface a feature package declares.
//
// A feature package says what it writes through as an interface (its Tx)
// and takes the store's runner (*store.DB's InTx, whose callback gets the
// store's own *store.Tx) through a generic constructor, New[T Tx]. Go cannot
// state "type parameter T implements type parameter I", so Narrow takes
// the conversion as a function; written inside New[T Tx] as
// func(t T) Tx { return t }, it is checked by the compiler and nothing is
// asserted at run time.
package txn

import "context"

// Runner runs fn in one transaction, committed when fn returns nil.
type Runner[T any] func(ctx context.Context, fn func(T) error) error

// Narrow is run seen through I, an interface every T implements: fn gets
// the runner's transaction as an I.
func Narrow[I, T any](run Runner[T], widen func(T) I) Runner[I] {
	return func(ctx context.Context, fn func(I) error) error {
		return run(ctx, func(t T) error { return fn(widen(t)) })
	}
}
