// Package people knows who is in the department and who owes a daily report
// on a given day (R-ORG-1, R-DAY-1, R-DAY-4). It pulls the WeCom address
// book into the store (Sync) and answers from the stored copy, the
// configured Org and the work calendar, so that a new hire in WeCom becomes
// a reporter without a code change and someone who left stops being chased.
package people

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot"
)

// Source is the WeCom address book; *bot.Client is one.
type Source interface {
	ListDepartments(ctx context.Context) ([]bot.Department, error)
	ListUsers(ctx context.Context, departmentID int64) ([]bot.User, error)
}

// Store keeps the synced directory and the leave; *store.DB is one.
type Store interface {
	ReplaceDirectory(ctx context.Context, deps []servicebot.Department, members []servicebot.Member, now time.Time) (joined, left []string, err error)
	ListDepartments(ctx context.Context) ([]servicebot.Department, error)
	ListMembers(ctx context.Context, activeOnly bool) ([]servicebot.Member, error)
	ListLeaves(ctx context.Context, from, to servicebot.Date) ([]servicebot.Leave, error)
}

// ErrIncompleteDirectory: the address book WeCom returned lacks what the
// configuration names (an after-sales department), or is empty. Applying it
// would mark the whole department as having left, so Sync refuses; the usual
// cause is the app's visibility (可见范围) in the WeCom admin console.
var ErrIncompleteDirectory = errors.New("people: incomplete address book")

// WeCom member statuses (user/list "status").
const (
	userStatusUnset  = 0 // not reported: taken as active
	userStatusActive = 1 // 已激活; 2 disabled, 4 not yet activated and 5 left cannot chat with the bot
)

// maxLoggedIDs: a sync names who joined and left in its log line, unless
// there are more (a first sync of a large company).
const maxLoggedIDs = 50

// Directory answers who is in the department and who owes what, from the
// address book as last synced. It is safe for concurrent use.
type Directory struct {
	src    Source
	store  Store
	org    servicebot.Org
	cal    *servicebot.Calendar
	clock  servicebot.Clock
	logger *slog.Logger
}

// Config is how a Directory reads the department.
type Config struct {
	// Source is the address book Sync pulls; nil where the directory is
	// only read (exports): Sync then fails.
	Source   Source
	Org      servicebot.Org
	Calendar *servicebot.Calendar
	Clock    servicebot.Clock // default the system clock
	Logger   *slog.Logger     // default: discarded
}

func (c Config) withDefaults() Config {
	if c.Clock == nil {
		c.Clock = servicebot.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// NewDirectory returns a Directory over st for the configured org and
// calendar.
func NewDirectory(st Store, cfg Config) *Directory {
	cfg = cfg.withDefaults()
	return &Directory{src: cfg.Source, store: st, org: cfg.Org, cal: cfg.Calendar, clock: cfg.Clock, logger: cfg.Logger}
}

// SyncResult is what a sync changed.
type SyncResult struct {
	Departments int      // departments stored
	Members     int      // active members stored
	Joined      []string // userids new or back since the last sync
	Left        []string // userids gone since the last sync
}

// Sync pulls every department the app can see and the members of each, and
// replaces the stored directory with them as of now. Members WeCom reports
// as disabled, not yet activated or gone are left out: they cannot chat with
// the bot, so they are not chased.
func (d *Directory) Sync(ctx context.Context) (SyncResult, error) {
	if d.src == nil {
		return SyncResult{}, errors.New("people: sync: no address book source configured")
	}
	wecomDeps, err := d.src.ListDepartments(ctx)
	if err != nil {
		return SyncResult{}, fmt.Errorf("people: sync: %w", err)
	}
	deps := make([]servicebot.Department, len(wecomDeps))
	visible := make(map[int64]bool, len(wecomDeps))
	for i, w := range wecomDeps {
		deps[i] = servicebot.Department{ID: w.ID, ParentID: w.ParentID, Name: w.Name}
		visible[w.ID] = true
	}
	for _, id := range d.org.AfterSalesDepartments {
		if !visible[id] {
			return SyncResult{}, fmt.Errorf("people: sync: after-sales department %d is not in the address book the app sees: %w",
				id, ErrIncompleteDirectory)
		}
	}

	// user/list answers per department; someone in two departments comes
	// back twice, with the same details.
	var members []servicebot.Member
	seen := map[string]bool{}
	for _, dep := range wecomDeps {
		users, err := d.src.ListUsers(ctx, dep.ID)
		if err != nil {
			return SyncResult{}, fmt.Errorf("people: sync: %w", err)
		}
		for _, u := range users {
			if seen[u.UserID] || (u.Status != userStatusActive && u.Status != userStatusUnset) {
				continue
			}
			seen[u.UserID] = true
			members = append(members, servicebot.Member{
				UserID: u.UserID, Name: u.Name, Departments: u.Departments,
				Position: u.Position, Mobile: u.Mobile, Active: true,
			})
		}
	}
	if len(members) == 0 {
		return SyncResult{}, fmt.Errorf("people: sync: no active members in %d departments: %w", len(deps), ErrIncompleteDirectory)
	}

	joined, left, err := d.store.ReplaceDirectory(ctx, deps, members, d.clock.Now())
	if err != nil {
		return SyncResult{}, fmt.Errorf("people: sync: %w", err)
	}
	res := SyncResult{Departments: len(deps), Members: len(members), Joined: joined, Left: left}
	attrs := []any{"departments", res.Departments, "members", res.Members, "joined", len(joined), "left", len(left)}
	if len(joined)+len(left) <= maxLoggedIDs {
		attrs = append(attrs, "joined_ids", joined, "left_ids", left)
	}
	d.logger.Info("directory synced", attrs...)
	return res, nil
}

// Status is where a member of the after-sales department stands on a day
// as to the daily report.
type Status string

// Statuses of a roster Entry.
const (
	StatusOwes    Status = "owes"    // a working day for them: a report is due
	StatusLeave   Status = "leave"   // on recorded leave (R-DAY-4)
	StatusHoliday Status = "holiday" // weekend, statutory holiday or configured day off
	StatusExempt  Status = "exempt"  // configured as never owing a report
)

// Entry is one engineer on one day's roster.
type Entry struct {
	Member servicebot.Member
	Region string // R-ORG-2, RegionOther when none is configured
	Status Status
	// Holiday names the statutory holiday ("国庆节") when Status is
	// StatusHoliday because of one; "" on a weekend or a configured day off.
	Holiday string
}

// Reporters returns the members who owe a daily report on day, by userid:
// active engineers of the after-sales departments (or of their
// sub-departments), not exempt, on a working day for them (R-DAY-1,
// R-DAY-4).
func (d *Directory) Reporters(ctx context.Context, day servicebot.Date) ([]servicebot.Member, error) {
	roster, err := d.Roster(ctx, day)
	if err != nil {
		return nil, err
	}
	var out []servicebot.Member
	for _, e := range roster {
		if e.Status == StatusOwes {
			out = append(out, e.Member)
		}
	}
	return out, nil
}

// Roster returns every active engineer of the after-sales departments with
// their status on day, by userid: the people a day's export has a line for.
// Members holding another role (the manager, the archivist) are not on it.
//
// It reads the directory as synced now: someone who has left is on no
// roster, past days' included.
func (d *Directory) Roster(ctx context.Context, day servicebot.Date) ([]Entry, error) {
	days, err := d.Rosters(ctx, day, day)
	if err != nil {
		return nil, err
	}
	return days[0], nil
}

// Rosters is Roster for every day from from to to (index 0 is from), read
// with one query each for the departments, the members and the leave: a
// month's page for a large department must not ask the database 90 times.
func (d *Directory) Rosters(ctx context.Context, from, to servicebot.Date) ([][]Entry, error) {
	if to.Before(from) {
		return nil, fmt.Errorf("people: roster %s..%s: end before start", from, to)
	}
	deps, err := d.store.ListDepartments(ctx)
	if err != nil {
		return nil, fmt.Errorf("people: roster %s: %w", from, err)
	}
	members, err := d.store.ListMembers(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("people: roster %s: %w", from, err)
	}
	leaves, err := d.store.ListLeaves(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("people: roster %s: %w", from, err)
	}

	org := d.org
	org.AfterSalesDepartments = withSubDepartments(d.org.AfterSalesDepartments, deps)
	// The same org without exemptions tells the engineers from the rest;
	// the real one then tells who of them is exempt.
	unexempt := org
	unexempt.Exempt = nil

	// Each member's own leave, so the roster is linear in the department.
	leavesOf := map[string][]servicebot.Leave{}
	for _, l := range leaves {
		leavesOf[l.UserID] = append(leavesOf[l.UserID], l)
	}
	var engineers []Entry
	for _, m := range members {
		if !unexempt.OwesDailyReport(m) {
			continue
		}
		e := Entry{Member: m, Region: org.RegionOf(m.UserID)}
		if !org.OwesDailyReport(m) {
			e.Status = StatusExempt
		}
		engineers = append(engineers, e)
	}
	loc := d.cal.Location()
	var out [][]Entry
	for day := from; !day.After(to); day = day.AddDays(1) {
		working := d.cal.IsWorkingDate(day)
		holiday := d.cal.HolidayName(day.In(loc))
		roster := make([]Entry, 0, len(engineers))
		for _, e := range engineers {
			switch {
			case e.Status == StatusExempt:
			case !working:
				e.Status, e.Holiday = StatusHoliday, holiday
			case slices.ContainsFunc(leavesOf[e.Member.UserID], func(l servicebot.Leave) bool { return l.Covers(day) }):
				// A working day for the department (R-DAY-4): only the
				// leave is left to ask, not the calendar again per member.
				e.Status = StatusLeave
			default:
				e.Status = StatusOwes
			}
			roster = append(roster, e)
		}
		out = append(out, roster)
	}
	return out, nil
}

// withSubDepartments returns roots and every department below them in deps.
func withSubDepartments(roots []int64, deps []servicebot.Department) []int64 {
	in := make(map[int64]bool, len(roots))
	out := slices.Clone(roots)
	for _, id := range roots {
		in[id] = true
	}
	// Repeat until nothing is added, so the order of deps does not matter.
	for grew := true; grew; {
		grew = false
		for _, dep := range deps {
			if !in[dep.ID] && in[dep.ParentID] {
				in[dep.ID], grew = true, true
				out = append(out, dep.ID)
			}
		}
	}
	return out
}
