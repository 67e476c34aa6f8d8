package wecomsim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
)

// The clock control's presets, in Beijing time; always forward.
func TestPresetTime(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, cst) }
	tests := []struct {
		now    time.Time
		preset string
		want   time.Time
	}{
		{at(11, 27, 19, 58), "20:00", at(11, 27, 20, 0)},
		{at(11, 27, 20, 0), "20:00", at(11, 28, 20, 0)}, // already there: the next day's
		{at(11, 27, 20, 5), "21:30", at(11, 27, 21, 30)},
		{at(11, 27, 21, 31), "22:00", at(11, 27, 22, 1)},
		{at(11, 27, 23, 0), "next-09:00", at(11, 28, 9, 0)},
		{at(11, 27, 8, 0), "next-09:00", at(11, 28, 9, 0)},
		{at(11, 27, 19, 58), "first", at(12, 1, 9, 0)},
		{at(12, 31, 19, 58), "first", time.Date(2027, 1, 1, 9, 0, 0, 0, cst)},
		{at(11, 27, 19, 58), "+24h", at(11, 28, 19, 58)},
		{at(11, 27, 19, 58), "+48h", at(11, 29, 19, 58)},
		// A server clock in UTC reads the same instants.
		{at(11, 27, 19, 58).UTC(), "20:00", at(11, 27, 20, 0)},
	}
	for _, tt := range tests {
		got, err := PresetTime(tt.now, tt.preset)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("PresetTime(%s, %q) = %s, %v; want %s", tt.now, tt.preset, got, err, tt.want)
		}
	}
	if _, err := PresetTime(at(11, 27, 0, 0), "yesterday"); err == nil {
		t.Error("an unknown preset was accepted")
	}
}

// The page's clock control exists only when the demo gives a MoveClock:
// the simulator alone (and `serve`, which never mounts it) cannot move time.
func TestClockControlOnlyInTheDemo(t *testing.T) {
	now := time.Date(2026, 11, 27, 19, 58, 0, 0, time.UTC)
	plain := New(Options{Clock: servicebot.ClockFunc(func() time.Time { return now })})
	srv := httptest.NewServer(plain.Handler())
	defer srv.Close()
	res, err := http.Post(srv.URL+"/sim/api/clock", "application/json", strings.NewReader(`{"preset":"20:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("without MoveClock: %d", res.StatusCode)
	}

	var moved time.Time
	demo := New(Options{Clock: servicebot.ClockFunc(func() time.Time { return now }),
		MoveClock: func(_ context.Context, to time.Time) error { moved = to; now = to; return nil }})
	srv2 := httptest.NewServer(demo.Handler())
	defer srv2.Close()
	res, err = http.Post(srv2.URL+"/sim/api/clock", "application/json", strings.NewReader(`{"preset":"first"}`))
	if err != nil {
		t.Fatal(err)
	}
	var view clockView
	if err := json.NewDecoder(res.Body).Decode(&view); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !moved.Equal(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)) || view.Now != "2026-12-01 周二 09:00" || !view.Enabled {
		t.Errorf("moved to %s, page shows %+v", moved, view)
	}
}
