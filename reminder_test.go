package servicebot_test

import (
	"slices"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
)

func shanghaiSchedule(t *testing.T) (servicebot.ReportSchedule, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return servicebot.ReportSchedule{
		FirstReminder: 20 * time.Hour, SecondReminder: 21*time.Hour + 30*time.Minute,
		Deadline: 22 * time.Hour, MorningSummary: 9 * time.Hour, Location: loc,
	}, loc
}

func TestDueStage_R_DAY_2(t *testing.T) {
	s, loc := shanghaiSchedule(t)
	day := servicebot.NewDate(2026, time.November, 27)
	cases := []struct {
		clock string
		want  string // "" for none
	}{
		{"00:00", ""},
		{"19:59", ""},
		{"20:00", servicebot.StageFirst},
		{"20:05", servicebot.StageFirst}, // back after 19:55–20:05: the 20:00 one is still due
		{"21:29", servicebot.StageFirst},
		{"21:30", servicebot.StageSecond},
		{"21:40", servicebot.StageSecond}, // back after 21:30: only the later one
		{"21:59", servicebot.StageSecond},
		{"22:00", ""}, // deadline: nothing stale
		{"23:30", ""},
	}
	for _, tc := range cases {
		t.Run(tc.clock, func(t *testing.T) {
			now, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-27 "+tc.clock, loc)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := servicebot.DueStage(s.Stages(day), s.DeadlineOn(day), now)
			if got.Name != tc.want || ok != (tc.want != "") {
				t.Errorf("DueStage at %s = %q %v, want %q", tc.clock, got.Name, ok, tc.want)
			}
		})
	}
}

func TestMorningSummaryDue_R_DAY_3(t *testing.T) {
	s, loc := shanghaiSchedule(t)
	cal, err := servicebot.NewCalendar(nil, nil, loc)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		now  string
		want string // the day summarised, "" for none
	}{
		{"2026-11-30 08:59", ""},           // Monday before 09:00
		{"2026-11-30 09:00", "2026-11-27"}, // Monday: Friday's
		{"2026-11-30 23:59", "2026-11-27"}, // still that day: catch-up
		{"2026-11-28 09:00", ""},           // Saturday: no summary
		{"2026-10-07 09:00", ""},           // 国庆 holiday
		{"2026-10-08 09:00", "2026-09-30"}, // first working day after 国庆
		{"2026-10-12 09:00", "2026-10-10"}, // Monday after the 调休 Saturday
		{"2026-10-10 10:00", "2026-10-09"}, // the 调休 Saturday itself
	}
	for _, tc := range cases {
		t.Run(tc.now, func(t *testing.T) {
			now, err := time.ParseInLocation("2006-01-02 15:04", tc.now, loc)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := servicebot.MorningSummaryDue(cal, s, now)
			if tc.want == "" {
				if ok {
					t.Errorf("summary of %s due, want none", got)
				}
				return
			}
			if !ok || got.String() != tc.want {
				t.Errorf("summary due = %s %v, want %s", got, ok, tc.want)
			}
		})
	}
}

func TestDaysToClose_R_DAY_2(t *testing.T) {
	s, loc := shanghaiSchedule(t)
	for _, tc := range []struct {
		now  string
		want []string
	}{
		{"2026-11-27 21:59", []string{"2026-11-26"}},
		{"2026-11-27 22:00", []string{"2026-11-26", "2026-11-27"}},
		{"2026-11-28 00:10", []string{"2026-11-27"}}, // down at the deadline: closed after midnight
	} {
		now, err := time.ParseInLocation("2006-01-02 15:04", tc.now, loc)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range s.DaysToClose(now) {
			got = append(got, d.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("DaysToClose(%s) = %v, want %v", tc.now, got, tc.want)
		}
	}
}

func TestChaseListAndCloseDay_R_KPI_4(t *testing.T) {
	reporters := []servicebot.Member{{UserID: "a"}, {UserID: "b"}, {UserID: "c"}, {UserID: "d"}}
	states := map[string]servicebot.ReportState{
		"a": {Status: servicebot.ReportOnTime, Complete: true},
		"b": {Status: servicebot.ReportOnTime, Complete: false},
		"c": {Status: servicebot.ReportLate, Complete: true},
	}
	missing, incomplete := servicebot.ChaseList(reporters, states)
	if !slices.Equal(missing, []string{"d"}) || !slices.Equal(incomplete, []string{"b"}) {
		t.Errorf("ChaseList = missing %v incomplete %v, want [d] [b]", missing, incomplete)
	}
	got := servicebot.CloseDay([]string{"a", "b", "c", "d"}, states)
	want := []servicebot.DayOutcome{
		{UserID: "a", Status: servicebot.ObligationDone},
		{UserID: "b", Status: servicebot.ObligationDone},
		{UserID: "c", Status: servicebot.ObligationDone, KPI: servicebot.KPILateDaily},
		{UserID: "d", Status: servicebot.ObligationOverdue, KPI: servicebot.KPIMissingDaily},
	}
	if !slices.Equal(got, want) {
		t.Errorf("CloseDay = %+v, want %+v", got, want)
	}
}

func TestMissedSummaryTexts_R_DAY_3(t *testing.T) {
	s := servicebot.MissedSummary{Day: servicebot.NewDate(2026, time.November, 27), Reporters: 6,
		Missing: []string{"王军", "赵磊"}, Late: []string{"刘洋"}}
	cases := []struct {
		name, got, want string
	}{
		{"card title", s.ManagerCardTitle(), "11月27日（周五）日报情况"},
		{"card lists every name", s.ManagerCardText(), "应报 6 人，未报 2 人：王军、赵磊\n迟交 1 人：刘洋"},
		{"group: the count only", s.GroupText(false), "**11月27日（周五）日报**\n应报 6 人，已报 4 人，未报 2 人。"},
		{"group: names when configured", s.GroupText(true), "**11月27日（周五）日报**\n应报 6 人，已报 4 人，未报 2 人。\n未报：王军、赵磊"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
