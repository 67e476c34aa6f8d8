package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
)

// Calendar adds days to the official one (R-DAY-4): a company outing, a
// working Saturday the state did not order.
type Calendar struct {
	ExtraOff  []servicebot.Date `yaml:"extra_off"`
	ExtraWork []servicebot.Date `yaml:"extra_work"`
}

// Reports holds the times of the daily report (R-DAY-2, R-DAY-3) and the
// monthly deadlines (R-DAY-5), in the configured time zone.
type Reports struct {
	FirstReminder  ClockTime `yaml:"first_reminder"`  // 20:00
	SecondReminder ClockTime `yaml:"second_reminder"` // 21:30
	Deadline       ClockTime `yaml:"deadline"`        // 22:00: later reports count as late
	MorningSummary ClockTime `yaml:"morning_summary"` // 09:00 next working day
	// RawRecordsDay is the day of the month the raw service records are due
	// to the archivist (10); DiaryDay the work diary (20). The monthly
	// summary is due on the last day of the month.
	RawRecordsDay int `yaml:"raw_records_day"`
	DiaryDay      int `yaml:"diary_day"`
	// RemindDaysBefore: monthly reminders this many days before the due day, and on it (2).
	RemindDaysBefore int `yaml:"remind_days_before"`
}

// Group is where department-wide posts go: an app group chat (chat_id,
// needs the app's visibility to be the root department) or a group robot
// (robot_key, the key= of its webhook URL). One of them, or neither.
type Group struct {
	ChatID   string `yaml:"chat_id"`
	RobotKey string `yaml:"robot_key"`
	// ShowNames puts the names of those who missed a report in the group
	// post; by default the group sees only the count (R-DAY-3).
	ShowNames bool `yaml:"show_names"`
}

// ClockTime is a time of day, written "20:00".
type ClockTime struct {
	Hour, Minute int
}

// MustClock parses "HH:MM"; for defaults only.
func MustClock(s string) ClockTime {
	c, err := ParseClock(s)
	if err != nil {
		panic(err)
	}
	return c
}

// ParseClock reads "HH:MM" (24-hour).
func ParseClock(s string) (ClockTime, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return ClockTime{}, fmt.Errorf("%q is not a time of day such as 20:00", s)
	}
	return ClockTime{Hour: t.Hour(), Minute: t.Minute()}, nil
}

// On returns the instant at this time of day on date d in loc.
func (c ClockTime) On(d servicebot.Date, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, c.Hour, c.Minute, 0, 0, loc)
}

func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// MarshalText writes "20:00".
func (c ClockTime) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads "20:00".
func (c *ClockTime) UnmarshalText(b []byte) error {
	parsed, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}

func defaultReports() Reports {
	return Reports{
		FirstReminder:    MustClock("20:00"),
		SecondReminder:   MustClock("21:30"),
		Deadline:         MustClock("22:00"),
		MorningSummary:   MustClock("09:00"),
		RawRecordsDay:    10,
		DiaryDay:         20,
		RemindDaysBefore: 2,
	}
}

// validateDepartment adds the problems of the department settings.
func (c Config) validateDepartment(add func(field, format string, args ...any)) {
	r := c.Reports
	if !(r.FirstReminder.less(r.SecondReminder) && r.SecondReminder.less(r.Deadline)) {
		add("reports", "reports: first_reminder (%s) must come before second_reminder (%s), and both before deadline (%s)",
			r.FirstReminder, r.SecondReminder, r.Deadline)
	}
	for _, d := range []struct {
		field string
		day   int
	}{{"reports.raw_records_day", r.RawRecordsDay}, {"reports.diary_day", r.DiaryDay}} {
		if d.day < 1 || d.day > 28 {
			add(d.field, "%s must be a day of the month from 1 to 28, got %d", d.field, d.day)
		}
	}
	if r.RemindDaysBefore < 0 || r.RemindDaysBefore > 10 {
		add("reports.remind_days_before", "reports.remind_days_before must be 0 to 10, got %d", r.RemindDaysBefore)
	}
	if c.Group.ChatID != "" && c.Group.RobotKey != "" {
		add("group", "group: set chat_id or robot_key, not both")
	}
	for role, ids := range c.Org.Roles {
		known := false
		for _, r := range servicebot.Roles {
			known = known || r == role
		}
		if !known {
			add("org.roles", "org.roles: unknown role %q (known: %s)", role, roleList())
		}
		if len(ids) == 0 {
			add("org.roles", "org.roles.%s lists nobody", role)
		}
	}
	if len(c.Org.AfterSalesDepartments) == 0 {
		add("org.after_sales_departments", "org.after_sales_departments is empty: give the WeCom department id(s) of the after-sales department, "+
			"or nobody owes a daily report and the KPI is drafted for no one")
	}
	for _, id := range c.Org.AfterSalesDepartments {
		if id <= 0 {
			add("org.after_sales_departments", "org.after_sales_departments: %d is not a WeCom department id (they are positive)", id)
		}
	}
	for _, user := range sortedUsers(c.Org.Regions) {
		region := c.Org.Regions[user]
		switch {
		case strings.TrimSpace(region) == "":
			add("org.regions", "org.regions: %s has an empty region", user)
		case !slices.Contains(KnownRegions(), region):
			add("org.regions", "org.regions: %s has the unknown region %q (known: %s)", user, region, strings.Join(KnownRegions(), ", "))
		}
	}
	seen := map[servicebot.Date]bool{}
	for _, d := range c.Calendar.ExtraOff {
		seen[d] = true
	}
	for _, d := range c.Calendar.ExtraWork {
		if seen[d] {
			add("calendar", "calendar: %s is both an extra day off and an extra working day", d)
		}
	}
}

func sortedUsers(m map[string]string) []string {
	users := make([]string, 0, len(m))
	for u := range m {
		users = append(users, u)
	}
	slices.Sort(users)
	return users
}

func (c ClockTime) less(o ClockTime) bool {
	return c.Hour*60+c.Minute < o.Hour*60+o.Minute
}

func roleList() string {
	names := make([]string, len(servicebot.Roles))
	for i, r := range servicebot.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
