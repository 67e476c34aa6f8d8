package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/util"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/metrics"
)

// ClientConfig is the self-built app's API credentials.
type ClientConfig struct {
	CorpID  string
	AgentID int64
	Secret  string
	// APIBase is the API host when not WeCom's (the simulator, a proxy).
	APIBase string
	// Timeout bounds each API call (DefaultTimeout when zero): the SDK's
	// HTTP client has none, so a stalled connection would hang a sender.
	Timeout time.Duration
}

// DefaultTimeout bounds an API call when ClientConfig.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Client calls the WeCom API for one self-built app. It is safe for
// concurrent use.
//
// Every call goes to the app's own API host with the SDK's *Context
// helpers, bounded by ctx and the app's timeout. The SDK's own clients
// (message.Client, credential.WorkAccessToken) are not used: they take the
// host from a process-global setting and message.Client ignores ctx, so two
// apps in one process (two replicas in a test) could not each have theirs.
type Client struct {
	agentID int64
	apiBase string
	timeout time.Duration
	tokens  *tokenSource
	metrics *metrics.Metrics
	log     *slog.Logger
}

// NewClient makes a Client whose access token lives in tokens, under the
// SDK's key gowechat_work__access_token_<corpid>_<agentid>. Pass one shared
// cache for the whole process (cache.NewMemory()) or for all replicas (a
// Redis cache), so the app holds one token. m and logger may be nil.
func NewClient(cfg ClientConfig, tokens cache.Cache, m *metrics.Metrics, logger *slog.Logger) *Client {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base := strings.TrimRight(cfg.APIBase, "/")
	if base == "" {
		base = DefaultAPIBase
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{
		agentID: cfg.AgentID,
		apiBase: base,
		timeout: timeout,
		tokens:  newTokenSource(base, cfg.CorpID, cfg.Secret, cfg.AgentID, tokens, m, logger),
		metrics: m,
		log:     logger,
	}
}

// Token returns the app's access token, from the shared cache when it holds
// one, else fetched with gettoken. Never log it.
func (c *Client) Token(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("bot: access token: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	tok, err := c.tokens.GetAccessTokenContext(ctx)
	if err != nil {
		return "", fmt.Errorf("bot: access token: %w", err)
	}
	return tok, nil
}

// call makes one WeCom API call through fn, which gets the access token to
// use and a context bounded by limit (the call's own time, apart from the
// token's). It records the call's metrics and turns a non-zero errcode into a
// *wecommsg.APIError. When WeCom rejects the token (40014, 42001) it drops
// the token from the cache, fetches a new one and tries once more.
func (c *Client) call(ctx context.Context, api string, limit time.Duration, fn func(ctx context.Context, token string) error) error {
	for attempt := 1; ; attempt++ {
		token, err := c.Token(ctx)
		if err != nil {
			return err
		}
		start := time.Now()
		callCtx, cancel := context.WithTimeout(ctx, limit)
		err = fn(callCtx, token)
		cancel()
		took := time.Since(start)
		if err == nil {
			c.metrics.APICall(api, took, 0)
			return nil
		}
		ce, ok := errors.AsType[*util.CommonError](err)
		if !ok {
			c.metrics.APICall(api, took, metrics.TransportFailure)
			return fmt.Errorf("bot: %s: %w", api, redactErr(err))
		}
		c.metrics.APICall(api, took, ce.ErrCode)
		apiErr := &wecommsg.APIError{API: api, Code: ce.ErrCode, Msg: redact(ce.ErrMsg)}
		if apiErr.TokenProblem() && attempt == 1 {
			c.log.Warn("WeCom rejected the access token; refreshing it and retrying once",
				"api", api, "errcode", ce.ErrCode)
			c.tokens.invalidate(token)
			continue
		}
		return apiErr
	}
}

// post sends req as JSON to the API path (under /cgi-bin/) with the token
// and decodes the answer into resp, which must embed util.CommonError.
func (c *Client) post(ctx context.Context, api string, req, resp any) error {
	return c.call(ctx, api, c.timeout, func(ctx context.Context, token string) error {
		body, err := util.PostJSONContext(ctx, c.apiURL(api, url.Values{"access_token": {token}}), req)
		if err != nil {
			return err
		}
		return util.DecodeWithError(body, resp, api)
	})
}

// get calls the API path with the token and query and decodes the answer
// into resp, which must embed util.CommonError.
func (c *Client) get(ctx context.Context, api string, query url.Values, resp any) error {
	return c.call(ctx, api, c.timeout, func(ctx context.Context, token string) error {
		q := url.Values{"access_token": {token}}
		for k, v := range query {
			q[k] = v
		}
		body, err := util.HTTPGetContext(ctx, c.apiURL(api, q))
		if err != nil {
			return err
		}
		return util.DecodeWithError(body, resp, api)
	})
}

// apiURL is the URL of an API on the app's API host.
func (c *Client) apiURL(api string, query url.Values) string {
	return c.apiBase + "/cgi-bin/" + api + "?" + query.Encode()
}

// duplicateCheckInterval is WeCom's maximum (4 h): a send retried within it
// after an unknown outcome (timeout, crash) is not shown twice.
const duplicateCheckInterval = 4 * 60 * 60

// sendRequest is message/send. The SDK's SendRequestCommon sends agentid as
// a string and has no markdown or template_card; the body goes under the key
// named by msgtype.
type sendRequest struct {
	ToUser                 string          `json:"touser"`
	MsgType                string          `json:"msgtype"`
	AgentID                int64           `json:"agentid"`
	Text                   json.RawMessage `json:"text,omitempty"`
	Markdown               json.RawMessage `json:"markdown,omitempty"`
	TemplateCard           json.RawMessage `json:"template_card,omitempty"`
	EnableDuplicateCheck   int             `json:"enable_duplicate_check"`
	DuplicateCheckInterval int             `json:"duplicate_check_interval"`
}

// Send delivers one outbox row with the API its Kind names:
//
//   - text, markdown, template_card: message/send to m.ToUsers, with Body
//     under the msgtype key and duplicate checking on for 4 hours;
//   - update_card: message/update_template_card, Body being the whole
//     request (userids, response_code, button or template_card) but agentid;
//   - appchat: appchat/send to the group m.ToChat;
//   - webhook: the group robot whose key is m.ToChat (no access token).
//
// For appchat and webhook, Body is the message object with its own msgtype,
// e.g. {"msgtype":"markdown","markdown":{"content":"…"}}. Those two APIs have
// no duplicate check, so a retry after an unknown outcome may show twice.
//
// A non-zero errcode comes back as a *wecommsg.APIError; a row that can
// never be sent (unknown kind, no recipient, body not a JSON object) as an
// error wrapping servicebot.ErrMalformed; anything else is a transport
// failure worth retrying.
func (c *Client) Send(ctx context.Context, m servicebot.OutboxMessage) (servicebot.SendResult, error) {
	var (
		res servicebot.SendResult
		err error
	)
	switch m.Kind {
	case servicebot.OutText, servicebot.OutMarkdown, servicebot.OutTemplateCard:
		res, err = c.sendMessage(ctx, m)
	case servicebot.OutUpdateCard:
		res, err = c.updateCard(ctx, m)
	case servicebot.OutAppChat:
		err = c.sendAppChat(ctx, m)
	case servicebot.OutWebhook:
		err = c.sendWebhook(ctx, m)
	default:
		err = fmt.Errorf("unknown kind %q: %w", m.Kind, servicebot.ErrMalformed)
	}
	if err != nil {
		return servicebot.SendResult{}, fmt.Errorf("bot: send outbox %d: %w", m.ID, err)
	}
	return res, nil
}

func (c *Client) sendMessage(ctx context.Context, m servicebot.OutboxMessage) (servicebot.SendResult, error) {
	if m.ToUsers == "" {
		return servicebot.SendResult{}, fmt.Errorf("no recipient: %w", servicebot.ErrMalformed)
	}
	if err := checkObject(m.Body); err != nil {
		return servicebot.SendResult{}, err
	}
	req := sendRequest{
		ToUser:                 m.ToUsers,
		MsgType:                m.Kind,
		AgentID:                c.agentID,
		EnableDuplicateCheck:   1,
		DuplicateCheckInterval: duplicateCheckInterval,
	}
	switch m.Kind {
	case servicebot.OutText, servicebot.OutMarkdown:
		body, err := markRow(m.Body, m.ID)
		if err != nil {
			return servicebot.SendResult{}, err
		}
		if m.Kind == servicebot.OutText {
			req.Text = body
		} else {
			req.Markdown = body
		}
	case servicebot.OutTemplateCard:
		// A card's task_id is unique already.
		req.TemplateCard = m.Body
	}
	var resp sendResponse
	if err := c.post(ctx, "message/send", req, &resp); err != nil {
		return servicebot.SendResult{}, err
	}
	return servicebot.SendResult{
		MsgID:        resp.MsgID,
		ResponseCode: resp.ResponseCode,
		InvalidUsers: splitIDs(resp.InvalidUser),
	}, nil
}

// markRow writes the outbox row's id into a text or markdown body in
// invisible runes (wecommsg.Mark): WeCom's duplicate check must suppress a
// retry of a row but never a second row that says the same thing.
func markRow(body json.RawMessage, id int64) (json.RawMessage, error) {
	return wecommsg.Mark(body, id)
}

// sendResponse is message/send's answer (silenceper's message.SendResponse).
type sendResponse struct {
	util.CommonError
	InvalidUser    string `json:"invaliduser"`
	InvalidParty   string `json:"invalidparty"`
	InvalidTag     string `json:"invalidtag"`
	UnlicensedUser string `json:"unlicenseduser"`
	MsgID          string `json:"msgid"`
	ResponseCode   string `json:"response_code"`
}

type updateCardResponse struct {
	util.CommonError
	InvalidUser []string `json:"invaliduser"`
}

func (c *Client) updateCard(ctx context.Context, m servicebot.OutboxMessage) (servicebot.SendResult, error) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(m.Body, &req); err != nil || req == nil {
		return servicebot.SendResult{}, fmt.Errorf("update_card body is not a JSON object: %w", servicebot.ErrMalformed)
	}
	var code string
	if err := json.Unmarshal(req["response_code"], &code); err != nil || code == "" {
		return servicebot.SendResult{}, fmt.Errorf("update_card body has no response_code: %w", servicebot.ErrMalformed)
	}
	req["agentid"] = json.RawMessage(strconv.FormatInt(c.agentID, 10))
	var resp updateCardResponse
	if err := c.post(ctx, "message/update_template_card", req, &resp); err != nil {
		return servicebot.SendResult{}, err
	}
	var res servicebot.SendResult
	if len(resp.InvalidUser) > 0 {
		res.InvalidUsers = resp.InvalidUser
	}
	return res, nil
}

func (c *Client) sendAppChat(ctx context.Context, m servicebot.OutboxMessage) error {
	if m.ToChat == "" {
		return fmt.Errorf("no chat id: %w", servicebot.ErrMalformed)
	}
	req, err := selfTypedMessage(m.Body)
	if err != nil {
		return err
	}
	chatID, _ := json.Marshal(m.ToChat)
	req["chatid"] = chatID
	var resp struct{ util.CommonError }
	return c.post(ctx, "appchat/send", req, &resp)
}

// sendWebhook posts to a group robot. The webhook needs no access token, so
// it bypasses call; RobotBroadcast is not used because it returns a nil
// error on a non-zero errcode and cannot take a context.
func (c *Client) sendWebhook(ctx context.Context, m servicebot.OutboxMessage) error {
	const api = "webhook/send"
	if m.ToChat == "" {
		return fmt.Errorf("no robot key: %w", servicebot.ErrMalformed)
	}
	req, err := selfTypedMessage(m.Body)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", api, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	start := time.Now()
	body, err := util.PostJSONContext(ctx, c.apiURL(api, url.Values{"key": {m.ToChat}}), req)
	if err == nil {
		err = util.DecodeWithCommonError(body, api)
	}
	took := time.Since(start)
	if err == nil {
		c.metrics.APICall(api, took, 0)
		return nil
	}
	if ce, ok := errors.AsType[*util.CommonError](err); ok {
		c.metrics.APICall(api, took, ce.ErrCode)
		return &wecommsg.APIError{API: api, Code: ce.ErrCode, Msg: redact(ce.ErrMsg)}
	}
	c.metrics.APICall(api, took, metrics.TransportFailure)
	return fmt.Errorf("%s: %w", api, redactErr(err))
}

// CreateAppChat creates an app group chat (appchat/create) of owner and
// users (2 to 2000 members, the owner among them) named name, and returns
// its chat id: chatID when given, else one WeCom chose. WeCom allows it only
// for apps visible to the root department (else errcode 60011).
func (c *Client) CreateAppChat(ctx context.Context, name, owner string, users []string, chatID string) (string, error) {
	req := struct {
		Name     string   `json:"name,omitempty"`
		Owner    string   `json:"owner,omitempty"`
		UserList []string `json:"userlist"`
		ChatID   string   `json:"chatid,omitempty"`
	}{name, owner, users, chatID}
	var resp struct {
		util.CommonError
		ChatID string `json:"chatid"`
	}
	if err := c.post(ctx, "appchat/create", req, &resp); err != nil {
		return "", fmt.Errorf("bot: create app chat: %w", err)
	}
	return resp.ChatID, nil
}

// Department is one department of the address book (department/list).
type Department struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	ParentID int64    `json:"parentid"`
	Order    int64    `json:"order"`
	Leaders  []string `json:"department_leader"`
}

// ListDepartments returns every department the app can see.
func (c *Client) ListDepartments(ctx context.Context) ([]Department, error) {
	var resp struct {
		util.CommonError
		Department []Department `json:"department"`
	}
	if err := c.get(ctx, "department/list", nil, &resp); err != nil {
		return nil, fmt.Errorf("bot: list departments: %w", err)
	}
	return resp.Department, nil
}

// User is one member of the address book (user/list). Fields WeCom
// withholds from the app (mobile and email for apps created after June 2022)
// come back empty.
type User struct {
	UserID         string   `json:"userid"`
	Name           string   `json:"name"`
	Departments    []int64  `json:"department"`
	MainDepartment int64    `json:"main_department"`
	Position       string   `json:"position"`
	Mobile         string   `json:"mobile"`
	Email          string   `json:"email"`
	IsLeaderInDept []int    `json:"is_leader_in_dept"` // parallel to Departments: 1 = leads it
	DirectLeader   []string `json:"direct_leader"`
	Status         int      `json:"status"` // 1 active, 2 disabled, 4 not yet activated, 5 left
}

// ListUsers returns the members of one department (not of its
// sub-departments) with their details.
func (c *Client) ListUsers(ctx context.Context, departmentID int64) ([]User, error) {
	var resp struct {
		util.CommonError
		UserList []User `json:"userlist"`
	}
	q := url.Values{"department_id": {strconv.FormatInt(departmentID, 10)}}
	if err := c.get(ctx, "user/list", q, &resp); err != nil {
		return nil, fmt.Errorf("bot: list users of department %d: %w", departmentID, err)
	}
	return resp.UserList, nil
}

// UserIDFromOAuthCode turns the code of an OAuth redirect (a member opening
// one of the app's pages in WeCom) into the member's userid. A code from
// someone outside the corp yields an error wrapping servicebot.ErrNotFound.
func (c *Client) UserIDFromOAuthCode(ctx context.Context, code string) (string, error) {
	var resp struct {
		util.CommonError
		UserID string `json:"userid"`
	}
	if err := c.get(ctx, "auth/getuserinfo", url.Values{"code": {code}}, &resp); err != nil {
		return "", fmt.Errorf("bot: oauth code: %w", err)
	}
	if resp.UserID == "" {
		return "", fmt.Errorf("bot: oauth code: not a member of the corp: %w", servicebot.ErrNotFound)
	}
	return resp.UserID, nil
}

// maxMediaBytes bounds a downloaded media file: WeCom's temporary media are
// at most 20 MB (video); photos and voice are far smaller.
const maxMediaBytes = 20 << 20

// GetMedia downloads a temporary media file (media/get, 素材管理 · 获取临时素材)
// — a photo or a voice message an engineer sent — with its content type.
// A media id is valid for three days; after that WeCom answers an errcode,
// returned as *wecommsg.APIError.
func (c *Client) GetMedia(ctx context.Context, mediaID string) ([]byte, string, error) {
	const api = "media/get"
	var (
		data  []byte
		ctype string
	)
	// A download may take longer than a call: a 20 MB video on a slow link.
	// The stored media are photos and voice, far smaller.
	err := c.call(ctx, api, 3*c.timeout, func(ctx context.Context, token string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.apiURL(api, url.Values{"access_token": {token}, "media_id": {mediaID}}), nil)
		if err != nil {
			return err
		}
		resp, err := util.DefaultHTTPClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("http %d", resp.StatusCode)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxMediaBytes+1))
		if err != nil {
			return err
		}
		if len(body) > maxMediaBytes {
			return fmt.Errorf("media over %d bytes", maxMediaBytes)
		}
		ctype = resp.Header.Get("Content-Type")
		// An error comes back as JSON instead of the file.
		if strings.HasPrefix(ctype, "application/json") || strings.HasPrefix(ctype, "text/plain") {
			var ce util.CommonError
			if json.Unmarshal(body, &ce) == nil && ce.ErrCode != 0 {
				return &ce
			}
		}
		data = body
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("bot: get media: %w", err)
	}
	return data, ctype, nil
}

// checkObject reports a body that is not a JSON object as ErrMalformed:
// WeCom would reject it on every retry.
func checkObject(body json.RawMessage) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return fmt.Errorf("body is not a JSON object: %w", servicebot.ErrMalformed)
	}
	return nil
}

// selfTypedMessage decodes the body of an appchat or webhook row, which
// names its own msgtype.
func selfTypedMessage(body json.RawMessage) (map[string]json.RawMessage, error) {
	var msg map[string]json.RawMessage
	if err := json.Unmarshal(body, &msg); err != nil || msg == nil {
		return nil, fmt.Errorf("body is not a JSON object: %w", servicebot.ErrMalformed)
	}
	var msgType string
	if err := json.Unmarshal(msg["msgtype"], &msgType); err != nil || msgType == "" {
		return nil, fmt.Errorf("body has no msgtype: %w", servicebot.ErrMalformed)
	}
	return msg, nil
}

// splitIDs splits WeCom's "a|b|c" id lists.
func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}
