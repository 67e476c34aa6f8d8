package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/servicebot/servicebot"
)

// This file keeps the after-sales records (package aftersales): customers,
// equipment, service jobs (工单), recorded customer contacts and technical
// questions.

const customerColumns = `id, name, tier, region, address, contact, phone, engineer, engineer_source, created_at, updated_at`

type customerRow struct {
	ID        int64    `db:"id"`
	Name      string   `db:"name"`
	Tier      string   `db:"tier"`
	Region    string   `db:"region"`
	Address   string   `db:"address"`
	Contact   string   `db:"contact"`
	Phone     string   `db:"phone"`
	Engineer  string   `db:"engineer"`
	EngSource string   `db:"engineer_source"`
	CreatedAt nullTime `db:"created_at"`
	UpdatedAt nullTime `db:"updated_at"`
}

func (r customerRow) customer() servicebot.Customer {
	return servicebot.Customer{ID: r.ID, Name: r.Name, Tier: r.Tier, Region: r.Region, Address: r.Address,
		Contact: r.Contact, Phone: r.Phone, Engineer: r.Engineer, EngineerSource: r.EngSource, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time}
}

// UpsertCustomers stores cs by name: a new name is created, a known one
// updated only when a field differs, so importing the same file twice
// changes nothing (not even updated_at).
func (tx *Tx) UpsertCustomers(ctx context.Context, cs []servicebot.Customer, now time.Time) (servicebot.ImportCounts, error) {
	tx.customersVersion = "" // the list changes
	var n servicebot.ImportCounts
	for _, c := range cs {
		var old customerRow
		err := tx.sqlx.GetContext(ctx, &old, tx.sqlx.Rebind(`SELECT `+customerColumns+` FROM customers WHERE name = ?`), c.Name)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
				INSERT INTO customers (name, tier, region, address, contact, phone, engineer, engineer_source, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				c.Name, c.Tier, c.Region, c.Address, c.Contact, c.Phone, c.Engineer, c.EngineerSource, ts(now), ts(now))
			n.Created++
		case err != nil:
		case old.Tier == c.Tier && old.Region == c.Region && old.Address == c.Address &&
			old.Contact == c.Contact && old.Phone == c.Phone && old.Engineer == c.Engineer && old.EngSource == c.EngineerSource:
			n.Unchanged++
		default:
			_, err = tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
				UPDATE customers SET tier = ?, region = ?, address = ?, contact = ?, phone = ?, engineer = ?, engineer_source = ?,
					updated_at = ? WHERE id = ?`),
				c.Tier, c.Region, c.Address, c.Contact, c.Phone, c.Engineer, c.EngineerSource, ts(now), old.ID)
			n.Updated++
		}
		if err != nil {
			return servicebot.ImportCounts{}, fmt.Errorf("store: upsert customer %q: %w", c.Name, err)
		}
	}
	return n, nil
}

// SetCustomerTier changes a customer's tier (R-SVC-2: remote support makes
// a key return-visit customer). It reports whether anything changed.
func (tx *Tx) SetCustomerTier(ctx context.Context, id int64, tier string, now time.Time) (bool, error) {
	tx.customersVersion = "" // the list changes
	res, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE customers SET tier = ?, updated_at = ? WHERE id = ? AND tier <> ?`),
		tier, ts(now), id, tier)
	if err != nil {
		return false, fmt.Errorf("store: set customer %d tier: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AssignCustomerEngineer gives customer id, which has no engineer yet, to
// engineer, recording how they were chosen (source). It reports whether it
// did: a customer given an engineer meanwhile keeps theirs.
func (tx *Tx) AssignCustomerEngineer(ctx context.Context, id int64, engineer, source string, now time.Time) (bool, error) {
	tx.customersVersion = "" // the list changes
	res, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE customers SET engineer = ?, engineer_source = ?, updated_at = ? WHERE id = ? AND engineer = ''`),
		engineer, source, ts(now), id)
	if err != nil {
		return false, fmt.Errorf("store: assign customer %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CustomersPerEngineer counts the customers each engineer keeps in touch
// with (R-VIS-1), by userid.
func (tx *Tx) CustomersPerEngineer(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Engineer string `db:"engineer"`
		N        int    `db:"n"`
	}
	if err := tx.sqlx.SelectContext(ctx, &rows, `SELECT engineer, COUNT(*) AS n FROM customers WHERE engineer <> '' GROUP BY engineer`); err != nil {
		return nil, fmt.Errorf("store: customers per engineer: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Engineer] = r.N
	}
	return out, nil
}

// CustomerByName returns the customer called name, or an error wrapping
// servicebot.ErrNotFound: POST /api/requests warns of an unknown customer.
func (s shared) CustomerByName(ctx context.Context, name string) (servicebot.Customer, error) {
	q := s.q
	var r customerRow
	if err := getOne(ctx, q, fmt.Sprintf("customer %q", name), &r, q.Rebind(`SELECT `+customerColumns+` FROM customers WHERE name = ?`), name); err != nil {
		return servicebot.Customer{}, err
	}
	return r.customer(), nil
}

// Customers returns every customer, by name.
func (db *DB) Customers(ctx context.Context) ([]servicebot.Customer, error) {
	var rows []customerRow
	if err := db.sqlx.SelectContext(ctx, &rows, `SELECT `+customerColumns+` FROM customers ORDER BY name`); err != nil {
		return nil, fmt.Errorf("store: customers: %w", err)
	}
	out := make([]servicebot.Customer, len(rows))
	for i, r := range rows {
		out[i] = r.customer()
	}
	return out, nil
}

// CustomerContacts returns every customer with its last recorded phone
// return visit and on-site visit (R-VIS-1), by name.
func (db *DB) CustomerContacts(ctx context.Context) ([]servicebot.CustomerContacts, error) {
	return customerContacts(ctx, db.sqlx, ``)
}

// LockCustomerContacts locks customer id's row for the rest of the
// transaction and returns the customer with its last recorded contacts
// (R-VIS-1). Whoever settles a customer's obligations takes the lock
// first, so two transactions settling one customer (a contact and the
// scheduled job) take turns and the second reads what the first wrote.
func (tx *Tx) LockCustomerContacts(ctx context.Context, id int64) (servicebot.CustomerContacts, error) {
	res, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE customers SET tier = tier WHERE id = ?`), id)
	if err != nil {
		return servicebot.CustomerContacts{}, fmt.Errorf("store: lock customer %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return servicebot.CustomerContacts{}, fmt.Errorf("store: lock customer %d: %w", id, cmp.Or(err, servicebot.ErrNotFound))
	}
	cs, err := customerContacts(ctx, tx.sqlx, `WHERE c.id = ?`, id)
	if err != nil {
		return servicebot.CustomerContacts{}, err
	}
	if len(cs) == 0 {
		return servicebot.CustomerContacts{}, fmt.Errorf("store: customer %d: %w", id, servicebot.ErrNotFound)
	}
	return cs[0], nil
}

func customerContacts(ctx context.Context, q sqlx.ExtContext, where string, args ...any) ([]servicebot.CustomerContacts, error) {
	var rows []struct {
		customerRow
		LastPhone  nullTime `db:"last_phone"`
		LastOnSite nullTime `db:"last_onsite"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`
		SELECT c.id, c.name, c.tier, c.region, c.address, c.contact, c.phone, c.engineer, c.engineer_source,
			c.created_at, c.updated_at,
			(SELECT MAX(k.at) FROM customer_contacts k WHERE k.customer_id = c.id AND k.kind = ?) AS last_phone,
			(SELECT MAX(k.at) FROM customer_contacts k WHERE k.customer_id = c.id AND k.kind = ?) AS last_onsite
		FROM customers c `+where+` ORDER BY c.name`), append([]any{servicebot.ContactPhone, servicebot.ContactOnSite}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: customer contacts: %w", err)
	}
	out := make([]servicebot.CustomerContacts, len(rows))
	for i, r := range rows {
		out[i] = servicebot.CustomerContacts{Customer: r.customer(), LastPhone: r.LastPhone.Time, LastOnSite: r.LastOnSite.Time}
	}
	return out, nil
}

// SettleObligation makes want the one open obligation of kind whose key
// starts with keyPrefix (one customer's R-VIS-1 calls, say): the other open
// ones are closed as done, and want is created, or reopened when its key
// was closed before, with want's holder, due time and note. A want without
// a key closes them all. It reports whether anything changed.
func (tx *Tx) SettleObligation(ctx context.Context, kind, keyPrefix string, want servicebot.Obligation, now time.Time) (bool, error) {
	if want.Key != "" && (want.Kind != kind || !strings.HasPrefix(want.Key, keyPrefix)) {
		return false, fmt.Errorf("store: settle %s %s: obligation %s is not one of them", kind, keyPrefix, want.Key)
	}
	cond, condArgs := openOfKindWithKeyPrefix(tx.sqlx.DriverName(), kind, keyPrefix)
	res, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE obligations SET status = ?, closed_at = ? WHERE `+cond+` AND key <> ?`),
		append(append([]any{servicebot.ObligationDone, ts(now)}, condArgs...), want.Key)...)
	if err != nil {
		return false, fmt.Errorf("store: settle %s %s: %w", kind, keyPrefix, err)
	}
	closed, err := res.RowsAffected()
	if err != nil || want.Key == "" {
		return closed > 0, err
	}
	if want.DueAt.IsZero() || want.CreatedAt.IsZero() {
		return false, fmt.Errorf("store: settle %s: obligation %s lacks a due or created time", kind, want.Key)
	}
	res, err = tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		INSERT INTO obligations (kind, user_id, key, period, due_at, status, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET status = excluded.status, closed_at = NULL, user_id = excluded.user_id,
			due_at = excluded.due_at, note = excluded.note
		WHERE obligations.status <> excluded.status OR obligations.user_id <> excluded.user_id
			OR obligations.note <> excluded.note OR obligations.due_at <> excluded.due_at`),
		kind, want.UserID, want.Key, want.Period, ts(want.DueAt), servicebot.ObligationOpen, want.Note, ts(want.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("store: settle %s: %w", want.Key, err)
	}
	opened, err := res.RowsAffected()
	return closed > 0 || opened > 0, err
}

// OpenObligationsOf returns the open obligations of kind whose key starts
// with keyPrefix, by due time.
func (db *DB) OpenObligationsOf(ctx context.Context, kind, keyPrefix string) ([]servicebot.Obligation, error) {
	var rows []obligationRow
	cond, args := openOfKindWithKeyPrefix(db.sqlx.DriverName(), kind, keyPrefix)
	err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(`SELECT `+obligationColumns+` FROM obligations
		WHERE `+cond+` ORDER BY due_at, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: open %s obligations %s: %w", kind, keyPrefix, err)
	}
	out := make([]servicebot.Obligation, len(rows))
	for i, r := range rows {
		out[i] = r.obligation()
	}
	return out, nil
}

// RecordContact records a phone return visit or an on-site visit of a
// customer, once per ref. It reports whether it was new.
func (tx *Tx) RecordContact(ctx context.Context, customerID int64, kind string, at time.Time, userID, ref string) (bool, error) {
	res, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		INSERT INTO customer_contacts (customer_id, kind, at, user_id, ref) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (ref) DO NOTHING`), customerID, kind, ts(at), userID, ref)
	if err != nil {
		return false, fmt.Errorf("store: record contact %s: %w", ref, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ContactsBetween returns the phone return visits and on-site visits
// recorded from from up to (not including) to, oldest first.
func (db *DB) ContactsBetween(ctx context.Context, from, to time.Time) ([]servicebot.Contact, error) {
	var rows []struct {
		CustomerID int64    `db:"customer_id"`
		Customer   string   `db:"customer"`
		Kind       string   `db:"kind"`
		At         nullTime `db:"at"`
		UserID     string   `db:"user_id"`
		Ref        string   `db:"ref"`
	}
	err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(`
		SELECT k.customer_id, c.name AS customer, k.kind, k.at, k.user_id, k.ref
		FROM customer_contacts k JOIN customers c ON c.id = k.customer_id
		WHERE k.at >= ? AND k.at < ? ORDER BY k.at, k.id`), ts(from), ts(to))
	if err != nil {
		return nil, fmt.Errorf("store: contacts between: %w", err)
	}
	out := make([]servicebot.Contact, len(rows))
	for i, r := range rows {
		out[i] = servicebot.Contact{CustomerID: r.CustomerID, Customer: r.Customer, Kind: r.Kind, At: r.At.Time,
			UserID: r.UserID, Ref: r.Ref}
	}
	return out, nil
}

type equipmentRow struct {
	ID          int64  `db:"id"`
	Customer    string `db:"customer"`
	Model       string `db:"model"`
	Serial      string `db:"serial"`
	FactoryDate string `db:"factory_date"`
	WarrantyEnd string `db:"warranty_end"`
}

func (r equipmentRow) equipment() servicebot.Equipment {
	return servicebot.Equipment{ID: r.ID, Customer: r.Customer, Model: r.Model, Serial: r.Serial,
		FactoryDate: civilDate(r.FactoryDate), WarrantyEnd: civilDate(r.WarrantyEnd)}
}

// civilDate reads a stored 'YYYY-MM-DD'; an empty one is the zero date.
func civilDate(s string) servicebot.Date {
	d, err := servicebot.ParseDate(s)
	if err != nil {
		return servicebot.Date{}
	}
	return d
}

func dateText(d servicebot.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// UpsertEquipment stores es by serial number, like UpsertCustomers. Each
// machine's customer must exist; one that does not is an error wrapping
// servicebot.ErrNotFound.
func (tx *Tx) UpsertEquipment(ctx context.Context, es []servicebot.Equipment, now time.Time) (servicebot.ImportCounts, error) {
	var n servicebot.ImportCounts
	for _, e := range es {
		c, err := tx.CustomerByName(ctx, e.Customer)
		if err != nil {
			return servicebot.ImportCounts{}, fmt.Errorf("store: upsert equipment %q: %w", e.Serial, err)
		}
		var old struct {
			ID          int64  `db:"id"`
			CustomerID  int64  `db:"customer_id"`
			Model       string `db:"model"`
			FactoryDate string `db:"factory_date"`
			WarrantyEnd string `db:"warranty_end"`
		}
		err = tx.sqlx.GetContext(ctx, &old, tx.sqlx.Rebind(
			`SELECT id, customer_id, model, factory_date, warranty_end FROM equipment WHERE serial = ?`), e.Serial)
		factory, warranty := dateText(e.FactoryDate), dateText(e.WarrantyEnd)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
				INSERT INTO equipment (customer_id, model, serial, factory_date, warranty_end, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), c.ID, e.Model, e.Serial, factory, warranty, ts(now), ts(now))
			n.Created++
		case err != nil:
		case old.CustomerID == c.ID && old.Model == e.Model && old.FactoryDate == factory && old.WarrantyEnd == warranty:
			n.Unchanged++
		default:
			_, err = tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
				UPDATE equipment SET customer_id = ?, model = ?, factory_date = ?, warranty_end = ?, updated_at = ?
				WHERE id = ?`), c.ID, e.Model, factory, warranty, ts(now), old.ID)
			n.Updated++
		}
		if err != nil {
			return servicebot.ImportCounts{}, fmt.Errorf("store: upsert equipment %q: %w", e.Serial, err)
		}
	}
	return n, nil
}

// EquipmentBySerial returns the machine with serial number serial, or an
// error wrapping servicebot.ErrNotFound.
func (tx *Tx) EquipmentBySerial(ctx context.Context, serial string) (servicebot.Equipment, error) {
	var r equipmentRow
	err := tx.sqlx.GetContext(ctx, &r, tx.sqlx.Rebind(`
		SELECT e.id, c.name AS customer, e.model, e.serial, e.factory_date, e.warranty_end
		FROM equipment e JOIN customers c ON c.id = e.customer_id WHERE e.serial = ?`), serial)
	if errors.Is(err, sql.ErrNoRows) {
		return servicebot.Equipment{}, fmt.Errorf("store: equipment %q: %w", serial, servicebot.ErrNotFound)
	}
	if err != nil {
		return servicebot.Equipment{}, fmt.Errorf("store: equipment %q: %w", serial, err)
	}
	return r.equipment(), nil
}

// JobsOfSerial returns the jobs on the machine with serial number serial,
// oldest first.
func (tx *Tx) JobsOfSerial(ctx context.Context, serial string) ([]servicebot.Job, error) {
	jobs, err := selectJobs(ctx, tx.sqlx, tx.sqlx.Rebind(jobSelect+` WHERE j.serial = ? ORDER BY j.id`), serial)
	if err != nil {
		return nil, fmt.Errorf("store: jobs of serial %q: %w", serial, err)
	}
	return jobs, nil
}

// Equipment returns every machine with its customer's name, by serial.
func (db *DB) Equipment(ctx context.Context) ([]servicebot.Equipment, error) {
	var rows []equipmentRow
	err := db.sqlx.SelectContext(ctx, &rows, `
		SELECT e.id, c.name AS customer, e.model, e.serial, e.factory_date, e.warranty_end
		FROM equipment e JOIN customers c ON c.id = e.customer_id ORDER BY e.serial`)
	if err != nil {
		return nil, fmt.Errorf("store: equipment: %w", err)
	}
	out := make([]servicebot.Equipment, len(rows))
	for i, r := range rows {
		out[i] = r.equipment()
	}
	return out, nil
}

// jobSelect reads jobs with their machine and whether an earlier fault job
// on the same serial exists (a repeated fault is flagged, not stored: a job
// filed late or a serial corrected later still gets it right).
const jobSelect = `
	SELECT j.id, COALESCE(j.request_id, 0) AS request_id, j.service_type, COALESCE(j.customer_id, 0) AS customer_id,
		j.customer, j.region, j.reason, j.serial, j.remote, j.engineer, j.status,
		j.created_at, j.assigned_at, j.started_at, j.completed_at, j.visited_at,
		COALESCE(e.id, 0) AS eq_id, COALESCE(e.model, '') AS eq_model,
		COALESCE(e.factory_date, '') AS eq_factory, COALESCE(e.warranty_end, '') AS eq_warranty,
		CASE WHEN j.service_type = 'fault' AND j.serial <> '' AND EXISTS (
			SELECT 1 FROM service_jobs p WHERE p.serial = j.serial AND p.service_type = 'fault' AND p.id < j.id)
			THEN 1 ELSE 0 END AS repeat_fault
	FROM service_jobs j LEFT JOIN equipment e ON e.serial = j.serial`

type jobRow struct {
	ID          int64    `db:"id"`
	RequestID   int64    `db:"request_id"`
	Type        string   `db:"service_type"`
	CustomerID  int64    `db:"customer_id"`
	Customer    string   `db:"customer"`
	Region      string   `db:"region"`
	Reason      string   `db:"reason"`
	Serial      string   `db:"serial"`
	Remote      bool     `db:"remote"`
	Engineer    string   `db:"engineer"`
	Status      string   `db:"status"`
	CreatedAt   nullTime `db:"created_at"`
	AssignedAt  nullTime `db:"assigned_at"`
	StartedAt   nullTime `db:"started_at"`
	CompletedAt nullTime `db:"completed_at"`
	VisitedAt   nullTime `db:"visited_at"`
	EqID        int64    `db:"eq_id"`
	EqModel     string   `db:"eq_model"`
	EqFactory   string   `db:"eq_factory"`
	EqWarranty  string   `db:"eq_warranty"`
	RepeatFault bool     `db:"repeat_fault"`
}

func (r jobRow) job() servicebot.Job {
	j := servicebot.Job{
		ID: r.ID, RequestID: r.RequestID, Type: servicebot.ServiceType(r.Type), CustomerID: r.CustomerID,
		Customer: r.Customer, Region: r.Region, Reason: r.Reason, Serial: r.Serial, Remote: r.Remote,
		Engineer: r.Engineer, Status: r.Status, RepeatFault: r.RepeatFault,
		CreatedAt: r.CreatedAt.Time, AssignedAt: r.AssignedAt.Time, StartedAt: r.StartedAt.Time,
		CompletedAt: r.CompletedAt.Time, VisitedAt: r.VisitedAt.Time,
	}
	if r.EqID != 0 {
		j.Equipment = equipmentRow{ID: r.EqID, Customer: r.Customer, Model: r.EqModel, Serial: r.Serial,
			FactoryDate: r.EqFactory, WarrantyEnd: r.EqWarranty}.equipment()
	}
	return j
}

func selectJobs(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) ([]servicebot.Job, error) {
	var rows []jobRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]servicebot.Job, len(rows))
	for i, r := range rows {
		out[i] = r.job()
	}
	return out, nil
}

// CreateJob stores a job for its service request, once: a second call for
// the same request returns the stored job and false. A job with a
// RequestID of 0 belongs to no request (created by hand).
func (tx *Tx) CreateJob(ctx context.Context, j servicebot.Job) (servicebot.Job, bool, error) {
	if j.RequestID != 0 {
		existing, err := tx.JobOfRequest(ctx, j.RequestID)
		if err == nil {
			return existing, false, nil
		}
		if !errors.Is(err, servicebot.ErrNotFound) {
			return servicebot.Job{}, false, err
		}
	}
	var requestID, customerID any
	if j.RequestID != 0 {
		requestID = j.RequestID
	}
	if j.CustomerID != 0 {
		customerID = j.CustomerID
	}
	var id int64
	err := tx.sqlx.GetContext(ctx, &id, tx.sqlx.Rebind(`
		INSERT INTO service_jobs (request_id, service_type, customer_id, customer, region, reason, serial, remote,
			engineer, status, created_at, assigned_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		requestID, string(j.Type), customerID, j.Customer, j.Region, j.Reason, j.Serial, j.Remote,
		j.Engineer, j.Status, ts(j.CreatedAt), ts(j.AssignedAt))
	if err != nil {
		return servicebot.Job{}, false, fmt.Errorf("store: create job: %w", err)
	}
	created, err := tx.GetJob(ctx, id)
	return created, err == nil, err
}

// GetJob returns job id, or an error wrapping servicebot.ErrNotFound.
func (tx *Tx) GetJob(ctx context.Context, id int64) (servicebot.Job, error) {
	return oneJob(ctx, tx.sqlx, fmt.Sprintf("job %d", id), tx.sqlx.Rebind(jobSelect+` WHERE j.id = ?`), id)
}

// Job returns job id, or an error wrapping servicebot.ErrNotFound.
func (db *DB) Job(ctx context.Context, id int64) (servicebot.Job, error) {
	return oneJob(ctx, db.sqlx, fmt.Sprintf("job %d", id), db.sqlx.Rebind(jobSelect+` WHERE j.id = ?`), id)
}

// JobOfRequest returns the job of service request requestID, or an error
// wrapping servicebot.ErrNotFound.
func (tx *Tx) JobOfRequest(ctx context.Context, requestID int64) (servicebot.Job, error) {
	return oneJob(ctx, tx.sqlx, fmt.Sprintf("job of request %d", requestID), tx.sqlx.Rebind(jobSelect+` WHERE j.request_id = ?`), requestID)
}

func oneJob(ctx context.Context, q sqlx.QueryerContext, what, query string, args ...any) (servicebot.Job, error) {
	jobs, err := selectJobs(ctx, q, query, args...)
	if err != nil {
		return servicebot.Job{}, fmt.Errorf("store: %s: %w", what, err)
	}
	if len(jobs) == 0 {
		return servicebot.Job{}, fmt.Errorf("store: %s: %w", what, servicebot.ErrNotFound)
	}
	return jobs[0], nil
}

// EngineerJobs returns the jobs of engineer not yet closed by a return
// visit, oldest first.
func (tx *Tx) EngineerJobs(ctx context.Context, engineer string) ([]servicebot.Job, error) {
	jobs, err := selectJobs(ctx, tx.sqlx, tx.sqlx.Rebind(jobSelect+` WHERE j.engineer = ? AND j.status <> ? ORDER BY j.id`),
		engineer, servicebot.JobVisited)
	if err != nil {
		return nil, fmt.Errorf("store: jobs of %s: %w", engineer, err)
	}
	return jobs, nil
}

// CompletedJobsFor returns engineer's completed jobs at the customer that
// no return visit has closed yet, oldest first: the jobs a return-visit
// questionnaire may be for. Narrowed in the query, since an engineer's jobs
// pile up over the years and a questionnaire concerns one customer.
func (tx *Tx) CompletedJobsFor(ctx context.Context, engineer string, customerID int64) ([]servicebot.Job, error) {
	jobs, err := selectJobs(ctx, tx.sqlx, tx.sqlx.Rebind(jobSelect+` WHERE j.engineer = ? AND j.status = ? AND j.customer_id = ? ORDER BY j.id`),
		engineer, servicebot.JobCompleted, customerID)
	if err != nil {
		return nil, fmt.Errorf("store: completed jobs of %s at customer %d: %w", engineer, customerID, err)
	}
	return jobs, nil
}

// OpenJobs returns every job not yet closed by a return visit, oldest
// first: the service manager's 我的工单.
func (tx *Tx) OpenJobs(ctx context.Context) ([]servicebot.Job, error) {
	jobs, err := selectJobs(ctx, tx.sqlx, tx.sqlx.Rebind(jobSelect+` WHERE j.status <> ? ORDER BY j.id`), servicebot.JobVisited)
	if err != nil {
		return nil, fmt.Errorf("store: open jobs: %w", err)
	}
	return jobs, nil
}

// Jobs returns the newest jobs, at most limit.
func (db *DB) Jobs(ctx context.Context, limit int) ([]servicebot.Job, error) {
	jobs, err := selectJobs(ctx, db.sqlx, db.sqlx.Rebind(jobSelect+` ORDER BY j.id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("store: jobs: %w", err)
	}
	return jobs, nil
}

// OpenJobsOf returns the jobs not yet closed by a return visit of
// engineer ("" for the whole department's), oldest first: the job list page.
func (db *DB) OpenJobsOf(ctx context.Context, engineer string) ([]servicebot.Job, error) {
	query, args := jobSelect+` WHERE j.status <> ?`, []any{servicebot.JobVisited}
	if engineer != "" {
		query += ` AND j.engineer = ?`
		args = append(args, engineer)
	}
	jobs, err := selectJobs(ctx, db.sqlx, db.sqlx.Rebind(query+` ORDER BY j.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: open jobs of %q: %w", engineer, err)
	}
	return jobs, nil
}

// FaultJobsOfSerial returns every fault job on machine serial, oldest
// first: the machine's fault history on the job page.
func (db *DB) FaultJobsOfSerial(ctx context.Context, serial string) ([]servicebot.Job, error) {
	jobs, err := selectJobs(ctx, db.sqlx, db.sqlx.Rebind(jobSelect+` WHERE j.serial = ? AND j.service_type = ? ORDER BY j.id`),
		serial, string(servicebot.ServiceFault))
	if err != nil {
		return nil, fmt.Errorf("store: fault jobs of %s: %w", serial, err)
	}
	return jobs, nil
}

// JobsCompleted returns the jobs completed from from up to (not including)
// to, whether or not their return visit is recorded since, oldest first.
func (db *DB) JobsCompleted(ctx context.Context, from, to time.Time) ([]servicebot.Job, error) {
	jobs, err := selectJobs(ctx, db.sqlx, db.sqlx.Rebind(jobSelect+`
		WHERE j.completed_at >= ? AND j.completed_at < ? ORDER BY j.completed_at, j.id`), ts(from), ts(to))
	if err != nil {
		return nil, fmt.Errorf("store: jobs completed: %w", err)
	}
	return jobs, nil
}

// MoveJob changes job id from one of the states from to state to, setting
// the time column of the new state, when engineer is "" or the job's
// engineer. assign names the engineer a dispatch gives the job. It reports
// whether the job moved: a repeated command moves nothing.
func (tx *Tx) MoveJob(ctx context.Context, id int64, from []string, to, engineer, assign string, now time.Time) (bool, error) {
	column := map[string]string{
		servicebot.JobAssigned: "assigned_at", servicebot.JobInProgress: "started_at",
		servicebot.JobCompleted: "completed_at", servicebot.JobVisited: "visited_at",
	}[to]
	if column == "" || len(from) == 0 {
		return false, fmt.Errorf("store: move job %d to %q: not a state a job moves to", id, to)
	}
	query := `UPDATE service_jobs SET status = ?, ` + column + ` = ?`
	args := []any{to, ts(now)}
	if assign != "" {
		query += `, engineer = ?`
		args = append(args, assign)
	}
	query += ` WHERE id = ? AND status IN (?)`
	args = append(args, id, from)
	if engineer != "" {
		query += ` AND engineer = ?`
		args = append(args, engineer)
	}
	query, args, err := sqlx.In(query, args...)
	if err != nil {
		return false, fmt.Errorf("store: move job %d: %w", id, err)
	}
	res, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(query), args...)
	if err != nil {
		return false, fmt.Errorf("store: move job %d to %s: %w", id, to, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetJobSerial records the machine a job is about (from a form).
func (tx *Tx) SetJobSerial(ctx context.Context, id int64, serial string) error {
	_, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE service_jobs SET serial = ? WHERE id = ?`), serial, id)
	if err != nil {
		return fmt.Errorf("store: set job %d serial: %w", id, err)
	}
	return nil
}

// SetJobRemote records the VP's decision of remote support (R-SVC-2) on a
// job stored before it was known.
func (tx *Tx) SetJobRemote(ctx context.Context, id int64, remote bool) error {
	_, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE service_jobs SET remote = ? WHERE id = ?`), remote, id)
	if err != nil {
		return fmt.Errorf("store: set job %d remote: %w", id, err)
	}
	return nil
}

const techQuestionColumns = `id, COALESCE(customer_id, 0) AS customer_id, customer, question, asked_by, asked_at, due_at,
	answered_by, answer, answered_at, source`

type techQuestionRow struct {
	ID         int64    `db:"id"`
	CustomerID int64    `db:"customer_id"`
	Customer   string   `db:"customer"`
	Question   string   `db:"question"`
	AskedBy    string   `db:"asked_by"`
	AskedAt    nullTime `db:"asked_at"`
	DueAt      nullTime `db:"due_at"`
	AnsweredBy string   `db:"answered_by"`
	Answer     string   `db:"answer"`
	AnsweredAt nullTime `db:"answered_at"`
	Source     string   `db:"source"`
}

// AddTechQuestion logs q once per Source: a repeated delivery returns the
// stored question and false.
func (tx *Tx) AddTechQuestion(ctx context.Context, q servicebot.TechQuestion) (servicebot.TechQuestion, bool, error) {
	var customerID any
	if q.CustomerID != 0 {
		customerID = q.CustomerID
	}
	n, err := rowsChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		INSERT INTO tech_questions (customer_id, customer, question, asked_by, asked_at, due_at, source)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source) DO NOTHING`),
		customerID, q.Customer, q.Question, q.AskedBy, ts(q.AskedAt), ts(q.DueAt), q.Source))
	if err != nil {
		return servicebot.TechQuestion{}, false, fmt.Errorf("store: add tech question: %w", err)
	}
	stored, err := oneTechQuestion(ctx, tx, `source = ?`, q.Source)
	return stored, n == 1, err
}

// GetTechQuestion returns question id, or an error wrapping servicebot.ErrNotFound.
func (tx *Tx) GetTechQuestion(ctx context.Context, id int64) (servicebot.TechQuestion, error) {
	return oneTechQuestion(ctx, tx, `id = ?`, id)
}

func oneTechQuestion(ctx context.Context, tx *Tx, where string, arg any) (servicebot.TechQuestion, error) {
	var r techQuestionRow
	if err := getOne(ctx, tx.sqlx, fmt.Sprintf("tech question %v", arg), &r, tx.sqlx.Rebind(`SELECT `+techQuestionColumns+` FROM tech_questions WHERE `+where), arg); err != nil {
		return servicebot.TechQuestion{}, err
	}
	return servicebot.TechQuestion{ID: r.ID, CustomerID: r.CustomerID, Customer: r.Customer, Question: r.Question,
		AskedBy: r.AskedBy, AskedAt: r.AskedAt.Time, DueAt: r.DueAt.Time, AnsweredBy: r.AnsweredBy,
		Answer: r.Answer, AnsweredAt: r.AnsweredAt.Time, Source: r.Source}, nil
}

// AnswerTechQuestion records the answer of an unanswered question and
// reports whether it did: an answered question keeps its first answer.
func (tx *Tx) AnswerTechQuestion(ctx context.Context, id int64, by, answer string, now time.Time) (bool, error) {
	res, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE tech_questions SET answered_by = ?, answer = ?, answered_at = ? WHERE id = ? AND answered_at IS NULL`),
		by, answer, ts(now), id)
	if err != nil {
		return false, fmt.Errorf("store: answer tech question %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// openOfKindWithKeyPrefix is the condition "open, of kind, key starting
// with keyPrefix" and its arguments, written so that the index
// obligations_open_key serves it: a range over the keys in byte order
// rather than substr(key, …), which reads every open obligation of the kind
// (thousands of customers' R-VIS-1 calls, once per recorded contact). Byte
// order is what the range needs, so Postgres compares in the "C" collation
// whatever the database's own, as its index does; SQLite's is byte order.
func openOfKindWithKeyPrefix(driverName, kind, keyPrefix string) (string, []any) {
	status := `status = '` + servicebot.ObligationOpen + `'` // a literal, so that the partial index applies
	last := len(keyPrefix) - 1
	if last < 0 || keyPrefix[last] >= 0x7f {
		// No ASCII last byte to step past (every key prefix of ours ends
		// in one): the plain, unindexed comparison.
		return status + ` AND kind = ? AND substr(key, 1, ?) = ?`, []any{kind, len(keyPrefix), keyPrefix}
	}
	past := keyPrefix[:last] + string(keyPrefix[last]+1)
	key := `key`
	if driverName == "postgres" {
		key = `key COLLATE "C"`
	}
	return status + ` AND kind = ? AND ` + key + ` >= ? AND ` + key + ` < ?`, []any{kind, keyPrefix, past}
}

// OpenObligations returns the open obligations of the kinds, of userID
// ("" for everybody's), by due time.
func (s shared) OpenObligations(ctx context.Context, userID string, kinds []string) ([]servicebot.Obligation, error) {
	q := s.q
	query := `SELECT ` + obligationColumns + ` FROM obligations WHERE status = ? AND kind IN (?)`
	args := []any{servicebot.ObligationOpen, kinds}
	if userID != "" {
		query += ` AND user_id = ?`
		args = append(args, userID)
	}
	query, args, err := sqlx.In(query+` ORDER BY due_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: open obligations: %w", err)
	}
	var rows []obligationRow
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(query), args...); err != nil {
		return nil, fmt.Errorf("store: open obligations: %w", err)
	}
	out := make([]servicebot.Obligation, len(rows))
	for i, r := range rows {
		out[i] = r.obligation()
	}
	return out, nil
}

// CloseObligationsOf closes the open obligations of kind whose key starts
// with keyPrefix (all of one customer's R-VIS-1 calls, say) and returns how
// many it closed.
func (tx *Tx) CloseObligationsOf(ctx context.Context, kind, keyPrefix, status string, now time.Time) (int, error) {
	cond, condArgs := openOfKindWithKeyPrefix(tx.sqlx.DriverName(), kind, keyPrefix)
	res, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		UPDATE obligations SET status = ?, closed_at = ? WHERE `+cond),
		append([]any{status, ts(now)}, condArgs...)...)
	if err != nil {
		return 0, fmt.Errorf("store: close %s obligations %s: %w", kind, keyPrefix, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
