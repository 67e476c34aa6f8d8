package reminders

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// NewDaily returns the daily report's jobs as d describes them, with the
// defaults filled in (a logger that discards) and the dependencies checked:
// a missing one is an error at start, not a panic at 20:00.
func NewDaily(d Daily) (*Daily, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	var missing []string
	for name, ok := range map[string]bool{
		"Reporters": d.Reporters != nil, "Reports": d.Reports != nil, "Store": d.Store != nil,
		"InTx": d.InTx != nil, "Calendar": d.Calendar != nil, "Schedule.Location": d.Schedule.Location != nil,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if err := missingErr("daily", missing); err != nil {
		return nil, err
	}
	return &d, nil
}

// NewMonthly returns the monthly submissions' job as m describes it, with
// the defaults filled in and the dependencies checked.
func NewMonthly(m Monthly) (*Monthly, error) {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	var missing []string
	for name, ok := range map[string]bool{
		"Engineers": m.Engineers != nil, "Reports": m.Reports != nil, "Store": m.Store != nil,
		"InTx": m.InTx != nil, "Calendar": m.Calendar != nil, "Schedule.Location": m.Schedule.Location != nil,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if err := missingErr("monthly", missing); err != nil {
		return nil, err
	}
	return &m, nil
}

func missingErr(what string, missing []string) error {
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("reminders: %s: missing %s", what, strings.Join(missing, ", "))
}
