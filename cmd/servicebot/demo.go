package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/store"
)

// Demo credentials: the simulator and the bot share them; nothing leaves
// this machine.
const (
	demoCorpID  = "wwdemo0000000000"
	demoAgentID = 1000002
	demoSecret  = "demo-secret"
	demoToken   = "demo-token"
)

// cmdDemo runs the bot beside the WeCom simulator in one process on a SQLite
// file, so a person can try it with nothing else installed: open /sim, pick a
// member of the demo department, and chat with the bot.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	fs := newCommand("demo", "servicebot demo [--addr 127.0.0.1:8080] [--data DIR] [--at TIME] [--empty]",
		"Runs the bot beside a WeCom simulator in one process, on a SQLite file in DIR: open /sim, pick a\n"+
			"member of the demo department and chat with the bot. The page's clock control moves the demo's\n"+
			"time (20:00 reminders, 09:00 summary, the 1st's KPI draft); the bot's jobs run at the new time.\n"+
			"Restarted on the same DIR, the demo goes on from that time and the page shows the earlier chats.\n"+
			"It writes DIR/demo.yaml, the configuration of its database and simulator, so the other\n"+
			"commands work on the demo while it runs. Unless --empty, a new demo database starts with a past:\n"+
			"last month and this one up to yesterday, the engineers' reports in their own styles (some late,\n"+
			"some missing), check-ins and photos, a week of leave, service jobs with their forms (fault reports,\n"+
			"return-visit questionnaires…), approvals decided and pending, the manager's KPI entries.",
		"servicebot demo\nservicebot --config data/demo.yaml job list", 0, stdout, stderr)
	defaultAddr := "127.0.0.1:8080"
	if v, ok := lookup("SERVICEBOT_HTTP_ADDR"); ok && v != "" {
		defaultAddr = v
	}
	addr := fs.String("addr", defaultAddr, "address to listen on")
	dataDir := fs.String("data", "data", "folder for the demo's SQLite database and demo.yaml")
	startAt := fs.String("at", "", "start the demo's clock at this `TIME` (RFC 3339) instead of now")
	empty := fs.Bool("empty", false, "start bare: no past month of reports, check-ins, leave, jobs, approvals and KPI entries")
	if err := fs.parse(args); err != nil {
		return err
	}
	var start time.Time
	if *startAt != "" {
		t, err := time.Parse(time.RFC3339, *startAt)
		if err != nil {
			return fs.fail(fmt.Errorf("--at %q: want a time such as 2026-11-27T19:55:00+08:00", *startAt))
		}
		start = t
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w (is another servicebot running? try --addr 127.0.0.1:8081)", *addr, err)
	}
	logger := newLogger(stderr, "text", "info")
	dbPath, err := filepath.Abs(filepath.Join(*dataDir, "servicebot-demo.db"))
	if err != nil {
		_ = ln.Close()
		return err
	}
	dbURL := "sqlite:" + dbPath
	db, err := store.Open(ctx, dbURL, logger)
	if err == nil {
		err = db.Migrate(ctx)
	}
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("demo database: %w", err)
	}
	defer db.Close()
	clock := newDemoClock(servicebot.SystemClock{}, start)
	// Where the clock control moved the time survives a restart, unless
	// --at sets it anew.
	if err := clock.keepIn(ctx, db, start.IsZero()); err != nil {
		_ = ln.Close()
		return err
	}
	d, err := startDemo(ln, db, clock, logger, tuning{}, nil)
	if err != nil {
		_ = ln.Close()
		return err
	}
	// The /sim page's conversations are kept in the demo's database: a
	// restarted demo shows the earlier ones. Stopped (its last writes
	// done) before the database closes.
	stopHistory, err := d.sim.KeepHistory(ctx, db)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("demo: %w", err)
	}
	defer stopHistory()
	if !*empty {
		began := time.Now()
		if err := seedDemo(ctx, d.app, db, clock.Now(), d.sim.UploadMedia); err != nil {
			_ = ln.Close()
			return err
		}
		logger.Info("demo: past month ready", "took", time.Since(began).Round(time.Millisecond))
	}
	cfgPath := filepath.Join(*dataDir, "demo.yaml")
	if err := writeDemoConfig(cfgPath, d.cfg, dbURL); err != nil {
		_ = ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "\nservicebot demo is running.\n\n  打开模拟器: %s/sim\n\n"+
		"Pick a member of the demo department, send the bot a message and watch it answer;\n"+
		"the clock control on the page moves the demo's time to when the bot acts.\n\n"+
		"The other commands work on the demo with its configuration, %s:\n"+
		"  servicebot --config %s job list\n"+
		"  servicebot --config %s job run daily-reminders\n"+
		"  servicebot --config %s approvals\n"+
		"  servicebot --config %s reports export --from %s --to %s --format csv\n\n"+
		"Data is kept in %s. Stop with Ctrl+C.\n\n", d.baseURL, cfgPath, cfgPath, cfgPath, cfgPath, cfgPath,
		servicebot.DateOf(d.app.clock.Now().In(d.cfg.Location()).AddDate(0, -1, 0)).String()[:8]+"01",
		servicebot.DateOf(d.app.clock.Now().In(d.cfg.Location())), *dataDir)
	return d.app.serve(ctx, ln)
}

// demo is a wired bot with its simulator, ready to serve on its listener.
type demo struct {
	app        *app
	cfg        config.Config
	sim        *wecomsim.Sim
	baseURL    string
	aesKey     string
	sessionKey string
	blobURL    string // where the demo keeps photos and voice
}

// startDemo wires bot and simulator for ln over a migrated database. With
// prev it keeps prev's simulator and credentials, as a restarted server would
// (the end-to-end tests use it that way, on SQLite and on PostgreSQL).
func startDemo(ln net.Listener, db *store.DB, clock servicebot.Clock, logger *slog.Logger, tune tuning, prev *demo) (*demo, error) {
	baseURL := "http://" + hostPort(ln.Addr())
	var aesKey, sessionKey string
	if prev != nil {
		aesKey, sessionKey = prev.aesKey, prev.sessionKey
	} else {
		k, err := newAESKey()
		if err != nil {
			return nil, err
		}
		aesKey, sessionKey = k, newSessionKey()
	}
	switch {
	case tune.blobURL != "":
	case prev != nil:
		tune.blobURL = prev.blobURL
	default:
		dir, err := os.MkdirTemp("", "servicebot-demo-media-")
		if err != nil {
			return nil, err
		}
		tune.blobURL = dir
	}
	cfg := config.Default()
	cfg.LogFormat = "text"
	cfg.WeCom = config.WeCom{
		CorpID: demoCorpID, AgentID: demoAgentID, Secret: demoSecret, Token: demoToken, AESKey: aesKey,
		APIBase: baseURL, HTTPTimeout: config.Default().WeCom.HTTPTimeout,
	}
	cfg.Org = demoOrg()
	cfg.Group.RobotKey = tune.groupRobot
	cfg.Group.ChatID = tune.groupChat
	// The forms' pages sign in through the simulator's OAuth page.
	cfg.PublicURL = baseURL
	cfg.Web = config.Web{SessionKey: sessionKey, AuthorizeURL: baseURL + "/connect/oauth2/authorize"}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	// Only the demo's own clock can be moved from the page.
	var (
		moveClock func(ctx context.Context, to time.Time) error
		a         *app
		err       error
	)
	if dc, ok := clock.(*demoClock); ok {
		moveClock = func(ctx context.Context, to time.Time) error { return a.moveClock(ctx, dc, to) }
	}
	var sim *wecomsim.Sim
	if prev != nil {
		sim = prev.sim
		sim.SetCallbackURL(baseURL + "/wecom/callback")
	} else {
		departments, members := wecomsim.DemoDirectory()
		sim = wecomsim.New(wecomsim.Options{
			CorpID: demoCorpID, Secret: demoSecret, AgentID: demoAgentID,
			Token: demoToken, EncodingAESKey: aesKey,
			CallbackURL: baseURL + "/wecom/callback",
			Members:     members, Departments: departments,
			Clock: clock, Logger: logger.With("component", "wecomsim"), MoveClock: moveClock,
		})
	}
	if tune.groupRobot != "" {
		sim.AddRobot(tune.groupRobot, "售后服务部群")
	}
	a, err = newApp(cfg, db, tune.redis, clock, logger, tune)
	if err != nil {
		return nil, err
	}
	// The simulator shares the bot's port: its WeCom API under /cgi-bin/ and
	// /connect/, its chat page under /sim. `serve` never mounts it.
	simHandler := sim.Handler()
	for _, p := range []string{"/cgi-bin/", "/connect/", "/sim", "/sim/"} {
		a.mux.Handle(p, simHandler)
	}
	a.mux.Handle("GET /{$}", http.RedirectHandler("/sim", http.StatusFound))
	return &demo{app: a, cfg: cfg, sim: sim, baseURL: baseURL, aesKey: aesKey, sessionKey: sessionKey, blobURL: tune.blobURL}, nil
}

// demoOrg is R-ORG-1 and R-ORG-2 for wecomsim.DemoDirectory: who holds which
// role, and the engineers' regions. The app syncs the directory itself from
// the simulator when it starts.
func demoOrg() servicebot.Org {
	return servicebot.Org{
		AfterSalesDepartments: []int64{wecomsim.DemoDeptAfterSales},
		Roles: map[servicebot.Role][]string{
			servicebot.RoleServiceManager: {"sunli"},
			servicebot.RoleVPAfterSales:   {"zhoujianguo"},
			servicebot.RoleVPSales:        {"wuhaitao"},
			servicebot.RoleVPQuality:      {"zhengmin"},
			servicebot.RoleGeneralManager: {"huangzhiqiang"},
			servicebot.RoleArchivist:      {"hejing"},
			servicebot.RoleSales:          {"yangfan"},
			servicebot.RoleSalesClerk:     {"xuli"},
			// A small department: the sales clerk also keeps the parts
			// store and issues parts against approved requests (R-SVC-3).
			servicebot.RoleWarehouse: {"xuli"},
		},
		Regions: map[string]string{
			"zhangwei": servicebot.RegionSouthwest, "liqiang": servicebot.RegionSouthwest,
			"wangjun": servicebot.RegionNorth, "zhaolei": servicebot.RegionNorth,
			"liuyang": servicebot.RegionOther, "chenhao": servicebot.RegionOther,
		},
	}
}

// hostPort makes a listener's address dialable: ":8080" and "[::]:8080"
// become "127.0.0.1:8080".
func hostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP == nil || tcp.IP.IsUnspecified() {
		if ok {
			return fmt.Sprintf("127.0.0.1:%d", tcp.Port)
		}
		return a.String()
	}
	return a.String()
}

// newAESKey makes a fresh 43-character EncodingAESKey.
func newAESKey() (string, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return "", errors.New("demo: no randomness for the AES key")
	}
	return base64.StdEncoding.EncodeToString(k)[:43], nil
}

// demoFile is what the demo writes to DIR/demo.yaml: its database, the
// simulator's credentials and the demo department, so that the other
// commands (`job list`, `job run`, `approvals`, `reports export`) work on
// the running demo.
type demoFile struct {
	DatabaseURL string         `yaml:"database_url"`
	Timezone    string         `yaml:"timezone"`
	LogFormat   string         `yaml:"log_format"`
	PublicURL   string         `yaml:"public_url"`
	WeCom       demoWeCom      `yaml:"wecom"`
	Web         demoWeb        `yaml:"web"`
	Org         config.OrgFile `yaml:"org"`
}

type demoWeCom struct {
	CorpID  string `yaml:"corp_id"`
	AgentID int64  `yaml:"agent_id"`
	Secret  string `yaml:"secret"`
	Token   string `yaml:"token"`
	AESKey  string `yaml:"aes_key"`
	APIBase string `yaml:"api_base"`
}

type demoWeb struct {
	SessionKey   string `yaml:"session_key"`
	AuthorizeURL string `yaml:"authorize_url"`
}

// writeDemoConfig writes the running demo's configuration to path. The
// credentials are the simulator's, made for this run; nothing leaves the
// machine.
func writeDemoConfig(path string, cfg config.Config, dbURL string) error {
	f := demoFile{
		DatabaseURL: dbURL, Timezone: cfg.Timezone, LogFormat: "text", PublicURL: cfg.PublicURL,
		WeCom: demoWeCom{CorpID: cfg.WeCom.CorpID, AgentID: cfg.WeCom.AgentID, Secret: cfg.WeCom.Secret,
			Token: cfg.WeCom.Token, AESKey: cfg.WeCom.AESKey, APIBase: cfg.WeCom.APIBase},
		Web: demoWeb{SessionKey: cfg.Web.SessionKey, AuthorizeURL: cfg.Web.AuthorizeURL},
		Org: config.OrgFileOf(cfg.Org),
	}
	body, err := yaml.Marshal(f)
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	head := "# Written by `servicebot demo` at its start: the demo's database, the simulator's\n" +
		"# credentials for this run, and the demo department. For example:\n" +
		"#   servicebot --config " + path + " job list\n"
	if err := os.WriteFile(path, append([]byte(head), body...), 0o600); err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	return nil
}
