package main

import (
	"flag"
	"os"
	"strconv"
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
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		if err := flag.Set("test.parallel", strconv.Itoa(endToEndParallel())); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// endToEndParallel is how many parallel tests run at once unless -parallel
// says. The end-to-end tests spend most of their time waiting (for the
// simulator, the database, a job's tick, a browser) rather than computing,
// so more of them run side by side than there are cores (go test's
// default). Under the race detector they compute ten times as much: there
// they run one at a time, as they did before, rather than each missing its
// deadlines.
func endToEndParallel() int {
	if raceDetector {
		return 1
	}
	return 6
}
