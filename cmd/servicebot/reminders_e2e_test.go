package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// demoEngineers are the six engineers of wecomsim.DemoDirectory: the
// reporters of every working day in the demo.
var demoEngineers = []string{"chenhao", "liqiang", "liuyang", "wangjun", "zhangwei", "zhaolei"}

func shanghaiTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, testclock.Shanghai())
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// launchScheduled starts a bot with its scheduler running, on clock, with
// prev's simulator when prev is given (a restart, or a second replica).
func launchScheduled(t *testing.T, db *store.DB, clock servicebot.Clock, prev *demo, rdb *redis.Client) *harness {
	t.Helper()
	h, serve := prepareScheduled(t, db, clock, prev, rdb)
	serve()
	return h
}

// prepareScheduled builds a bot as launchScheduled does but does not start
// serving it: a test with two replicas builds both (the second on the
// first's simulator) and starts them when it chooses, 300 ms apart say.
func prepareScheduled(t *testing.T, db *store.DB, clock servicebot.Clock, prev *demo, rdb *redis.Client) (h *harness, serve func()) {
	t.Helper()
	tune := fastTuning
	tune.noJobs = false
	tune.redis = rdb
	return prepareTuned(t, db, clock, prev, tune)
}

// sentWith counts, per recipient, the message/send calls whose text
// contains marker: every call, duplicates suppressed by WeCom included, so a
// reminder enqueued twice shows up as 2 even if WeCom would have hidden it.
func sentWith(sim *wecomsim.Sim, marker string) map[string]int {
	counts := map[string]int{}
	for _, m := range sim.Sent() {
		if m.API == "message/send" && strings.Contains(m.Content, marker) {
			for _, u := range m.ToUsers {
				counts[u]++
			}
		}
	}
	return counts
}

func onceEach(users []string) map[string]int {
	want := map[string]int{}
	for _, u := range users {
		want[u] = 1
	}
	return want
}

// eventually polls cond until it holds or 20 s have passed, and then fails
// with what cond last said. Under -race on a loaded machine a replica's job
// may commit, and its sends leave, after a first look found the queues empty.
func eventually(t *testing.T, cond func() (ok bool, got string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, got := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not so after 20s: %s", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sentExactly waits until marker has reached each of want's users as often
// as want says, then, once the bot has settled, checks that nobody got more.
func sentExactly(t *testing.T, h *harness, marker string, want map[string]int) {
	t.Helper()
	eventually(t, func() (bool, string) {
		got := sentWith(h.sim, marker)
		return equalCounts(got, want), fmt.Sprintf("%q sent %v, want %v", marker, got, want)
	})
	h.settle()
	if got := sentWith(h.sim, marker); !equalCounts(got, want) {
		t.Errorf("%q sent %v, want %v", marker, got, want)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Must show 3: a bot stopped from 19:55 to 20:05 sends the 20:00 reminder
// once when it comes back; one that comes back after 22:00 sends no stale
// reminder.
func TestE2E_ReminderCaughtUpAfterDowntimeOnceAndNeverStale_R_DAY_2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := testclock.At(shanghaiTime(t, "2026-11-27 19:55:00")) // a Friday
		first := launchScheduled(t, db, clock, nil, nil)
		first.settle()
		if got := sentWith(first.sim, "日报"); len(got) != 0 {
			t.Fatalf("before 20:00 the bot sent %v", got)
		}
		first.stop()

		clock.Set(shanghaiTime(t, "2026-11-27 20:05:00"))
		back := launchScheduled(t, db, clock, first.demo, nil)
		sentExactly(t, back, "【日报提醒】", onceEach(demoEngineers))
		// Runs of the every-minute job after the catch-up find it done.
		for range 3 {
			if err := back.demo.app.scheduler.RunNow(t.Context(), reminders.JobDailyReminders, clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		sentExactly(t, back, "【日报提醒】", onceEach(demoEngineers))
		back.stop()

		clock.Set(shanghaiTime(t, "2026-11-27 22:05:00"))
		late := launchScheduled(t, db, clock, back.demo, nil)
		late.settle()
		if got := sentWith(late.sim, "【日报提醒】"); !equalCounts(got, onceEach(demoEngineers)) {
			t.Errorf("after 22:00 the 20:00 reminder went out again: %v", got)
		}
		if got := sentWith(late.sim, "【日报再次提醒】"); len(got) != 0 {
			t.Errorf("after 22:00 a stale 21:30 reminder went out: %v", got)
		}
	})
}

// Must show 4: two bots on one Postgres and one Redis, started 300 ms apart,
// send every reminder exactly once, counted at the simulator. Without Redis
// both run the jobs, and the unique (obligation, stage) keys alone keep it
// to once.
func TestE2E_TwoReplicasSendEachReminderOnce_R_DAY_2(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	for _, withRedis := range []bool{true, false} {
		name := "postgres+redis"
		if !withRedis {
			name = "postgres, no redis"
		}
		t.Run(name, func(t *testing.T) {
			db := storetest.Postgres(t)
			newRedis := func() *redis.Client {
				if !withRedis {
					return nil
				}
				if redisURL == "" {
					t.Skip("TEST_REDIS_URL is not set; set it to run the Redis replica test")
				}
				opts, err := redis.ParseURL(redisURL)
				if err != nil {
					t.Fatal(err)
				}
				rdb := redis.NewClient(opts)
				if err := rdb.Ping(t.Context()).Err(); err != nil {
					t.Fatalf("TEST_REDIS_URL is set but Redis is unreachable: %v", err)
				}
				return rdb
			}
			if withRedis {
				// A leader lock left by an earlier run would hold off both for its TTL.
				rdb := newRedis()
				rdb.Del(t.Context(), fmt.Sprintf("servicebot:%s:%d:scheduler:leader", demoCorpID, demoAgentID))
				_ = rdb.Close()
			}
			clock := testclock.At(shanghaiTime(t, "2026-11-27 20:00:30"))
			// Both are built first, then start serving 300 ms apart.
			a, serveA := prepareScheduled(t, db, clock, nil, newRedis())
			b, serveB := prepareScheduled(t, db, clock, a.demo, newRedis())
			serveA()
			time.Sleep(300 * time.Millisecond)
			serveB()
			sentExactly(t, a, "【日报提醒】", onceEach(demoEngineers))
			// Both replicas keep looking (every run of the job is a look).
			for _, h := range []*harness{a, b} {
				if err := h.demo.app.scheduler.RunNow(t.Context(), reminders.JobDailyReminders, clock.Now()); err != nil {
					t.Fatal(err)
				}
			}
			b.settle()
			sentExactly(t, a, "【日报提醒】", onceEach(demoEngineers))
			// The manager's evening note (issue 12), once as well.
			sentExactly(t, a, "查看当天全部日报", onceEach([]string{"sunli"}))
			if n := a.sim.Calls("message/send"); n != 2 {
				t.Errorf("%d message/send calls, want 2: one text to all six engineers, one to the manager", n)
			}
		})
	}
}

// Must show 5: an engineer reports and is answered; a second report that
// day replaces the first; the manager's 09:00 card on the next working day
// lists exactly those who missed, and its 再次提醒 reaches exactly them and
// relabels the button.
func TestE2E_ManagerMorningCardListsExactlyTheMissing_R_DAY_3(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := testclock.At(shanghaiTime(t, "2026-11-27 18:00:00")) // Friday
		h := launchScheduled(t, db, clock, nil, nil)
		// The day is opened (its obligations recorded) by the reminders
		// job's first look, once the bot has synced the address book and
		// started its scheduler. This test moves the clock to Monday within
		// a tenth of a second: wait for that first look at Friday, or now
		// and then Friday is never opened and owes nobody anything.
		eventually(t, func() (bool, string) {
			done, err := db.DutyDone(ctx, servicebot.ObligationDayOpen+":2026-11-27")
			return err == nil && done, fmt.Sprintf("Friday not opened (%v)", err)
		})
		if _, err := h.sim.SendText(ctx, "zhangwei", "今天：成都客户现场调试\n明天：回公司写报告"); err != nil {
			t.Fatal(err)
		}
		first := h.waitDelivered("zhangwei", 1)
		if !strings.Contains(first[0].Content, "已收到") || !strings.Contains(first[0].Content, "成都客户现场调试") {
			t.Fatalf("confirmation = %q", first[0].Content)
		}
		clock.Set(shanghaiTime(t, "2026-11-27 18:30:00"))
		if _, err := h.sim.SendText(ctx, "zhangwei", "今天：重庆客户设备维修\n明天：去贵阳"); err != nil {
			t.Fatal(err)
		}
		second := h.waitDelivered("zhangwei", 2)
		if !strings.Contains(second[1].Content, "重庆客户设备维修") {
			t.Fatalf("second confirmation = %q", second[1].Content)
		}
		if _, err := h.sim.SendText(ctx, "liqiang", "今日工作：昆明巡检\n明日计划：返程"); err != nil {
			t.Fatal(err)
		}
		h.waitDelivered("liqiang", 1)
		states, err := db.ReportStatus(ctx, servicebot.NewDate(2026, time.November, 27))
		if err != nil {
			t.Fatal(err)
		}
		if len(states) != 2 {
			t.Fatalf("report states %v, want zhangwei's (replaced) and liqiang's", states)
		}

		// Monday 09:00, the next working day.
		clock.Set(shanghaiTime(t, "2026-11-30 09:00:20"))
		if err := h.demo.app.scheduler.RunNow(ctx, reminders.JobMorningSummary, clock.Now()); err != nil {
			t.Fatal(err)
		}
		cards := h.waitDelivered("sunli", 1)
		var card struct {
			TaskID   string `json:"task_id"`
			SubTitle string `json:"sub_title_text"`
			Buttons  []struct {
				Key string `json:"key"`
			} `json:"button_list"`
		}
		if err := json.Unmarshal(cards[0].Card, &card); err != nil {
			t.Fatalf("manager got %s %q, want a card: %v", cards[0].MsgType, cards[0].Content, err)
		}
		const wantList = "应报 6 人，未报 4 人：陈浩、刘洋、王军、赵磊"
		if card.SubTitle != wantList {
			t.Errorf("card lists %q, want %q", card.SubTitle, wantList)
		}
		if len(card.Buttons) != 1 || card.Buttons[0].Key != "remind:2026-11-27" {
			t.Fatalf("card buttons %+v", card.Buttons)
		}

		if _, err := h.sim.ClickButton(ctx, "sunli", card.TaskID, card.Buttons[0].Key, "", "button_interaction"); err != nil {
			t.Fatal(err)
		}
		missing := []string{"chenhao", "liuyang", "wangjun", "zhaolei"}
		sentExactly(t, h, "【补报提醒】", onceEach(missing))
		relabels := func() []string {
			var out []string
			for _, m := range h.sim.Sent() {
				if m.API == "message/update_template_card" {
					out = append(out, m.Content)
				}
			}
			return out
		}
		eventually(t, func() (bool, string) {
			got := relabels()
			return slices.Equal(got, []string{"已再次提醒 4 人"}), fmt.Sprintf("card updates %q, want the button relabelled once", got)
		})
	})
}
