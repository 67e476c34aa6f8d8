package store

import (
	"context"
	"fmt"
)

// PutSimRecord keeps one record of the demo's WeCom simulator (its chat
// history, the cards as members see them, its group chats), replacing the
// one of the same kind and name. The record keeps its place in
// EachSimRecord's order.
func (db *DB) PutSimRecord(ctx context.Context, kind, name string, body []byte) error {
	_, err := db.sqlx.ExecContext(ctx, db.sqlx.Rebind(`INSERT INTO sim_records (kind, name, body) VALUES (?, ?, ?)
		ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body`), kind, name, string(body))
	if err != nil {
		return fmt.Errorf("store: put sim record %s %s: %w", kind, name, err)
	}
	return nil
}

// EachSimRecord calls fn with every record PutSimRecord kept, in the order
// they were first put, and stops at fn's first error.
func (db *DB) EachSimRecord(ctx context.Context, fn func(kind, name string, body []byte) error) error {
	rows, err := db.sqlx.QueryContext(ctx, `SELECT kind, name, body FROM sim_records ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: sim records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, name, body string
		if err := rows.Scan(&kind, &name, &body); err != nil {
			return fmt.Errorf("store: sim records: %w", err)
		}
		if err := fn(kind, name, []byte(body)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: sim records: %w", err)
	}
	return nil
}
