package people_test

import (
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

const (
	corpID  = "wwpeopletest"
	agentID = 1000002
	secret  = "people-secret"
)

var shanghai = mustLocation("Asia/Shanghai")

// syncedAt is when the tests' clock says the directory was pulled.
var syncedAt = time.Date(2026, 9, 30, 6, 0, 0, 0, shanghai)

// demoEngineers are the six engineers of wecomsim.DemoDirectory.
var demoEngineers = []string{"chenhao", "liqiang", "liuyang", "wangjun", "zhangwei", "zhaolei"}

// demoOrg is R-ORG-1 for the demo company.
func demoOrg() servicebot.Org {
	return servicebot.Org{
		AfterSalesDepartments: []int64{wecomsim.DemoDeptAfterSales},
		Roles: map[servicebot.Role][]string{
			servicebot.RoleServiceManager: {"sunli"},
			servicebot.RoleArchivist:      {"hejing"},
			servicebot.RoleVPAfterSales:   {"zhoujianguo"},
		},
		Regions: map[string]string{"zhangwei": servicebot.RegionSouthwest, "liqiang": servicebot.RegionSouthwest},
	}
}

// addressBook serves a simulated WeCom address book and returns a client of it.
func addressBook(t *testing.T, deps []wecomsim.Department, members []wecomsim.Member) *bot.Client {
	t.Helper()
	sim := wecomsim.New(wecomsim.Options{CorpID: corpID, Secret: secret, AgentID: agentID,
		Token: "tok", EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		Members: members, Departments: deps})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return bot.NewClient(bot.ClientConfig{CorpID: corpID, AgentID: agentID, Secret: secret, APIBase: srv.URL,
		Timeout: 5 * time.Second}, cache.NewMemory(), nil, nil)
}

func newDirectory(t *testing.T, src people.Source, db *store.DB, org servicebot.Org) *people.Directory {
	t.Helper()
	cal, err := servicebot.NewCalendar(nil, nil, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	clock := servicebot.ClockFunc(func() time.Time { return syncedAt })
	return people.NewDirectory(db, people.Config{Source: src, Org: org, Calendar: cal, Clock: clock})
}

// A new hire in WeCom becomes a reporter without a code change, in a
// sub-department too; someone who left stops being chased.
func TestSyncFollowsTheAddressBook(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		deps, members := wecomsim.DemoDirectory()
		dir := newDirectory(t, addressBook(t, deps, members), db, demoOrg())
		res, err := dir.Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Departments != len(deps) || res.Members != len(members) || len(res.Joined) != len(members) || len(res.Left) != 0 {
			t.Errorf("first sync = %+v, want %d departments, all %d members joined, none left", res, len(deps), len(members))
		}
		stored, err := db.GetMember(ctx, "zhengmin")
		if err != nil {
			t.Fatal(err)
		}
		want := servicebot.Member{UserID: "zhengmin", Name: "郑敏", Position: "质量副总", Mobile: "13800000011",
			Departments: []int64{wecomsim.DemoDeptLeadership, wecomsim.DemoDeptQuality}, Active: true, SyncedAt: syncedAt.UTC()}
		if !reflect.DeepEqual(stored, want) {
			t.Errorf("stored member = %+v, want %+v", stored, want)
		}

		// liqiang leaves; xiaoming is hired into a new group under after-sales.
		const southwestGroup = 6
		deps = append(deps, wecomsim.Department{ID: southwestGroup, ParentID: wecomsim.DemoDeptAfterSales, Name: "西南组"})
		members = slices.DeleteFunc(members, func(m wecomsim.Member) bool { return m.UserID == "liqiang" })
		members = append(members, wecomsim.Member{UserID: "xiaoming", Name: "小明", Departments: []int64{southwestGroup}})
		dir = newDirectory(t, addressBook(t, deps, members), db, demoOrg())
		res, err = dir.Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Joined, []string{"xiaoming"}) || !reflect.DeepEqual(res.Left, []string{"liqiang"}) {
			t.Errorf("second sync joined %v, left %v; want [xiaoming], [liqiang]", res.Joined, res.Left)
		}
		got, err := dir.Reporters(ctx, servicebot.NewDate(2026, 10, 12))
		if err != nil {
			t.Fatal(err)
		}
		want6 := []string{"chenhao", "liuyang", "wangjun", "xiaoming", "zhangwei", "zhaolei"}
		if ids := userIDs(got); !reflect.DeepEqual(ids, want6) {
			t.Errorf("Reporters(2026-10-12) = %v, want %v", ids, want6)
		}
	})
}

// An address book without the after-sales department (the app's visibility
// is wrong) would mark everyone as gone: Sync refuses and changes nothing.
func TestSyncRefusesAnIncompleteAddressBook(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	deps, members := wecomsim.DemoDirectory()
	if _, err := newDirectory(t, addressBook(t, deps, members), db, demoOrg()).Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		deps    []wecomsim.Department
		members []wecomsim.Member
	}{
		{"after-sales department not visible", deps[2:], members},
		{"nobody in it", deps, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newDirectory(t, addressBook(t, tt.deps, tt.members), db, demoOrg()).Sync(t.Context())
			if !errors.Is(err, people.ErrIncompleteDirectory) {
				t.Errorf("Sync = %v, want ErrIncompleteDirectory", err)
			}
			active, err := db.ListMembers(t.Context(), true)
			if err != nil {
				t.Fatal(err)
			}
			if len(active) != len(members) {
				t.Errorf("%d active members after the refused sync, want all %d", len(active), len(members))
			}
		})
	}
}

func TestSyncWithoutSourceFails(t *testing.T) {
	t.Parallel()
	dir := people.NewDirectory(storetest.SQLite(t), people.Config{Org: demoOrg(), Clock: servicebot.SystemClock{}})
	if _, err := dir.Sync(t.Context()); err == nil {
		t.Error("Sync without a source succeeded")
	}
}

// R-DAY-1, R-DAY-4: who owes a report, by the calendar, leave and exemptions.
func TestReportersAndRoster(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		org := demoOrg()
		org.Exempt = []string{"chenhao"}
		deps, members := wecomsim.DemoDirectory()
		dir := newDirectory(t, addressBook(t, deps, members), db, org)
		if _, err := dir.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AddLeave(ctx, "zhangwei", servicebot.NewDate(2026, 10, 10), servicebot.NewDate(2026, 10, 12), "事假", syncedAt)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		everyoneBut := func(out ...string) []string {
			return slices.DeleteFunc(slices.Clone(demoEngineers), func(id string) bool { return slices.Contains(out, id) })
		}
		tests := []struct {
			name string
			day  servicebot.Date
			want []string
		}{
			{"国庆 holiday", servicebot.NewDate(2026, 10, 1), nil},
			{"调休 working Saturday, one on leave, one exempt", servicebot.NewDate(2026, 10, 10), everyoneBut("zhangwei", "chenhao")},
			{"ordinary Sunday", servicebot.NewDate(2026, 10, 11), nil},
			{"last day of the leave", servicebot.NewDate(2026, 10, 12), everyoneBut("zhangwei", "chenhao")},
			{"back from leave", servicebot.NewDate(2026, 10, 13), everyoneBut("chenhao")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := dir.Reporters(ctx, tt.day)
				if err != nil {
					t.Fatal(err)
				}
				if ids := userIDs(got); !reflect.DeepEqual(ids, tt.want) {
					t.Errorf("Reporters(%s) = %v, want %v", tt.day, ids, tt.want)
				}
			})
		}

		// The roster has every engineer, and only them, with why they owe or not.
		roster, err := dir.Roster(ctx, servicebot.NewDate(2026, 10, 10))
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[string]people.Status{}
		for _, e := range roster {
			statuses[e.Member.UserID] = e.Status
		}
		wantStatuses := map[string]people.Status{
			"zhangwei": people.StatusLeave, "chenhao": people.StatusExempt, "liqiang": people.StatusOwes,
			"wangjun": people.StatusOwes, "zhaolei": people.StatusOwes, "liuyang": people.StatusOwes,
		}
		if !reflect.DeepEqual(statuses, wantStatuses) {
			t.Errorf("Roster(2026-10-10) statuses = %v, want %v", statuses, wantStatuses)
		}
		if roster[0].Member.UserID != "chenhao" || roster[0].Member.Name != "陈浩" {
			t.Errorf("Roster not by userid or without names: first %+v", roster[0])
		}
		for _, e := range roster {
			wantRegion := servicebot.RegionOther
			if e.Member.UserID == "zhangwei" || e.Member.UserID == "liqiang" {
				wantRegion = servicebot.RegionSouthwest
			}
			if e.Region != wantRegion {
				t.Errorf("%s region %q, want %q", e.Member.UserID, e.Region, wantRegion)
			}
		}

		holiday, err := dir.Roster(ctx, servicebot.NewDate(2026, 10, 1))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range holiday {
			want := people.StatusHoliday
			if e.Member.UserID == "chenhao" {
				want = people.StatusExempt
			}
			if e.Status != want || (want == people.StatusHoliday && e.Holiday == "") {
				t.Errorf("Roster(2026-10-01): %s is %s (holiday %q), want %s with the holiday's name", e.Member.UserID, e.Status, e.Holiday, want)
			}
		}
		weekend, err := dir.Roster(ctx, servicebot.NewDate(2026, 10, 11))
		if err != nil {
			t.Fatal(err)
		}
		if e := weekend[1]; e.Status != people.StatusHoliday || e.Holiday != "" {
			t.Errorf("Roster(Sunday 2026-10-11): %+v, want holiday with no holiday name", e)
		}
	})
}

func userIDs(ms []servicebot.Member) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return ids
}

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
