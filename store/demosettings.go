package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// DemoSetting is the value `servicebot demo` kept under name, and whether
// one was kept.
func (db *DB) DemoSetting(ctx context.Context, name string) (string, bool, error) {
	var v string
	err := db.sqlx.GetContext(ctx, &v, db.sqlx.Rebind(`SELECT value FROM demo_settings WHERE name = ?`), name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("store: demo setting %s: %w", name, err)
	}
	return v, true, nil
}

// PutDemoSetting keeps value under name for the demo's next start.
func (db *DB) PutDemoSetting(ctx context.Context, name, value string) error {
	_, err := db.sqlx.ExecContext(ctx, db.sqlx.Rebind(`INSERT INTO demo_settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`), name, value)
	if err != nil {
		return fmt.Errorf("store: put demo setting %s: %w", name, err)
	}
	return nil
}
