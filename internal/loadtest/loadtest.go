// Package loadtest drives open-loop load for benchmarks: requests go out on a
// fixed schedule whether or not earlier ones have been answered, the way
// WeCom pushes callbacks. A slow server therefore shows up as latency rather
// than as a sender that politely slows down with it (the "coordinated
// omission" of closed-loop tools, which hides exactly the stalls a p99 is
// meant to show).
//
// Time is measured on the monotonic clock on purpose: latency is a
// measurement of real time, which an injected servicebot.Clock (wall time,
// possibly fake) cannot give.
package loadtest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
)

// DefaultWorkers is how many requests may be in flight at once when a Plan
// does not say.
const DefaultWorkers = 64

// Plan is the shape of a load.
type Plan struct {
	// Requests is how many requests to send, numbered 0 to Requests-1.
	Requests int
	// Rate is the requests per second offered: request i is due at
	// start + i/Rate, however the earlier ones are doing.
	Rate float64
	// Workers bounds the requests in flight (default DefaultWorkers). A
	// request due while every worker is busy waits for one, and the wait
	// counts in its latency.
	Workers int
}

// Send performs request i and returns the HTTP status of its answer, or an
// error when there was no answer (refused connection, time-out).
type Send func(ctx context.Context, i int) (status int, err error)

// Sample is what happened to one request.
type Sample struct {
	Status int   // the answer's HTTP status; 0 when Err is set
	Err    error // why there was no answer
	// Due is when the request was due, from the start of the run.
	Due time.Duration
	// Latency runs from when the request was due to when its answer was
	// read, so time spent waiting for a worker counts.
	Latency time.Duration
	// Lag is how long after it was due the request went out: time waiting
	// for a free worker or for the scheduler. A large lag means the client,
	// not the server, was the bottleneck.
	Lag time.Duration
}

// Result is the outcome of a run.
type Result struct {
	Samples []Sample      // one per request, by number
	Elapsed time.Duration // from when the first request was due to the last answer
}

// Run sends plan.Requests requests with send, at plan.Rate, and waits for
// every answer. When ctx ends it stops sending, waits for the requests in
// flight, marks the unsent ones with ctx's error and returns that error with
// the partial result.
func Run(ctx context.Context, plan Plan, send Send) (Result, error) {
	if plan.Requests < 0 {
		return Result{}, fmt.Errorf("loadtest: %d requests", plan.Requests)
	}
	if !(plan.Rate > 0) {
		return Result{}, fmt.Errorf("loadtest: rate %v is not positive", plan.Rate)
	}
	workers := cmp.Or(plan.Workers, DefaultWorkers)
	if workers < 0 {
		return Result{}, fmt.Errorf("loadtest: %d workers", workers)
	}

	type job struct {
		i   int
		due time.Time
		at  time.Duration // due, from the start
	}
	samples := make([]Sample, plan.Requests)
	// Room for every job: the scheduler never waits for a worker, so a
	// request that cannot start on time is late, never skipped or delayed
	// in the record.
	jobs := make(chan job, plan.Requests)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				started := time.Now()
				status, err := send(ctx, j.i)
				// Each worker writes only its own jobs' samples.
				samples[j.i] = Sample{Status: status, Err: err, Due: j.at,
					Latency: time.Since(j.due), Lag: started.Sub(j.due)}
			}
		})
	}

	start := time.Now()
	interval := float64(time.Second) / plan.Rate
	timer := time.NewTimer(time.Hour) // reset before every wait
	defer timer.Stop()
	var stopped error
	sent := 0
schedule:
	for ; sent < plan.Requests; sent++ {
		at := time.Duration(float64(sent) * interval)
		due := start.Add(at)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				stopped = ctx.Err()
				break schedule
			case <-timer.C:
			}
		}
		jobs <- job{i: sent, due: due, at: at}
	}
	close(jobs)
	wg.Wait()

	res := Result{Samples: samples}
	for _, s := range samples[:sent] {
		res.Elapsed = max(res.Elapsed, s.Due+s.Latency)
	}
	if stopped != nil {
		for i := sent; i < len(samples); i++ {
			samples[i].Err = stopped
			samples[i].Due = time.Duration(float64(i) * interval)
		}
		return res, fmt.Errorf("loadtest: stopped after %d of %d requests: %w", sent, plan.Requests, stopped)
	}
	return res, nil
}

// Window is the part of the run whose requests were due in [from, to): to
// tell a server that slows down steadily from one that stalls now and then.
// Its Elapsed is to-from.
func (r Result) Window(from, to time.Duration) Result {
	w := Result{Elapsed: to - from}
	for _, s := range r.Samples {
		if s.Due >= from && s.Due < to {
			w.Samples = append(w.Samples, s)
		}
	}
	return w
}

// Throughput is the answers per second over the run.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.answered()) / r.Elapsed.Seconds()
}

// Percentile returns the q-quantile (0 ≤ q ≤ 1) of the latencies of the
// requests that were answered, by nearest rank: Percentile(0.99) is a latency
// that 99 % of the answers did not exceed. It is 0 when nothing was answered.
func (r Result) Percentile(q float64) time.Duration {
	return percentile(r.latencies(func(s Sample) time.Duration { return s.Latency }), q)
}

// LagPercentile is Percentile for the lag, how late requests went out.
func (r Result) LagPercentile(q float64) time.Duration {
	return percentile(r.latencies(func(s Sample) time.Duration { return s.Lag }), q)
}

// Statuses counts the answers by HTTP status; requests that got no answer
// are not counted (see Failed).
func (r Result) Statuses() map[int]int {
	counts := make(map[int]int)
	for _, s := range r.Samples {
		if s.Err == nil {
			counts[s.Status]++
		}
	}
	return counts
}

// Failed returns how many requests got no answer, and the first such error.
func (r Result) Failed() (n int, first error) {
	for _, s := range r.Samples {
		if s.Err != nil {
			if n == 0 {
				first = s.Err
			}
			n++
		}
	}
	return n, first
}

func (r Result) answered() int {
	n := 0
	for _, s := range r.Samples {
		if s.Err == nil {
			n++
		}
	}
	return n
}

// latencies returns the chosen duration of every answered request, sorted.
func (r Result) latencies(of func(Sample) time.Duration) []time.Duration {
	out := make([]time.Duration, 0, len(r.Samples))
	for _, s := range r.Samples {
		if s.Err == nil {
			out = append(out, of(s))
		}
	}
	slices.Sort(out)
	return out
}

// percentile picks the nearest rank of q in sorted.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	// The epsilon keeps 0.99×10000, which is 9900.000000000002 in floating
	// point, at rank 9900.
	rank := int(math.Ceil(q*float64(len(sorted)) - 1e-9))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Request is one HTTP request, built before the run so that building it
// (encrypting a callback, say) is not measured.
type Request struct {
	Method      string // default POST
	URL         string
	ContentType string
	Body        []byte
}

// HTTP returns a Send that performs reqs[i] with client and reads the whole
// answer, so that the latency ends with the last byte, not the headers.
func HTTP(client *http.Client, reqs []Request) Send {
	return func(ctx context.Context, i int) (int, error) {
		r := reqs[i]
		req, err := http.NewRequestWithContext(ctx, cmp.Or(r.Method, http.MethodPost), r.URL, bytes.NewReader(r.Body))
		if err != nil {
			return 0, fmt.Errorf("loadtest: request %d: %w", i, err)
		}
		if r.ContentType != "" {
			req.Header.Set("Content-Type", r.ContentType)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, fmt.Errorf("loadtest: request %d: %w", i, err)
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0, fmt.Errorf("loadtest: request %d: read answer: %w", i, err)
		}
		return resp.StatusCode, nil
	}
}

// NewClient returns an HTTP client for a Plan with the given workers. It
// keeps a connection per worker alive (net/http keeps two per host by
// default, and dialling again would be measured as the server's latency),
// and gives up on a request after timeout.
func NewClient(workers int, timeout time.Duration) *http.Client {
	workers = cmp.Or(workers, DefaultWorkers)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = workers
	tr.MaxIdleConnsPerHost = workers
	return &http.Client{Transport: tr, Timeout: timeout}
}
