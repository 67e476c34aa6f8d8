// Package reportexport turns the stored daily reports into one record per
// engineer and day, as JSON, CSV or an Excel workbook: for
// `servicebot reports export` and for the manager's download.
package reportexport

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/people"
)

// Statuses of a record.
const (
	StatusOnTime  = servicebot.ReportOnTime // reported by the deadline
	StatusLate    = servicebot.ReportLate   // reported after it, or by 补报
	StatusMissing = "missing"               // a working day, the deadline passed, no report
	StatusPending = "pending"               // a working day whose deadline has not come yet
	StatusLeave   = "leave"                 // on recorded leave (R-DAY-4)
	StatusHoliday = "holiday"               // weekend, statutory holiday or configured day off
)

// StatusName is the Chinese name of a status, for the spreadsheet.
func StatusName(s string) string {
	switch s {
	case StatusOnTime:
		return "按时"
	case StatusLate:
		return "迟交"
	case StatusMissing:
		return "未交"
	case StatusPending:
		return "未到截止时间"
	case StatusLeave:
		return "请假"
	case StatusHoliday:
		return "休息"
	}
	return s
}

// Record is one engineer on one day.
type Record struct {
	Date        servicebot.Date `json:"date"`
	UserID      string          `json:"userid"`
	Name        string          `json:"name"`
	Region      string          `json:"region"`
	Status      string          `json:"status"`
	Holiday     string          `json:"holiday,omitempty"` // the statutory holiday's name
	Revision    int             `json:"revision,omitempty"`
	Source      string          `json:"source,omitempty"`
	SubmittedAt *time.Time      `json:"submitted_at,omitempty"`
	Done        []string        `json:"done"`
	Plan        []string        `json:"plan"`
	Customer    string          `json:"customer"`
	Location    string          `json:"location"`
	Issues      []string        `json:"issues"`
	// PartsSalesFen is null when the report does not mention parts sales.
	PartsSalesFen *servicebot.Fen `json:"parts_sales_fen"`
	Unlabelled    []string        `json:"unlabelled"`
	Missing       []string        `json:"missing"`
	Attachments   []Attachment    `json:"attachments"`
	Raw           string          `json:"raw"`
}

// Attachment is a photo or a check-in of the day.
type Attachment struct {
	Kind string `json:"kind"` // servicebot.AttachImage, AttachVoice or AttachLocation
	// URL opens the bot's kept copy of a photo or voice ("" until fetched).
	URL     string    `json:"url,omitempty"`
	At      time.Time `json:"at"`
	MediaID string    `json:"media_id,omitempty"`
	PicURL  string    `json:"pic_url,omitempty"`
	Lat     float64   `json:"lat,omitempty"`
	Lng     float64   `json:"lng,omitempty"`
	Label   string    `json:"label,omitempty"`
}

// Roster says who is expected to report on each day of a period (index 0
// is the first day); *people.Directory is one.
type Roster interface {
	Rosters(ctx context.Context, from, to servicebot.Date) ([][]people.Entry, error)
}

// Reports reads the stored reports; *store.DB is one.
type Reports interface {
	ListReports(ctx context.Context, from, to servicebot.Date) ([]servicebot.DailyReport, error)
	// ListReportStates is ListReports without the contents (States).
	ListReportStates(ctx context.Context, from, to servicebot.Date) ([]servicebot.ReportMark, error)
	ListReportAttachments(ctx context.Context, from, to servicebot.Date) ([]servicebot.ReportAttachment, error)
	GetMember(ctx context.Context, userID string) (servicebot.Member, error)
}

// Exporter builds the records.
type Exporter struct {
	roster  Roster
	reports Reports
	// deadline is when a day's report is due (R-DAY-2).
	deadline func(servicebot.Date) time.Time
	loc      *time.Location
	// MediaURL, when set, links a kept photo or voice (its blob key) to the
	// bot's copy, which outlives WeCom's three-day media id.
	MediaURL func(key string) string
}

// New returns an Exporter. deadline gives the instant a day's report is
// due; loc is the zone times are written in.
func New(roster Roster, reports Reports, deadline func(servicebot.Date) time.Time, loc *time.Location) *Exporter {
	return &Exporter{roster: roster, reports: reports, deadline: deadline, loc: loc}
}

// maxDays bounds one export: a year of days is plenty, and a typo in --to
// must not walk the roster for centuries.
const maxDays = 366

// Records returns a record for every engineer on the roster for every day
// from from to to, plus one for each stored report of someone no longer on
// it (they left, or stopped owing reports): by date, then userid. now
// decides which days without a report are missing and which not yet due.
func (e *Exporter) Records(ctx context.Context, from, to servicebot.Date, now time.Time) ([]Record, error) {
	return e.records(ctx, from, to, now)
}

// State is one engineer's day as a grid needs it: who, and the status.
type State struct {
	Date                 servicebot.Date
	UserID, Name, Region string
	Status               string
}

// States is each engineer's status on each day from..to, the same as
// Records' but without the reports' contents, in no particular order: the
// month's grid of a large department reads 15,000 of them.
func (e *Exporter) States(ctx context.Context, from, to servicebot.Date, now time.Time) ([]State, error) {
	if to.Before(from) || from.AddDays(maxDays).Before(to) {
		return nil, fmt.Errorf("reportexport: states %s..%s: not a period of at most %d days", from, to, maxDays)
	}
	reports, err := e.reports.ListReportStates(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("reportexport: %w", err)
	}
	rosters, err := e.roster.Rosters(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("reportexport: %w", err)
	}
	status := make(map[dayUser]string, len(reports))
	for _, r := range reports {
		status[dayUser{r.Day, r.UserID}] = r.Status
	}
	// A state per roster entry; reports of those who left, if any, are
	// appended after (the reports are mostly of roster entries: counting
	// them again would double the slice of a large department's month).
	n := 0
	for _, entries := range rosters {
		n += len(entries)
	}
	out := make([]State, 0, n)
	owing(rosters, from, func(k dayUser, en people.Entry) {
		st, ok := status[k]
		if ok {
			delete(status, k)
		} else {
			st = e.statusWithout(en.Status, k.day, now)
		}
		out = append(out, State{Date: k.day, UserID: k.user, Name: en.Member.Name, Region: en.Region, Status: st})
	})
	// Reports of those no longer on the roster (they left).
	names := map[string]string{}
	for k, st := range status {
		name, ok := names[k.user]
		if !ok {
			m, err := e.reports.GetMember(ctx, k.user)
			if err != nil && !errors.Is(err, servicebot.ErrNotFound) {
				return nil, fmt.Errorf("reportexport: %w", err)
			}
			name, names[k.user] = m.Name, m.Name
		}
		out = append(out, State{Date: k.day, UserID: k.user, Name: name, Status: st})
	}
	return out, nil
}

func (e *Exporter) records(ctx context.Context, from, to servicebot.Date, now time.Time) ([]Record, error) {
	if to.Before(from) {
		return nil, fmt.Errorf("reportexport: %s is before %s", to, from)
	}
	if from.AddDays(maxDays).Before(to) {
		return nil, fmt.Errorf("reportexport: %s..%s is longer than %d days", from, to, maxDays)
	}
	reports, err := e.reports.ListReports(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("reportexport: %w", err)
	}
	attachments, err := e.reports.ListReportAttachments(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("reportexport: %w", err)
	}
	byKey := make(map[dayUser]servicebot.DailyReport, len(reports))
	for _, r := range reports {
		byKey[dayUser{r.Day, r.UserID}] = r
	}
	attached := map[dayUser][]Attachment{}
	for _, a := range attachments {
		k := dayUser{a.Day, a.UserID}
		var link string
		if a.BlobKey != "" && e.MediaURL != nil {
			link = e.MediaURL(a.BlobKey)
		}
		attached[k] = append(attached[k], Attachment{Kind: a.Kind, URL: link, At: a.At.In(e.loc), MediaID: a.MediaID,
			PicURL: a.PicURL, Lat: a.Lat, Lng: a.Lng, Label: a.Label})
	}

	rosters, err := e.roster.Rosters(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("reportexport: %w", err)
	}
	out := make([]Record, 0, len(reports)+len(rosters)*len(rosters[0]))
	used := map[dayUser]bool{}
	owing(rosters, from, func(k dayUser, en people.Entry) {
		rec := Record{Date: k.day, UserID: k.user, Name: en.Member.Name, Region: en.Region, Holiday: en.Holiday}
		if r, ok := byKey[k]; ok {
			e.fill(&rec, r)
			used[k] = true
		} else {
			rec.Status = e.statusWithout(en.Status, k.day, now)
		}
		rec.Attachments = attached[k]
		out = append(out, rec)
	})
	for _, r := range reports {
		k := dayUser{r.Day, r.UserID}
		if used[k] {
			continue
		}
		rec := Record{Date: r.Day, UserID: r.UserID, Attachments: attached[k]}
		m, err := e.reports.GetMember(ctx, r.UserID)
		switch {
		case err == nil:
			rec.Name = m.Name
		case !errors.Is(err, servicebot.ErrNotFound):
			return nil, fmt.Errorf("reportexport: %w", err)
		}
		e.fill(&rec, r)
		out = append(out, rec)
	}
	for i := range out {
		out[i].emptyNotNull()
	}
	slices.SortStableFunc(out, func(a, b Record) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.UserID, b.UserID))
	})
	return out, nil
}

// dayUser keys a day's report of one engineer.
type dayUser struct {
	day  servicebot.Date
	user string
}

// owing calls f for each roster entry that owes a report, day by day from
// from (rosters[0]): the exempt owe none.
func owing(rosters [][]people.Entry, from servicebot.Date, f func(dayUser, people.Entry)) {
	for i, entries := range rosters {
		day := from.AddDays(i)
		for _, en := range entries {
			if en.Status != people.StatusExempt {
				f(dayUser{day, en.Member.UserID}, en)
			}
		}
	}
}

// statusWithout is the status of a day without a report.
func (e *Exporter) statusWithout(s people.Status, day servicebot.Date, now time.Time) string {
	switch s {
	case people.StatusLeave:
		return StatusLeave
	case people.StatusHoliday:
		return StatusHoliday
	}
	if now.After(e.deadline(day)) {
		return StatusMissing
	}
	return StatusPending
}

func (e *Exporter) fill(rec *Record, r servicebot.DailyReport) {
	at := r.SubmittedAt.In(e.loc)
	rec.Status, rec.Revision, rec.Source, rec.SubmittedAt = r.Status, r.Revision, r.Source, &at
	rec.Done, rec.Plan, rec.Issues, rec.Unlabelled, rec.Missing = r.Done, r.Plan, r.Issues, r.Unlabelled, r.Missing
	rec.Customer, rec.Location, rec.PartsSalesFen, rec.Raw = r.Customer, r.Location, r.PartsSales, r.Raw
}

// emptyNotNull makes empty lists [] in JSON, not null: a reader can iterate
// every list without checking.
func (r *Record) emptyNotNull() {
	for _, l := range []*[]string{&r.Done, &r.Plan, &r.Issues, &r.Unlabelled, &r.Missing} {
		if *l == nil {
			*l = []string{}
		}
	}
	if r.Attachments == nil {
		r.Attachments = []Attachment{}
	}
}
