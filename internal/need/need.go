// Package need checks the dependencies a constructor was given, so that a
// missing one is an error when the bot starts, not a panic when it is first
// used.
package need

import (
	"fmt"
	"slices"
	"strings"
)

// Deps is an error naming the dependencies of what ("sender", "handlers:
// worker") whose present is false, in alphabetical order; nil when all are
// there.
func Deps(what string, present map[string]bool) error {
	var missing []string
	for name, ok := range present {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("%s: missing %s", what, strings.Join(missing, ", "))
}
