package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/txn"
)

// Job names, as `servicebot job list` shows them and `job run` takes them.
const (
	JobDailyReminders = "daily-reminders"
	JobDailyClose     = "daily-close"
	JobMorningSummary = "morning-summary"
)

// Daily chases the daily report (R-DAY-2, R-DAY-3, R-DAY-4).
type Daily struct {
	Reporters Reporters
	Reports   ReportStates
	Store     Store
	Calendar  *servicebot.Calendar
	Schedule  servicebot.ReportSchedule
	// Managers get the morning card and, at the first reminder, the
	// evening counts with the day's page (the service manager's userids).
	Managers []string
	Group    Group
	// DayURL is the page of a day's reports (/web/today?d=…) the evening
	// note and the morning card link to; nil when the pages are off.
	DayURL func(servicebot.Date) string
	Logger *slog.Logger
	// inTx runs the transactions; NewDaily sets it.
	inTx txn.Runner[Tx]
}

// Remind is the job daily-reminders. On a day's first look it records an
// obligation for every engineer who owes that day's report; at 20:00 and
// 21:30 (DueStage) it reminds those still missing, once each per stage.
func (d *Daily) Remind(ctx context.Context, now time.Time) error {
	day := d.Schedule.Today(now)
	deadline := d.Schedule.DeadlineOn(day)
	if err := d.openDay(ctx, day, deadline, now); err != nil {
		return err
	}
	stage, due := servicebot.DueStage(d.Schedule.Stages(day), deadline, now)
	if !due {
		return nil
	}
	reporters, err := d.Reporters.Reporters(ctx, day)
	if err != nil {
		return fmt.Errorf("reminders: reporters on %s: %w", day, err)
	}
	if len(reporters) == 0 {
		return nil // a day off for everybody (R-DAY-4)
	}
	states, err := d.Reports.ReportStatus(ctx, day)
	if err != nil {
		return fmt.Errorf("reminders: reports on %s: %w", day, err)
	}
	missing, incomplete := servicebot.ChaseList(reporters, states)
	if len(missing)+len(incomplete) == 0 {
		return nil
	}
	var sent int
	err = d.inTx(ctx, func(tx Tx) error {
		ids, err := dailyObligationIDs(ctx, tx, day)
		if err != nil {
			return err
		}
		// Someone who joined since the day opened owes today's report too.
		var joined []string
		for _, u := range append(slices.Clone(missing), incomplete...) {
			if _, ok := ids[u]; !ok {
				joined = append(joined, u)
			}
		}
		if len(joined) > 0 {
			if _, err := tx.EnsureObligations(ctx, dailyObligations(joined, day, deadline, now)); err != nil {
				return err
			}
			if ids, err = dailyObligationIDs(ctx, tx, day); err != nil {
				return err
			}
		}
		for _, group := range []struct {
			users      []string
			incomplete bool
		}{{missing, false}, {incomplete, true}} {
			fresh, err := markStage(ctx, tx, stage.Name, group.users, ids, now)
			if err != nil {
				return err
			}
			variant := "missing"
			if group.incomplete {
				variant = "incomplete"
			}
			text := servicebot.DailyReminderText(stage.Name, day, deadline, group.incomplete)
			key := fmt.Sprintf("remind:daily:%s:%s:%s", day, stage.Name, variant)
			if err := enqueueText(ctx, tx, key, fresh, text, now); err != nil {
				return err
			}
			sent += len(fresh)
		}
		if stage.Name == servicebot.StageFirst && len(d.Managers) > 0 && d.DayURL != nil {
			// The managers' evening note (issue 12): the counts at the
			// first reminder and the page where every report is read.
			to, err := wecommsg.Recipients(d.Managers)
			if err != nil {
				return err
			}
			text := fmt.Sprintf("%s %s 日报：应交 %d 人，已交 %d 人，未交 %d 人，已提醒。", day.MonthDay(), stage.At.In(d.Schedule.Location).Format("15:04"),
				len(reporters), len(reporters)-len(missing), len(missing))
			if len(incomplete) > 0 {
				text += fmt.Sprintf("另有 %d 份缺今日工作或明日计划，已提醒补全。", len(incomplete))
			}
			text += "\n查看当天全部日报：" + d.DayURL(day)
			rows, err := wecommsg.Texts(servicebot.OutboxMessage{DedupKey: fmt.Sprintf("remind:daily:%s:%s:managers", day, stage.Name),
				ToUsers: to, CreatedAt: now}, text)
			if err != nil {
				return err
			}
			if err := enqueue(ctx, tx, rows...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reminders: %s reminder of %s: %w", stage.Name, day, err)
	}
	if sent > 0 {
		d.Logger.InfoContext(ctx, "daily report reminders enqueued", "day", day.String(), "stage", stage.Name, "recipients", sent)
	}
	return nil
}

// openDay records, once per day, an obligation for each engineer who owes
// the day's report, so that the close knows whom to count. Doing it at the
// day's first look, not at the deadline, means a fresh installation does not
// count as missing the days before it ran. A day first looked at once its
// deadline has passed (a first start at 23:00) is not opened at all: nobody
// was reminded of it, and its close finds nobody to count.
func (d *Daily) openDay(ctx context.Context, day servicebot.Date, deadline, now time.Time) error {
	if !now.Before(deadline) {
		return nil
	}
	key := servicebot.ObligationDayOpen + ":" + day.String()
	reporters, done, err := d.dutyReporters(ctx, key, day)
	if err != nil || done {
		return err
	}
	users := make([]string, len(reporters))
	for i, m := range reporters {
		users[i] = m.UserID
	}
	return d.inTx(ctx, func(tx Tx) error {
		claimed, err := tx.ClaimDuty(ctx, servicebot.ObligationDayOpen, key, day.String(), now)
		if err != nil || !claimed {
			return err
		}
		_, err = tx.EnsureObligations(ctx, dailyObligations(users, day, deadline, now))
		return err
	})
}

// dutyReporters tells whether the duty key is done and, when it is not, who
// reports on day. They are read before the duty's transaction: on SQLite it
// holds the only write lock.
func (d *Daily) dutyReporters(ctx context.Context, key string, day servicebot.Date) ([]servicebot.Member, bool, error) {
	done, err := d.Store.DutyDone(ctx, key)
	if err != nil || done {
		return nil, done, err
	}
	reporters, err := d.Reporters.Reporters(ctx, day)
	if err != nil {
		return nil, false, fmt.Errorf("reminders: reporters on %s: %w", day, err)
	}
	return reporters, false, nil
}

// Close is the job daily-close: once a day's deadline has passed, each
// engineer's obligation is closed as done (on time or late) or overdue, and
// missing and late reports become KPI facts (R-KPI-4). Yesterday is closed
// too if the process was down at its deadline.
func (d *Daily) Close(ctx context.Context, now time.Time) error {
	for _, day := range d.Schedule.DaysToClose(now) {
		if err := d.closeDay(ctx, day, now); err != nil {
			return err
		}
	}
	return nil
}

func (d *Daily) closeDay(ctx context.Context, day servicebot.Date, now time.Time) error {
	key := servicebot.ObligationDayClose + ":" + day.String()
	reporters, done, err := d.dutyReporters(ctx, key, day)
	if err != nil || done {
		return err
	}
	owes := make(map[string]bool, len(reporters))
	for _, m := range reporters {
		owes[m.UserID] = true
	}
	var missing int
	err = d.inTx(ctx, func(tx Tx) error {
		claimed, err := tx.ClaimDuty(ctx, servicebot.ObligationDayClose, key, day.String(), now)
		if err != nil || !claimed {
			return err
		}
		// Only those whose obligation the day's opening recorded are counted:
		// a day never opened (the bot first ran after its deadline) counts
		// nobody missing. The reports are read once the obligations are held,
		// so a report saved meanwhile is either seen here or settles what
		// this records (store.Tx.SaveReport).
		obs, err := tx.LockObligations(ctx, servicebot.ObligationDailyReport, day.String())
		if err != nil {
			return err
		}
		states, err := tx.ReportStatus(ctx, day)
		if err != nil {
			return err
		}
		idOf := make(map[string]int64, len(obs))
		var owed []string
		var excused []int64
		for _, o := range obs {
			idOf[o.UserID] = o.ID
			if owes[o.UserID] {
				owed = append(owed, o.UserID)
			} else {
				// On leave, exempt or gone since the day opened: owes nothing.
				excused = append(excused, o.ID)
			}
		}
		byStatus := map[string][]int64{servicebot.ObligationDone: excused}
		var events []servicebot.KPIEvent
		for _, out := range servicebot.CloseDay(owed, states) {
			byStatus[out.Status] = append(byStatus[out.Status], idOf[out.UserID])
			if out.KPI != "" {
				events = append(events, servicebot.KPIEvent{UserID: out.UserID, Month: servicebot.MonthOf(day),
					Kind: out.KPI, Ref: day.String(), CreatedAt: now})
			}
			if out.KPI == servicebot.KPIMissingDaily {
				missing++
			}
		}
		for status, ids := range byStatus {
			if _, err := tx.CloseObligations(ctx, ids, status, now); err != nil {
				return err
			}
		}
		_, err = tx.AddKPIEvents(ctx, events)
		return err
	})
	if err != nil {
		return fmt.Errorf("reminders: close %s: %w", day, err)
	}
	d.Logger.InfoContext(ctx, "daily reports closed", "day", day.String(), "missing", missing)
	return nil
}

// MorningSummary is the job morning-summary (R-DAY-3): on a working day from
// 09:00, the service manager gets one card listing who missed the previous
// working day's report, with a button to remind them again, and the
// department group gets the count (names only when configured).
func (d *Daily) MorningSummary(ctx context.Context, now time.Time) error {
	day, due := servicebot.MorningSummaryDue(d.Calendar, d.Schedule, now)
	if !due {
		return nil
	}
	key := servicebot.ObligationMorningSummary + ":" + day.String()
	done, err := d.Store.DutyDone(ctx, key)
	if err != nil || done {
		return err
	}
	if err := d.closeDay(ctx, day, now); err != nil {
		return err
	}
	summary, err := d.summarize(ctx, day)
	if err != nil {
		return err
	}
	err = d.inTx(ctx, func(tx Tx) error {
		claimed, err := tx.ClaimDuty(ctx, servicebot.ObligationMorningSummary, key, day.String(), now)
		if err != nil || !claimed {
			return err
		}
		if summary.Reporters == 0 {
			// Nobody owed that day's report, or the bot was not yet running.
			return nil
		}
		if len(d.Managers) > 0 {
			duty, err := tx.GetObligation(ctx, key)
			if err != nil {
				return err
			}
			rows, err := managerMessage(summary, d.Managers, duty, d.DayURL, now)
			if err != nil {
				return fmt.Errorf("manager card: %w", err)
			}
			if err := enqueue(ctx, tx, rows...); err != nil {
				return fmt.Errorf("manager card: %w", err)
			}
		}
		posts, err := d.Group.posts("summary:group:"+day.String(), summary.GroupText(d.Group.ShowNames), now)
		if err != nil {
			return fmt.Errorf("group post: %w", err)
		}
		if err := enqueue(ctx, tx, posts...); err != nil {
			return fmt.Errorf("group post: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reminders: morning summary of %s: %w", day, err)
	}
	return nil
}

// summarize lists who missed day's report and who was late, by name.
func (d *Daily) summarize(ctx context.Context, day servicebot.Date) (servicebot.MissedSummary, error) {
	obs, err := d.Store.Obligations(ctx, servicebot.ObligationDailyReport, day.String())
	if err != nil {
		return servicebot.MissedSummary{}, fmt.Errorf("reminders: summary of %s: %w", day, err)
	}
	states, err := d.Reports.ReportStatus(ctx, day)
	if err != nil {
		return servicebot.MissedSummary{}, fmt.Errorf("reminders: summary of %s: %w", day, err)
	}
	reporters, err := d.Reporters.Reporters(ctx, day)
	if err != nil {
		return servicebot.MissedSummary{}, fmt.Errorf("reminders: summary of %s: %w", day, err)
	}
	names := make(map[string]string, len(reporters))
	for _, m := range reporters {
		names[m.UserID] = m.Name
	}
	name := func(u string) string {
		if n := names[u]; n != "" {
			return n
		}
		return u
	}
	s := servicebot.MissedSummary{Day: day}
	for _, o := range obs {
		st, filed := states[o.UserID]
		switch {
		case !filed && o.Status == servicebot.ObligationDone:
			continue // excused: went on leave after the day opened
		case !filed:
			s.Missing = append(s.Missing, name(o.UserID))
		case st.Status == servicebot.ReportLate:
			s.Late = append(s.Late, name(o.UserID))
		}
		s.Reporters++
	}
	return s, nil
}

// managerMessage is the morning card: who missed, with 再次提醒 when anybody
// did; a plain text when everybody reported. duty is the summary's claim,
// whose row names the card.
func managerMessage(s servicebot.MissedSummary, managers []string, duty servicebot.Obligation, dayURL func(servicebot.Date) string, now time.Time) ([]servicebot.OutboxMessage, error) {
	to, err := wecommsg.Recipients(managers)
	if err != nil {
		return nil, err
	}
	m := servicebot.OutboxMessage{DedupKey: "summary:manager:" + s.Day.String(), ToUsers: to, CreatedAt: now}
	link := ""
	if dayURL != nil {
		link = dayURL(s.Day)
	}
	if len(s.Missing) == 0 {
		text := s.ManagerCardTitle() + "\n" + s.ManagerCardText()
		if link != "" {
			text += "\n查看当天日报：" + link
		}
		return wecommsg.Texts(m, text)
	}
	card := wecommsg.ButtonCard{
		Title:    s.ManagerCardTitle(),
		Desc:     "售后服务部 · 工作日报",
		SubTitle: s.ManagerCardText(),
		TaskID:   taskID("daily-summary-"+s.Day.String(), duty.ID, duty.CreatedAt),
		Buttons:  []wecommsg.Button{{Text: "再次提醒", Style: wecommsg.StylePrimary, Key: servicebot.RemindButtonPrefix + s.Day.String()}},
	}
	if link != "" {
		// The whole day, every report readable, on the managers' page.
		card.Rows = []wecommsg.Row{{Key: "日报", Value: "查看当天全部日报", URL: link}}
		card.LinkURL = link
	}
	if m.Body, err = card.JSON(); err != nil {
		return nil, err
	}
	m.Kind = servicebot.OutTemplateCard
	return []servicebot.OutboxMessage{m}, nil
}

// dailyObligations are the report obligations of users for day.
func dailyObligations(users []string, day servicebot.Date, deadline, now time.Time) []servicebot.Obligation {
	obs := make([]servicebot.Obligation, len(users))
	for i, u := range users {
		obs[i] = servicebot.Obligation{
			Kind: servicebot.ObligationDailyReport, UserID: u, Key: servicebot.DailyReportKey(u, day),
			Period: day.String(), DueAt: deadline, CreatedAt: now,
		}
	}
	return obs
}

// dailyObligationIDs maps each engineer to their report obligation of day.
func dailyObligationIDs(ctx context.Context, tx Tx, day servicebot.Date) (map[string]int64, error) {
	obs, err := tx.Obligations(ctx, servicebot.ObligationDailyReport, day.String())
	if err != nil {
		return nil, err
	}
	ids := make(map[string]int64, len(obs))
	for _, o := range obs {
		ids[o.UserID] = o.ID
	}
	return ids, nil
}

// markStage records stage for users' obligations and returns the users for
// whom it is new: the only ones to remind.
func markStage(ctx context.Context, tx Tx, stage string, users []string, ids map[string]int64, now time.Time) ([]string, error) {
	if len(users) == 0 {
		return nil, nil
	}
	userOf := make(map[int64]string, len(users))
	want := make([]int64, 0, len(users))
	for _, u := range users {
		if id, ok := ids[u]; ok {
			userOf[id] = u
			want = append(want, id)
		}
	}
	fresh, err := tx.MarkStage(ctx, stage, want, now)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(fresh))
	for i, id := range fresh {
		out[i] = userOf[id]
	}
	slices.Sort(out)
	return out, nil
}
