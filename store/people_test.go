package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

var testDepartments = []servicebot.Department{
	{ID: 1, ParentID: 0, Name: "公司"},
	{ID: 2, ParentID: 1, Name: "售后服务部"},
	{ID: 3, ParentID: 2, Name: "西南组"},
}

func member(id, name string, depts ...int64) servicebot.Member {
	return servicebot.Member{UserID: id, Name: name, Departments: depts, Position: "工程师", Mobile: "138" + id}
}

func TestReplaceDirectoryReportsJoinedAndLeft(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		t1 := t0.Add(24 * time.Hour)
		t2 := t1.Add(24 * time.Hour)

		joined, left, err := db.ReplaceDirectory(ctx, testDepartments, []servicebot.Member{
			member("zhangwei", "张伟", 3, 2),
			member("liqiang", "李强", 2),
			member("sunli", "孙丽", 2),
		}, t0)
		if err != nil {
			t.Fatal(err)
		}
		assertIDs(t, "first sync joined", joined, "liqiang", "sunli", "zhangwei")
		assertIDs(t, "first sync left", left)

		// liqiang leaves, chenhao is hired, zhangwei moves and is renamed.
		moved := member("zhangwei", "张伟伟", 2)
		joined, left, err = db.ReplaceDirectory(ctx, testDepartments[:2], []servicebot.Member{
			moved, member("sunli", "孙丽", 2), member("chenhao", "陈浩", 2),
		}, t1)
		if err != nil {
			t.Fatal(err)
		}
		assertIDs(t, "second sync joined", joined, "chenhao")
		assertIDs(t, "second sync left", left, "liqiang")

		got, err := db.GetMember(ctx, "zhangwei")
		if err != nil {
			t.Fatal(err)
		}
		want := moved
		want.Active, want.SyncedAt = true, t1
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GetMember(zhangwei) = %+v, want %+v", got, want)
		}
		gone, err := db.GetMember(ctx, "liqiang")
		if err != nil {
			t.Fatal(err)
		}
		if gone.Active || gone.Name != "李强" || !reflect.DeepEqual(gone.Departments, []int64{2}) {
			t.Errorf("leaver = %+v, want kept inactive with name and departments", gone)
		}

		active, err := db.ListMembers(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		assertIDs(t, "active members", userIDs(active), "chenhao", "sunli", "zhangwei")
		all, err := db.ListMembers(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		assertIDs(t, "all members", userIDs(all), "chenhao", "liqiang", "sunli", "zhangwei")
		for _, m := range all {
			if len(m.Departments) == 0 {
				t.Errorf("ListMembers: %s has no departments", m.UserID)
			}
		}

		deps, err := db.ListDepartments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(deps, testDepartments[:2]) {
			t.Errorf("ListDepartments = %+v, want %+v (department 3 removed)", deps, testDepartments[:2])
		}

		// liqiang comes back: joined again, active, no longer marked as left.
		joined, left, err = db.ReplaceDirectory(ctx, testDepartments, []servicebot.Member{
			moved, member("sunli", "孙丽", 2), member("chenhao", "陈浩", 2), member("liqiang", "李强", 3),
		}, t2)
		if err != nil {
			t.Fatal(err)
		}
		assertIDs(t, "third sync joined", joined, "liqiang")
		assertIDs(t, "third sync left", left)
		back, err := db.GetMember(ctx, "liqiang")
		if err != nil {
			t.Fatal(err)
		}
		if !back.Active || !back.SyncedAt.Equal(t2) || !reflect.DeepEqual(back.Departments, []int64{3}) {
			t.Errorf("returner = %+v, want active, synced at %v, in department 3", back, t2)
		}
	})
}

// Syncs started at once (the daily job and one by hand) take turns: none
// fails on the rows of another, and the result is one of the pulls, whole.
func TestConcurrentReplaceDirectory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pulls := [][]servicebot.Member{
			{member("a", "甲", 2), member("b", "乙", 2)},
			{member("b", "乙", 3), member("c", "丙", 3)},
		}
		errs := make(chan error, 8)
		for i := range 8 {
			go func() {
				_, _, err := db.ReplaceDirectory(t.Context(), testDepartments, pulls[i%2], t0)
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		active, err := db.ListMembers(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		ids := userIDs(active)
		if !reflect.DeepEqual(ids, []string{"a", "b"}) && !reflect.DeepEqual(ids, []string{"b", "c"}) {
			t.Errorf("active members after concurrent syncs: %v, want one pull whole", ids)
		}
	})
}

func TestReplaceDirectoryRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		deps    []servicebot.Department
		members []servicebot.Member
	}{
		{"empty userid", testDepartments, []servicebot.Member{member("", "无名", 2)}},
		{"userid twice", testDepartments, []servicebot.Member{member("a", "甲", 2), member("a", "甲", 3)}},
		{"department twice", []servicebot.Department{{ID: 2}, {ID: 2}}, nil},
	}
	db := storetest.SQLite(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := db.ReplaceDirectory(t.Context(), tt.deps, tt.members, t0); err == nil {
				t.Error("ReplaceDirectory succeeded, want an error")
			}
		})
	}
	if all, err := db.ListMembers(t.Context(), false); err != nil || len(all) != 0 {
		t.Errorf("after rejected syncs: members %v, err %v; want none stored", all, err)
	}
}

// A large company syncs in batches, well inside both databases' parameter limits.
func TestReplaceDirectoryManyMembers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 2345
		members := make([]servicebot.Member, n)
		for i := range members {
			members[i] = member(fmt.Sprintf("e%05d", i), fmt.Sprintf("工程师%d", i), 2, 3)
		}
		joined, _, err := db.ReplaceDirectory(t.Context(), testDepartments, members, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(joined) != n {
			t.Errorf("joined %d, want %d", len(joined), n)
		}
		_, left, err := db.ReplaceDirectory(t.Context(), testDepartments, members[:n-700], t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 700 {
			t.Errorf("left %d, want 700", len(left))
		}
		active, err := db.ListMembers(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		if len(active) != n-700 || !reflect.DeepEqual(active[0].Departments, []int64{2, 3}) {
			t.Errorf("active members: %d, first %+v; want %d with departments [2 3]", len(active), active[0], n-700)
		}
	})
}

func TestGetMemberNotFound(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, err := db.GetMember(t.Context(), "nobody")
		if !errors.Is(err, servicebot.ErrNotFound) {
			t.Errorf("GetMember(nobody) = %v, want ErrNotFound", err)
		}
	})
}

func d(s string) servicebot.Date {
	day, err := servicebot.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return day
}

func TestLeaves(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		add := func(user, from, to string) int64 {
			t.Helper()
			var id int64
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				id, err = tx.AddLeave(ctx, user, d(from), d(to), "事假", t0)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		first := add("zhangwei", "2026-12-01", "2026-12-03")
		second := add("liqiang", "2026-11-30", "2026-11-30")
		if first <= 0 || second <= first {
			t.Errorf("ids %d, %d: want positive and increasing", first, second)
		}
		add("wangjun", "2026-12-20", "2026-12-31")

		tests := []struct {
			name     string
			from, to string
			want     []servicebot.Leave
		}{
			{"one day inside a leave", "2026-12-02", "2026-12-02", []servicebot.Leave{leave("zhangwei", "2026-12-01", "2026-12-03")}},
			{"first day is inclusive", "2026-12-01", "2026-12-01", []servicebot.Leave{leave("zhangwei", "2026-12-01", "2026-12-03")}},
			{"last day is inclusive", "2026-12-03", "2026-12-03", []servicebot.Leave{leave("zhangwei", "2026-12-01", "2026-12-03")}},
			{"day after", "2026-12-04", "2026-12-04", []servicebot.Leave{}},
			{"range overlapping two", "2026-11-01", "2026-12-01", []servicebot.Leave{
				leave("liqiang", "2026-11-30", "2026-11-30"), leave("zhangwei", "2026-12-01", "2026-12-03")}},
			{"range across a year end", "2026-12-31", "2027-01-05", []servicebot.Leave{leave("wangjun", "2026-12-20", "2026-12-31")}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.ListLeaves(ctx, d(tt.from), d(tt.to))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("ListLeaves(%s, %s) = %+v, want %+v", tt.from, tt.to, got, tt.want)
				}
			})
		}

		// Dates read back through the calendar in the department's zone.
		shanghai, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			t.Fatal(err)
		}
		cal, err := servicebot.NewCalendar(nil, nil, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		leaves, err := db.ListLeaves(ctx, d("2026-12-01"), d("2026-12-04"))
		if err != nil {
			t.Fatal(err)
		}
		for day, want := range map[string]bool{"2026-11-30": true, "2026-12-01": false, "2026-12-03": false, "2026-12-04": true} {
			if got := cal.IsWorkingDayFor(d(day).In(shanghai), "zhangwei", leaves); got != want {
				t.Errorf("IsWorkingDayFor(%s, zhangwei) = %v, want %v", day, got, want)
			}
		}
	})
}

func TestCancelLeave(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, l := range []struct{ user, from, to string }{
				{"zhangwei", "2026-11-20", "2026-11-21"}, // over: untouched
				{"zhangwei", "2026-11-30", "2026-12-03"}, // under way: cut to 11-30
				{"zhangwei", "2026-12-10", "2026-12-11"}, // ahead: cancelled
				{"liqiang", "2026-12-01", "2026-12-02"},  // someone else's: untouched
			} {
				if _, err := tx.AddLeave(ctx, l.user, d(l.from), d(l.to), "", t0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// cancel cancels user's leave from on, in a transaction of its own.
		cancel := func(user string, on servicebot.Date) (n int, err error) {
			err = db.InTx(ctx, func(tx *store.Tx) error {
				n, err = tx.CancelLeave(ctx, user, on, t0.Add(time.Hour))
				return err
			})
			return n, err
		}
		n, err := cancel("zhangwei", d("2026-12-01"))
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("CancelLeave = %d, want 2 (one cut short, one cancelled)", n)
		}
		got, err := db.ListLeaves(ctx, d("2026-11-01"), d("2026-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		want := []servicebot.Leave{
			leave("liqiang", "2026-12-01", "2026-12-02"),
			leave("zhangwei", "2026-11-20", "2026-11-21"),
			leave("zhangwei", "2026-11-30", "2026-11-30"),
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("after CancelLeave: %+v, want %+v", got, want)
		}

		// Back on the first day of a leave: the whole leave goes.
		n, err = cancel("liqiang", d("2026-12-01"))
		if err != nil || n != 1 {
			t.Fatalf("CancelLeave(liqiang) = %d, %v; want 1", n, err)
		}
		if got, err := db.ListLeaves(ctx, d("2026-12-01"), d("2026-12-02")); err != nil || len(got) != 0 {
			t.Errorf("liqiang's leave after cancelling on its first day: %+v, %v; want none", got, err)
		}
		// Nothing left to cancel is not an error.
		n, err = cancel("liqiang", d("2026-12-01"))
		if err != nil || n != 0 {
			t.Errorf("second CancelLeave(liqiang) = %d, %v; want 0, nil", n, err)
		}
	})
}

func TestAddLeaveRejectsBadRanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		user     string
		from, to servicebot.Date
	}{
		{"ends before it starts", "zhangwei", d("2026-12-03"), d("2026-12-01")},
		{"no userid", "", d("2026-12-01"), d("2026-12-01")},
		{"no start", "zhangwei", servicebot.Date{}, d("2026-12-01")},
	}
	db := storetest.SQLite(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.InTx(t.Context(), func(tx *store.Tx) error {
				_, err := tx.AddLeave(t.Context(), tt.user, tt.from, tt.to, "", t0)
				return err
			})
			if err == nil {
				t.Error("AddLeave succeeded, want an error")
			}
		})
	}
}

func leave(user, from, to string) servicebot.Leave {
	return servicebot.Leave{UserID: user, From: d(from), To: d(to)}
}

func userIDs(ms []servicebot.Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	return ids
}

func assertIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// R-ORG-1: the engineers are the active members of the after-sales
// departments and those below them who hold the engineer role or none; an
// exempt engineer is still one. Through the pool and inside a transaction alike.
func TestEngineersAreTheDirectorysAfterSalesMembers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if _, _, err := db.ReplaceDirectory(ctx, testDepartments, []servicebot.Member{
			member("zhangwei", "张伟", 2),
			member("xiaoxin", "肖鑫", 3), // a new hire below after-sales, no role yet
			member("liqiang", "李强", 2),
			member("sunli", "孙丽", 2),      // the manager
			member("yangfan", "杨帆", 1),    // sales, not in after-sales
			member("wangjun", "王军", 1, 3), // an engineer whose second department is after-sales
			member("chenhao", "陈浩", 2),    // leaves below
			member("zhaolei", "赵磊", 2),    // exempt from the daily report, an engineer still
		}, t0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.ReplaceDirectory(ctx, testDepartments, []servicebot.Member{
			member("zhangwei", "张伟", 2), member("xiaoxin", "肖鑫", 3), member("liqiang", "李强", 2),
			member("sunli", "孙丽", 2), member("yangfan", "杨帆", 1), member("wangjun", "王军", 1, 3),
			member("zhaolei", "赵磊", 2),
		}, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		org := servicebot.Org{
			AfterSalesDepartments: []int64{2},
			Roles: map[servicebot.Role][]string{servicebot.RoleServiceManager: {"sunli"},
				servicebot.RoleEngineer: {"liqiang"}, servicebot.RoleSales: {"yangfan"}},
			Exempt: []string{"sunli", "zhaolei"},
		}
		want := []string{"liqiang", "wangjun", "xiaoxin", "zhangwei", "zhaolei"}
		ids := func(ms []servicebot.Member) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.UserID)
			}
			return out
		}
		got, err := db.Engineers(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		assertIDs(t, "engineers", ids(got), want...)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			got, err := tx.Engineers(ctx, org)
			assertIDs(t, "engineers in a transaction", ids(got), want...)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got[2].Name != "肖鑫" {
			t.Errorf("engineer %+v: want the synced name", got[2])
		}
	})
}
