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
	run, err := prepare(inTx, &d.Logger, "reminders: daily", map[string]bool{
		"Reporters": d.Reporters != nil, "Reports": d.Reports != nil, "Store": d.Store != nil,
		"Calendar": d.Calendar != nil, "Schedule.Location": d.Schedule.Location != nil,
	})
	if err != nil {
		return nil, err
	}
	d.inTx = run
	return &d, nil
}

// NewMonthly returns the monthly submissions' job as m describes it,
// writing in the transactions inTx runs, with the defaults filled in and
// the dependencies checked.
func NewMonthly[T Tx](inTx txn.Runner[T], m Monthly) (*Monthly, error) {
	run, err := prepare(inTx, &m.Logger, "reminders: monthly", map[string]bool{
		"Engineers": m.Engineers != nil, "Reports": m.Reports != nil, "Store": m.Store != nil,
		"Calendar": m.Calendar != nil, "Schedule.Location": m.Schedule.Location != nil,
	})
	if err != nil {
		return nil, err
	}
	m.inTx = run
	return &m, nil
}

// prepare is what both constructors do: a logger that discards when none
// is given, the dependencies deps names (and inTx) checked, and inTx
// narrowed to the Tx the jobs use.
func prepare[T Tx](inTx txn.Runner[T], logger **slog.Logger, what string, deps map[string]bool) (txn.Runner[Tx], error) {
	if *logger == nil {
		*logger = slog.New(slog.DiscardHandler)
	}
	deps["inTx"] = inTx != nil
	if err := need.Deps(what, deps); err != nil {
		return nil, err
	}
	return txn.Narrow(inTx, func(t T) Tx { return t }), nil
}
