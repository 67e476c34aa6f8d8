package reports

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
)

// dateSense says which way a date without a year (or a month) leans: a day
// to 补报 is in the past; a leave may be ahead or just behind.
type dateSense int

const (
	senseNearest dateSense = iota // the candidate closest to today (请假, 取消请假)
	sensePast                     // the latest candidate not after today (补报)
)

var (
	// 2026-11-25, 2026.11.25, 2026/11/25, 2026年11月25日
	fullDateRe = regexp.MustCompile(`^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?`)
	// 11月25日, 11月25号, 11月25
	monthDayRe = regexp.MustCompile(`^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?`)
	// 11-25, 11.25, 11/25
	numericMonthDayRe = regexp.MustCompile(`^(\d{1,2})\s*[-./]\s*(\d{1,2})(?:\s*[日号])?`)
	// 25号, 25日
	dayOnlyRe = regexp.MustCompile(`^(\d{1,2})\s*[日号]`)
	// the end of a range written without its month: 12月1日至3日, 12月1日-3
	rangeDayRe = regexp.MustCompile(`^(\d{1,2})\s*[日号]?`)
	// between the two ends of a range
	rangeSepRe = regexp.MustCompile(`^\s*(?:-|~|至|到|—|–)\s*`)
)

// weekdayRe: a day of a week, this one or another (issue 9): 周五, 上周五,
// 上上周三, 下周一, 星期二, 礼拜天. Group 1 the week, 2 the day.
var weekdayRe = regexp.MustCompile(`^(上上|上|下|这|本)?个?(?:周|星期|礼拜)([一二三四五六日天1-7])`)

// weekdayDate is the date of a weekday: in this week (上: last week, 下:
// next); without a week named, for a past sense, the latest such day not
// after today (补报 周五 on a Wednesday is last Friday).
func weekdayDate(week, day string, today servicebot.Date, sense dateSense) servicebot.Date {
	n := strings.Index("一二三四五六日", day)/len("一") + 1
	switch {
	case day == "天":
		n = 7
	case day[0] >= '1' && day[0] <= '7':
		n = int(day[0] - '0')
	}
	monday := today.AddDays(-((int(today.Weekday()) + 6) % 7))
	switch week {
	case "上":
		monday = monday.AddDays(-7)
	case "上上":
		monday = monday.AddDays(-14)
	case "下":
		monday = monday.AddDays(7)
	}
	d := monday.AddDays(n - 1)
	if week == "" && sense == sensePast && d.After(today) {
		d = d.AddDays(-7)
	}
	return d
}

// relativeDays are the words for days near today.
var relativeDays = []struct {
	word   string
	offset int
}{
	{"大前天", -3}, {"前天", -2}, {"昨天", -1}, {"昨日", -1}, {"今天", 0}, {"今日", 0},
	{"明天", 1}, {"明日", 1}, {"大后天", 3}, {"后天", 2},
}

// foldDigits turns full-width digits and punctuation people type in dates
// into ASCII, so the patterns above need only one form.
var foldDigits = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "／", "/", "－", "-", "～", "~", "\u3000", " ",
)

// parseDay reads the date s starts with and returns it and the rest of s.
// today anchors relative words and dates written without a year.
func parseDay(s string, today servicebot.Date, sense dateSense) (servicebot.Date, string, bool) {
	return parseDayNear(s, today, today, sense)
}

// parseDayNear is parseDay with dates without a year (or month) resolved
// near anchor instead of today: the end of a range is near its start.
func parseDayNear(s string, today, anchor servicebot.Date, sense dateSense) (servicebot.Date, string, bool) {
	s = strings.TrimSpace(foldDigits.Replace(s))
	for _, r := range relativeDays {
		if rest, ok := strings.CutPrefix(s, r.word); ok {
			return today.AddDays(r.offset), rest, true
		}
	}
	if m := weekdayRe.FindStringSubmatch(s); m != nil {
		return weekdayDate(m[1], m[2], anchor, sense), s[len(m[0]):], true
	}
	if m := fullDateRe.FindStringSubmatch(s); m != nil {
		d, ok := validDate(atoi(m[1]), atoi(m[2]), atoi(m[3]))
		return d, s[len(m[0]):], ok
	}
	for _, re := range []*regexp.Regexp{monthDayRe, numericMonthDayRe} {
		if m := re.FindStringSubmatch(s); m != nil {
			d, ok := resolveMonthDay(atoi(m[1]), atoi(m[2]), anchor, sense)
			return d, s[len(m[0]):], ok
		}
	}
	if m := dayOnlyRe.FindStringSubmatch(s); m != nil {
		d, ok := resolveDay(atoi(m[1]), anchor, sense)
		return d, s[len(m[0]):], ok
	}
	return servicebot.Date{}, s, false
}

// startsWithDate reports whether s begins with something written as a day
// (今天, 11月25日, 11-25, 2026-11-25, 25号), whether or not it is a valid
// one: after 补报 or 请假 that makes the message the command, and a wrong
// date ("补报 2月30日") gets an answer saying so rather than being filed as
// today's report.
func startsWithDate(s string) bool {
	s = strings.TrimSpace(foldDigits.Replace(s))
	for _, r := range relativeDays {
		if strings.HasPrefix(s, r.word) {
			return true
		}
	}
	for _, re := range []*regexp.Regexp{weekdayRe, fullDateRe, monthDayRe, numericMonthDayRe, dayOnlyRe} {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// parseDayRange reads "12月1日-12月3日", "12月1日至3日", "12-01到12-03" or a
// single day at the start of s, and returns both ends and the rest of s.
func parseDayRange(s string, today servicebot.Date) (from, to servicebot.Date, rest string, ok bool) {
	from, rest, ok = parseDay(s, today, senseNearest)
	if !ok {
		return from, to, s, false
	}
	sep := rangeSepRe.FindString(rest)
	if sep == "" {
		return from, from, rest, true
	}
	after := rest[len(sep):]
	// The end may be a whole date, or only a day of the first one's month.
	// Anchored at the first end, so 12月30日至1月2日 ends in the next year.
	if end, tail, ok := parseDayNear(after, today, from, senseNearest); ok && !onlyDayNumber(after) {
		return from, end, tail, true
	}
	if m := rangeDayRe.FindStringSubmatch(after); m != nil {
		end, ok := validDate(from.Year, int(from.Month), atoi(m[1]))
		return from, end, after[len(m[0]):], ok
	}
	return from, to, s, false
}

// onlyDayNumber reports whether s starts with a bare day ("3日", "3号",
// "3"): at the end of a range it means a day of the first end's month, not
// "the 3rd of the nearest month".
func onlyDayNumber(s string) bool {
	s = strings.TrimSpace(s)
	m := rangeDayRe.FindString(s)
	return m != "" && !monthDayRe.MatchString(s) && !numericMonthDayRe.MatchString(s) && !fullDateRe.MatchString(s)
}

// resolveMonthDay picks the year of month/day: the nearest to today, or the
// latest not after it.
func resolveMonthDay(month, day int, today servicebot.Date, sense dateSense) (servicebot.Date, bool) {
	var candidates []servicebot.Date
	for _, y := range []int{today.Year - 1, today.Year, today.Year + 1} {
		if d, ok := validDate(y, month, day); ok {
			candidates = append(candidates, d)
		}
	}
	return pick(candidates, today, sense)
}

// resolveDay picks the month of a bare day of the month ("25号").
func resolveDay(day int, today servicebot.Date, sense dateSense) (servicebot.Date, bool) {
	var candidates []servicebot.Date
	for _, off := range []int{-1, 0, 1} {
		first := servicebot.NewDate(today.Year, today.Month+time.Month(off), 1)
		if d, ok := validDate(first.Year, int(first.Month), day); ok {
			candidates = append(candidates, d)
		}
	}
	return pick(candidates, today, sense)
}

func pick(candidates []servicebot.Date, today servicebot.Date, sense dateSense) (servicebot.Date, bool) {
	best, found := servicebot.Date{}, false
	bestDist := 0
	for _, c := range candidates {
		if sense == sensePast && c.After(today) {
			continue
		}
		dist := daysBetween(today, c)
		if dist < 0 {
			dist = -dist
		}
		if !found || dist < bestDist {
			best, bestDist, found = c, dist, true
		}
	}
	return best, found
}

// daysBetween is the number of days from a to b (negative when b is before a).
func daysBetween(a, b servicebot.Date) int {
	return int(b.In(time.UTC).Sub(a.In(time.UTC)).Hours() / 24)
}

// validDate is y-m-d when that is a real date (no 2月30日).
func validDate(y, m, d int) (servicebot.Date, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return servicebot.Date{}, false
	}
	date := servicebot.NewDate(y, time.Month(m), d)
	return date, date.Day == d
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s) // the patterns only let digits through
	return n
}
