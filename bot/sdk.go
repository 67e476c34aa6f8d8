package bot

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// DefaultAPIBase is the WeCom API host the SDK has hard-coded in every URL.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// ConfigureSDK points the SDK at apiBase (the simulator, or a proxy) instead
// of DefaultAPIBase, and gives its HTTP client a timeout (the SDK's default
// client has none, so a stalled connection would hang a sender forever).
//
// Both settings are PROCESS-GLOBAL variables of silenceper's util package:
// call this once at start-up, before any Client is used. Tests that call it
// must not run in parallel with each other or with anything using a Client.
func ConfigureSDK(apiBase string, timeout time.Duration) {
	base := strings.TrimRight(apiBase, "/")
	if base == "" || base == DefaultAPIBase {
		util.SetURIModifier(nil)
	} else {
		util.SetURIModifier(func(uri string) string {
			if rest, ok := strings.CutPrefix(uri, DefaultAPIBase); ok {
				return base + rest
			}
			return uri
		})
	}
	util.DefaultHTTPClient = &http.Client{Timeout: timeout}
}

// secretParam matches the query parameters that carry a credential: the
// access token, the app secret, and a group robot's webhook key (anyone with
// it can post to the group). The SDK puts the full URL into the text of
// transport and non-200 errors.
var secretParam = regexp.MustCompile(`\b(access_token|corpsecret|key)=[^&\s"']*`)

// redact blanks out credentials in s, so that an error can be returned or
// logged without leaking them.
func redact(s string) string {
	return secretParam.ReplaceAllString(s, "${1}=REDACTED")
}

// redactedError hides credentials in the text of err while keeping err in
// the chain, so errors.Is(err, context.DeadlineExceeded) and friends still
// work on what the SDK returned.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactErr(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: redact(err.Error()), err: err}
}
