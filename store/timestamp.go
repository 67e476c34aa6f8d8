package store

import (
	"fmt"
	"time"
)

// ts is the parameter for a timestamp column: NULL for the zero time, else
// the time in UTC truncated to the microsecond. Postgres keeps microseconds
// (it would round, not truncate, the rest); SQLite gets unix microseconds from
// the driver (_time_integer_format=unix_micro). Either way what is read back
// equals what was written.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

// nullTime scans a timestamp column of either dialect: NULL as the zero time,
// a Postgres timestamptz, or SQLite's unix microseconds. It always yields UTC.
type nullTime struct{ time.Time }

// Scan implements sql.Scanner.
func (t *nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = v.UTC()
	case int64:
		t.Time = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("store: cannot scan %T into a timestamp", src)
	}
	return nil
}
