package store

import (
	"context"
	"fmt"
	"sort"
)

// Columns lists the tables of the migrated schema and their columns, by
// name (goose's version table and SQLite's own left out). The two dialects'
// migrations must lay out the same tables and columns: one sqlx code path
// runs on both (TestSchemaParity).
func (db *DB) Columns(ctx context.Context) (map[string][]string, error) {
	type col struct {
		Table  string `db:"table_name"`
		Column string `db:"column_name"`
	}
	var cols []col
	var err error
	if db.dialect == DialectPostgres {
		err = db.sqlx.SelectContext(ctx, &cols, `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`)
	} else {
		err = db.sqlx.SelectContext(ctx, &cols, `SELECT m.name AS table_name, p.name AS column_name
			FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT IN ('goose_db_version', 'sqlite_sequence')`)
	}
	if err != nil {
		return nil, fmt.Errorf("store: columns: %w", err)
	}
	out := map[string][]string{}
	for _, c := range cols {
		out[c.Table] = append(out[c.Table], c.Column)
	}
	for _, cs := range out {
		sort.Strings(cs)
	}
	return out, nil
}
