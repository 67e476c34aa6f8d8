package reminders

import (
	"log/slog"

	"github.com/servicebot/servicebot/internal/need"
	"github.com/servicebot/servicebot/internal/txn"
)

// NewDaily returns the daily report's jobs as d describes them, writing in
// the transactions inTx runs (*store.DB's InTx), with the defaults filled
// in (a logger that discards) and the dependencies checked: a missing one
// is an error at start, not a panic at 20:00.
func NewDaily[T Tx](inTx txn.Runner[T], d Daily) (*Daily, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if err := need.Deps("reminders: daily", map[string]bool{
		"Reporters": d.Reporters != nil, "Reports": d.Reports != nil, "Store": d.Store != nil,
		"inTx": inTx != nil, "Calendar": d.Calendar != nil, "Schedule.Location": d.Schedule.Location != nil,
	}); err != nil {
		return nil, err
	}
	d.inTx = txn.Narrow(inTx, func(t T) Tx { return t })
	return &d, nil
}

// NewMonthly returns the monthly submissions' job as m describes it,
// writing in the transactions inTx runs, with the defaults filled in and
// the dependencies checked.
func NewMonthly[T Tx](inTx txn.Runner[T], m Monthly) (*Monthly, error) {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	if err := need.Deps("reminders: monthly", map[string]bool{
		"Engineers": m.Engineers != nil, "Reports": m.Reports != nil, "Store": m.Store != nil,
		"inTx": inTx != nil, "Calendar": m.Calendar != nil, "Schedule.Location": m.Schedule.Location != nil,
	}); err != nil {
		return nil, err
	}
	m.inTx = txn.Narrow(inTx, func(t T) Tx { return t })
	return &m, nil
}
