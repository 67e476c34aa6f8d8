package wecommsg

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
	// CodeInvalidOAuthCode: an OAuth code expired (5 minutes), used already
	// (a reload, the back button) or made up.
	CodeInvalidOAuthCode = 40029

	// Configuration errors: the department's admin console or the bot's
	// configuration must change; the message is fine and waits for it.
	CodeInvalidSecret   = 40001 // corpsecret wrong
	CodeInvalidCorpID   = 40013 // corpid wrong
	CodeInvalidAgentID  = 40056 // agentid wrong
	CodeNoAPIPermission = 48002 // API not allowed for this app
	CodeNoVisibility    = 60011 // members/department outside the app's visibility (app group chats need the root)
	CodeUntrustedIP     = 60020 // the server's IP is not among the app's 可信IP
)

// configFixes says, for each configuration errcode, what the department must
// change (全局错误码, developer.work.weixin.qq.com/document/path/96213).
var configFixes = map[int64]string{
	CodeInvalidSecret:   "check wecom.secret: it must be this app's Secret (应用管理 → 应用 → Secret)",
	CodeInvalidCorpID:   "check wecom.corp_id: 我的企业 → 企业信息 → 企业ID",
	CodeInvalidAgentID:  "check wecom.agent_id: 应用管理 → 应用 → AgentId",
	CodeNoAPIPermission: "the app may not call this API: check its permissions in the admin console (应用管理 → 应用 → API权限)",
	CodeNoVisibility:    "a recipient is outside the app's visibility: add them (or, for app group chats, the root department) to 可见范围",
	CodeUntrustedIP:     "add this server's public IP to the app's 可信IP (应用管理 → 应用 → 开发者接口 → 企业可信IP)",
}

// ConfigProblem reports an error only the department's configuration can
// fix, and what to change. Sending again after the fix succeeds, so such a
// message waits rather than fails.
func (e *APIError) ConfigProblem() (fix string, ok bool) {
	fix, ok = configFixes[e.Code]
	return fix, ok
}

// TokenProblem reports an access token WeCom no longer accepts: refresh once, retry once.
func (e *APIError) TokenProblem() bool {
	return e.Code == CodeInvalidToken || e.Code == CodeTokenExpired
}

// Temporary reports an error worth retrying later with backoff.
func (e *APIError) Temporary() bool {
	return e.Code == CodeSystemBusy || e.Code == CodeAPIFreqLimit || e.Code == CodeTooManyCalls
}
