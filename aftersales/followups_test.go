package aftersales_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// R-VIS-3: the reminder and the escalation of a technical question say when
// in words nobody can misread: the time alone on the same day, the date too
// when the reply is due (or the question was logged) on another.
func TestTechQuestionTimesNameTheDayWhenNotToday_RVIS3(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		logged         string
		remindAt       string
		wantRemind     string
		escalateAt     string
		wantEscalation string
	}{
		{name: "due the same day", logged: "2026-11-12 09:00",
			remindAt: "2026-11-12 15:00", wantRemind: "请在 17:00 前答复客户",
			escalateAt: "2026-11-12 17:00", wantEscalation: "于 09:00 登记"},
		// Issue 16: the 8 hours count 08:00–22:00, so a question of the
		// afternoon is reminded in the evening and due the next morning.
		{name: "logged at 15:00, due at 09:00 tomorrow", logged: "2026-11-12 15:00",
			remindAt: "2026-11-12 21:00", wantRemind: "请在 11月13日 09:00 前答复客户",
			escalateAt: "2026-11-13 09:00", wantEscalation: "于 11月12日 15:00 登记"},
		{name: "logged at 17:00, due at 11:00 tomorrow, not 01:00", logged: "2026-11-12 17:00",
			remindAt: "2026-11-13 09:00", wantRemind: "请在 11:00 前答复客户",
			escalateAt: "2026-11-13 11:00", wantEscalation: "于 11月12日 17:00 登记"},
		{name: "logged at 20:00, reminded the next morning", logged: "2026-11-12 20:00",
			remindAt: "2026-11-13 12:00", wantRemind: "请在 14:00 前答复客户",
			escalateAt: "2026-11-13 14:00", wantEscalation: "于 11月12日 20:00 登记"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, "zhangwei")
				e.addCustomer("成都精工机械", servicebot.TierKey, at(t, "2026-11-01 09:00"))
				e.tx(at(t, tc.logged), func(tx *store.Tx) error {
					_, err := e.svc.LogQuestion(t.Context(), tx, "zhangwei", "成都精工机械", "主轴异响如何处理", "msg:1")
					return err
				})
				e.run(at(t, tc.remindAt))
				if n := e.count("zhangwei", tc.wantRemind); n != 1 {
					t.Errorf("reminders saying %q: %d, want 1; outbox %v", tc.wantRemind, n, e.outbox())
				}
				e.run(at(t, tc.escalateAt))
				if n := e.count(manager, tc.wantEscalation); n != 1 {
					t.Errorf("escalations saying %q: %d, want 1; outbox %v", tc.wantEscalation, n, e.outbox())
				}
			})
		})
	}
}

// taskIDRe is what WeCom takes as a task_id.
var taskIDRe = regexp.MustCompile(`^[a-zA-Z0-9_\-@]{1,128}$`)

// The morning digest is a card with a task_id WeCom takes, whatever the
// userid (which may hold a '.'), and a database started afresh against the
// same app (a reset, a trial before production) names the same day's card
// anew: WeCom refuses a task_id it has seen.
func TestDigestTaskIDIsValidAndNewAfterAReset(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fresh := storetest.SQLite
		if db.Dialect() == store.DialectPostgres {
			fresh = storetest.Postgres
		}
		seen := map[string]bool{}
		for i, install := range []struct {
			db  *store.DB
			now time.Time
		}{{db, at(t, "2026-11-13 08:30")}, {fresh(t), at(t, "2026-11-13 08:45")}} {
			e := newEnv(t, install.db, "zhang.wei")
			e.addCustomer("成都精工机械", servicebot.TierKey, at(t, "2026-11-01 09:00"))
			e.tx(at(t, "2026-11-12 17:00"), func(tx *store.Tx) error {
				_, err := e.svc.LogQuestion(t.Context(), tx, "zhang.wei", "成都精工机械", "参数怎么设置", "msg:1")
				return err
			})
			e.run(install.now)
			rows, err := install.db.ListOutbox(t.Context(), nil, 100)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range rows {
				if r.Kind != servicebot.OutTemplateCard || r.ToUsers != "zhang.wei" {
					continue
				}
				var card struct {
					TaskID string `json:"task_id"`
				}
				if err := json.Unmarshal(r.Body, &card); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, card.TaskID)
			}
			if len(ids) != 1 {
				t.Fatalf("installation %d: digest cards %q, want one", i+1, ids)
			}
			if !taskIDRe.MatchString(ids[0]) || strings.Contains(ids[0], "zhang.wei") {
				t.Errorf("installation %d: task_id %q is not one WeCom takes", i+1, ids[0])
			}
			if seen[ids[0]] {
				t.Errorf("installation %d reused task_id %q", i+1, ids[0])
			}
			seen[ids[0]] = true
		}
	})
}
