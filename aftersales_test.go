package servicebot_test

import (
	"testing"
	"time"

	"github.com/servicebot/servicebot"
)

// R-VIS-3 with R-DAY-2 (issue 16): the 8 hours of an answer count from
// 08:00 to 22:00, the hours phones are reachable; the night is skipped.
func TestReplyClock_RVIS3_CountsDaytimeHours(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	r := servicebot.DefaultFollowUpRules(loc)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range []struct {
		asked string
		hours int
		want  string
	}{
		{"2026-11-12 09:00", 8, "2026-11-12 17:00"},
		{"2026-11-12 14:00", 8, "2026-11-12 22:00"}, // ends exactly at the close
		{"2026-11-12 17:00", 8, "2026-11-13 11:00"}, // not 01:00
		{"2026-11-12 17:00", 6, "2026-11-13 09:00"},
		{"2026-11-12 23:30", 8, "2026-11-13 16:00"}, // logged at night: counted from 08:00
		{"2026-11-12 06:00", 8, "2026-11-12 16:00"},
		{"2026-11-12 21:59", 8, "2026-11-13 15:59"},
	} {
		if got := r.ReplyClock(at(tc.asked), time.Duration(tc.hours)*time.Hour); !got.Equal(at(tc.want)) {
			t.Errorf("%s + %dh = %s, want %s", tc.asked, tc.hours, got.In(loc).Format("2006-01-02 15:04"), tc.want)
		}
	}
	r.ReplyDayStart, r.ReplyDayEnd = 0, 0 // every hour counts
	if got := r.ReplyClock(at("2026-11-12 17:00"), 8*time.Hour); !got.Equal(at("2026-11-13 01:00")) {
		t.Errorf("without a day window: %s", got)
	}
}
