package store_test

import (
	"testing"

	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// A demo setting reads back as last put; an unset one is reported unset.
func TestDemoSettings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if v, ok, err := db.DemoSetting(ctx, "clock_offset"); err != nil || ok || v != "" {
			t.Fatalf("unset: %q %v %v", v, ok, err)
		}
		for _, v := range []string{"1h0m0s", "96h30m0s"} {
			if err := db.PutDemoSetting(ctx, "clock_offset", v); err != nil {
				t.Fatal(err)
			}
		}
		if v, ok, err := db.DemoSetting(ctx, "clock_offset"); err != nil || !ok || v != "96h30m0s" {
			t.Fatalf("got %q %v %v, want the last put", v, ok, err)
		}
	})
}
