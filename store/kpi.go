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

const kpiInputColumns = `id, month, user_id, kind, day, count, value, target, note, origin, entered_by, entered_at, voided_by, voided_at, approval_id`

type kpiInputRow struct {
	ID        int64    `db:"id"`
	Month     string   `db:"month"`
	UserID    string   `db:"user_id"`
	Kind      string   `db:"kind"`
	Day       string   `db:"day"`
	Count     int64    `db:"count"`
	Value     int64    `db:"value"`
	Target    int64    `db:"target"`
	Note      string   `db:"note"`
	Origin    string   `db:"origin"`
	EnteredBy string   `db:"entered_by"`
	EnteredAt nullTime `db:"entered_at"`
	VoidedBy  string   `db:"voided_by"`
	VoidedAt  nullTime `db:"voided_at"`
	// ApprovalID is the liability fine a complaint entry is linked to.
	ApprovalID int64 `db:"approval_id"`
}

func (r kpiInputRow) input() (servicebot.KPIInput, error) {
	in := servicebot.KPIInput{
		ID: r.ID, Month: r.Month, Origin: r.Origin,
		EnteredBy: r.EnteredBy, EnteredAt: r.EnteredAt.Time, VoidedBy: r.VoidedBy, VoidedAt: r.VoidedAt.Time,
		ApprovalID: r.ApprovalID,
		KPIFact: servicebot.KPIFact{UserID: r.UserID, Kind: servicebot.KPIFactKind(r.Kind), Count: r.Count,
			Value: r.Value, Target: r.Target, Note: r.Note},
	}
	if r.Day != "" {
		d, err := servicebot.ParseDate(r.Day)
		if err != nil {
			return in, fmt.Errorf("kpi input %d: %w", r.ID, err)
		}
		in.Date = d
	}
	return in, nil
}

func dayText(d servicebot.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// AddKPIInput records a manager's entry. An entry identical to a live one
// (same month, person, kind, day, numbers and note) is not added again, so
// uploading a file twice changes nothing: the live one is returned with
// added false. A single-valued kind (a company figure, the bonus) voids the
// live entry it replaces, by the same person at the same time.
func (tx *Tx) AddKPIInput(ctx context.Context, in servicebot.KPIInput) (servicebot.KPIInput, bool, error) {
	if in.EnteredBy == "" || in.EnteredAt.IsZero() || in.Month == "" || in.Kind == "" {
		return in, false, errors.New("store: add kpi input: month, kind, who and when are required")
	}
	var same []kpiInputRow
	err := tx.sqlx.SelectContext(ctx, &same, tx.sqlx.Rebind(`SELECT `+kpiInputColumns+` FROM kpi_inputs
		WHERE month = ? AND user_id = ? AND kind = ? AND day = ? AND count = ? AND value = ? AND target = ?
		AND note = ? AND voided_at IS NULL ORDER BY id LIMIT 1`),
		in.Month, in.UserID, in.Kind, dayText(in.Date), in.Count, in.Value, in.Target, in.Note)
	if err != nil {
		return in, false, fmt.Errorf("store: add kpi input: %w", err)
	}
	if len(same) > 0 {
		got, err := same[0].input()
		return got, false, err
	}
	if in.Kind.SingleValued() {
		if _, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE kpi_inputs SET voided_by = ?, voided_at = ?
			WHERE month = ? AND user_id = ? AND kind = ? AND voided_at IS NULL`),
			in.EnteredBy, ts(in.EnteredAt), in.Month, in.UserID, in.Kind); err != nil {
			return in, false, fmt.Errorf("store: add kpi input: replace: %w", err)
		}
	}
	err = tx.sqlx.GetContext(ctx, &in.ID, tx.sqlx.Rebind(`
		INSERT INTO kpi_inputs (month, user_id, kind, day, count, value, target, note, origin, entered_by, entered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		in.Month, in.UserID, in.Kind, dayText(in.Date), in.Count, in.Value, in.Target, in.Note, in.Origin,
		in.EnteredBy, ts(in.EnteredAt))
	if err != nil {
		return in, false, fmt.Errorf("store: add kpi input: %w", err)
	}
	in.EnteredAt = in.EnteredAt.UTC().Truncate(time.Microsecond)
	return in, true, nil
}

// VoidKPIInput withdraws a live entry, recording who did and when. It
// reports false when there is no live entry with id.
func (tx *Tx) VoidKPIInput(ctx context.Context, id int64, by string, now time.Time) (bool, error) {
	if by == "" {
		return false, errors.New("store: void kpi input: who is required")
	}
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE kpi_inputs SET voided_by = ?, voided_at = ?
		WHERE id = ? AND voided_at IS NULL`), by, ts(now), id))
	if err != nil {
		return false, fmt.Errorf("store: void kpi input %d: %w", id, err)
	}
	return ok, nil
}

// KPIInputs returns every entry of month, voided ones included (the
// history), in the order they were made.
func (db *DB) KPIInputs(ctx context.Context, month string) ([]servicebot.KPIInput, error) {
	return selectAll(ctx, db.sqlx, "kpi inputs "+month, `SELECT `+kpiInputColumns+` FROM kpi_inputs
		WHERE month = ? ORDER BY id`, kpiInputRow.input, month)
}

const kpiRevisionColumns = `id, month, revision, rules_version, reason, created_by, created_at, appeal_until, published_at, published_by`

type kpiRevisionRow struct {
	ID           int64    `db:"id"`
	Month        string   `db:"month"`
	Revision     int      `db:"revision"`
	RulesVersion string   `db:"rules_version"`
	Reason       string   `db:"reason"`
	CreatedBy    string   `db:"created_by"`
	CreatedAt    nullTime `db:"created_at"`
	AppealUntil  nullTime `db:"appeal_until"`
	PublishedAt  nullTime `db:"published_at"`
	PublishedBy  string   `db:"published_by"`
}

func (r kpiRevisionRow) revision() servicebot.KPIRevision {
	return servicebot.KPIRevision{ID: r.ID, Month: r.Month, Revision: r.Revision, RulesVersion: r.RulesVersion,
		Reason: r.Reason, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.Time, AppealUntil: r.AppealUntil.Time,
		PublishedAt: r.PublishedAt.Time, PublishedBy: r.PublishedBy}
}

// SaveKPIRevision records cards as the month's next revision and returns
// it with its number. Two savers racing for the same number: the unique
// (month, revision) fails one of them.
func (tx *Tx) SaveKPIRevision(ctx context.Context, rev servicebot.KPIRevision, cards []servicebot.KPIScorecard) (servicebot.KPIRevision, error) {
	if rev.Month == "" || rev.RulesVersion == "" || rev.CreatedAt.IsZero() || rev.AppealUntil.IsZero() {
		return rev, errors.New("store: save kpi revision: month, rules version, creation time and appeal window are required")
	}
	var last sql.NullInt64
	if err := tx.sqlx.GetContext(ctx, &last, tx.sqlx.Rebind(`SELECT MAX(revision) FROM kpi_revisions WHERE month = ?`), rev.Month); err != nil {
		return rev, fmt.Errorf("store: save kpi revision: %w", err)
	}
	rev.Revision = int(last.Int64) + 1
	err := tx.sqlx.GetContext(ctx, &rev.ID, tx.sqlx.Rebind(`
		INSERT INTO kpi_revisions (month, revision, rules_version, reason, created_by, created_at, appeal_until, published_at, published_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		rev.Month, rev.Revision, rev.RulesVersion, rev.Reason, rev.CreatedBy, ts(rev.CreatedAt), ts(rev.AppealUntil),
		ts(rev.PublishedAt), rev.PublishedBy)
	if err != nil {
		return rev, fmt.Errorf("store: save kpi revision %s #%d: %w", rev.Month, rev.Revision, err)
	}
	err = chunks(len(cards), func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*7)
		for _, c := range cards[lo:hi] {
			breakdown, err := json.Marshal(c.Indicators)
			if err != nil {
				return err
			}
			basis := ""
			if len(c.Facts) > 0 || len(c.Known) > 0 {
				b, err := json.Marshal(scoreBasis{Facts: c.Facts, Known: c.Known})
				if err != nil {
					return err
				}
				basis = string(b)
			}
			args = append(args, rev.ID, c.UserID, c.Name, int64(c.Total), c.Rank, string(breakdown), basis)
		}
		_, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
			INSERT INTO kpi_scores (revision_id, user_id, name, total, rank, breakdown, basis) VALUES `+placeholders(hi-lo, 7)), args...)
		return err
	})
	if err != nil {
		return rev, fmt.Errorf("store: save kpi scores %s #%d: %w", rev.Month, rev.Revision, err)
	}
	rev.CreatedAt = rev.CreatedAt.UTC().Truncate(time.Microsecond)
	rev.AppealUntil = rev.AppealUntil.UTC().Truncate(time.Microsecond)
	return rev, nil
}

// LatestKPIRevision returns the month's newest revision, or an error
// wrapping servicebot.ErrNotFound before its first draft.
func (s shared) LatestKPIRevision(ctx context.Context, month string) (servicebot.KPIRevision, error) {
	q := s.q
	var row kpiRevisionRow
	err := sqlx.GetContext(ctx, q, &row, q.Rebind(`SELECT `+kpiRevisionColumns+` FROM kpi_revisions
		WHERE month = ? ORDER BY revision DESC LIMIT 1`), month)
	if errors.Is(err, sql.ErrNoRows) {
		return servicebot.KPIRevision{}, fmt.Errorf("store: kpi %s: %w", month, servicebot.ErrNotFound)
	}
	if err != nil {
		return servicebot.KPIRevision{}, fmt.Errorf("store: kpi %s: %w", month, err)
	}
	return row.revision(), nil
}

// KPIRevisions returns the month's revisions, oldest first: its history.
func (db *DB) KPIRevisions(ctx context.Context, month string) ([]servicebot.KPIRevision, error) {
	var rows []kpiRevisionRow
	err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(`SELECT `+kpiRevisionColumns+` FROM kpi_revisions
		WHERE month = ? ORDER BY revision`), month)
	if err != nil {
		return nil, fmt.Errorf("store: kpi revisions %s: %w", month, err)
	}
	out := make([]servicebot.KPIRevision, len(rows))
	for i, r := range rows {
		out[i] = r.revision()
	}
	return out, nil
}

// PublishKPIRevision marks the revision published by by, once: it reports
// false when it was published already.
func (tx *Tx) PublishKPIRevision(ctx context.Context, id int64, by string, now time.Time) (bool, error) {
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE kpi_revisions SET published_at = ?, published_by = ?
		WHERE id = ? AND published_at IS NULL`), ts(now), by, id))
	if err != nil {
		return false, fmt.Errorf("store: publish kpi revision %d: %w", id, err)
	}
	return ok, nil
}

// KPIScores returns the scorecards of a revision, by rank.
func (s shared) KPIScores(ctx context.Context, revisionID int64) ([]servicebot.KPIScorecard, error) {
	q := s.q
	var rows []struct {
		UserID    string `db:"user_id"`
		Name      string `db:"name"`
		Total     int64  `db:"total"`
		Rank      int    `db:"rank"`
		Breakdown []byte `db:"breakdown"`
		Basis     string `db:"basis"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT user_id, name, total, rank, breakdown, basis FROM kpi_scores
		WHERE revision_id = ? ORDER BY rank, user_id`), revisionID)
	if err != nil {
		return nil, fmt.Errorf("store: kpi scores of revision %d: %w", revisionID, err)
	}
	out := make([]servicebot.KPIScorecard, len(rows))
	for i, r := range rows {
		out[i] = servicebot.KPIScorecard{KPIEngineer: servicebot.KPIEngineer{UserID: r.UserID, Name: r.Name},
			Total: servicebot.Points(r.Total), Rank: r.Rank}
		if err := json.Unmarshal(r.Breakdown, &out[i].Indicators); err != nil {
			return nil, fmt.Errorf("store: kpi scores of %s in revision %d: %w", r.UserID, revisionID, err)
		}
		if r.Basis != "" {
			var b scoreBasis
			if err := json.Unmarshal([]byte(r.Basis), &b); err != nil {
				return nil, fmt.Errorf("store: kpi basis of %s in revision %d: %w", r.UserID, revisionID, err)
			}
			out[i].Facts, out[i].Known = b.Facts, b.Known
		}
	}
	return out, nil
}

// scoreBasis is what a stored card was scored from (kpi_scores.basis).
type scoreBasis struct {
	Facts []servicebot.KPIFact     `json:"facts,omitempty"`
	Known []servicebot.KPIFactKind `json:"known,omitempty"`
}

const kpiAppealColumns = `id, month, user_id, indicator, reason, revision, status, filed_at, decided_by, decided_at, result_revision, fact, fact_text`

type kpiAppealRow struct {
	ID             int64    `db:"id"`
	Month          string   `db:"month"`
	UserID         string   `db:"user_id"`
	Indicator      string   `db:"indicator"`
	Reason         string   `db:"reason"`
	Revision       int      `db:"revision"`
	Status         string   `db:"status"`
	FiledAt        nullTime `db:"filed_at"`
	DecidedBy      string   `db:"decided_by"`
	DecidedAt      nullTime `db:"decided_at"`
	ResultRevision int      `db:"result_revision"`
	Fact           string   `db:"fact"`
	FactText       string   `db:"fact_text"`
}

func (r kpiAppealRow) appeal() servicebot.KPIAppeal {
	return servicebot.KPIAppeal{ID: r.ID, Month: r.Month, UserID: r.UserID, Indicator: servicebot.KPIIndicator(r.Indicator),
		Reason: r.Reason, Revision: r.Revision, Status: r.Status, FiledAt: r.FiledAt.Time, DecidedBy: r.DecidedBy,
		DecidedAt: r.DecidedAt.Time, ResultRevision: r.ResultRevision, FactRef: r.Fact, FactText: r.FactText}
}

// FileKPIAppeal records an open appeal and returns it with its id.
func (tx *Tx) FileKPIAppeal(ctx context.Context, a servicebot.KPIAppeal) (servicebot.KPIAppeal, error) {
	if a.Month == "" || a.UserID == "" || a.Indicator == "" || a.FiledAt.IsZero() {
		return a, errors.New("store: file kpi appeal: month, user, indicator and time are required")
	}
	a.Status = servicebot.KPIAppealOpen
	err := tx.sqlx.GetContext(ctx, &a.ID, tx.sqlx.Rebind(`
		INSERT INTO kpi_appeals (month, user_id, indicator, reason, revision, status, filed_at, fact, fact_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		a.Month, a.UserID, a.Indicator, a.Reason, a.Revision, a.Status, ts(a.FiledAt), a.FactRef, a.FactText)
	if err != nil {
		return a, fmt.Errorf("store: file kpi appeal: %w", err)
	}
	a.FiledAt = a.FiledAt.UTC().Truncate(time.Microsecond)
	return a, nil
}

// KPIAppeal returns the appeal with id, or an error wrapping servicebot.ErrNotFound.
func (tx *Tx) KPIAppeal(ctx context.Context, id int64) (servicebot.KPIAppeal, error) {
	var row kpiAppealRow
	if err := getOne(ctx, tx.sqlx, fmt.Sprintf("kpi appeal %d", id), &row, tx.sqlx.Rebind(`SELECT `+kpiAppealColumns+` FROM kpi_appeals WHERE id = ?`), id); err != nil {
		return servicebot.KPIAppeal{}, err
	}
	return row.appeal(), nil
}

// DecideKPIAppeal closes an open appeal as accepted or rejected, once: it
// reports false when the appeal was decided already (a double tap).
func (tx *Tx) DecideKPIAppeal(ctx context.Context, id int64, status, by string, resultRevision int, now time.Time) (bool, error) {
	if status != servicebot.KPIAppealAccepted && status != servicebot.KPIAppealRejected {
		return false, fmt.Errorf("store: decide kpi appeal %d: bad status %q", id, status)
	}
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE kpi_appeals
		SET status = ?, decided_by = ?, decided_at = ?, result_revision = ? WHERE id = ? AND status = ?`),
		status, by, ts(now), resultRevision, id, servicebot.KPIAppealOpen))
	if err != nil {
		return false, fmt.Errorf("store: decide kpi appeal %d: %w", id, err)
	}
	return ok, nil
}

// KPIAppeals returns the month's appeals in the order they were filed.
func (s shared) KPIAppeals(ctx context.Context, month string) ([]servicebot.KPIAppeal, error) {
	q := s.q
	var rows []kpiAppealRow
	err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT `+kpiAppealColumns+` FROM kpi_appeals WHERE month = ? ORDER BY id`), month)
	if err != nil {
		return nil, fmt.Errorf("store: kpi appeals %s: %w", month, err)
	}
	out := make([]servicebot.KPIAppeal, len(rows))
	for i, r := range rows {
		out[i] = r.appeal()
	}
	return out, nil
}

// ListPartsSales returns the current daily reports from from to to that
// state parts sales (R-PRT-1), with only the user, day, amount and filing
// time read: what R-KPI-10 sums, without parsing every report's sections.
func (db *DB) ListPartsSales(ctx context.Context, from, to servicebot.Date) ([]servicebot.DailyReport, error) {
	var rows []struct {
		UserID      string   `db:"user_id"`
		Day         string   `db:"day"`
		Fen         int64    `db:"parts_sales_fen"`
		SubmittedAt nullTime `db:"submitted_at"`
	}
	err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(`SELECT user_id, day, parts_sales_fen, submitted_at
		FROM daily_reports WHERE is_current = TRUE AND day >= ? AND day <= ? AND parts_sales_fen IS NOT NULL
		ORDER BY user_id, day`), from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("store: parts sales %s..%s: %w", from, to, err)
	}
	out := make([]servicebot.DailyReport, len(rows))
	for i, r := range rows {
		day, err := servicebot.ParseDate(r.Day)
		if err != nil {
			return nil, fmt.Errorf("store: parts sales: %w", err)
		}
		f := servicebot.Fen(r.Fen)
		out[i] = servicebot.DailyReport{UserID: r.UserID, Day: day, SubmittedAt: r.SubmittedAt.Time}
		out[i].PartsSales = &f
	}
	return out, nil
}

// CheckInDays returns, per engineer, the days from from to to with a
// check-in (a location sent in chat, 签到): the field days the bot saw.
func (db *DB) CheckInDays(ctx context.Context, from, to servicebot.Date) (map[string][]servicebot.Date, error) {
	var rows []struct {
		UserID string `db:"user_id"`
		Day    string `db:"day"`
	}
	err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(`SELECT DISTINCT user_id, day FROM report_attachments
		WHERE kind = ? AND day >= ? AND day <= ? ORDER BY user_id, day`), servicebot.AttachLocation, from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("store: check-in days %s..%s: %w", from, to, err)
	}
	out := map[string][]servicebot.Date{}
	for _, r := range rows {
		day, err := servicebot.ParseDate(r.Day)
		if err != nil {
			return nil, fmt.Errorf("store: check-in days: %w", err)
		}
		out[r.UserID] = append(out[r.UserID], day)
	}
	return out, nil
}

// ApprovedFines returns the approved liability fines (R-LIA-1, R-LIA-2)
// whose basis is month: the complaints the KPI counts (R-KPI-6).
func (db *DB) ApprovedFines(ctx context.Context, month string) ([]servicebot.ApprovalRequest, error) {
	var rows []approvalRequestRow
	err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(`SELECT `+approvalRequestColumns+` FROM approval_requests
		WHERE kind = ? AND status = ? ORDER BY id`), servicebot.RequestFine, servicebot.ApprovalApproved)
	if err != nil {
		return nil, fmt.Errorf("store: approved fines: %w", err)
	}
	var out []servicebot.ApprovalRequest
	for _, r := range rows {
		req, err := r.request()
		if err != nil {
			return nil, fmt.Errorf("store: approved fines: %w", err)
		}
		if req.Fine != nil && req.Fine.Month == month {
			out = append(out, req)
		}
	}
	return out, nil
}

// LinkComplaintToFine links the manager's complaint entry inputID to the
// liability fine approvalID, once (R-LIA-0: one complaint, one record):
// the entry must be a live complaint of subject in month, not linked to
// another fine. It reports false otherwise.
func (tx *Tx) LinkComplaintToFine(ctx context.Context, inputID, approvalID int64, subject, month string) (bool, error) {
	ok, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE kpi_inputs SET approval_id = ?
		WHERE id = ? AND kind = ? AND user_id = ? AND month = ? AND voided_at IS NULL AND approval_id = 0`),
		approvalID, inputID, string(servicebot.FactComplaint), subject, month))
	if err != nil {
		return false, fmt.Errorf("store: link complaint %d to fine %d: %w", inputID, approvalID, err)
	}
	return ok, nil
}

// MonthHasDailyRecords reports whether anything of the daily report was
// recorded in month ("2026-11"): a report, or an engineer owing one. A
// month without either is one the bot was not running in.
func (db *DB) MonthHasDailyRecords(ctx context.Context, month string) (bool, error) {
	var n int
	err := db.sqlx.GetContext(ctx, &n, db.sqlx.Rebind(`SELECT
		(SELECT COUNT(*) FROM (SELECT 1 FROM daily_reports WHERE day >= ? AND day < ? LIMIT 1) r) +
		(SELECT COUNT(*) FROM (SELECT 1 FROM obligations WHERE kind = ? AND period >= ? AND period < ? LIMIT 1) o)`),
		month+"-01", month+"-32", servicebot.ObligationDailyReport, month+"-01", month+"-32")
	if err != nil {
		return false, fmt.Errorf("store: daily records of %s: %w", month, err)
	}
	return n > 0, nil
}
