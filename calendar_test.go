package servicebot

import (
	"testing"
	"time"
)

// shanghai is UTC+8 without DST, which is what Asia/Shanghai has been since
// 1991; a fixed zone keeps the tests independent of the host's tzdata.
var shanghai = time.FixedZone("CST", 8*3600)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, shanghai) }

func mustCalendar(t *testing.T, off, work []Date) *Calendar {
	t.Helper()
	c, err := NewCalendar(off, work, shanghai)
	if err != nil {
		t.Fatalf("NewCalendar: %v", err)
	}
	return c
}

// The official 2026 and 2027 schedules must be in the bundled lunar-go
// (v1.4.6 added 2026, v1.4.7 added 2027). If an upgrade ever drops them,
// this fails loudly instead of the calendar silently degrading to weekends.
func TestCalendar_RDAY4_OfficialDataPresent(t *testing.T) {
	for _, year := range []int{2025, 2026, 2027} {
		if !OfficialHolidaysKnown(year) {
			t.Errorf("OfficialHolidaysKnown(%d) = false, want true", year)
		}
	}
	if OfficialHolidaysKnown(2099) {
		t.Errorf("OfficialHolidaysKnown(2099) = true, want false")
	}
}

// calendarDay is a day and what the calendar must say of it.
type calendarDay struct {
	name    string
	day     time.Time
	working bool
	holiday string
}

// checkDays checks cal's IsWorkingDay and HolidayName on each day.
func checkDays(t *testing.T, cal *Calendar, days []calendarDay) {
	t.Helper()
	for _, tt := range days {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.IsWorkingDay(tt.day); got != tt.working {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", DateOf(tt.day), got, tt.working)
			}
			if got := cal.HolidayName(tt.day); got != tt.holiday {
				t.Errorf("HolidayName(%s) = %q, want %q", DateOf(tt.day), got, tt.holiday)
			}
		})
	}
}

// R-DAY-4: weekends, statutory holidays and make-up working days (调休).
func TestCalendar_RDAY4_IsWorkingDay(t *testing.T) {
	cal := mustCalendar(t, nil, nil)
	checkDays(t, cal, []calendarDay{
		{"plain Wednesday", day(2026, 11, 25), true, ""},
		{"plain Saturday", day(2026, 11, 28), false, ""},
		{"plain Sunday", day(2026, 11, 29), false, ""},
		{"国庆 first day (Thursday)", day(2026, 10, 1), false, "国庆节"},
		{"国庆 weekday in the week", day(2026, 10, 7), false, "国庆节"},
		{"国庆 Saturday inside the break", day(2026, 10, 3), false, "国庆节"},
		// The 2026 schedule moves work to Sunday 9-20 and Saturday 10-10.
		{"国庆 make-up Saturday 10-10", day(2026, 10, 10), true, ""},
		{"国庆 make-up Sunday 9-20", day(2026, 9, 20), true, ""},
		{"Thursday after 国庆 (ordinary)", day(2026, 10, 8), true, ""},
		{"中秋 2026 Friday", day(2026, 9, 25), false, "中秋节"},
		{"春节 eve 2026-02-16 (Monday)", day(2026, 2, 16), false, "春节"},
		{"春节 2026-02-17", day(2026, 2, 17), false, "春节"},
		{"春节 last day 2026-02-23 (Monday)", day(2026, 2, 23), false, "春节"},
		{"春节 make-up Saturday 2026-02-14", day(2026, 2, 14), true, ""},
		{"春节 make-up Saturday 2026-02-28", day(2026, 2, 28), true, ""},
		{"元旦 2026 Friday 01-02", day(2026, 1, 2), false, "元旦节"},
		{"元旦 make-up Sunday 2026-01-04", day(2026, 1, 4), true, ""},
		{"劳动节 2026-05-05 (Tuesday)", day(2026, 5, 5), false, "劳动节"},
		{"国庆中秋 2025-10-06", day(2025, 10, 6), false, "国庆中秋"},
		{"2027 国庆 make-up Saturday 10-09", day(2027, 10, 9), true, ""},
		{"year without data: ordinary Monday", day(2099, 10, 5), true, ""},
	})
}

// The date is read in the calendar's zone: 2026-09-30 17:00 UTC is already
// 2026-10-01 01:00 in Shanghai, a holiday.
func TestCalendar_RDAY4_ReadsDatesInItsZone(t *testing.T) {
	cal := mustCalendar(t, nil, nil)
	instant := time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC)
	if cal.IsWorkingDay(instant) {
		t.Errorf("IsWorkingDay(%v) = true, want false (it is 10-01 in Shanghai)", instant)
	}
	if got := cal.HolidayName(instant); got != "国庆节" {
		t.Errorf("HolidayName(%v) = %q, want 国庆节", instant, got)
	}
}

// Configured days override the official calendar both ways.
func TestCalendar_RDAY4_ExtraDays(t *testing.T) {
	cal := mustCalendar(t,
		[]Date{NewDate(2026, 11, 27), NewDate(2099, 10, 1)}, // company day off; a holiday the library lacks
		[]Date{NewDate(2026, 11, 28), NewDate(2026, 10, 7)}, // a working Saturday; work during 国庆
	)
	checkDays(t, cal, []calendarDay{
		{"extra day off on a Friday", day(2026, 11, 27), false, ""},
		{"extra day off in a year without data", day(2099, 10, 1), false, ""},
		{"extra working Saturday", day(2026, 11, 28), true, ""},
		{"extra working day inside 国庆 keeps its name", day(2026, 10, 7), true, "国庆节"},
		{"neighbouring Sunday unaffected", day(2026, 11, 29), false, ""},
	})
}

func TestCalendar_RDAY4_NewCalendarRejects(t *testing.T) {
	if _, err := NewCalendar([]Date{NewDate(2026, 5, 6)}, []Date{NewDate(2026, 5, 6)}, shanghai); err == nil {
		t.Error("NewCalendar with a date both off and working: err = nil, want an error")
	}
	if _, err := NewCalendar(nil, nil, nil); err == nil {
		t.Error("NewCalendar with nil location: err = nil, want an error")
	}
}

func TestCalendar_RDAY4_NextPrevWorkingDay(t *testing.T) {
	cal := mustCalendar(t, []Date{NewDate(2026, 12, 31)}, nil)
	tests := []struct {
		name     string
		from     time.Time
		next     Date
		prev     Date
		fromDesc string
	}{
		// The 国庆 break is 10-01 … 10-07: 9-30 (Wed) is the last working
		// day before it, 10-08 (Thu) the first after it, and 10-10 is a 调休
		// Saturday.
		{name: "eve of 国庆", from: day(2026, 9, 30), next: NewDate(2026, 10, 8), prev: NewDate(2026, 9, 29)},
		{name: "inside 国庆", from: day(2026, 10, 4), next: NewDate(2026, 10, 8), prev: NewDate(2026, 9, 30)},
		{name: "first day after 国庆", from: day(2026, 10, 8), next: NewDate(2026, 10, 9), prev: NewDate(2026, 9, 30)},
		{name: "Friday before the make-up Saturday", from: day(2026, 10, 9), next: NewDate(2026, 10, 10), prev: NewDate(2026, 10, 8)},
		{name: "make-up Saturday", from: day(2026, 10, 10), next: NewDate(2026, 10, 12), prev: NewDate(2026, 10, 9)},
		{name: "Friday to Monday", from: day(2026, 11, 27), next: NewDate(2026, 11, 30), prev: NewDate(2026, 11, 26)},
		{name: "Saturday before the 9-20 make-up Sunday", from: day(2026, 9, 19), next: NewDate(2026, 9, 20), prev: NewDate(2026, 9, 18)},
		{name: "春节 week", from: day(2026, 2, 14), next: NewDate(2026, 2, 24), prev: NewDate(2026, 2, 13)},
		{name: "over an extra day off and 元旦", from: day(2026, 12, 30), next: NewDate(2027, 1, 4), prev: NewDate(2026, 12, 29)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := cal.NextWorkingDay(tt.from)
			if got := DateOf(next); got != tt.next {
				t.Errorf("NextWorkingDay(%s) = %s, want %s", DateOf(tt.from), got, tt.next)
			}
			if h, m, s := next.Clock(); h != 0 || m != 0 || s != 0 || next.Location() != shanghai {
				t.Errorf("NextWorkingDay(%s) = %v, want midnight in the calendar's zone", DateOf(tt.from), next)
			}
			if got := DateOf(cal.PrevWorkingDay(tt.from)); got != tt.prev {
				t.Errorf("PrevWorkingDay(%s) = %s, want %s", DateOf(tt.from), got, tt.prev)
			}
		})
	}
}

// R-DAY-4: an engineer on recorded leave gets no reminder; leave is inclusive
// at both ends and belongs to one person.
func TestCalendar_RDAY4_IsWorkingDayFor(t *testing.T) {
	cal := mustCalendar(t, nil, nil)
	leaves := []Leave{
		{UserID: "zhangsan", From: NewDate(2026, 11, 23), To: NewDate(2026, 11, 25)},
		{UserID: "lisi", From: NewDate(2026, 11, 26)}, // zero To: one day
		{UserID: "wangwu", From: NewDate(2026, 11, 30), To: NewDate(2026, 11, 30)},
	}
	tests := []struct {
		name string
		user string
		day  time.Time
		want bool
	}{
		{"day before the leave", "zhangsan", day(2026, 11, 20), true},
		{"first day of leave", "zhangsan", day(2026, 11, 23), false},
		{"middle of leave", "zhangsan", day(2026, 11, 24), false},
		{"last day of leave (inclusive)", "zhangsan", time.Date(2026, 11, 25, 23, 59, 0, 0, shanghai), false},
		{"day after the leave", "zhangsan", day(2026, 11, 26), true},
		{"someone else's leave does not count", "lisi", day(2026, 11, 24), true},
		{"single-day leave", "lisi", day(2026, 11, 26), false},
		{"day after single-day leave", "lisi", day(2026, 11, 27), true},
		// 11-29 20:00 UTC is already 11-30 in Shanghai: the day is read in the calendar's zone.
		{"day read in the calendar's zone", "wangwu", time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC), false},
		{"no leave, but a weekend", "zhaoliu", day(2026, 11, 28), false},
		{"no leave, but a holiday", "zhaoliu", day(2026, 10, 1), false},
		{"no leave, make-up working day", "zhaoliu", day(2026, 10, 10), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.IsWorkingDayFor(tt.day, tt.user, leaves); got != tt.want {
				t.Errorf("IsWorkingDayFor(%s, %s) = %v, want %v", DateOf(tt.day), tt.user, got, tt.want)
			}
		})
	}
}

func TestDate(t *testing.T) {
	d, err := ParseDate("2026-02-28")
	if err != nil {
		t.Fatalf("ParseDate: %v", err)
	}
	if want := NewDate(2026, 2, 28); d != want {
		t.Errorf("ParseDate = %v, want %v", d, want)
	}
	if got := d.AddDays(1); got != NewDate(2026, 3, 1) {
		t.Errorf("AddDays(1) = %s, want 2026-03-01", got)
	}
	if got := d.AddDays(-59); got != NewDate(2025, 12, 31) {
		t.Errorf("AddDays(-59) = %s, want 2025-12-31", got)
	}
	if got := d.Weekday(); got != time.Saturday {
		t.Errorf("Weekday = %v, want Saturday", got)
	}
	if !d.Before(NewDate(2026, 3, 1)) || d.After(NewDate(2026, 3, 1)) || d.Compare(d) != 0 {
		t.Errorf("ordering of %s is wrong", d)
	}
	if _, err := ParseDate("2026-02-30"); err == nil {
		t.Error("ParseDate(2026-02-30): err = nil, want an error")
	}
	var u Date
	if err := u.UnmarshalText([]byte("2026-10-01")); err != nil || u != NewDate(2026, 10, 1) {
		t.Errorf("UnmarshalText = %v, %v; want 2026-10-01", u, err)
	}
	if b, _ := u.MarshalText(); string(b) != "2026-10-01" {
		t.Errorf("MarshalText = %q, want 2026-10-01", b)
	}
}

// Issue 9: plans named by a weekday or "next working day" are dated by the
// work calendar.
func TestCalendar_PlanDate(t *testing.T) {
	cal, err := NewCalendar(nil, nil, time.FixedZone("CST", 8*3600))
	if err != nil {
		t.Fatal(err)
	}
	thu, fri := NewDate(2026, 12, 3), NewDate(2026, 12, 4)
	for _, c := range []struct {
		day  Date
		when string
		want Date
	}{
		{thu, "", fri},
		{fri, "明天", NewDate(2026, 12, 7)}, // Friday's 明天 is the next working day
		{thu, "后天", NewDate(2026, 12, 5)},
		{thu, "周五", fri},
		{fri, "周五", NewDate(2026, 12, 11)}, // a Friday's 周五 is next week's
		{thu, "下周一", NewDate(2026, 12, 7)},
		{thu, "下周", NewDate(2026, 12, 7)},
		{thu, "星期一", NewDate(2026, 12, 7)},
		{thu, "周末", NewDate(2026, 12, 5)},
	} {
		if got := cal.PlanDate(c.day, c.when); got != c.want {
			t.Errorf("PlanDate(%s, %q) = %s, want %s", c.day, c.when, got, c.want)
		}
	}
}
