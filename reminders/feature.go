package reminders

import (
	"context"
	"fmt"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
)

// FeatureTx is what the reminders' card buttons write through.
type FeatureTx interface {
	AgainTx
	ConfirmTx
}

// Feature is the reminders' surface: the daily report's jobs (reminders at
// 20:00 and 21:30, the day's close, the morning summary) and the monthly
// submissions' job (R-DAY-2…5), the buttons of their cards (再次提醒, the
// monthly confirmations), and the compiled diaries' download under FilePath.
// Only the service managers may press 再次提醒 (daily.Managers); confirmed
// submissions are handed to archivists.
func Feature[T FeatureTx](clock servicebot.Clock, daily *Daily, monthly *Monthly, archivists []string, docs Documents) feature.Feature[T] {
	again := RemindAgain(clock, daily.Managers)
	confirm := ConfirmMonthly(clock, MonthlyButtonPrefix, archivists, monthly.FileURL)
	s := daily.Schedule
	return feature.Feature[T]{
		Name: "reminders",
		Cards: []feature.Card[T]{
			{Prefix: servicebot.RemindButtonPrefix, Run: func(ctx context.Context, tx T, ev wecommsg.Event) error { return again(ctx, tx, ev) }},
			{Prefix: MonthlyButtonPrefix, Run: func(ctx context.Context, tx T, ev wecommsg.Event) error { return confirm(ctx, tx, ev) }},
		},
		Jobs: []feature.Job{
			{Name: JobDailyReminders, Cron: feature.EveryMinute, RunAtStart: true, Run: daily.Remind,
				Description: fmt.Sprintf("daily report: record who owes it; remind at %s and %s those still missing",
					clockOf(s.FirstReminder), clockOf(s.SecondReminder))},
			{Name: JobDailyClose, Cron: feature.EveryMinute, RunAtStart: true, Run: daily.Close,
				Description: fmt.Sprintf("daily report: after %s close the day, missing and late reports to the KPI",
					clockOf(s.Deadline))},
			{Name: JobMorningSummary, Cron: feature.EveryMinute, RunAtStart: true, Run: daily.MorningSummary,
				Description: fmt.Sprintf("daily report: %s next working day, card to the service manager, count to the group",
					clockOf(s.MorningSummary))},
			{Name: JobMonthly, Cron: feature.EveryMinute, RunAtStart: true, Run: monthly.Run,
				Description: fmt.Sprintf("raw records due day %d, work diary (compiled .xlsx) day %d, summary last day: "+
					"cards %d days before and on the day, overdue to the KPI and the manager",
					monthly.RawRecordsDay, monthly.DiaryDay, monthly.RemindDaysBefore)},
		},
		Routes: []feature.Route{{Pattern: "GET " + FilePath + "{token}", Handler: ServeDocument(docs)}},
	}
}

// clockOf writes a time of day ("20:00").
func clockOf(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
