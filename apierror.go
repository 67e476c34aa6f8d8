package servicebot

import "fmt"

// APIError is a non-zero errcode from the WeCom API. The sender decides from it
// whether to retry, back off, refresh the token or give up.
type APIError struct {
	API  string // e.g. "message/send"
	Code int64
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.API, e.Code, e.Msg)
}

// WeCom error codes the bot reacts to.
const (
	CodeSystemBusy      = -1
	CodeInvalidToken    = 40014
	CodeTokenExpired    = 42001
	CodeAPIFreqLimit    = 45009
	CodeTooManyCalls    = 45033
	CodeAllInvalidUsers = 81013
)

// TokenProblem reports an access token WeCom no longer accepts: refresh once, retry once.
func (e *APIError) TokenProblem() bool {
	return e.Code == CodeInvalidToken || e.Code == CodeTokenExpired
}

// Temporary reports an error worth retrying later with backoff.
func (e *APIError) Temporary() bool {
	return e.Code == CodeSystemBusy || e.Code == CodeAPIFreqLimit || e.Code == CodeTooManyCalls
}
