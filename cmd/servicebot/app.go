package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/blob"
	"github.com/servicebot/servicebot/blob/s3store"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/feature"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/kv"
	"github.com/servicebot/servicebot/media"
	"github.com/servicebot/servicebot/metrics"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/scheduler"
	"github.com/servicebot/servicebot/sender"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/web"
)

// inboxWorkers is how many inbox workers run in one process. A claim takes
// runs of each member's messages (up to 50 rows), handled in one
// transaction, and claims take turns, so workers handle different members'
// runs side by side: each handling waits on database round trips, and on a
// busy machine three drained a burst in about half the time one took
// (issue 15). They give way to a flood of callbacks together.
const inboxWorkers = 3

// shutdownGrace is how long requests in flight get to finish after SIGTERM
// before their context is cancelled.
const shutdownGrace = 2 * time.Second

// perUserPerMinute is WeCom's limit of app messages to one member in a
// minute; beyond it WeCom drops messages without an error (WECOM.md).
const perUserPerMinute = 30

// loadConfig parses the command's flags (adding --config), reads the file
// and the environment, and checks the sections of the configuration the
// command uses; every problem in them comes back at once, as a
// *config.ValidationError to which the caller adds an unreachable database
// or Redis. A flag mistake or -h comes back as a usageError.
func loadConfig(ctx context.Context, c *command, args []string, lookup func(string) (string, bool), sections ...config.Section) (config.Config, error) {
	path := c.String("config", "", "YAML configuration `FILE` (see config.example.yaml; the demo writes data/demo.yaml)")
	if err := c.parse(args); err != nil {
		return config.Default(), err
	}
	if *path == "" {
		if p, ok := lookup("SERVICEBOT_CONFIG"); ok {
			*path = p
		}
	}
	cfg, err := config.Load(*path, lookup)
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.Check(sections...)
}

// databaseOnly is the configuration of the commands that use the database
// and nothing else: no WeCom credentials, no department.
func databaseOnly() []config.Section {
	return []config.Section{config.SectionBasics, config.SectionDatabase}
}

// allBut is every section of the configuration except those given.
func allBut(except ...config.Section) []config.Section {
	var out []config.Section
	for _, s := range config.AllSections() {
		if !slices.Contains(except, s) {
			out = append(out, s)
		}
	}
	return out
}

// checkServices adds an unreachable database or Redis to the problems
// Validate found, so start-up names them all at once.
func checkServices(ctx context.Context, cfg config.Config, logger *slog.Logger, validateErr error) (*store.DB, *redis.Client, error) {
	var problems []error
	var ve *config.ValidationError
	if errors.As(validateErr, &ve) {
		problems = append(problems, ve.Problems...)
	} else if validateErr != nil {
		return nil, nil, validateErr
	}
	var db *store.DB
	// A new SQLite file is made only by a start that will go on: not
	// left behind by one that stops on other problems.
	if !mentions(problems, "database_url") && (len(problems) == 0 || !missingSQLite(cfg.DatabaseURL)) {
		openCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		var err error
		db, err = store.Open(openCtx, cfg.DatabaseURL, logger)
		cancel()
		if err != nil {
			problems = append(problems, &config.FieldError{Field: "database",
				Msg: fmt.Sprintf("database %s is not reachable: %v", config.RedactDSN(cfg.DatabaseURL), err)})
		}
	}
	var rdb *redis.Client
	if cfg.RedisURL != "" && !mentions(problems, "redis_url") {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			problems = append(problems, &config.FieldError{Field: "redis_url",
				Msg: fmt.Sprintf("redis_url (SERVICEBOT_REDIS_URL) is not valid: %v", err)})
		} else {
			// Every Redis call is bounded by its context (kv gives each
			// 500 ms): a hung Redis must not hold up a send for go-redis's
			// own seconds-long socket timeouts.
			opts.ContextTimeoutEnabled = true
			rdb = redis.NewClient(opts)
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := rdb.Ping(pingCtx).Err(); err != nil {
				problems = append(problems, &config.FieldError{Field: "redis",
					Msg: fmt.Sprintf("redis %s is not reachable: %v", opts.Addr, err)})
			}
			cancel()
		}
	}
	if len(problems) == 0 {
		return db, rdb, nil
	}
	if db != nil {
		_ = db.Close()
	}
	if rdb != nil {
		_ = rdb.Close()
	}
	return nil, nil, &config.ValidationError{Problems: problems}
}

// missingSQLite reports whether dsn names a SQLite file that is not there.
func missingSQLite(dsn string) bool {
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok || path == "" {
		return false
	}
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// withProblem adds p to the problems of validateErr.
func withProblem(validateErr error, p error) error {
	var ve *config.ValidationError
	if errors.As(validateErr, &ve) {
		return &config.ValidationError{Problems: append(slices.Clone(ve.Problems), p)}
	}
	if validateErr != nil {
		return validateErr
	}
	return &config.ValidationError{Problems: []error{p}}
}

// mentions reports whether a problem concerns the setting field.
func mentions(problems []error, field string) bool {
	for _, p := range problems {
		var fe *config.FieldError
		if errors.As(p, &fe) && fe.Field == field {
			return true
		}
	}
	return false
}

// openServices is how the commands that work on a migrated database start:
// every problem that stops them (validateErr, already narrowed by the caller
// to what matters to it, an unreachable database or Redis) is printed at
// once, and a database whose migrations are not applied is refused. rdb is
// nil without redis_url. The caller closes db (and rdb, through the app).
func openServices(ctx context.Context, cfg config.Config, validateErr error, stderr io.Writer) (*store.DB, *redis.Client, *slog.Logger, error) {
	logger := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	// A command that reads the database never makes one: a SQLite file
	// that is not there is a wrong path (or no --config), not a new start.
	if missingSQLite(cfg.DatabaseURL) {
		validateErr = withProblem(validateErr, &config.FieldError{Field: "database_url",
			Msg: fmt.Sprintf("database %s does not exist: give --config FILE (the demo writes data/demo.yaml) "+
				"or SERVICEBOT_DATABASE_URL, or create it with `servicebot migrate`", cfg.DatabaseURL)})
	}
	db, rdb, err := checkServices(ctx, cfg, logger, validateErr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, nil, usageError{err}
	}
	if err := db.Ready(ctx); err != nil {
		_ = db.Close()
		if rdb != nil {
			_ = rdb.Close()
		}
		return nil, nil, nil, fmt.Errorf("database not ready (run `servicebot migrate`): %w", err)
	}
	return db, rdb, logger, nil
}

// openStore is openServices for commands that need the database alone: a
// Redis setting is not even looked at.
func openStore(ctx context.Context, cfg config.Config, validateErr error, stderr io.Writer) (*store.DB, *slog.Logger, error) {
	cfg.RedisURL = ""
	db, _, logger, err := openServices(ctx, cfg, validateErr, stderr)
	return db, logger, err
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// app is one running servicebot: the HTTP edge, the inbox worker, the outbox
// sender and the scheduler, over one database.
type app struct {
	cfg       config.Config
	logger    *slog.Logger
	clock     servicebot.Clock
	db        *store.DB
	rdb       *redis.Client
	metrics   *metrics.Metrics
	client    *bot.Client
	directory *people.Directory
	worker    *handlers.Worker[*store.Tx]
	router    *handlers.Router[*store.Tx]
	features  []feature.Feature[*store.Tx]
	kpiMonth  *kpi.Month
	sender    *sender.Sender
	fetcher   *media.Fetcher
	scheduler *scheduler.Scheduler
	elector   *kv.RedisElector // nil when alone: the scheduler always leads
	noJobs    bool             // tuning.noJobs
	mux       *http.ServeMux
	// metricsSrv serves /metrics on metricsLn when metrics_addr is set.
	metricsSrv *http.Server
	metricsLn  net.Listener
}

// redisPrefix keys everything servicebot keeps in Redis by app, so that two
// deployments sharing a Redis (staging and production) neither share a
// scheduler leader nor a send budget.
func redisPrefix(cfg config.Config) string {
	return fmt.Sprintf("servicebot:%s:%d:", cfg.WeCom.CorpID, cfg.WeCom.AgentID)
}

// tuning adjusts the workers' timing; zero values take their defaults. Tests
// shorten backoffs with it.
type tuning struct {
	sender sender.Options
	worker handlers.WorkerOptions
	// noJobs keeps the scheduler from starting (jobs still run by hand), so
	// that end-to-end tests of other flows get no reminder that happens to
	// be due at the wall-clock time they run.
	noJobs bool
	// blobURL, in tests and the demo, keeps media somewhere of their own
	// instead of data/media.
	blobURL string
	// redis, in tests, gives a demo instance the Redis that `serve` would
	// get from the configuration (several replicas on one database).
	redis *redis.Client
	// requestTimeout, in tests, shortens the time a page or API request
	// may take (handlers.DefaultRequestTimeout).
	requestTimeout time.Duration
	// groupRobot, in tests, gives a demo instance a department group robot
	// (the simulator's) where rankings and counts are posted.
	groupRobot string
	// groupChat, in tests, gives it an app group chat (appchat/send)
	// instead; the test creates the chat in the simulator.
	groupChat string
}

// newApp wires the concrete parts. The caller keeps db and closes it after
// serve returns; rdb is closed by the app.
func newApp(cfg config.Config, db *store.DB, rdb *redis.Client, clock servicebot.Clock, logger *slog.Logger, tune tuning) (*app, error) {
	crypto, err := bot.NewCrypto(cfg.WeCom.Token, cfg.WeCom.AESKey, cfg.WeCom.CorpID)
	if err != nil {
		return nil, fmt.Errorf("wecom callback settings: %w", err)
	}
	m := metrics.New()
	m.MustRegister(metrics.NewQueueCollector(db, clock.Now, logger))

	var (
		tokens      cache.Cache
		limiter     sender.Limiter
		elector     gocron.Elector
		redisLeader *kv.RedisElector
	)
	if rdb != nil {
		// Redis failing degrades each of these to this process's own state
		// (issue 15). Their clock is the wall clock, not the bot's: it times
		// Redis's answers and its TTLs, which run on real time.
		degrade := kv.Degrade{Now: time.Now, Logger: logger, Metrics: m} // the warnings name the component
		tokens = kv.NewTokenCache(rdb, degrade)
		limiter = sender.SplitLimiter(
			kv.NewFallbackLimiter(rdb, redisPrefix(cfg)+"sendlimit:", perUserPerMinute, time.Minute, degrade),
			kv.NewFallbackLimiter(rdb, redisPrefix(cfg)+"robotlimit:", sender.RobotsPerMinute, time.Minute, degrade))
		host, _ := os.Hostname()
		redisLeader = kv.NewRedisElector(rdb, redisPrefix(cfg)+"scheduler:leader",
			// The random part tells apart two apps in one process (tests).
			fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:8]), 15*time.Second, degrade)
		elector = redisLeader
	} else {
		tokens = cache.NewMemory()
		limiter = sender.SplitLimiter(kv.NewMemoryLimiter(perUserPerMinute, time.Minute),
			kv.NewMemoryLimiter(sender.RobotsPerMinute, time.Minute))
		elector = kv.AlwaysLeader{}
	}
	client := bot.NewClient(bot.ClientConfig{
		CorpID: cfg.WeCom.CorpID, AgentID: cfg.WeCom.AgentID, Secret: cfg.WeCom.Secret, APIBase: cfg.WeCom.APIBase,
		Timeout: cfg.WeCom.HTTPTimeout,
	}, tokens, m, logger)
	cal, err := servicebot.NewCalendar(cfg.Calendar.ExtraOff, cfg.Calendar.ExtraWork, cfg.Location())
	if err != nil {
		return nil, err
	}
	directory := people.NewDirectory(db, people.Config{Source: client, Org: cfg.Org, Calendar: cal, Clock: clock, Logger: logger.With("component", "directory")})

	sendOpts := tune.sender
	if sendOpts.GiveUpAfter == 0 {
		sendOpts.GiveUpAfter = cfg.WeCom.GiveUpAfter
	}
	sendOpts.Clock, sendOpts.Logger = clock, logger.With("component", "sender")
	snd, err := sender.New(sender.Deps{Outbox: db, API: client, Limiter: limiter, Metrics: m}, sendOpts)
	if err != nil {
		return nil, err
	}
	blobURL := cfg.BlobURL
	if tune.blobURL != "" {
		blobURL = tune.blobURL
	}
	blobs, err := blob.Open(context.Background(), blobURL, "data/media", s3store.Opener(os.LookupEnv))
	if err != nil {
		return nil, fmt.Errorf("blob_url: %w", err)
	}
	fetcher, err := media.New(media.Deps{Store: db, API: client, Blobs: blobs},
		media.Config{Clock: clock, Logger: logger.With("component", "media")})
	if err != nil {
		return nil, err
	}
	router := handlers.NewRouter[*store.Tx](clock)
	// 帮助 and the hint for text nobody took fit the sender's configured roles.
	router.UseRoles(cfg.Org)
	p, err := newParts(cfg, db, client, directory, cal, clock, logger, router.HelpReply)
	if err != nil {
		return nil, err
	}
	feats := features(p)
	if err := router.Install(feats...); err != nil {
		return nil, err
	}
	wopts := tune.worker
	// The worker gives way to a flood of callbacks (handlers.Intake).
	intake := handlers.NewIntake(nil)
	if wopts.GiveWay == nil {
		wopts.GiveWay = intake.Flooded
	}
	wopts.Clock, wopts.Logger = clock, logger.With("component", "inbox")
	worker, err := handlers.NewWorker(handlers.WorkerDeps[*store.Tx]{
		Queue: db, InTx: db.InTx, Parse: bot.ParseEvent, Route: router.Route, Metrics: m,
	}, wopts)
	if err != nil {
		return nil, err
	}
	worker.Handled = func() { snd.Kick(); fetcher.Kick() }

	sched, err := scheduler.New(scheduler.Deps{Elector: elector, Recorder: db},
		scheduler.Config{Location: cfg.Location(), Clock: clock, Logger: logger.With("component", "scheduler")})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, f := range feats {
		for _, j := range f.Jobs {
			sched.Add(j)
		}
		for _, r := range f.Routes {
			// The features' APIs (/api/…) and pages end in time.
			mux.Handle(r.Pattern, handlers.Deadline(tune.requestTimeout, 0, r.Handler))
		}
	}
	if p.web != nil {
		mux.Handle(web.Prefix, handlers.Deadline(tune.requestTimeout, 0, p.web))
	}
	callback, err := handlers.NewCallback(handlers.CallbackDeps{Opener: crypto, Parse: bot.ParseEvent, Inbox: db, Metrics: m},
		handlers.CallbackOptions{Clock: clock, Logger: logger.With("component", "callback"),
			Stored: func() { intake.Stored(); worker.Kick() }})
	if err != nil {
		return nil, err
	}
	mux.Handle("/wecom/callback", callback)
	mux.Handle("GET /media/", handlers.Media(blobs))
	mux.HandleFunc("GET /healthz", handlers.Healthz)
	mux.Handle("GET /readyz", handlers.Readyz(db))
	metricsHandler := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
	if cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", metricsHandler)
	}

	a := &app{
		cfg: cfg, logger: logger, clock: clock, db: db, rdb: rdb, metrics: m, client: client,
		directory: directory, worker: worker, router: router, features: feats, kpiMonth: p.kpiMonth, sender: snd, fetcher: fetcher, scheduler: sched, elector: redisLeader, mux: mux,
		noJobs: tune.noJobs,
	}
	if cfg.MetricsAddr != "" {
		// Listening now, not in serve: a taken port is a start-up problem.
		mm := http.NewServeMux()
		mm.Handle("GET /metrics", metricsHandler)
		if a.metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return nil, fmt.Errorf("metrics_addr %s: %w", cfg.MetricsAddr, err)
		}
		a.metricsSrv = newHTTPServer(mm)
	}
	return a, nil
}

// newHTTPServer is a server with every connection limit set (issue 15): a
// client that sends its headers slowly, a body that never ends, an answer
// nobody reads and an idle keep-alive are all cut off. Generous enough for a
// form with a few phone photos over a slow mobile link; callbacks are capped
// at 1 MiB by their handler. The handlers themselves end sooner
// (handlers.Deadline); writing lasts a little longer than the longest of
// them, so that its 503 still reaches the client.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       handlers.DefaultUploadTimeout,
		WriteTimeout:      handlers.DefaultUploadTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}

// serve runs everything on ln until ctx is cancelled, then shuts down in
// order: stop taking callbacks, let the workers finish the row in hand, stop
// the scheduler, give up leadership, close the stores.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	// Requests run on reqCtx, which shutdown cancels once they had their
	// grace: a page waiting on a database that stopped answering then ends.
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	// NUL bytes are refused before any handler (issue 15).
	srv := newHTTPServer(handlers.RefuseNUL(a.mux))
	srv.BaseContext = func(net.Listener) context.Context { return reqCtx }
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	if a.metricsSrv != nil {
		go func() { serveErr <- a.metricsSrv.Serve(a.metricsLn) }()
	}
	a.syncDirectoryAtStart(ctx)

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	// Workers (of this and other replicas) claim in turns; a member's
	// messages are handled in order whoever claims them.
	for range inboxWorkers {
		wg.Go(func() { _ = a.worker.Run(workCtx) })
	}
	wg.Go(func() { _ = a.sender.Run(workCtx) })
	wg.Go(func() { _ = a.fetcher.Run(workCtx) })
	if a.elector != nil {
		// Renews leadership between jobs, so it does not pass back and forth.
		wg.Go(func() { _ = a.elector.Run(workCtx) })
	}
	if a.noJobs {
		a.logger.Warn("scheduler not started: jobs run only by hand")
	} else if err := a.scheduler.Start(workCtx); err != nil {
		stopWork()
		_ = srv.Close()
		return err
	}
	a.logger.Info("servicebot is running", "addr", ln.Addr().String(), "database", a.db.Dialect(), "redis", a.rdb != nil)

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("http server: %w", err)
	}
	a.logger.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Intake stops and the workers finish the row in hand at the same time:
	// a callback still being answered is stored for the next start, and
	// neither waits for the other. Everything that waits on the database has
	// shutdownGrace, so SIGTERM works even when the database hangs.
	stopWork()
	requestsEnded := time.AfterFunc(shutdownGrace, cancelRequests)
	defer requestsEnded.Stop()
	if serr := srv.Shutdown(shutCtx); serr != nil {
		a.logger.Warn("http shutdown", "err", serr)
	}
	wg.Wait()
	if serr := a.scheduler.Shutdown(); serr != nil {
		a.logger.Warn("scheduler shutdown", "err", serr)
	}
	// Metrics stay up until the work has drained.
	if a.metricsSrv != nil {
		if serr := a.metricsSrv.Shutdown(shutCtx); serr != nil {
			a.logger.Warn("metrics shutdown", "err", serr)
		}
	}
	a.close(shutCtx)
	return err
}

func (a *app) close(ctx context.Context) {
	if a.metricsLn != nil {
		_ = a.metricsLn.Close() // already closed when serve ran; not when a command only wired the app
	}
	if a.elector != nil {
		if err := a.elector.Resign(ctx); err != nil {
			a.logger.Warn("resign leadership", "err", err)
		}
	}
	if a.rdb != nil {
		_ = a.rdb.Close()
	}
}
