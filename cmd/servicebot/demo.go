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
	"path/filepath"

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
	fs := newCommand("demo", "servicebot demo [--addr 127.0.0.1:8080] [--data DIR]",
		"Runs the bot beside a WeCom simulator in one process, on a SQLite file in DIR: open /sim, pick a\n"+
			"member of the demo department and chat with the bot. It writes DIR/demo.yaml, the configuration\n"+
			"of its database, so the other commands work on the demo while it runs.",
		"servicebot demo\nservicebot --config data/demo.yaml job list", 0, stdout, stderr)
	defaultAddr := "127.0.0.1:8080"
	if v, ok := lookup("SERVICEBOT_HTTP_ADDR"); ok && v != "" {
		defaultAddr = v
	}
	addr := fs.String("addr", defaultAddr, "address to listen on")
	dataDir := fs.String("data", "data", "folder for the demo's SQLite database")
	if err := fs.parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w (is another servicebot running? try --addr 127.0.0.1:8081)", *addr, err)
	}
	logger := newLogger(stderr, "text", "info")
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(*dataDir, "servicebot-demo.db"), logger)
	if err == nil {
		err = db.Migrate(ctx)
	}
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("demo database: %w", err)
	}
	defer db.Close()
	d, err := startDemo(ln, db, servicebot.SystemClock{}, logger, tuning{}, nil)
	if err != nil {
		_ = ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "\nservicebot demo is running.\n\n  打开模拟器: %s/sim\n\n"+
		"Pick a member of the demo department, send the bot a message and watch it answer.\n"+
		"Data is kept in %s. Stop with Ctrl+C.\n\n", d.baseURL, *dataDir)
	return d.app.serve(ctx, ln)
}

// demo is a wired bot with its simulator, ready to serve on its listener.
type demo struct {
	app        *app
	sim        *wecomsim.Sim
	baseURL    string
	aesKey     string
	sessionKey string
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
	cfg := config.Default()
	cfg.LogFormat = "text"
	cfg.WeCom = config.WeCom{
		CorpID: demoCorpID, AgentID: demoAgentID, Secret: demoSecret, Token: demoToken, AESKey: aesKey,
		APIBase: baseURL, HTTPTimeout: config.Default().WeCom.HTTPTimeout,
	}
	cfg.Org = demoOrg()
	cfg.Group.RobotKey = tune.groupRobot
	// The forms' pages sign in through the simulator's OAuth page.
	cfg.PublicURL = baseURL
	cfg.Web = config.Web{SessionKey: sessionKey, AuthorizeURL: baseURL + "/connect/oauth2/authorize"}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
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
			Clock: clock, Logger: logger.With("component", "wecomsim"),
		})
	}
	if tune.groupRobot != "" {
		sim.AddRobot(tune.groupRobot, "售后服务部群")
	}
	a, err := newApp(cfg, db, tune.redis, clock, logger, tune)
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
	return &demo{app: a, sim: sim, baseURL: baseURL, aesKey: aesKey, sessionKey: sessionKey}, nil
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
