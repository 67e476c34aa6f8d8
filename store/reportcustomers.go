package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/servicebot/servicebot"
)

// ReportCustomers returns what the report reader needs of the customer
// list (issue 9): every customer's id, name and address, and the spellings
// engineers confirmed for it.
func (tx *Tx) ReportCustomers(ctx context.Context) ([]servicebot.CustomerName, error) {
	var rows []struct {
		ID      int64  `db:"id"`
		Name    string `db:"name"`
		Address string `db:"address"`
	}
	if err := tx.sqlx.SelectContext(ctx, &rows, `SELECT id, name, address FROM customers ORDER BY id`); err != nil {
		return nil, fmt.Errorf("store: report customers: %w", err)
	}
	var aliases []struct {
		Alias      string `db:"alias"`
		CustomerID int64  `db:"customer_id"`
	}
	if err := tx.sqlx.SelectContext(ctx, &aliases, `SELECT alias, customer_id FROM customer_aliases ORDER BY alias`); err != nil {
		return nil, fmt.Errorf("store: report customers: aliases: %w", err)
	}
	out := make([]servicebot.CustomerName, len(rows))
	at := make(map[int64]int, len(rows))
	for i, r := range rows {
		out[i] = servicebot.CustomerName{ID: r.ID, Name: r.Name, Address: r.Address}
		at[r.ID] = i
	}
	for _, a := range aliases {
		if i, ok := at[a.CustomerID]; ok {
			out[i].Aliases = append(out[i].Aliases, a.Alias)
		}
	}
	return out, nil
}

// CustomersVersion changes whenever the customer list or its aliases
// change: the report handlers rebuild their reader only then.
func (tx *Tx) CustomersVersion(ctx context.Context) (string, error) {
	if tx.customersVersion != "" {
		return tx.customersVersion, nil
	}
	var v struct {
		N       int64    `db:"n"`
		Updated nullTime `db:"updated"`
		Aliases int64    `db:"aliases"`
	}
	err := tx.sqlx.GetContext(ctx, &v, `SELECT
		(SELECT COUNT(*) FROM customers) AS n,
		(SELECT MAX(updated_at) FROM customers) AS updated,
		(SELECT COUNT(*) FROM customer_aliases) AS aliases`)
	if err != nil {
		return "", fmt.Errorf("store: customers version: %w", err)
	}
	tx.customersVersion = fmt.Sprintf("%d/%d/%d", v.N, v.Updated.UnixMicro(), v.Aliases)
	return tx.customersVersion, nil
}

// AddCustomerAlias records a spelling of a listed customer an engineer
// confirmed. A spelling already known keeps its first customer.
func (tx *Tx) AddCustomerAlias(ctx context.Context, alias string, customerID int64, userID string, now time.Time) error {
	tx.customersVersion = ""
	_, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`INSERT INTO customer_aliases (alias, customer_id, user_id, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (alias) DO NOTHING`), alias, customerID, userID, ts(now))
	if err != nil {
		return fmt.Errorf("store: add customer alias: %w", err)
	}
	return nil
}

// SetPending records the question the bot now waits an answer to from
// userID, replacing any earlier one.
func (tx *Tx) SetPending(ctx context.Context, p servicebot.PendingQuestion) error {
	_, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`INSERT INTO chat_pending (user_id, kind, payload, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind, payload = excluded.payload,
		created_at = excluded.created_at`), p.UserID, p.Kind, p.Payload, ts(p.At))
	if err != nil {
		return fmt.Errorf("store: set pending: %w", err)
	}
	return nil
}

// TakePending removes and returns userID's pending question, or an error
// wrapping servicebot.ErrNotFound when there is none.
func (tx *Tx) TakePending(ctx context.Context, userID string) (servicebot.PendingQuestion, error) {
	var r struct {
		Kind    string   `db:"kind"`
		Payload string   `db:"payload"`
		At      nullTime `db:"created_at"`
	}
	err := tx.sqlx.GetContext(ctx, &r, tx.sqlx.Rebind(`DELETE FROM chat_pending WHERE user_id = ?
		RETURNING kind, payload, created_at`), userID)
	if errors.Is(err, sql.ErrNoRows) {
		return servicebot.PendingQuestion{}, fmt.Errorf("store: pending of %s: %w", userID, servicebot.ErrNotFound)
	}
	if err != nil {
		return servicebot.PendingQuestion{}, fmt.Errorf("store: take pending: %w", err)
	}
	return servicebot.PendingQuestion{UserID: userID, Kind: r.Kind, Payload: r.Payload, At: r.At.Time}, nil
}
