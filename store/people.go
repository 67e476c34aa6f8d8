package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/servicebot/servicebot"
)

// batchRows is how many rows one multi-row INSERT or IN list carries: large
// enough that syncing ten thousand members takes a few dozen statements,
// small enough to stay far below either database's parameter limit.
const batchRows = 500

// directoryLockID is the Postgres advisory lock that serialises directory
// syncs (the daily job on one replica, `servicebot sync` by hand on another).
// Two at once would each clear and refill the same tables and fail on each
// other's rows. SQLite transactions are serialised anyway. The lock is taken
// per schema, so deployments (or tests) in other schemas of the same database
// do not wait on each other.
const directoryLockID = 0x5e41_1ce0

// ReplaceDirectory stores a full pull of the address book as of now, in one
// transaction: deps replace the stored departments; each of members is stored
// active with the departments it lists; a stored member missing from members
// is marked as having left (kept, inactive, so their records keep a name).
//
// joined are the userids that were not active before (new hires, returners);
// left are those active before and missing now. Both are sorted.
func (db *DB) ReplaceDirectory(ctx context.Context, deps []servicebot.Department, members []servicebot.Member, now time.Time) (joined, left []string, err error) {
	if err := checkDirectory(deps, members); err != nil {
		return nil, nil, err
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		joined, left, err = tx.replaceDirectory(ctx, deps, members, now)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: replace directory: %w", err)
	}
	return joined, left, nil
}

func checkDirectory(deps []servicebot.Department, members []servicebot.Member) error {
	seenDept := make(map[int64]bool, len(deps))
	for _, d := range deps {
		if seenDept[d.ID] {
			return fmt.Errorf("store: replace directory: department %d listed twice", d.ID)
		}
		seenDept[d.ID] = true
	}
	seen := make(map[string]bool, len(members))
	for _, m := range members {
		switch {
		case m.UserID == "":
			return errors.New("store: replace directory: member with an empty userid")
		case seen[m.UserID]:
			return fmt.Errorf("store: replace directory: member %s listed twice", m.UserID)
		}
		seen[m.UserID] = true
	}
	return nil
}

func (tx *Tx) replaceDirectory(ctx context.Context, deps []servicebot.Department, members []servicebot.Member, now time.Time) (joined, left []string, err error) {
	tx.members, tx.departments = nil, nil // read again after the sync
	if tx.sqlx.DriverName() == "postgres" {
		if _, err := tx.sqlx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, int32(directoryLockID)); err != nil {
			return nil, nil, fmt.Errorf("lock: %w", err)
		}
	}
	var before []struct {
		UserID string `db:"user_id"`
		Active bool   `db:"active"`
	}
	if err := tx.sqlx.SelectContext(ctx, &before, `SELECT user_id, active FROM members`); err != nil {
		return nil, nil, fmt.Errorf("read members: %w", err)
	}
	wasActive := make(map[string]bool, len(before))
	for _, b := range before {
		wasActive[b.UserID] = b.Active
	}
	present := make(map[string]bool, len(members))
	ids := make([]string, len(members))
	for i, m := range members {
		present[m.UserID] = true
		ids[i] = m.UserID
		if !wasActive[m.UserID] {
			joined = append(joined, m.UserID)
		}
	}
	for _, b := range before {
		if b.Active && !present[b.UserID] {
			left = append(left, b.UserID)
		}
	}
	slices.Sort(joined)
	slices.Sort(left)

	if _, err := tx.sqlx.ExecContext(ctx, `DELETE FROM departments`); err != nil {
		return nil, nil, fmt.Errorf("clear departments: %w", err)
	}
	err = insertBatches(ctx, tx.sqlx, `INSERT INTO departments (id, parent_id, name, synced_at) VALUES `, "",
		4, len(deps), func(i int) []any { return []any{deps[i].ID, deps[i].ParentID, deps[i].Name, ts(now)} })
	if err != nil {
		return nil, nil, fmt.Errorf("insert departments: %w", err)
	}

	err = insertBatches(ctx, tx.sqlx, `INSERT INTO members (user_id, name, position, mobile, active, synced_at) VALUES `,
		` ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, position = excluded.position,
			mobile = excluded.mobile, active = excluded.active, synced_at = excluded.synced_at, left_at = NULL`,
		6, len(members), func(i int) []any {
			m := members[i]
			return []any{m.UserID, m.Name, m.Position, m.Mobile, true, ts(now)}
		})
	if err != nil {
		return nil, nil, fmt.Errorf("upsert members: %w", err)
	}
	for chunk := range slices.Chunk(left, batchRows) {
		q, args, err := sqlx.In(`UPDATE members SET active = ?, left_at = ? WHERE user_id IN (?)`, false, ts(now), chunk)
		if err != nil {
			return nil, nil, fmt.Errorf("mark leavers: %w", err)
		}
		if _, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(q), args...); err != nil {
			return nil, nil, fmt.Errorf("mark leavers: %w", err)
		}
	}

	// A leaver keeps the departments they had, so a later export can still
	// place them; everyone present gets exactly the departments listed now.
	for chunk := range slices.Chunk(ids, batchRows) {
		q, args, err := sqlx.In(`DELETE FROM member_departments WHERE user_id IN (?)`, chunk)
		if err != nil {
			return nil, nil, fmt.Errorf("clear member departments: %w", err)
		}
		if _, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(q), args...); err != nil {
			return nil, nil, fmt.Errorf("clear member departments: %w", err)
		}
	}
	type membership struct {
		userID string
		dept   int64
		ord    int
	}
	var rows []membership
	for _, m := range members {
		seen := map[int64]bool{}
		for i, d := range m.Departments {
			if !seen[d] { // WeCom never repeats one, but the key would reject it
				seen[d] = true
				rows = append(rows, membership{m.UserID, d, i})
			}
		}
	}
	err = insertBatches(ctx, tx.sqlx, `INSERT INTO member_departments (user_id, department_id, ord) VALUES `, "",
		3, len(rows), func(i int) []any { return []any{rows[i].userID, rows[i].dept, rows[i].ord} })
	if err != nil {
		return nil, nil, fmt.Errorf("insert member departments: %w", err)
	}
	return joined, left, nil
}

// insertBatches inserts n rows of cols columns, batchRows per statement:
// prefix ends in VALUES, suffix (maybe empty) follows the value lists, and
// row(i) gives the values of row i.
func insertBatches(ctx context.Context, q sqlx.ExtContext, prefix, suffix string, cols, n int, row func(i int) []any) error {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	for start := 0; start < n; start += batchRows {
		end := min(start+batchRows, n)
		var b strings.Builder
		b.WriteString(prefix)
		args := make([]any, 0, (end-start)*cols)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = append(args, row(i)...)
		}
		b.WriteString(suffix)
		if _, err := q.ExecContext(ctx, q.Rebind(b.String()), args...); err != nil {
			return err
		}
	}
	return nil
}

// ListDepartments returns the departments as last synced, by id.
func (db *DB) ListDepartments(ctx context.Context) ([]servicebot.Department, error) {
	var rows []struct {
		ID       int64  `db:"id"`
		ParentID int64  `db:"parent_id"`
		Name     string `db:"name"`
	}
	if err := db.sqlx.SelectContext(ctx, &rows, `SELECT id, parent_id, name FROM departments ORDER BY id`); err != nil {
		return nil, fmt.Errorf("store: list departments: %w", err)
	}
	deps := make([]servicebot.Department, len(rows))
	for i, r := range rows {
		deps[i] = servicebot.Department{ID: r.ID, ParentID: r.ParentID, Name: r.Name}
	}
	return deps, nil
}

// memberRow is a members row as scanned.
type memberRow struct {
	UserID   string   `db:"user_id"`
	Name     string   `db:"name"`
	Position string   `db:"position"`
	Mobile   string   `db:"mobile"`
	Active   bool     `db:"active"`
	SyncedAt nullTime `db:"synced_at"`
}

func (r memberRow) member() servicebot.Member {
	return servicebot.Member{UserID: r.UserID, Name: r.Name, Position: r.Position, Mobile: r.Mobile,
		Active: r.Active, SyncedAt: r.SyncedAt.Time}
}

const memberColumns = `user_id, name, position, mobile, active, synced_at`

// ListMembers returns the members as last synced, by userid, with their
// departments (the main one first). With activeOnly it leaves out those who
// have left the address book.
func (s shared) ListMembers(ctx context.Context, activeOnly bool) ([]servicebot.Member, error) {
	return listMembers(ctx, s.q, activeOnly)
}

func listMembers(ctx context.Context, q sqlx.ExtContext, activeOnly bool) ([]servicebot.Member, error) {
	membersQuery := `SELECT ` + memberColumns + ` FROM members ORDER BY user_id`
	linksQuery := `SELECT user_id, department_id FROM member_departments ORDER BY user_id, ord`
	if activeOnly {
		membersQuery = `SELECT ` + memberColumns + ` FROM members WHERE active ORDER BY user_id`
		linksQuery = `SELECT md.user_id, md.department_id FROM member_departments md
			JOIN members m ON m.user_id = md.user_id WHERE m.active ORDER BY md.user_id, md.ord`
	}
	var rows []memberRow
	if err := sqlx.SelectContext(ctx, q, &rows, membersQuery); err != nil {
		return nil, fmt.Errorf("store: list members: %w", err)
	}
	var links []struct {
		UserID       string `db:"user_id"`
		DepartmentID int64  `db:"department_id"`
	}
	if err := sqlx.SelectContext(ctx, q, &links, linksQuery); err != nil {
		return nil, fmt.Errorf("store: list members: departments: %w", err)
	}
	depts := make(map[string][]int64, len(rows))
	for _, l := range links {
		depts[l.UserID] = append(depts[l.UserID], l.DepartmentID)
	}
	members := make([]servicebot.Member, len(rows))
	for i, r := range rows {
		members[i] = r.member()
		members[i].Departments = depts[r.UserID]
	}
	return members, nil
}

// Engineers returns the department's engineers as synced, by userid: the
// active members of org's after-sales departments and their sub-departments
// who hold the engineer role or no configured role (servicebot.Org.OwesDailyReport).
// It is the one definition of "engineer": the daily report chases them and
// a dispatch offers them, so a new hire synced into the department is both.
// Exemption from the daily report is not exemption from work: an exempt
// engineer is still an engineer.
func (s shared) Engineers(ctx context.Context, org servicebot.Org) ([]servicebot.Member, error) {
	q := s.q
	deps, err := departmentsUnder(ctx, q, org.AfterSalesDepartments)
	if err != nil {
		return nil, fmt.Errorf("store: engineers: %w", err)
	}
	members, err := listMembers(ctx, q, true)
	if err != nil {
		return nil, fmt.Errorf("store: engineers: %w", err)
	}
	org.AfterSalesDepartments, org.Exempt = deps, nil
	return slices.DeleteFunc(members, func(m servicebot.Member) bool { return !org.OwesDailyReport(m) }), nil
}

// GetMember returns one member, active or not, with their departments; an
// unknown userid is servicebot.ErrNotFound.
func (db *DB) GetMember(ctx context.Context, userID string) (servicebot.Member, error) {
	return getMember(ctx, db.sqlx, userID)
}

// GetMember is (*DB).GetMember inside a transaction: a handler must not
// read through the pool while its transaction holds SQLite's write lock.
func (tx *Tx) GetMember(ctx context.Context, userID string) (servicebot.Member, error) {
	if m, ok := tx.members[userID]; ok {
		m.Departments = slices.Clone(m.Departments)
		return m, nil
	}
	m, err := getMember(ctx, tx.sqlx, userID)
	if err != nil {
		return m, err
	}
	if tx.members == nil {
		tx.members = map[string]servicebot.Member{}
	}
	tx.members[userID] = m
	m.Departments = slices.Clone(m.Departments)
	return m, nil
}

func getMember(ctx context.Context, q sqlx.ExtContext, userID string) (servicebot.Member, error) {
	var r memberRow
	err := sqlx.GetContext(ctx, q, &r, q.Rebind(`SELECT `+memberColumns+` FROM members WHERE user_id = ?`), userID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return servicebot.Member{}, fmt.Errorf("store: get member %s: %w", userID, servicebot.ErrNotFound)
	case err != nil:
		return servicebot.Member{}, fmt.Errorf("store: get member %s: %w", userID, err)
	}
	m := r.member()
	err = sqlx.SelectContext(ctx, q, &m.Departments, q.Rebind(
		`SELECT department_id FROM member_departments WHERE user_id = ? ORDER BY ord`), userID)
	if err != nil {
		return servicebot.Member{}, fmt.Errorf("store: get member %s: departments: %w", userID, err)
	}
	return m, nil
}

// AddLeave records that userID is off from from to to, both inclusive
// (R-DAY-4), and returns the new leave's id. to before from is an error.
func (tx *Tx) AddLeave(ctx context.Context, userID string, from, to servicebot.Date, reason string, now time.Time) (int64, error) {
	switch {
	case userID == "":
		return 0, errors.New("store: add leave: empty userid")
	case from.IsZero() || to.IsZero():
		return 0, fmt.Errorf("store: add leave for %s: missing date", userID)
	case to.Before(from):
		return 0, fmt.Errorf("store: add leave for %s: ends %s before it starts %s", userID, to, from)
	}
	var id int64
	err := tx.sqlx.GetContext(ctx, &id, tx.sqlx.Rebind(`
		INSERT INTO leaves (user_id, from_day, to_day, reason, created_at) VALUES (?, ?, ?, ?, ?)
		RETURNING id`), userID, from.String(), to.String(), reason, ts(now))
	if err != nil {
		return 0, fmt.Errorf("store: add leave for %s: %w", userID, err)
	}
	return id, nil
}

// CancelLeave ends userID's leave as of on (取消请假, "I am back"): an
// active leave starting on or after on is cancelled; one that began before
// on and would run past it is cut short to end the day before, so the days
// already taken stay leave. It returns how many leaves it cancelled or cut;
// none is not an error.
func (tx *Tx) CancelLeave(ctx context.Context, userID string, on servicebot.Date, now time.Time) (int, error) {
	var total int64
	for _, stmt := range []struct {
		query string
		args  []any
	}{
		{`UPDATE leaves SET cancelled_at = ?
			WHERE user_id = ? AND cancelled_at IS NULL AND from_day >= ?`,
			[]any{ts(now), userID, on.String()}},
		{`UPDATE leaves SET to_day = ?
			WHERE user_id = ? AND cancelled_at IS NULL AND from_day < ? AND to_day >= ?`,
			[]any{on.AddDays(-1).String(), userID, on.String(), on.String()}},
	} {
		n, err := rowsChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(stmt.query), stmt.args...))
		if err != nil {
			return 0, fmt.Errorf("store: cancel leave of %s: %w", userID, err)
		}
		total += n
	}
	return int(total), nil
}

// ListLeaves returns the leaves not cancelled that overlap from..to (both
// inclusive), by userid and start, ready for Calendar.IsWorkingDayFor.
func (s shared) ListLeaves(ctx context.Context, from, to servicebot.Date) ([]servicebot.Leave, error) {
	q := s.q
	var rows []struct {
		UserID  string `db:"user_id"`
		FromDay string `db:"from_day"`
		ToDay   string `db:"to_day"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`
		SELECT user_id, from_day, to_day FROM leaves
		WHERE cancelled_at IS NULL AND to_day >= ? AND from_day <= ?
		ORDER BY user_id, from_day, id`), from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("store: list leaves: %w", err)
	}
	leaves := make([]servicebot.Leave, len(rows))
	for i, r := range rows {
		first, err := servicebot.ParseDate(r.FromDay)
		if err != nil {
			return nil, fmt.Errorf("store: list leaves: %w", err)
		}
		last, err := servicebot.ParseDate(r.ToDay)
		if err != nil {
			return nil, fmt.Errorf("store: list leaves: %w", err)
		}
		leaves[i] = servicebot.Leave{UserID: r.UserID, From: first, To: last}
	}
	return leaves, nil
}
