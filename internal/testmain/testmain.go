// Package testmain runs a package's tests with more parallel tests at once
// than go test's default, for packages whose tests mostly wait.
package testmain

import (
	"flag"
	"os"
	"strconv"
	"testing"
)

// Waiting is how many parallel tests run at once in a package that calls
// Run, unless -parallel says. go test's default is GOMAXPROCS (two on the
// shared machine), which suits tests that compute. These spend most of
// their time waiting on a database round trip, a SQLite commit, a timer or
// a TTL, so more of them overlap than there are cores. The bound is the
// databases': a Postgres test holds a few connections, its concurrency
// tests up to the pool's 20, and PostgreSQL takes 100 in all with the
// other package go test runs beside this one.
const Waiting = 8

// Run runs m's tests and exits. Under the race detector the tests compute
// ten times as much, and go test's default stays: there they would rather
// queue than each miss its deadlines.
func Run(m *testing.M) {
	flag.Parse()
	SetParallel(Waiting, 0)
	os.Exit(m.Run())
}

// SetParallel sets -parallel to n, or to underRace under the race detector
// (0 leaves go test's default there), unless the command line gave
// -parallel. It is called after flag.Parse, from a TestMain.
func SetParallel(n, underRace int) {
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if raceDetector {
		n = underRace
	}
	if explicit || n == 0 {
		return
	}
	if err := flag.Set("test.parallel", strconv.Itoa(n)); err != nil {
		panic(err)
	}
}
