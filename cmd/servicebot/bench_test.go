package main

// Must show 7: signed, encrypted callbacks over real HTTP, open loop at a
// fixed rate, against the whole server on PostgreSQL and against a floor that
// only verifies, decrypts and parses. Run (about a minute per scenario):
//
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	    go test ./cmd/servicebot -run '^$' -bench Callback -benchtime 1x
//
// One iteration is one whole run of BENCH_DELIVERIES deliveries (default
// 10000, a fifth of them byte-identical repeats) offered at BENCH_RATE
// callbacks a second (default 200). -benchtime 1x asks for exactly that; the
// default -benchtime 1s also stops after the first iteration, which alone
// takes longer than a second. ns/op is suppressed: it would be the length of
// a run, which the rate fixes. The figures are callbacks/s (answers per
// second achieved), p50_ms, p99_ms and max_ms (from when a callback was due
// to its 200, waiting for a client worker included), lost and doubled.
// BENCH_STORE=sqlite runs the server on a SQLite file instead, to compare.
//
// The load generator runs in the same process as the server, as the tests'
// harness does: both scenarios pay for it, so their difference is the
// server's own.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/internal/loadtest"
	"github.com/servicebot/servicebot/reports"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

const (
	// benchRepeatEvery makes every fifth delivery a repeat: 20 %.
	benchRepeatEvery = 5
	// benchRepeatWindow is how far back, in distinct deliveries, a repeat
	// reaches: at 200/s, the last five seconds, about when WeCom retries a
	// callback it got no answer for.
	benchRepeatWindow = 1000
	// benchWorkers bounds the callbacks in flight. At 200/s it absorbs a
	// stall of 160 ms before a callback has to wait for a worker (which
	// then counts in its latency), and it keeps the server's Postgres
	// connections well under max_connections.
	benchWorkers = 32
	// benchWindow is the slice of a run whose p99 is logged on its own.
	benchWindow = 10 * time.Second
	// benchTimeout is WeCom's: it gives up on a callback after 5 s.
	benchTimeout = 5 * time.Second
)

// benchSettings are the load's shape, from BENCH_RATE and BENCH_DELIVERIES,
// and the server's database, from BENCH_STORE.
type benchSettings struct {
	rate       float64
	deliveries int
	// store is postgres (the default: TEST_DATABASE_URL, skipped when
	// unset) or sqlite (a temp file), to compare the embedded default.
	store string
}

func loadSettings(b *testing.B) benchSettings {
	b.Helper()
	s := benchSettings{rate: 200, deliveries: 10_000, store: store.DialectPostgres}
	if v := os.Getenv("BENCH_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r > 0) {
			b.Fatalf("BENCH_RATE=%q: want callbacks per second, a positive number", v)
		}
		s.rate = r
	}
	if v := os.Getenv("BENCH_DELIVERIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < benchRepeatEvery {
			b.Fatalf("BENCH_DELIVERIES=%q: want a whole number of at least %d", v, benchRepeatEvery)
		}
		s.deliveries = n
	}
	if v := os.Getenv("BENCH_STORE"); v != "" {
		if v != store.DialectPostgres && v != store.DialectSQLite {
			b.Fatalf("BENCH_STORE=%q: want %s or %s", v, store.DialectPostgres, store.DialectSQLite)
		}
		s.store = v
	}
	return s
}

// openStore opens the server's database as the settings say.
func (s benchSettings) openStore(b *testing.B) *store.DB {
	b.Helper()
	if s.store == store.DialectSQLite {
		return storetest.SQLite(b)
	}
	return storetest.Postgres(b)
}

// callbackLoad is one run's deliveries, encrypted and signed beforehand so
// that the client's encryption is not measured.
type callbackLoad struct {
	requests []loadtest.Request
	keys     []string          // each delivery's inbox dedup key
	replies  map[string]string // the reply each distinct text gets → its dedup key
	distinct int
}

// buildCallbackLoad makes n deliveries of unique texts from every member of
// the demo directory in turn, every benchRepeatEvery-th one an exact replay
// of a recent earlier delivery. run keeps the texts and MsgIds of successive
// runs apart.
// hintReplies are the answers a benchmark text (a question, no report, no
// command) may get: the one-line hint, worded for an engineer or for
// someone else.
func hintReplies(text string) []string {
	return []string{reports.Hint(text, true), reports.Hint(text, false)}
}

func buildCallbackLoad(b *testing.B, sim *wecomsim.Sim, callbackURL string, n, run int, replies func(received string) []string) callbackLoad {
	b.Helper()
	_, members := wecomsim.DemoDirectory()
	load := callbackLoad{
		requests: make([]loadtest.Request, 0, n),
		keys:     make([]string, 0, n),
		replies:  make(map[string]string),
	}
	// WeCom's MsgIds are large and increasing; these start at the current
	// time, like the simulator's own.
	firstMsgID := int(time.Now().UnixNano())
	// Seeded: every run repeats the same deliveries in the same places.
	pick := rand.New(rand.NewPCG(7, uint64(run)))
	var originals []int // indices of the distinct deliveries so far
	for i := range n {
		if i%benchRepeatEvery == benchRepeatEvery-1 {
			window := min(len(originals), benchRepeatWindow)
			j := originals[len(originals)-1-pick.IntN(window)]
			load.requests = append(load.requests, load.requests[j])
			load.keys = append(load.keys, load.keys[j])
			continue
		}
		from := members[load.distinct%len(members)]
		msgID := firstMsgID + i
		// The hint quotes the start of the text, which is what makes the
		// text unique, so each reply names its message. A question, not a
		// daily report: every member's text gets the hint (hintReplies).
		text := fmt.Sprintf("压测%d-%05d：%s想问一下备件什么时候到？", run, load.distinct, from.Name)
		q, body, err := sim.BuildCallback(textXML(from.UserID, text, msgID))
		if err != nil {
			b.Fatal(err)
		}
		key := "msg:" + strconv.Itoa(msgID)
		load.requests = append(load.requests, loadtest.Request{
			URL: callbackURL + "?" + q.Encode(), ContentType: "text/xml", Body: body,
		})
		load.keys = append(load.keys, key)
		if replies != nil {
			for _, reply := range replies(text) {
				load.replies[reply] = key
			}
		}
		originals = append(originals, i)
		load.distinct++
	}
	return load
}

// runCallbackLoad offers load at the configured rate and fails the benchmark
// for every delivery not answered 200.
func runCallbackLoad(b *testing.B, s benchSettings, load callbackLoad) loadtest.Result {
	b.Helper()
	client := loadtest.NewClient(benchWorkers, benchTimeout)
	defer client.CloseIdleConnections()
	plan := loadtest.Plan{Requests: len(load.requests), Rate: s.rate, Workers: benchWorkers}
	res, err := loadtest.Run(b.Context(), plan, loadtest.HTTP(client, load.requests))
	if err != nil {
		b.Fatal(err)
	}
	statuses := res.Statuses()
	if failed, first := res.Failed(); failed > 0 || statuses[http.StatusOK] != len(load.requests) {
		b.Errorf("of %d deliveries %d were answered 200: statuses %v, %d without an answer (first: %v)",
			len(load.requests), statuses[http.StatusOK], statuses, failed, first)
	}
	return res
}

// reportCallbackLoad reports what the issue asks for; ns/op, the length of a
// run, is suppressed.
func reportCallbackLoad(b *testing.B, s benchSettings, res loadtest.Result, lost, doubled int) {
	b.Helper()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(res.Throughput(), "callbacks/s")
	b.ReportMetric(ms(res.Percentile(0.50)), "p50_ms")
	b.ReportMetric(ms(res.Percentile(0.99)), "p99_ms")
	b.ReportMetric(ms(res.Percentile(1)), "max_ms")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(doubled), "doubled")
	b.Logf("offered %.0f/s: %d deliveries in %v; client lag p99 %.1f ms (how late callbacks went out)",
		s.rate, len(res.Samples), res.Elapsed.Round(time.Millisecond), ms(res.LagPercentile(0.99)))
	// A steady climb points at work that grows with the backlog; isolated
	// peaks at stalls (a checkpoint, another process taking the CPU).
	var windows strings.Builder
	for from := time.Duration(0); from < res.Elapsed; from += benchWindow {
		w := res.Window(from, from+benchWindow)
		if len(w.Samples) > 0 {
			fmt.Fprintf(&windows, " %.1f", ms(w.Percentile(0.99)))
		}
	}
	b.Logf("p99 by %v of the run, ms:%s", benchWindow, windows.String())
}

// BenchmarkCallbackServer drives the whole server as `servicebot serve` runs
// it on PostgreSQL (on SQLite with BENCH_STORE=sqlite), with production
// timings: every callback is verified, decrypted, parsed and INSERTed into
// the inbox before its 200, while the inbox worker answers each text through
// the outbox and the sender delivers the replies to the simulator, holding
// each member to 30 a minute (most replies are deferred; the benchmark
// measures the callback path, and checks that the rest never doubles).
func BenchmarkCallbackServer(b *testing.B) {
	s := loadSettings(b)
	db := s.openStore(b)
	d := serveForBench(b, db)
	callbackURL := d.baseURL + "/wecom/callback"

	var total loadtest.Result
	distinct := 0
	replies := make(map[string]string)
	for run := 0; b.Loop(); run++ {
		b.StopTimer()
		load := buildCallbackLoad(b, d.sim, callbackURL, s.deliveries, run, hintReplies)
		distinct += load.distinct
		for text, key := range load.replies {
			replies[text] = key
		}
		b.StartTimer()

		res := runCallbackLoad(b, s, load)
		total.Samples = append(total.Samples, res.Samples...)
		total.Elapsed += res.Elapsed
	}

	// Nothing else writes to this schema's inbox, its dedup_key is UNIQUE,
	// and every distinct delivery has a key of its own: as many rows as
	// distinct deliveries means each was stored exactly once.
	ctx := context.Background()
	inbox, err := db.InboxCounts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rows := 0
	for _, n := range inbox {
		rows += n
	}
	lost, doubled := max(distinct-rows, 0), max(rows-distinct, 0)
	if rows != distinct {
		b.Errorf("inbox holds %d rows for %d distinct deliveries (%v)", rows, distinct, inbox)
	}

	// No message may have reached a member twice. WeCom's duplicate check
	// suppresses an identical send within four hours (Duplicate), so the
	// same text delivered twice to the same member here is a double that got
	// past it. Every reply quotes the message it answers, so this is also at
	// most one reply per inbound message.
	type received struct{ to, content string }
	perMember := make(map[received]int)
	answered := make(map[string]bool) // dedup keys of the deliveries answered
	var resent, dropped, other int
	for _, m := range d.sim.Sent() {
		if m.API != "message/send" {
			continue
		}
		if m.Duplicate {
			resent++ // sent again, and suppressed by WeCom's duplicate check
			continue
		}
		if m.Dropped {
			dropped++
		}
		perMember[received{strings.Join(m.ToUsers, "|"), m.Content}]++
		if key, ok := replies[m.Content]; ok {
			answered[key] = true
		} else {
			other++ // not a reply to this run: a scheduled reminder, say
		}
	}
	repliesDoubled := 0
	for r, n := range perMember {
		if n > 1 {
			repliesDoubled += n - 1
			b.Errorf("%q reached %s %d times", r.content, r.to, n)
		}
	}
	outbox, err := db.OutboxCounts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if dropped > 0 {
		b.Errorf("WeCom silently dropped %d replies: the sender let a member past 30 a minute", dropped)
	}
	b.Logf("inbox %v; outbox %v; deliveries answered %d, other messages %d, re-sends suppressed by WeCom %d",
		inbox, outbox, len(answered), other, resent)

	reportCallbackLoad(b, s, total, lost, doubled+repliesDoubled)
	b.ReportMetric(float64(len(answered)), "replies")
}

// BenchmarkCallbackFloor offers the same load to the least a callback
// endpoint must do — verify, decrypt, parse, answer — with no store: the
// server's latency above this floor is the price of storing before
// answering (and of the worker and sender beside it).
func BenchmarkCallbackFloor(b *testing.B) {
	s := loadSettings(b)
	floor, srv, sim := startFloor(b)

	var total loadtest.Result
	want := make(map[string]int) // dedup key → deliveries of it
	for run := 0; b.Loop(); run++ {
		b.StopTimer()
		load := buildCallbackLoad(b, sim, srv.URL+"/wecom/callback", s.deliveries, run, nil)
		for _, k := range load.keys {
			want[k]++
		}
		b.StartTimer()

		res := runCallbackLoad(b, s, load)
		total.Samples = append(total.Samples, res.Samples...)
		total.Elapsed += res.Elapsed
	}

	lost, doubled := floor.compare(want)
	if lost+doubled > 0 {
		b.Errorf("the floor handler parsed %d distinct deliveries too few and %d too many times", lost, doubled)
	}
	reportCallbackLoad(b, s, total, lost, doubled)
}

// startFloor serves a floorHandler, with a simulator to encrypt and sign
// for it.
func startFloor(b *testing.B) (*floorHandler, *httptest.Server, *wecomsim.Sim) {
	b.Helper()
	aesKey, err := newAESKey()
	if err != nil {
		b.Fatal(err)
	}
	crypto, err := bot.NewCrypto(demoToken, aesKey, demoCorpID)
	if err != nil {
		b.Fatal(err)
	}
	floor := &floorHandler{crypto: crypto, seen: make(map[string]int)}
	srv := httptest.NewServer(floor)
	b.Cleanup(srv.Close)
	// A simulator only to encrypt and sign, with the same credentials.
	sim := wecomsim.New(wecomsim.Options{
		CorpID: demoCorpID, Secret: demoSecret, AgentID: demoAgentID,
		Token: demoToken, EncodingAESKey: aesKey, Clock: servicebot.SystemClock{},
	})
	return floor, srv, sim
}

// floorHandler verifies, decrypts and parses a callback and answers 200,
// counting what it parsed so the run can check nothing was lost on the way.
type floorHandler struct {
	crypto *bot.Crypto

	mu   sync.Mutex
	seen map[string]int // dedup key → deliveries parsed
}

func (h *floorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, handlers.MaxCallbackBody))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	plain, err := h.crypto.DecryptBody(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body)
	if err != nil {
		http.Error(w, "refused", http.StatusUnauthorized)
		return
	}
	ev, err := bot.ParseEvent(plain)
	if err != nil {
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.seen[ev.DedupKey()]++
	h.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// compare counts the distinct deliveries parsed fewer times than delivered
// (lost) and more (doubled).
func (h *floorHandler) compare(want map[string]int) (lost, doubled int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, n := range want {
		if h.seen[k] < n {
			lost++
		}
	}
	for k, n := range h.seen {
		if n > want[k] {
			doubled++
		}
	}
	return lost, doubled
}

// serveForBench runs the bot and its simulator on db as `servicebot demo`
// wires them, but with production timings (the harness's are shortened for
// tests), until the benchmark ends.
func serveForBench(b *testing.B, db *store.DB) *demo {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(b.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := startDemo(ln, db, servicebot.SystemClock{}, logger, tuning{}, nil)
	if err != nil {
		_ = ln.Close()
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- d.app.serve(ctx, ln) }()
	// Registered after the store's cleanups, so it runs before them: the bot
	// stops before its database is closed.
	b.Cleanup(func() {
		cancel()
		select {
		case err := <-stopped:
			if err != nil && !errors.Is(err, context.Canceled) {
				b.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			b.Error("bot did not shut down within 30s")
		}
	})
	return d
}
