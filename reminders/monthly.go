package reminders

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/txn"
)

// JobMonthly is the job of the monthly submissions (R-DAY-5).
const JobMonthly = "monthly-submissions"

// MonthlyButtonPrefix starts the key of a monthly card's confirm button; the
// rest is "<kind>:<period>", so the click names the obligation together with
// the clicking user ("monthly:monthly_diary:2026-10").
const MonthlyButtonPrefix = "monthly:"

// Engineers says who owes the monthly submissions: the department's active,
// non-exempt engineers, whatever the day (people.Directory's roster).
type Engineers interface {
	Engineers(ctx context.Context, day servicebot.Date) ([]servicebot.Member, error)
}

// MonthReports gives the daily reports a diary is compiled from (store.DB).
type MonthReports interface {
	ListReports(ctx context.Context, from, to servicebot.Date) ([]servicebot.DailyReport, error)
}

// Monthly chases the monthly submissions (R-DAY-5): the work diary compiled
// from the daily reports and confirmed by card, the month-end summary, the
// raw service records. Reminders go out RemindDaysBefore days before the due
// day and on it; what is still open after the due day is overdue, counts in
// the KPI (R-KPI-4) and is reported to the manager.
type Monthly struct {
	Engineers        Engineers
	Reports          MonthReports
	Store            Store
	Calendar         *servicebot.Calendar
	Schedule         servicebot.ReportSchedule
	RawRecordsDay    int
	DiaryDay         int
	RemindDaysBefore int
	Managers         []string
	// FileURL makes the link a diary is served under from its token; nil
	// when the bot has no public address, and the card then carries the
	// diary's summary only.
	FileURL func(token string) string
	Logger  *slog.Logger
	// inTx runs the transactions; NewMonthly sets it.
	inTx txn.Runner[Tx]
}

// Run is the job monthly-submissions: it looks at this month's duties and at
// last month's (whose overdue ones are found after the month turned).
func (m *Monthly) Run(ctx context.Context, now time.Time) error {
	today := m.Schedule.Today(now)
	duties := servicebot.MonthlyDuties(servicebot.NewDate(today.Year, today.Month, 0), m.RawRecordsDay, m.DiaryDay)
	duties = append(duties, servicebot.MonthlyDuties(today, m.RawRecordsDay, m.DiaryDay)...)
	for _, duty := range duties {
		stages, deadline := m.Schedule.MonthlyStages(duty, m.RemindDaysBefore)
		var err error
		if !now.Before(deadline) {
			err = m.overdue(ctx, duty, now)
		} else if stage, due := servicebot.DueStage(stages, deadline, now); due {
			err = m.remind(ctx, duty, stage.Name, deadline, now)
		}
		if err != nil {
			return fmt.Errorf("reminders: %s %s: %w", duty.Kind, duty.Period, err)
		}
	}
	return nil
}

// remind sends the stage's card to every engineer whose submission is still
// open and who has not had this stage yet. A diary is compiled (once) before
// its first card.
func (m *Monthly) remind(ctx context.Context, duty servicebot.MonthlyDuty, stage string, deadline, now time.Time) error {
	engineers, err := m.Engineers.Engineers(ctx, m.Schedule.Today(now))
	if err != nil {
		return err
	}
	if len(engineers) == 0 {
		return nil
	}
	var diaries map[string][]byte
	if duty.Kind == servicebot.ObligationMonthlyDiary {
		if diaries, err = m.compileDiaries(ctx, duty, engineers); err != nil {
			return err
		}
	}
	obs := make([]servicebot.Obligation, len(engineers))
	for i, e := range engineers {
		obs[i] = servicebot.Obligation{Kind: duty.Kind, UserID: e.UserID, Key: duty.Key(e.UserID),
			Period: duty.Period, DueAt: deadline, CreatedAt: now}
	}
	return m.inTx(ctx, func(tx Tx) error {
		if _, err := tx.EnsureObligations(ctx, obs); err != nil {
			return err
		}
		open, err := tx.Obligations(ctx, duty.Kind, duty.Period)
		if err != nil {
			return err
		}
		ids := map[string]int64{}
		var users []string
		for _, o := range open {
			if o.Status == servicebot.ObligationOpen {
				ids[o.UserID] = o.ID
				users = append(users, o.UserID)
			}
		}
		fresh, err := markStage(ctx, tx, stage, users, ids, now)
		if err != nil || len(fresh) == 0 {
			return err
		}
		if duty.Kind != servicebot.ObligationMonthlyDiary {
			return enqueueCards(ctx, tx, duty, stage, fresh, ids, "", now)
		}
		for _, u := range fresh {
			token, err := tx.PutDocument(ctx, servicebot.Document{Token: rand.Text() + rand.Text(), UserID: u,
				Kind: duty.Kind, Period: duty.Period, Filename: fmt.Sprintf("%s-%s-工作日记.xlsx", duty.Period, u),
				Content: diaries[u], CreatedAt: now})
			if err != nil {
				return err
			}
			link := ""
			if m.FileURL != nil {
				link = m.FileURL(token)
			}
			if err := enqueueCards(ctx, tx, duty, stage, []string{u}, ids, link, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// compileDiaries builds each engineer's diary for the duty's month.
func (m *Monthly) compileDiaries(ctx context.Context, duty servicebot.MonthlyDuty, engineers []servicebot.Member) (map[string][]byte, error) {
	first, err := servicebot.ParseDate(duty.Period + "-01")
	if err != nil {
		return nil, err
	}
	last := servicebot.NewDate(first.Year, first.Month+1, 0)
	reports, err := m.Reports.ListReports(ctx, first, last)
	if err != nil {
		return nil, err
	}
	byUser := map[string][]servicebot.DailyReport{}
	for _, r := range reports {
		byUser[r.UserID] = append(byUser[r.UserID], r)
	}
	out := make(map[string][]byte, len(engineers))
	for _, e := range engineers {
		if out[e.UserID], err = CompileDiary(e.Name, duty.Period, byUser[e.UserID], m.Calendar); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// enqueueCards sends the duty's card to users, up to MaxRecipients a card.
// The button key names the duty; WeCom tells who clicked. ids are the users'
// obligations: the first recipient's names the card.
func enqueueCards(ctx context.Context, tx Tx, duty servicebot.MonthlyDuty, stage string, users []string,
	ids map[string]int64, link string, now time.Time) error {
	button := "已提交"
	if duty.Kind == servicebot.ObligationMonthlyDiary {
		button = "确认无误"
	}
	for _, batch := range wecommsg.Batches(users) {
		to := strings.Join(batch, "|")
		name := fmt.Sprintf("%s-%s-%s-%s", strings.ReplaceAll(duty.Kind, "_", "-"), duty.Period, stage, digest(to))
		card := wecommsg.ButtonCard{
			Title:    duty.Title(),
			Desc:     "售后服务部 · 月度资料",
			SubTitle: servicebot.MonthlyReminderText(duty, stage),
			TaskID:   taskID(name, ids[batch[0]], now),
			Buttons:  []wecommsg.Button{{Text: button, Style: wecommsg.StylePrimary, Key: MonthlyButtonPrefix + duty.Kind + ":" + duty.Period}},
		}
		if link != "" {
			// R-DAY-5: the diary to check, where button_interaction shows a
			// link: a row of type 1, and the whole card opens it.
			card.Rows = []wecommsg.Row{{Key: "日志", Value: "查看 " + duty.Title() + "（Excel）", URL: link}}
			card.LinkURL = link
		}
		body, err := card.JSON()
		if err != nil {
			return fmt.Errorf("%s card: %w", duty.Kind, err)
		}
		_, _, err = tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{
			DedupKey:  fmt.Sprintf("monthly:%s:%s:%s:%s", duty.Kind, duty.Period, stage, digest(to)),
			Kind:      servicebot.OutTemplateCard,
			ToUsers:   to,
			Body:      body,
			CreatedAt: now,
		})
		if err != nil {
			return fmt.Errorf("enqueue %s card: %w", duty.Kind, err)
		}
	}
	return nil
}

// overdue closes what is still open after the due day: overdue, a late
// monthly submission in the KPI, and one message to the managers naming who.
func (m *Monthly) overdue(ctx context.Context, duty servicebot.MonthlyDuty, now time.Time) error {
	key := "monthly_overdue:" + duty.Kind + ":" + duty.Period
	done, err := m.Store.DutyDone(ctx, key)
	if err != nil || done {
		return err
	}
	engineers, err := m.Engineers.Engineers(ctx, m.Schedule.Today(now))
	if err != nil {
		return err
	}
	names := make(map[string]string, len(engineers))
	for _, e := range engineers {
		names[e.UserID] = e.Name
	}
	return m.inTx(ctx, func(tx Tx) error {
		claimed, err := tx.ClaimDuty(ctx, "monthly_overdue", key, duty.Period, now)
		if err != nil || !claimed {
			return err
		}
		obs, err := tx.Obligations(ctx, duty.Kind, duty.Period)
		if err != nil {
			return err
		}
		var ids []int64
		var late []string
		var events []servicebot.KPIEvent
		for _, o := range obs {
			if o.Status != servicebot.ObligationOpen {
				continue
			}
			ids = append(ids, o.ID)
			name := names[o.UserID]
			if name == "" {
				name = o.UserID // left since
			}
			late = append(late, name)
			events = append(events, servicebot.KPIEvent{UserID: o.UserID, Month: servicebot.MonthOf(duty.Due),
				Kind: servicebot.KPILateMonthly, Ref: o.Key, CreatedAt: now})
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.CloseObligations(ctx, ids, servicebot.ObligationOverdue, now); err != nil {
			return err
		}
		if _, err := tx.AddKPIEvents(ctx, events); err != nil {
			return err
		}
		if len(m.Managers) == 0 {
			return nil
		}
		text := fmt.Sprintf("【逾期】%s已于%d月%d日截止，%d 人未确认：%s。已计入本月考核（R-KPI-4）。",
			duty.Title(), int(duty.Due.Month), duty.Due.Day, len(late), strings.Join(late, "、"))
		return enqueueText(ctx, tx, key, m.Managers, text, now)
	})
}
