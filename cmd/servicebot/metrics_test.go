package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/store/storetest"
)

// With metrics_addr set, /metrics is served there and not on the public port.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	sim := wecomsim.New(wecomsim.Options{CorpID: demoCorpID, Secret: demoSecret, AgentID: demoAgentID,
		Token: demoToken, EncodingAESKey: strings.Repeat("k", 43)})
	simSrv := httptest.NewServer(sim.Handler())
	t.Cleanup(simSrv.Close)

	cfg := config.Default()
	cfg.WeCom = config.WeCom{CorpID: demoCorpID, AgentID: demoAgentID, Secret: demoSecret, Token: demoToken,
		AESKey: strings.Repeat("k", 43), APIBase: simSrv.URL, HTTPTimeout: 5 * time.Second}
	cfg.MetricsAddr = "127.0.0.1:0"
	cfg.Org = demoOrg()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := newApp(cfg, storetest.SQLite(t), nil, servicebot.SystemClock{}, logger, tuning{noJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := get("http://" + a.metricsLn.Addr().String() + "/metrics"); status != http.StatusOK ||
		!strings.Contains(body, "servicebot_outbox_rows") {
		t.Errorf("metrics address: %d, body has the outbox gauge: %v", status, strings.Contains(body, "servicebot_outbox_rows"))
	}
	if status, _ := get("http://" + ln.Addr().String() + "/metrics"); status != http.StatusNotFound {
		t.Errorf("/metrics on the public port: %d, want 404", status)
	}
	if status, _ := get("http://" + ln.Addr().String() + "/healthz"); status != http.StatusOK {
		t.Errorf("/healthz on the public port: %d", status)
	}
}
