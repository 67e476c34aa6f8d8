package bot

import (
	"regexp"
)

// DefaultAPIBase is WeCom's API host (ClientConfig.APIBase when empty).
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

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
