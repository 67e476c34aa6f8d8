package reminders_test

import (
	"strings"
	"testing"

	"github.com/servicebot/servicebot/reminders"
)

// A job missing a dependency is refused when the bot starts, naming what is
// missing, instead of panicking when it first runs.
func TestNewDailyAndMonthlyCheckTheirDependencies(t *testing.T) {
	t.Parallel()
	if _, err := reminders.NewDaily[reminders.Tx](nil, reminders.Daily{}); err == nil ||
		!strings.Contains(err.Error(), "Calendar") || !strings.Contains(err.Error(), "Reporters") {
		t.Errorf("NewDaily without dependencies: %v", err)
	}
	if _, err := reminders.NewMonthly[reminders.Tx](nil, reminders.Monthly{}); err == nil || !strings.Contains(err.Error(), "Engineers") {
		t.Errorf("NewMonthly without dependencies: %v", err)
	}
}

// must is v, or a panic when err says the test's own wiring is wrong.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
