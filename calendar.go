package servicebot

import (
	"fmt"
	"strings"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Date is a civil date: a day on the wall calendar, with no time of day and
// no zone. Working days, holidays and leave are about dates, not instants;
// keeping them apart from time.Time avoids the classic "midnight in which
// zone?" bug.
//
// It marshals as "2006-01-02", so configuration can list dates directly.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// dateLayout is how a Date is written in configuration and logs.
const dateLayout = "2006-01-02"

// NewDate returns the date y-m-d, normalised the way time.Date normalises
// (so month 13 or day 0 roll over instead of producing an impossible date).
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's own location. Convert t with
// In first when the date in another zone is meant.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate reads a date written as "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, err)
	}
	return DateOf(t), nil
}

// String returns the date as "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText writes the date as "2006-01-02" (YAML, JSON).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a date written as "2006-01-02" (YAML, JSON).
func (d *Date) UnmarshalText(b []byte) error {
	parsed, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days after d (before d when n is negative).
func (d Date) AddDays(n int) Date {
	return DateOf(d.In(time.UTC).AddDate(0, 0, n))
}

// weekdayNames are the weekdays as chat and sheets write them.
var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// WeekdayName is d's weekday as users read it: "周五".
func (d Date) WeekdayName() string { return weekdayNames[d.Weekday()] }

// MonthDay is d as chat writes it: "11月27日".
func (d Date) MonthDay() string { return fmt.Sprintf("%d月%d日", int(d.Month), d.Day) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	default:
		return cmpInt(d.Day, o.Day)
	}
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	default:
		return 0
	}
}

// Leave is a recorded absence of one person (R-DAY-4): the dates From to To,
// both inclusive. A zero To means the single day From.
type Leave struct {
	UserID   string
	From, To Date
}

// Calendar answers "is this a working day" for the department (R-DAY-4):
// Monday to Friday are working days, Chinese statutory holidays are not, and
// the make-up working days (调休) that go with them are, following the
// official State Council schedule as shipped in github.com/6tail/lunar-go.
// Days configured as extra days off or extra working days override all of
// that; they are also how a year the library does not know yet is supplied
// (see OfficialHolidaysKnown).
//
// A Calendar is immutable after NewCalendar and safe for concurrent use.
type Calendar struct {
	loc       *time.Location
	extraOff  map[Date]bool
	extraWork map[Date]bool
}

// NewCalendar builds a calendar for loc (the department's zone, normally
// Asia/Shanghai). extraOff are additional days off (a company holiday, or an
// official holiday the library lacks); extraWork are additional working days
// (an official make-up day the library lacks, or a company decision). A date
// in both lists is a contradiction and an error, as is a nil loc.
func NewCalendar(extraOff, extraWork []Date, loc *time.Location) (*Calendar, error) {
	if loc == nil {
		return nil, fmt.Errorf("calendar: nil location")
	}
	c := &Calendar{
		loc:       loc,
		extraOff:  make(map[Date]bool, len(extraOff)),
		extraWork: make(map[Date]bool, len(extraWork)),
	}
	for _, d := range extraOff {
		c.extraOff[d] = true
	}
	for _, d := range extraWork {
		if c.extraOff[d] {
			return nil, fmt.Errorf("calendar: %s is configured both as a day off and as a working day", d)
		}
		c.extraWork[d] = true
	}
	return c, nil
}

// Location returns the zone in which the calendar reads instants as dates.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsWorkingDay reports whether the date of day (in the calendar's location)
// is a working day.
func (c *Calendar) IsWorkingDay(day time.Time) bool {
	return c.IsWorkingDate(DateOf(day.In(c.loc)))
}

// IsWorkingDate reports whether d is a working day. Precedence: configured
// extra days first, then the official calendar (a holiday is off, a 调休 day
// is on even on a weekend), then Monday–Friday.
func (c *Calendar) IsWorkingDate(d Date) bool {
	switch {
	case c.extraWork[d]:
		return true
	case c.extraOff[d]:
		return false
	}
	if h := officialHoliday(d); h != nil {
		return h.IsWork()
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// HolidayName returns the name of the statutory holiday on the date of day
// ("国庆节", "春节", "国庆中秋" …), or "" when it is not one. It reads the
// official calendar only: a make-up working day (调休) is not a holiday, and
// configured extra days do not change the name.
func (c *Calendar) HolidayName(day time.Time) string {
	h := officialHoliday(DateOf(day.In(c.loc)))
	if h == nil || h.IsWork() {
		return ""
	}
	return h.GetName()
}

// NextWorkingDay returns midnight (in the calendar's location) of the first
// working day strictly after the date of after.
func (c *Calendar) NextWorkingDay(after time.Time) time.Time {
	return c.stepToWorkingDay(DateOf(after.In(c.loc)), 1)
}

// PrevWorkingDay returns midnight (in the calendar's location) of the last
// working day strictly before the date of before.
func (c *Calendar) PrevWorkingDay(before time.Time) time.Time {
	return c.stepToWorkingDay(DateOf(before.In(c.loc)), -1)
}

// stepToWorkingDay walks from d in steps of step days. It always ends: the
// official calendar never has more than a couple of weeks off in a row and
// the configured days off are finite.
func (c *Calendar) stepToWorkingDay(d Date, step int) time.Time {
	for {
		d = d.AddDays(step)
		if c.IsWorkingDate(d) {
			return d.In(c.loc)
		}
	}
}

// IsWorkingDayFor is the one place that answers "is this a working day for
// this person" (R-DAY-4): a working day for the department on which userID has
// no recorded leave. leaves may hold other people's leave; only userID's
// count.
func (c *Calendar) IsWorkingDayFor(day time.Time, userID string, leaves []Leave) bool {
	d := DateOf(day.In(c.loc))
	if !c.IsWorkingDate(d) {
		return false
	}
	for _, l := range leaves {
		if l.UserID == userID && l.Covers(d) {
			return false
		}
	}
	return true
}

// Covers reports whether l includes d, both ends inclusive.
func (l Leave) Covers(d Date) bool {
	to := l.To
	if to.IsZero() {
		to = l.From
	}
	return !d.Before(l.From) && !d.After(to)
}

// OfficialHolidaysKnown reports whether the bundled official calendar
// (lunar-go) has holiday data for year. When it does not, IsWorkingDay falls
// back to plain weekends for that year, and the year's holidays and make-up
// days must be configured as extra days off and extra working days; callers
// should warn about it at start-up (the State Council publishes the next
// year's schedule each November).
func OfficialHolidaysKnown(year int) bool {
	return HolidayUtil.GetHolidaysByYear(year).Len() > 0
}

// officialHoliday looks d up in lunar-go's statutory holiday table. It
// returns nil on an ordinary day. (We never call HolidayUtil.Fix: it rewrites
// the library's process-wide table; corrections go through the configured
// extra days instead.)
func officialHoliday(d Date) *HolidayUtil.Holiday {
	return HolidayUtil.GetHolidayByYmd(d.Year, int(d.Month), d.Day)
}

// PlanDate is the day a plan written on day is for (issue 9), from the day
// word it opened with (Report.PlanWhen): "" or 明天 the next working day
// (a Friday's 明天 is Monday), 后天 and 大后天 two and three days on, 周五 the
// coming Friday, 下周一 Monday of next week, 下周 the first working day of
// next week, 周末 the coming Saturday.
func (c *Calendar) PlanDate(day Date, when string) Date {
	monday := day.AddDays(-((int(day.Weekday()) + 6) % 7))
	next := func(d Date) Date {
		for i := 0; i < 30 && !c.IsWorkingDate(d); i++ {
			d = d.AddDays(1)
		}
		return d
	}
	when = strings.TrimPrefix(strings.TrimPrefix(when, "这"), "本")
	if w, ok := strings.CutPrefix(when, "下个"); ok {
		when = "下" + w
	}
	switch when {
	case "", "明天", "明日":
		return next(day.AddDays(1))
	case "后天":
		return day.AddDays(2)
	case "大后天":
		return day.AddDays(3)
	case "下周", "下星期", "下礼拜":
		return next(monday.AddDays(7))
	}
	nextWeek := strings.HasPrefix(when, "下")
	r := []rune(when)
	n := strings.IndexRune("一二三四五六日", r[len(r)-1])
	if n > 0 {
		n /= len("一") // a byte offset; each is 3 bytes
	}
	switch r[len(r)-1] {
	case '天':
		n = 6
	case '末':
		n = 5
	}
	if n < 0 {
		return next(day.AddDays(1))
	}
	d := monday.AddDays(n)
	if nextWeek {
		return d.AddDays(7)
	}
	if !d.After(day) {
		d = d.AddDays(7)
	}
	return d
}
