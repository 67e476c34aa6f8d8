package people

import (
	"context"
	"time"

	"github.com/servicebot/servicebot/feature"
)

// JobSync is the daily pull of the WeCom address book.
const JobSync = "directory-sync"

// Feature is the address book's surface: its daily sync job.
func Feature[T any](d *Directory) feature.Feature[T] {
	return feature.Feature[T]{
		Name: "people",
		Jobs: []feature.Job{{
			Name:        JobSync,
			Cron:        "0 6 * * *",
			Description: "pull departments and members from the WeCom address book",
			Run: func(ctx context.Context, _ time.Time) error {
				_, err := d.Sync(ctx)
				return err
			},
		}},
	}
}
