package need

import "testing"

func TestDepsNamesWhatIsMissingInOrder(t *testing.T) {
	t.Parallel()
	if err := Deps("sender", map[string]bool{"Outbox": true, "API": true}); err != nil {
		t.Errorf("all present: %v", err)
	}
	err := Deps("sender", map[string]bool{"Outbox": false, "API": true, "Limiter": false})
	if err == nil || err.Error() != "sender: missing Limiter, Outbox" {
		t.Errorf("got %v, want sender: missing Limiter, Outbox", err)
	}
}
