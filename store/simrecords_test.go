package store_test

import (
	"testing"

	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// The demo simulator's records come back in the order first put, a record
// put again replaced in its place.
func TestSimRecords(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for _, r := range [][3]string{
			{"sent", "1", `{"Seq":1}`},
			{"inbound", "2", `{"seq":2,"done":false}`},
			{"card", "task-1", `{"card":{}}`},
			{"inbound", "2", `{"seq":2,"done":true}`},
		} {
			if err := db.PutSimRecord(ctx, r[0], r[1], []byte(r[2])); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		if err := db.EachSimRecord(ctx, func(kind, name string, body []byte) error {
			got = append(got, kind+" "+name+" "+string(body))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{`sent 1 {"Seq":1}`, `inbound 2 {"seq":2,"done":true}`, `card task-1 {"card":{}}`}
		if len(got) != len(want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("record %d: got %q, want %q", i, got[i], want[i])
			}
		}
	})
}
