package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/util"

	"github.com/servicebot/servicebot/metrics"
)

// tokenSource hands out the app's access token from the shared cache,
// fetching it with gettoken when the cache has none: one lock and a double
// check make 50 concurrent callers of this process cost one gettoken, and
// the shared cache (Redis) makes all replicas use one token.
//
// It is silenceper's credential.WorkAccessToken (same cache key, same early
// expiry) with what that lacks: the API host of this app rather than the
// SDK's hard-coded one, dropping a token WeCom rejected (the SDK never
// clears its cache on 40014/42001), metrics for gettoken with its errcode,
// and one mutex over every cache access of this process, because
// cache.Memory reads its map without its own lock and would race with a
// Delete.
type tokenSource struct {
	mu       sync.Mutex
	tokenURL string // gettoken with the app's corpid and secret: never log it
	cache    cache.Cache
	key      string
	metrics  *metrics.Metrics
	log      *slog.Logger
}

func newTokenSource(apiBase, corpID, secret string, agentID int64, tokens cache.Cache, m *metrics.Metrics, log *slog.Logger) *tokenSource {
	agent := strconv.FormatInt(agentID, 10)
	return &tokenSource{
		tokenURL: apiBase + "/cgi-bin/gettoken?" + url.Values{"corpid": {corpID}, "corpsecret": {secret}}.Encode(),
		cache:    tokens,
		// The key silenceper's credential.WorkAccessToken stores the token
		// under, with an agent id: gowechat_work__access_token_<corpid>_<agentid>.
		key:     fmt.Sprintf("%s_access_token_%s_%s", credential.CacheKeyWorkPrefix, corpID, agent),
		metrics: m,
		log:     log,
	}
}

// tokenEarlyExpiry is how long before WeCom's expiry (7200 s) the cached
// token is dropped, as the SDK does, so a token is never used in its last
// minutes by a call that takes a while.
const tokenEarlyExpiry = 1500 * time.Second

type tokenResponse struct {
	util.CommonError
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// GetAccessTokenContext returns the cached token, or fetches and caches a new one.
func (t *tokenSource) GetAccessTokenContext(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tok, _ := t.cache.Get(t.key).(string); tok != "" {
		return tok, nil
	}
	start := time.Now()
	var resp tokenResponse
	body, err := util.HTTPGetContext(ctx, t.tokenURL)
	if err == nil {
		err = util.DecodeWithError(body, &resp, "gettoken")
	}
	took := time.Since(start)
	if ce, ok := errors.AsType[*util.CommonError](err); ok {
		t.metrics.APICall("gettoken", took, ce.ErrCode)
		return "", fmt.Errorf("gettoken: errcode %d: %s", ce.ErrCode, redact(ce.ErrMsg))
	}
	if err != nil {
		t.metrics.APICall("gettoken", took, metrics.TransportFailure)
		return "", fmt.Errorf("gettoken: %w", redactErr(err))
	}
	t.metrics.APICall("gettoken", took, 0)
	if resp.AccessToken == "" {
		return "", errors.New("gettoken answered errcode 0 without a token")
	}
	valid := time.Duration(resp.ExpiresIn) * time.Second
	if err := t.cache.Set(t.key, resp.AccessToken, max(valid-tokenEarlyExpiry, valid/2)); err != nil {
		return "", fmt.Errorf("gettoken: cache the token: %w", err)
	}
	t.log.Info("fetched a new WeCom access token")
	return resp.AccessToken, nil
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
