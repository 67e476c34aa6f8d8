package main

import (
	"os"
	"strings"
	"testing"
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
	os.Exit(m.Run())
}
