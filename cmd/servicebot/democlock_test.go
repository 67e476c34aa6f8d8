package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store"
)

// `serve` never has the demo's clock: on a database a demo has used, with
// the clock control's offset kept in it, serve offers no clock control and
// its jobs run at the real time.
func TestServeNeverHasTheDemoClock(t *testing.T) {
	t.Parallel()
	aesKey, err := newAESKey()
	if err != nil {
		t.Fatal(err)
	}
	sim := wecomsim.New(wecomsim.Options{CorpID: demoCorpID, Secret: demoSecret, AgentID: demoAgentID,
		Token: demoToken, EncodingAESKey: aesKey})
	simSrv := httptest.NewServer(sim.Handler())
	t.Cleanup(simSrv.Close)

	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "servicebot-demo.db")
	db, err := store.Open(t.Context(), dbURL, nil)
	if err == nil {
		err = db.Migrate(t.Context())
	}
	if err == nil {
		err = db.PutDemoSetting(t.Context(), settingClockOffset, (1000 * time.Hour).String())
	}
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	cfg := config.Default()
	cfg.WeCom = config.WeCom{CorpID: demoCorpID, AgentID: demoAgentID, Secret: demoSecret, Token: demoToken,
		AESKey: aesKey, APIBase: simSrv.URL}
	cfg.Org = demoOrg()
	cfg.Web = config.Web{SessionKey: newSessionKey(), AuthorizeURL: simSrv.URL + "/connect/oauth2/authorize"}
	cfgPath := filepath.Join(dir, "serve.yaml")
	if err := writeDemoConfig(cfgPath, cfg, dbURL); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := lookupFrom(map[string]string{"SERVICEBOT_HTTP_ADDR": addr, "SERVICEBOT_PUBLIC_URL": "https://bot.example.com"})
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", cfgPath}, &stdout, &stderr, env) }()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve: %v\n%s", err, stderr.String())
		}
	}()
	base := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer /healthz:\n%s", stderr.String())
		}
	}
	resp, err := http.Post(base+"/sim/api/clock", "application/json", strings.NewReader(`{"preset":"first"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("serve answers the clock control with %d, want 404", resp.StatusCode)
	}

	// The jobs serve ran at start are dated now, not 1000 hours ahead.
	ran := regexp.MustCompile(`daily-reminders\s+\S+ \S+ \S+ \S+ \S+\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+ok`)
	var list string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var out, errOut strings.Builder
		if err := run(t.Context(), []string{"--config", cfgPath, "job", "list"}, &out, &errOut, env); err != nil {
			t.Fatalf("job list: %v\n%s", err, errOut.String())
		}
		if list = out.String(); ran.MatchString(list) {
			break
		}
	}
	m := ran.FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("serve ran no daily-reminders:\n%s", list)
	}
	at, err := time.ParseInLocation(time.DateTime, m[1], cfg.Location())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(at); d < -time.Minute || d > time.Minute {
		t.Errorf("serve ran daily-reminders as of %s, %s from now: it took the demo's clock", at, -d)
	}
}

// savingAsksTheTime is demo settings whose save, like a database write
// behind a job's open transaction, finishes only once the clock has told
// someone else the time.
type savingAsksTheTime struct{ clock *demoClock }

func (s savingAsksTheTime) DemoSetting(context.Context, string) (string, bool, error) {
	return "", false, nil
}

func (s savingAsksTheTime) PutDemoSetting(ctx context.Context, _, _ string) error {
	told := make(chan struct{})
	go func() { s.clock.Now(); close(told) }()
	select {
	case <-told:
		return nil
	case <-time.After(2 * time.Second):
		return errors.New("the clock kept the time to itself while it saved")
	}
}

// Moving the demo's clock saves the new time while jobs go on asking for
// it: a job inside a write transaction that asks the time must not wait for
// the move, which waits for that transaction (it stalled the /sim page's
// jump to 20:00 for 20 s under load).
func TestDemoClockMoveDoesNotHoldTheTimeWhileSaving(t *testing.T) {
	t.Parallel()
	start := shanghaiTime(t, "2026-11-27 19:55:00")
	c := newDemoClock(testclock.At(start), time.Time{})
	if err := c.keepIn(t.Context(), savingAsksTheTime{c}, false); err != nil {
		t.Fatal(err)
	}
	to := shanghaiTime(t, "2026-11-27 20:00:00")
	if err := c.moveTo(t.Context(), to); err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); !got.Equal(to) {
		t.Errorf("after the move the clock says %v, want %v", got, to)
	}
	if err := c.moveTo(t.Context(), start); err == nil {
		t.Error("the clock moved back")
	}
}
