package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/servicebot/servicebot/internal/testmain"
)

// cliArgsEnv, when set, makes the test binary act as the servicebot command
// with these arguments (separated by \x1f) instead of running tests: a test
// that needs the CLI as its own process (as an operator runs it beside a
// running bot) starts os.Args[0] with it.
const cliArgsEnv = "SERVICEBOT_TEST_CLI_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(cliArgsEnv); ok {
		os.Args = append([]string{"servicebot"}, strings.Split(args, "\x1f")...)
		main()
		os.Exit(0)
	}
	flag.Parse()
	// The end-to-end tests spend most of their time waiting (for the
	// simulator, the database, a job's tick, a browser) rather than
	// computing, so more of them run side by side than there are cores (go
	// test's default). Under the race detector they compute ten times as
	// much: there they run one at a time rather than each missing its
	// deadlines.
	testmain.SetParallel(6, 1)
	os.Exit(m.Run())
}
