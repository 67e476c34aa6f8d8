package loadtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servicebot/servicebot/internal/loadtest"
)

// Every request is sent once, over real HTTP, and every answer is counted
// under its status.
func TestRunSendsEveryRequestOnceAndCountsStatuses(t *testing.T) {
	var hits [40]atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.URL.Query().Get("i"))
		if err != nil || i < 0 || i >= len(hits) {
			http.Error(w, "bad index", http.StatusBadRequest)
			return
		}
		hits[i].Add(1)
		if i%4 == 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	reqs := make([]loadtest.Request, len(hits))
	for i := range reqs {
		reqs[i] = loadtest.Request{URL: srv.URL + "/?i=" + strconv.Itoa(i), ContentType: "text/xml", Body: []byte("<xml/>")}
	}
	plan := loadtest.Plan{Requests: len(reqs), Rate: 2000, Workers: 4}
	res, err := loadtest.Run(t.Context(), plan, loadtest.HTTP(loadtest.NewClient(plan.Workers, 5*time.Second), reqs))
	if err != nil {
		t.Fatal(err)
	}
	for i := range hits {
		if n := hits[i].Load(); n != 1 {
			t.Errorf("request %d reached the server %d times, want 1", i, n)
		}
	}
	got := res.Statuses()
	if got[http.StatusOK] != 30 || got[http.StatusServiceUnavailable] != 10 || len(got) != 2 {
		t.Errorf("statuses = %v, want 30×200 and 10×503", got)
	}
	if n, first := res.Failed(); n != 0 {
		t.Errorf("%d requests got no answer: %v", n, first)
	}
	for i, s := range res.Samples {
		if want := time.Duration(i) * time.Second / 2000; s.Due != want {
			t.Errorf("request %d due at %v, want %v", i, s.Due, want)
		}
	}
	if res.Elapsed <= 0 || res.Throughput() <= 0 {
		t.Errorf("elapsed %v, throughput %v: want both positive", res.Elapsed, res.Throughput())
	}
}

// Open loop: requests are due on the schedule, not when a worker frees up,
// and the time a request waits for a worker counts in its latency.
func TestRunCountsWaitingForAWorkerInTheLatency(t *testing.T) {
	const service = 20 * time.Millisecond
	plan := loadtest.Plan{Requests: 5, Rate: 1000, Workers: 1} // one due every 1 ms
	res, err := loadtest.Run(t.Context(), plan, func(ctx context.Context, i int) (int, error) {
		time.Sleep(service)
		return http.StatusOK, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Request i is due at i ms but starts only after i services of 20 ms;
	// a closed-loop measurement would report 20 ms for every one.
	for i, s := range res.Samples {
		wantLag := time.Duration(i)*service - time.Duration(i)*time.Millisecond
		if s.Lag < wantLag {
			t.Errorf("request %d: lag %v, want at least %v", i, s.Lag, wantLag)
		}
		if s.Latency < wantLag+service {
			t.Errorf("request %d: latency %v, want at least %v", i, s.Latency, wantLag+service)
		}
	}
	if p := res.LagPercentile(1); p < 4*service-4*time.Millisecond {
		t.Errorf("max lag %v, want at least %v", p, 4*service-4*time.Millisecond)
	}
}

// A cancelled run stops sending, keeps what was answered and marks the rest.
func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var sent atomic.Int32
	plan := loadtest.Plan{Requests: 1000, Rate: 100, Workers: 2} // 10 s if not stopped
	res, err := loadtest.Run(ctx, plan, func(ctx context.Context, i int) (int, error) {
		if sent.Add(1) == 3 {
			cancel()
		}
		return http.StatusOK, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	answered := res.Statuses()[http.StatusOK]
	failed, first := res.Failed()
	if answered != int(sent.Load()) || answered+failed != plan.Requests || !errors.Is(first, context.Canceled) {
		t.Errorf("answered %d (sent %d), failed %d (first %v): want the sent ones answered, the rest marked cancelled",
			answered, sent.Load(), failed, first)
	}
}

func TestRunRejectsBadPlans(t *testing.T) {
	send := func(context.Context, int) (int, error) { return http.StatusOK, nil }
	for _, p := range []loadtest.Plan{
		{Requests: 1, Rate: 0},
		{Requests: 1, Rate: -5},
		{Requests: -1, Rate: 10},
		{Requests: 1, Rate: 10, Workers: -1},
	} {
		if _, err := loadtest.Run(t.Context(), p, send); err == nil {
			t.Errorf("Run(%+v) succeeded, want an error", p)
		}
	}
}

func TestPercentileByNearestRank(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	hundred := make([]loadtest.Sample, 100)
	for i := range hundred {
		hundred[i] = loadtest.Sample{Status: 200, Latency: ms(100 - i)} // unsorted on purpose
	}
	withFailures := append([]loadtest.Sample{
		{Err: errors.New("timeout"), Latency: ms(5000)}, // no answer: not a latency
	}, loadtest.Sample{Status: 200, Latency: ms(7)})
	tenThousand := make([]loadtest.Sample, 10_000)
	for i := range tenThousand {
		tenThousand[i] = loadtest.Sample{Status: 200, Latency: ms(i + 1)}
	}

	cases := []struct {
		name    string
		samples []loadtest.Sample
		q       float64
		want    time.Duration
	}{
		{"median of 1..100", hundred, 0.5, ms(50)},
		{"p99 of 1..100", hundred, 0.99, ms(99)},
		{"max", hundred, 1, ms(100)},
		{"min", hundred, 0, ms(1)},
		{"p99 of 1..10000 is not pushed up by float error", tenThousand, 0.99, ms(9900)},
		{"failed requests are left out", withFailures, 0.99, ms(7)},
		{"nothing answered", nil, 0.5, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := (loadtest.Result{Samples: c.samples}).Percentile(c.q); got != c.want {
				t.Errorf("Percentile(%v) = %v, want %v", c.q, got, c.want)
			}
		})
	}
}

func TestWindowKeepsTheRequestsDueInIt(t *testing.T) {
	var r loadtest.Result
	for i := range 10 {
		r.Samples = append(r.Samples, loadtest.Sample{Status: 200, Due: time.Duration(i) * time.Second,
			Latency: time.Duration(i+1) * time.Millisecond})
	}
	cases := []struct {
		from, to time.Duration
		want     []time.Duration // latencies, in order
	}{
		{2 * time.Second, 5 * time.Second, []time.Duration{3 * time.Millisecond, 4 * time.Millisecond, 5 * time.Millisecond}},
		{9 * time.Second, 20 * time.Second, []time.Duration{10 * time.Millisecond}},
		{20 * time.Second, 30 * time.Second, nil},
	}
	for _, c := range cases {
		w := r.Window(c.from, c.to)
		var got []time.Duration
		for _, s := range w.Samples {
			got = append(got, s.Latency)
		}
		if !slices.Equal(got, c.want) || w.Elapsed != c.to-c.from {
			t.Errorf("Window(%v, %v) = %v over %v, want %v over %v", c.from, c.to, got, w.Elapsed, c.want, c.to-c.from)
		}
	}
}
