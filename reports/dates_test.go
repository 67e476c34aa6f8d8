package reports

import (
	"testing"
	"time"

	"github.com/servicebot/servicebot"
)

func TestParseDay(t *testing.T) {
	t.Parallel()
	today := servicebot.NewDate(2026, time.November, 27)
	newYear := servicebot.NewDate(2027, time.January, 3)
	cases := []struct {
		in    string
		today servicebot.Date
		sense dateSense
		want  string // "" when no date is read
		rest  string
	}{
		{"11月25日 今天：安装", today, sensePast, "2026-11-25", " 今天：安装"},
		{"11月25号", today, sensePast, "2026-11-25", ""},
		{"11月25", today, sensePast, "2026-11-25", ""},
		{"11-25", today, sensePast, "2026-11-25", ""},
		{"11.25", today, sensePast, "2026-11-25", ""},
		{"11/25日", today, sensePast, "2026-11-25", ""},
		{"2026-11-25", today, sensePast, "2026-11-25", ""},
		{"2026年11月25日", today, sensePast, "2026-11-25", ""},
		{"２０２６－１１－２５", today, sensePast, "2026-11-25", ""},
		{"１１月２５日", today, sensePast, "2026-11-25", ""},
		{"25号", today, sensePast, "2026-11-25", ""},
		{"28号", today, sensePast, "2026-10-28", ""}, // not yet this month: last month's
		{"28号", today, senseNearest, "2026-11-28", ""},
		{"昨天", today, sensePast, "2026-11-26", ""},
		{"前天", today, sensePast, "2026-11-25", ""},
		{"明天", today, senseNearest, "2026-11-28", ""},
		{"12月30日", newYear, sensePast, "2026-12-30", ""}, // across the new year
		{"1月2日", today, senseNearest, "2027-01-02", ""},
		{"12月5日", today, sensePast, "2025-12-05", ""},
		{"2月30日", today, sensePast, "", "2月30日"},
		{"13月1日", today, sensePast, "", "13月1日"},
		{"一天", today, sensePast, "", "一天"},
		{"", today, sensePast, "", ""},
	}
	for _, c := range cases {
		got, rest, ok := parseDay(c.in, c.today, c.sense)
		if c.want == "" {
			if ok {
				t.Errorf("parseDay(%q) = %s, want no date", c.in, got)
			}
			continue
		}
		if !ok || got.String() != c.want || rest != c.rest {
			t.Errorf("parseDay(%q) = %s, %q, %v; want %s, %q", c.in, got, rest, ok, c.want, c.rest)
		}
	}
}

func TestParseDayRange(t *testing.T) {
	t.Parallel()
	today := servicebot.NewDate(2026, time.November, 27)
	cases := []struct {
		in, from, to, rest string
	}{
		{"12月1日-12月3日 家中有事", "2026-12-01", "2026-12-03", " 家中有事"},
		{"12月1日至3日", "2026-12-01", "2026-12-03", ""},
		{"12月1日到3号", "2026-12-01", "2026-12-03", ""},
		{"12月1日~12月3日", "2026-12-01", "2026-12-03", ""},
		{"12-01至12-03", "2026-12-01", "2026-12-03", ""},
		{"2026-12-01 至 2026-12-03", "2026-12-01", "2026-12-03", ""},
		{"12月30日至1月2日", "2026-12-30", "2027-01-02", ""},
		{"明天", "2026-11-28", "2026-11-28", ""},
		{"明天-后天", "2026-11-28", "2026-11-29", ""},
		{"12月1日 看病", "2026-12-01", "2026-12-01", " 看病"},
		{"12月3日-12月1日", "2026-12-03", "2026-12-01", ""}, // reversed: the caller says so
	}
	for _, c := range cases {
		from, to, rest, ok := parseDayRange(c.in, today)
		if !ok || from.String() != c.from || to.String() != c.to || rest != c.rest {
			t.Errorf("parseDayRange(%q) = %s, %s, %q, %v; want %s, %s, %q", c.in, from, to, rest, ok, c.from, c.to, c.rest)
		}
	}
	for _, in := range []string{"", "一周", "下周"} {
		if from, to, _, ok := parseDayRange(in, today); ok {
			t.Errorf("parseDayRange(%q) = %s, %s; want no range", in, from, to)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, cmd, args string }{
		{"帮助", cmdHelp, ""},
		{" ？ ", cmdHelp, ""},
		{"HELP", cmdHelp, ""},
		{"日报模板", cmdTemplate, ""},
		{"模板", cmdTemplate, ""},
		{"模板机调试完成", "", "模板机调试完成"},
		{"我的日报", cmdMyReports, ""},
		{"请假 12月1日-12月3日", cmdLeave, "12月1日-12月3日"},
		{"请假：明天", cmdLeave, "明天"},
		{"请假12月1日", cmdLeave, "12月1日"},
		{"取消请假", cmdCancelLeave, ""},
		{"补报 11月25日\n今天：安装", cmdBackfill, "11月25日\n今天：安装"},
		{"今天：安装", "", "今天：安装"},
	}
	for _, c := range cases {
		cmd, args := splitCommand(c.in)
		if cmd != c.cmd || (cmd != "" && args != c.args) {
			t.Errorf("splitCommand(%q) = %q, %q; want %q, %q", c.in, cmd, args, c.cmd, c.args)
		}
	}
}
