package kv_test

import (
	"testing"

	"github.com/servicebot/servicebot/internal/testmain"
)

// Its tests mostly wait (on the databases, timers, TTLs): more of them run
// at once than there are cores.
func TestMain(m *testing.M) { testmain.Run(m) }
