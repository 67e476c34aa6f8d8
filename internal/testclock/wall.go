package testclock

import (
	"testing"
	"time"
)

// Shanghai is the department's zone (Asia/Shanghai), in which the tests
// write their wall times.
func Shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err) // no zone database: no test of local times can run
	}
	return loc
}

// Wall is the wall time s ("2026-11-27 20:00") in loc; a malformed s fails
// the test.
func Wall(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
