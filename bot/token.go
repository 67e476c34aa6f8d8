package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"

	"github.com/servicebot/servicebot/metrics"
)

// tokenSource hands out the app's access token from the shared cache,
// fetching it with silenceper's credential.WorkAccessToken when the cache has
// none: the SDK's lock and double check make 50 concurrent callers cost one
// gettoken, and the shared cache (Redis) makes all replicas use one token.
//
// It adds what the SDK lacks: dropping a token WeCom rejected (the SDK never
// clears its cache on 40014/42001), metrics for gettoken, and one mutex over
// every cache access of this process, because cache.Memory reads its map
// without its own lock and would race with a Delete.
type tokenSource struct {
	mu      sync.Mutex
	sdk     credential.AccessTokenContextHandle
	cache   cache.Cache
	key     string
	metrics *metrics.Metrics
	log     *slog.Logger
}

func newTokenSource(corpID, secret string, agentID int64, tokens cache.Cache, m *metrics.Metrics, log *slog.Logger) *tokenSource {
	agent := strconv.FormatInt(agentID, 10)
	return &tokenSource{
		sdk:   credential.NewWorkAccessToken(corpID, secret, agent, credential.CacheKeyWorkPrefix, tokens),
		cache: tokens,
		// The key the SDK stores the token under (credential.WorkAccessToken
		// with an agent id): gowechat_work__access_token_<corpid>_<agentid>.
		key:     fmt.Sprintf("%s_access_token_%s_%s", credential.CacheKeyWorkPrefix, corpID, agent),
		metrics: m,
		log:     log,
	}
}

// GetAccessToken lets the SDK's work clients (message.Client) use this
// source; they cannot pass a context.
func (t *tokenSource) GetAccessToken() (string, error) {
	return t.GetAccessTokenContext(context.Background())
}

// GetAccessTokenContext returns the cached token, or fetches and caches a new one.
func (t *tokenSource) GetAccessTokenContext(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tok, _ := t.cache.Get(t.key).(string); tok != "" {
		return tok, nil
	}
	start := time.Now()
	tok, err := t.sdk.GetAccessTokenContext(ctx)
	took := time.Since(start)
	if err != nil {
		// The SDK reports a gettoken errcode as plain text, so it cannot be
		// told apart from a transport failure without string matching.
		t.metrics.APICall("gettoken", took, metrics.TransportFailure)
		return "", redactErr(err)
	}
	t.metrics.APICall("gettoken", took, 0)
	if tok == "" {
		t.deleteLocked()
		return "", errors.New("gettoken answered errcode 0 without a token")
	}
	t.log.Info("fetched a new WeCom access token")
	return tok, nil
}

// invalidate drops rejected from the cache so the next call fetches a new
// token. It leaves a different token alone: when many senders see the same
// 42001 at once, the first refreshes and the rest use its token instead of
// each deleting the one before and fetching again.
func (t *tokenSource) invalidate(rejected string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, _ := t.cache.Get(t.key).(string); cur != rejected {
		return
	}
	t.deleteLocked()
}

func (t *tokenSource) deleteLocked() {
	if err := t.cache.Delete(t.key); err != nil {
		// The next call then keeps using the rejected token and fails again;
		// the sender retries later, by when the cache may be back.
		t.log.Warn("could not drop the rejected WeCom access token from the cache", "err", err)
	}
}
