package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/servicebot/servicebot"
)

const reportColumns = `user_id, day, revision, status, source, done, plan, issues, unlabelled, missing,
	customer, location, parts_sales_fen, raw, submitted_at, customer_id`

// reportRow is a daily_reports row as scanned. The JSON columns arrive as
// bytes from Postgres (jsonb) and as text from SQLite; both scan into []byte.
type reportRow struct {
	UserID        string        `db:"user_id"`
	Day           string        `db:"day"`
	Revision      int           `db:"revision"`
	Status        string        `db:"status"`
	Source        string        `db:"source"`
	Done          []byte        `db:"done"`
	Plan          []byte        `db:"plan"`
	Issues        []byte        `db:"issues"`
	Unlabelled    []byte        `db:"unlabelled"`
	Missing       []byte        `db:"missing"`
	Customer      string        `db:"customer"`
	Location      string        `db:"location"`
	PartsSalesFen sql.NullInt64 `db:"parts_sales_fen"`
	Raw           string        `db:"raw"`
	SubmittedAt   nullTime      `db:"submitted_at"`
	CustomerID    sql.NullInt64 `db:"customer_id"`
}

func (r reportRow) report() (servicebot.DailyReport, error) {
	day, err := servicebot.ParseDate(r.Day)
	if err != nil {
		return servicebot.DailyReport{}, err
	}
	out := servicebot.DailyReport{
		UserID: r.UserID, Day: day, Revision: r.Revision, Status: r.Status, Source: r.Source,
		Raw: r.Raw, SubmittedAt: r.SubmittedAt.Time,
	}
	out.Customer, out.Location, out.CustomerID = r.Customer, r.Location, r.CustomerID.Int64
	for _, l := range []struct {
		col []byte
		dst *[]string
	}{{r.Done, &out.Done}, {r.Plan, &out.Plan}, {r.Issues, &out.Issues}, {r.Unlabelled, &out.Unlabelled}, {r.Missing, &out.Missing}} {
		if err := json.Unmarshal(l.col, l.dst); err != nil {
			return servicebot.DailyReport{}, fmt.Errorf("report of %s on %s: %w", r.UserID, r.Day, err)
		}
		if len(*l.dst) == 0 {
			*l.dst = nil // the domain's empty section is nil, as ParseReport makes it
		}
	}
	if r.PartsSalesFen.Valid {
		f := servicebot.Fen(r.PartsSalesFen.Int64)
		out.PartsSales = &f
	}
	return out, nil
}

// selectReports reads the reports the rest of a query selects (from its
// WHERE on); what names the read in an error.
func selectReports(ctx context.Context, q sqlx.ExtContext, what, where string, args ...any) ([]servicebot.DailyReport, error) {
	return selectAll(ctx, q, what, `SELECT `+reportColumns+` FROM daily_reports `+where, reportRow.report, args...)
}

// selectAll reads the rows query selects and converts each; what names the
// read in an error.
func selectAll[Row, T any](ctx context.Context, q sqlx.ExtContext, what, query string, convert func(Row) (T, error), args ...any) ([]T, error) {
	var rows []Row
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(query), args...); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		v, err := convert(r)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// jsonList encodes a section as a JSON array, [] when empty (never null).
func jsonList(items []string) string {
	if items == nil {
		items = []string{}
	}
	b, _ := json.Marshal(items) // a []string always marshals
	return string(b)
}

// SaveReport stores r as the new current revision of r.UserID's report for
// r.Day and returns it with its revision number. The revision it replaces
// stays as history. r.Revision is ignored. A report for a day whose close
// counted the engineer missing turns that fact into a late one, or none
// (settleClosedDay).
//
// Two replicas saving the same engineer's day at the same instant both pick
// the same revision number; the unique key fails one of them, and the inbox
// worker retries it.
func (tx *Tx) SaveReport(ctx context.Context, r servicebot.DailyReport) (servicebot.DailyReport, error) {
	switch {
	case r.UserID == "":
		return r, errors.New("store: save report: empty user id")
	case r.Day.IsZero():
		return r, errors.New("store: save report: zero day")
	case r.SubmittedAt.IsZero():
		return r, errors.New("store: save report: zero submission time")
	}
	day := r.Day.String()
	var last sql.NullInt64
	if err := tx.sqlx.GetContext(ctx, &last, tx.sqlx.Rebind(
		`SELECT MAX(revision) FROM daily_reports WHERE user_id = ? AND day = ?`), r.UserID, day); err != nil {
		return r, fmt.Errorf("store: save report: %w", err)
	}
	if _, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(
		`UPDATE daily_reports SET is_current = FALSE WHERE user_id = ? AND day = ? AND is_current = TRUE`),
		r.UserID, day); err != nil {
		return r, fmt.Errorf("store: save report: retire current: %w", err)
	}
	r.Revision = int(last.Int64) + 1
	var parts sql.NullInt64
	if r.PartsSales != nil {
		parts = sql.NullInt64{Int64: int64(*r.PartsSales), Valid: true}
	}
	if _, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		INSERT INTO daily_reports (`+reportColumns+`, is_current)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE)`),
		r.UserID, day, r.Revision, r.Status, r.Source,
		jsonList(r.Done), jsonList(r.Plan), jsonList(r.Issues), jsonList(r.Unlabelled), jsonList(r.Missing),
		r.Customer, r.Location, parts, r.Raw, ts(r.SubmittedAt),
		sql.NullInt64{Int64: r.CustomerID, Valid: r.CustomerID != 0}); err != nil {
		return r, fmt.Errorf("store: save report: %w", err)
	}
	if err := tx.settleClosedDay(ctx, r); err != nil {
		return r, fmt.Errorf("store: save report: %w", err)
	}
	return r, nil
}

// settleClosedDay squares a report with its day's close when the close came
// first and counted the engineer missing (R-DAY-2, R-KPI-4): a report filed
// after the deadline, or by 补报, costs what a late one costs (late_daily
// instead of missing_daily), and one sent on time but handled after the
// close costs nothing. The obligation becomes done, as the close would have
// made it. The KPI then says what the morning card says.
//
// Its first statement writes the engineer's obligation row whatever its
// state. On Postgres that row lock orders this transaction with the close,
// which locks the day's obligations before it reads the reports
// (LockObligations): either the close waits and then sees this report, or
// this waits and then sees the close's missing_daily. SQLite runs one
// writing transaction at a time anyway.
func (tx *Tx) settleClosedDay(ctx context.Context, r servicebot.DailyReport) error {
	if _, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE obligations
		SET status = CASE WHEN status = ? THEN ? ELSE status END WHERE key = ?`),
		servicebot.ObligationOverdue, servicebot.ObligationDone, servicebot.DailyReportKey(r.UserID, r.Day)); err != nil {
		return fmt.Errorf("settle obligation: %w", err)
	}
	var months []string
	if err := tx.sqlx.SelectContext(ctx, &months, tx.sqlx.Rebind(`DELETE FROM kpi_events
		WHERE user_id = ? AND kind = ? AND ref = ? RETURNING month`),
		r.UserID, servicebot.KPIMissingDaily, r.Day.String()); err != nil {
		return fmt.Errorf("settle missing report: %w", err)
	}
	if len(months) == 0 || r.Status != servicebot.ReportLate {
		return nil
	}
	_, err := tx.AddKPIEvents(ctx, []servicebot.KPIEvent{{UserID: r.UserID, Month: months[0],
		Kind: servicebot.KPILateDaily, Ref: r.Day.String(), CreatedAt: r.SubmittedAt}})
	return err
}

// CurrentReport returns userID's current report for day, or an error
// wrapping servicebot.ErrNotFound when there is none.
func (tx *Tx) CurrentReport(ctx context.Context, userID string, day servicebot.Date) (servicebot.DailyReport, error) {
	var row reportRow
	err := tx.sqlx.GetContext(ctx, &row, tx.sqlx.Rebind(`SELECT `+reportColumns+` FROM daily_reports
		WHERE user_id = ? AND day = ? AND is_current = TRUE`), userID, day.String())
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return servicebot.DailyReport{}, fmt.Errorf("store: report of %s on %s: %w", userID, day, servicebot.ErrNotFound)
	case err != nil:
		return servicebot.DailyReport{}, fmt.Errorf("store: report of %s on %s: %w", userID, day, err)
	}
	rep, err := row.report()
	if err != nil {
		return servicebot.DailyReport{}, fmt.Errorf("store: %w", err)
	}
	return rep, nil
}

// UserReports returns userID's current reports from from to to (inclusive),
// by day.
func (tx *Tx) UserReports(ctx context.Context, userID string, from, to servicebot.Date) ([]servicebot.DailyReport, error) {
	return listReports(ctx, tx.sqlx, `user_id = ? AND `, []any{userID}, from, to)
}

// ListReports returns everybody's current reports from from to to
// (inclusive), by day and user.
func (db *DB) ListReports(ctx context.Context, from, to servicebot.Date) ([]servicebot.DailyReport, error) {
	return listReports(ctx, db.sqlx, ``, nil, from, to)
}

func listReports(ctx context.Context, q sqlx.ExtContext, where string, args []any,
	from, to servicebot.Date) ([]servicebot.DailyReport, error) {
	return selectReports(ctx, q, fmt.Sprintf("list reports %s..%s", from, to),
		`WHERE `+where+`is_current = TRUE AND day >= ? AND day <= ? ORDER BY day, user_id`,
		append(args, from.String(), to.String())...)
}

// ListReportStates is ListReports without the reports' contents: who
// reported which day, on time or late (UserID, Day and Status only). A
// month's grid of a large department reads it instead of every report's
// text. The database sends one row per engineer, their days joined
// ("2026-11-02o2026-11-03l…": the day and o for on time, l for late), not
// one per report: a month of 500 engineers is 500 rows, not 12,000.
func (db *DB) ListReportStates(ctx context.Context, from, to servicebot.Date) ([]servicebot.ReportMark, error) {
	agg := "string_agg"
	if db.dialect == DialectSQLite {
		agg = "group_concat"
	}
	rows, err := db.sqlx.QueryContext(ctx, db.sqlx.Rebind(`SELECT user_id,
		`+agg+`(day || CASE status WHEN '`+servicebot.ReportLate+`' THEN 'l' ELSE 'o' END, '')
		FROM daily_reports WHERE is_current = TRUE AND day >= ? AND day <= ? GROUP BY user_id`), from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("store: list report states %s..%s: %w", from, to, err)
	}
	defer rows.Close()
	const mark = len("2026-11-02o")
	out := make([]servicebot.ReportMark, 0, 1024)
	days := map[string]servicebot.Date{}
	for rows.Next() {
		var user, marks string
		if err := rows.Scan(&user, &marks); err != nil {
			return nil, fmt.Errorf("store: list report states: %w", err)
		}
		if len(marks)%mark != 0 {
			return nil, fmt.Errorf("store: list report states of %s: unreadable %q", user, marks)
		}
		for i := 0; i < len(marks); i += mark {
			day := marks[i : i+mark-1]
			d, ok := days[day]
			if !ok {
				if d, err = servicebot.ParseDate(day); err != nil {
					return nil, fmt.Errorf("store: list report states: %w", err)
				}
				days[day] = d
			}
			status := servicebot.ReportOnTime
			if marks[i+mark-1] == 'l' {
				status = servicebot.ReportLate
			}
			out = append(out, servicebot.ReportMark{UserID: user, Day: d, Status: status})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list report states: %w", err)
	}
	return out, nil
}

// ReportHistory returns every revision of userID's report for day, oldest
// first; the last one is the current one.
func (db *DB) ReportHistory(ctx context.Context, userID string, day servicebot.Date) ([]servicebot.DailyReport, error) {
	return selectReports(ctx, db.sqlx, fmt.Sprintf("report history of %s on %s", userID, day),
		`WHERE user_id = ? AND day = ? ORDER BY revision`, userID, day.String())
}

// ReportStatus returns, for each engineer who has a report for day, the
// state of its current revision. Engineers without a report are absent.
// Inside a transaction, the day's close decides from the reports as they are
// once it holds the obligations.
func (s shared) ReportStatus(ctx context.Context, day servicebot.Date) (map[string]servicebot.ReportState, error) {
	q := s.q
	var rows []struct {
		UserID      string   `db:"user_id"`
		Status      string   `db:"status"`
		Missing     []byte   `db:"missing"`
		SubmittedAt nullTime `db:"submitted_at"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT user_id, status, missing, submitted_at
		FROM daily_reports WHERE day = ? AND is_current = TRUE`), day.String())
	if err != nil {
		return nil, fmt.Errorf("store: report status on %s: %w", day, err)
	}
	out := make(map[string]servicebot.ReportState, len(rows))
	for _, r := range rows {
		var missing []string
		if err := json.Unmarshal(r.Missing, &missing); err != nil {
			return nil, fmt.Errorf("store: report status of %s on %s: %w", r.UserID, day, err)
		}
		out[r.UserID] = servicebot.ReportState{Status: r.Status, SubmittedAt: r.SubmittedAt.Time, Complete: len(missing) == 0}
	}
	return out, nil
}

const attachmentColumns = `id, user_id, day, kind, media_id, pic_url, lat, lng, label, received_at, format, blob_key, content_type`

type attachmentRow struct {
	ID         int64    `db:"id"`
	UserID     string   `db:"user_id"`
	Day        string   `db:"day"`
	Kind       string   `db:"kind"`
	MediaID    string   `db:"media_id"`
	PicURL     string   `db:"pic_url"`
	Lat        float64  `db:"lat"`
	Lng        float64  `db:"lng"`
	Label      string   `db:"label"`
	ReceivedAt nullTime `db:"received_at"`
	Format     string   `db:"format"`
	BlobKey    string   `db:"blob_key"`
	CType      string   `db:"content_type"`
}

func (r attachmentRow) attachment() (servicebot.ReportAttachment, error) {
	day, err := servicebot.ParseDate(r.Day)
	if err != nil {
		return servicebot.ReportAttachment{}, err
	}
	return servicebot.ReportAttachment{
		ID: r.ID, UserID: r.UserID, Day: day, Kind: r.Kind, MediaID: r.MediaID, PicURL: r.PicURL,
		Lat: r.Lat, Lng: r.Lng, Label: r.Label, At: r.ReceivedAt.Time,
		Format: r.Format, BlobKey: r.BlobKey, ContentType: r.CType,
	}, nil
}

// AddReportAttachment attaches a photo or a check-in to a.UserID's report
// for a.Day, whether or not that report has arrived yet. a.ID is ignored.
func (tx *Tx) AddReportAttachment(ctx context.Context, a servicebot.ReportAttachment) (int64, error) {
	switch {
	case a.UserID == "" || a.Day.IsZero() || a.At.IsZero():
		return 0, errors.New("store: add report attachment: user, day and time are required")
	case a.Kind != servicebot.AttachImage && a.Kind != servicebot.AttachVoice && a.Kind != servicebot.AttachLocation:
		return 0, fmt.Errorf("store: add report attachment: unknown kind %q", a.Kind)
	}
	// A photo or voice is fetched from WeCom at once (next_fetch_at), while
	// its media_id lives.
	var fetchAt any
	if a.MediaID != "" && a.BlobKey == "" {
		fetchAt = ts(a.At)
	}
	var id int64
	err := tx.sqlx.GetContext(ctx, &id, tx.sqlx.Rebind(`
		INSERT INTO report_attachments (user_id, day, kind, media_id, pic_url, lat, lng, label, received_at,
			format, blob_key, content_type, next_fetch_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		a.UserID, a.Day.String(), a.Kind, a.MediaID, a.PicURL, a.Lat, a.Lng, a.Label, ts(a.At),
		a.Format, a.BlobKey, a.ContentType, fetchAt)
	if err != nil {
		return 0, fmt.Errorf("store: add report attachment: %w", err)
	}
	return id, nil
}

// CountReportAttachments counts userID's attachments of kind for day.
func (tx *Tx) CountReportAttachments(ctx context.Context, userID string, day servicebot.Date, kind string) (int, error) {
	var n int
	err := tx.sqlx.GetContext(ctx, &n, tx.sqlx.Rebind(`SELECT COUNT(*) FROM report_attachments
		WHERE user_id = ? AND day = ? AND kind = ?`), userID, day.String(), kind)
	if err != nil {
		return 0, fmt.Errorf("store: count report attachments: %w", err)
	}
	return n, nil
}

// ListReportAttachments returns everybody's attachments from from to to
// (inclusive), by day, user and arrival.
func (db *DB) ListReportAttachments(ctx context.Context, from, to servicebot.Date) ([]servicebot.ReportAttachment, error) {
	return db.attachments(ctx, fmt.Sprintf("list report attachments %s..%s", from, to),
		`WHERE day >= ? AND day <= ? ORDER BY day, user_id, received_at, id`, from.String(), to.String())
}

// attachments reads the attachments the rest of a query selects (from its
// WHERE on); what names the read in an error.
func (db *DB) attachments(ctx context.Context, what, where string, args ...any) ([]servicebot.ReportAttachment, error) {
	return selectAll(ctx, db.sqlx, what, `SELECT `+attachmentColumns+` FROM report_attachments `+where, attachmentRow.attachment, args...)
}

// MediaToFetch returns up to limit photos and voices due for media/get at
// now, not yet kept and not given up, oldest due first.
func (db *DB) MediaToFetch(ctx context.Context, now time.Time, limit int) ([]servicebot.ReportAttachment, error) {
	return db.attachments(ctx, "media to fetch", `WHERE blob_key = '' AND media_id <> '' AND next_fetch_at IS NOT NULL AND next_fetch_at <= ?
		ORDER BY next_fetch_at, id LIMIT ?`, ts(now), limit)
}

// ClaimMediaFetch takes attachment id for one media/get until leaseUntil,
// if it is still due at now: of two replicas that saw it due, one gets it
// (the other's UPDATE finds next_fetch_at already moved past now). A claim
// whose holder dies runs out at leaseUntil and the row is due again.
func (db *DB) ClaimMediaFetch(ctx context.Context, id int64, now, leaseUntil time.Time) (bool, error) {
	ok, err := rowChanged(db.sqlx.ExecContext(ctx, db.sqlx.Rebind(`UPDATE report_attachments SET next_fetch_at = ?
		WHERE id = ? AND blob_key = '' AND next_fetch_at IS NOT NULL AND next_fetch_at <= ?`), ts(leaseUntil), id, ts(now)))
	if err != nil {
		return false, fmt.Errorf("store: claim media fetch %d: %w", id, err)
	}
	return ok, nil
}

// KeepMedia records that attachment id is kept in the blob store under key.
// It is false when the attachment was kept already (under another key, by a
// fetch whose claim had run out): the first kept file stays the one.
func (db *DB) KeepMedia(ctx context.Context, id int64, key, contentType string) (bool, error) {
	ok, err := rowChanged(db.sqlx.ExecContext(ctx, db.sqlx.Rebind(`UPDATE report_attachments
		SET blob_key = ?, content_type = ?, next_fetch_at = NULL, fetch_error = '' WHERE id = ? AND blob_key = ''`), key, contentType, id))
	if err != nil {
		return false, fmt.Errorf("store: keep media %d: %w", id, err)
	}
	return ok, nil
}

// RetryMediaFetch records a failed media/get of attachment id: tried again
// at next, or never again when next is zero (the media_id has expired).
func (db *DB) RetryMediaFetch(ctx context.Context, id int64, errText string, next time.Time) error {
	_, err := db.sqlx.ExecContext(ctx, db.sqlx.Rebind(`UPDATE report_attachments
		SET fetch_attempts = fetch_attempts + 1, fetch_error = ?, next_fetch_at = ? WHERE id = ?`), errText, ts(next), id)
	if err != nil {
		return fmt.Errorf("store: retry media fetch %d: %w", id, err)
	}
	return nil
}

// DepartmentsUnder returns roots and every department below them, as last
// synced: the after-sales departments of the configuration include their
// sub-departments (R-ORG-1). It reads inside the transaction, for handlers.
func (tx *Tx) DepartmentsUnder(ctx context.Context, roots []int64) ([]int64, error) {
	if tx.departments == nil {
		deps, err := readDepartmentEdges(ctx, tx.sqlx)
		if err != nil {
			return nil, fmt.Errorf("store: departments under %v: %w", roots, err)
		}
		tx.departments = deps
	}
	return below(tx.departments, roots), nil
}

// departmentEdge is a department and its parent.
type departmentEdge struct {
	ID       int64 `db:"id"`
	ParentID int64 `db:"parent_id"`
}

func readDepartmentEdges(ctx context.Context, q sqlx.QueryerContext) ([]departmentEdge, error) {
	deps := []departmentEdge{} // not nil: read, even when there are none
	if err := sqlx.SelectContext(ctx, q, &deps, `SELECT id, parent_id FROM departments`); err != nil {
		return nil, err
	}
	return deps, nil
}

func departmentsUnder(ctx context.Context, q sqlx.QueryerContext, roots []int64) ([]int64, error) {
	deps, err := readDepartmentEdges(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: departments under %v: %w", roots, err)
	}
	return below(deps, roots), nil
}

// below returns roots and every department below them.
func below(deps []departmentEdge, roots []int64) []int64 {
	children := make(map[int64][]int64, len(deps))
	for _, d := range deps {
		children[d.ParentID] = append(children[d.ParentID], d.ID)
	}
	seen := make(map[int64]bool, len(roots))
	var out []int64
	queue := append([]int64(nil), roots...)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
		queue = append(queue, children[id]...)
	}
	return out
}
