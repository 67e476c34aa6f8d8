package wecomsim

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WeCom error codes the simulator answers with (global error code page 90313).
const (
	codeOK                 = 0
	codeInvalidSecret      = 40001
	codeInvalidUserID      = 40003
	codeInvalidMediaID     = 40007
	codeInvalidMsgType     = 40008
	codeInvalidCorpID      = 40013
	codeInvalidToken       = 40014
	codeInvalidOAuthCode   = 40029
	codeTooManyUsers       = 40032
	codeInvalidAgentID     = 40056
	codeInvalidParam       = 40058
	codeMissingToken       = 41001
	codeMissingCorpID      = 41002
	codeMissingSecret      = 41004
	codeMissingAuthCode    = 41008
	codeTokenExpired       = 42001
	codeCodeUsed           = 42022
	codeEmptyContent       = 44004
	codeContentTooLong     = 45002
	codeFreqLimit          = 45009
	codeBadJSON            = 47001
	codeDepartmentNotFound = 60003
	codeUserNotFound       = 60111
	codeAllInvalid         = 81013
	codeNoRecipients       = 82001
	codeChatIDInvalid      = 86001
	codeChatNotFound       = 86003
	codeChatSize           = 86006
	codeChatMember         = 86007
	codeChatIDMissing      = 86201
	codeOwnerNotMember     = 86207
	codeChatExists         = 86215
	codeInvalidWebhook     = 93000
)

// status is the errcode/errmsg pair every answer carries.
type status struct {
	ErrCode int64  `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

var success = status{ErrCode: codeOK, ErrMsg: "ok"}

func fail(code int64, msg string) status { return status{ErrCode: code, ErrMsg: msg} }

// flexInt accepts a JSON number or a numeric string: silenceper's request
// structs send agentid as a string, WeCom accepts both.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

func (s *Sim) routes() *http.ServeMux {
	mux := http.NewServeMux()
	api := func(pattern, name string, auth bool, h func(*http.Request, []byte) any) {
		mux.Handle(pattern, s.endpoint(name, auth, h))
	}
	api("GET /cgi-bin/gettoken", "gettoken", false, s.getToken)
	api("POST /cgi-bin/message/send", "message/send", true, s.messageSend)
	api("POST /cgi-bin/message/update_template_card", "message/update_template_card", true, s.updateTemplateCard)
	api("POST /cgi-bin/appchat/create", "appchat/create", true, s.appchatCreate)
	api("POST /cgi-bin/appchat/send", "appchat/send", true, s.appchatSend)
	api("POST /cgi-bin/webhook/send", "webhook/send", false, s.webhookSend)
	api("GET /cgi-bin/media/get", "media/get", true, s.mediaGet)
	api("GET /cgi-bin/user/list", "user/list", true, s.userList)
	api("GET /cgi-bin/user/simplelist", "user/simplelist", true, s.userSimpleList)
	api("GET /cgi-bin/user/get", "user/get", true, s.userGet)
	api("GET /cgi-bin/department/list", "department/list", true, s.departmentList)
	api("GET /cgi-bin/auth/getuserinfo", "auth/getuserinfo", true, s.authGetUserInfo)
	// The older OAuth API silenceper's UserFromCode still calls.
	api("GET /cgi-bin/user/getuserinfo", "user/getuserinfo", true, s.userGetUserInfo)
	mux.HandleFunc("GET /connect/oauth2/authorize", s.oauthAuthorize)
	s.pageRoutes(mux)
	return mux
}

// endpoint wraps one API: it counts the call, plays an injected fault,
// checks the access token when the API needs one and writes the JSON answer.
func (s *Sim) endpoint(api string, auth bool, h func(*http.Request, []byte) any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := s.beginCall(api); f != nil && !s.playFault(w, r, api, f) {
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2<<20))
		if err != nil {
			writeJSON(w, http.StatusOK, fail(codeBadJSON, "cannot read request body"))
			return
		}
		if auth {
			if st := s.checkToken(r.URL.Query().Get("access_token")); st.ErrCode != codeOK {
				s.log.Info("wecomsim: rejected token", "api", api, "errcode", st.ErrCode)
				writeJSON(w, http.StatusOK, st)
				return
			}
		}
		answer := h(r, body)
		if f, isFile := answer.(mediaFile); isFile {
			w.Header().Set("Content-Type", f.contentType)
			w.Header().Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
			_, _ = w.Write(f.data)
			return
		}
		if st, isErr := answer.(status); isErr && st.ErrCode != codeOK {
			s.log.Info("wecomsim: api error", "api", api, "errcode", st.ErrCode, "errmsg", st.ErrMsg)
			if invalidAnswer(st) {
				s.mu.Lock()
				s.rejections = append(s.rejections, Rejection{API: api, ErrCode: st.ErrCode, ErrMsg: st.ErrMsg, Body: string(body)})
				s.mu.Unlock()
			}
		} else {
			s.log.Debug("wecomsim: api call", "api", api)
		}
		writeJSON(w, http.StatusOK, answer)
	})
}

// Rejections are the requests refused as malformed by the documentation
// (schema, byte limits, card rules), oldest first.
func (s *Sim) Rejections() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rejections)
}

// beginCall counts a call and takes the next pending fault for the API, if any.
func (s *Sim) beginCall(api string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[api]++
	queue := s.faults[api]
	for len(queue) > 0 && !queue[0].Until.IsZero() && !s.now().Before(queue[0].Until) {
		queue = queue[1:] // a fault for a while, and the while is over
	}
	s.faults[api] = queue
	if len(queue) == 0 {
		return nil
	}
	f := *queue[0]
	if !f.Until.IsZero() {
		return &f
	}
	queue[0].Times--
	if queue[0].Times == 0 {
		s.faults[api] = queue[1:]
	}
	return &f
}

// playFault delays and fails the call as f says; it reports whether the call
// should go on (a latency-only fault).
func (s *Sim) playFault(w http.ResponseWriter, r *http.Request, api string, f *Fault) bool {
	s.log.Info("wecomsim: injected fault", "api", api, "errcode", f.ErrCode,
		"http_status", f.HTTPStatus, "latency", f.Latency)
	if f.Latency > 0 {
		timer := time.NewTimer(f.Latency)
		defer timer.Stop()
		select {
		case <-r.Context().Done():
			return false
		case <-timer.C:
		}
	}
	code := f.HTTPStatus
	if code == 0 {
		code = http.StatusOK
	}
	switch {
	case f.ErrCode != 0:
		msg := f.ErrMsg
		if msg == "" {
			msg = "simulated fault"
		}
		writeJSON(w, code, fail(f.ErrCode, msg))
		return false
	case code != http.StatusOK:
		http.Error(w, "simulated fault", code)
		return false
	}
	return true
}

func (s *Sim) checkToken(token string) status {
	if token == "" {
		return fail(codeMissingToken, "access_token missing")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, found := s.tokens[token]
	switch {
	case !found:
		return fail(codeInvalidToken, "invalid access_token")
	case t.revoked || !s.now().Before(t.expires):
		return fail(codeTokenExpired, "access_token expired")
	}
	return success
}

// getToken hands out the current token while it is valid, as WeCom does
// ("有效期内重复获取返回相同结果"), and a new one after it expired or was revoked.
func (s *Sim) getToken(r *http.Request, _ []byte) any {
	q := r.URL.Query()
	switch corpID, secret := q.Get("corpid"), q.Get("corpsecret"); {
	case corpID == "":
		return fail(codeMissingCorpID, "corpid missing")
	case corpID != s.corpID:
		return fail(codeInvalidCorpID, "invalid corpid")
	case secret == "":
		return fail(codeMissingSecret, "corpsecret missing")
	case secret != s.secret:
		return fail(codeInvalidSecret, "invalid credential")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if t, found := s.tokens[s.current]; !found || t.revoked || !now.Before(t.expires) {
		s.current = rand.Text() + rand.Text()
		s.tokens[s.current] = &issuedToken{expires: now.Add(s.tokenTTL)}
	}
	return struct {
		status
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}{success, s.current, int64(s.tokens[s.current].expires.Sub(now) / time.Second)}
}

// userJSON is a member as user/get and user/list return it.
type userJSON struct {
	UserID         string  `json:"userid"`
	Name           string  `json:"name"`
	Department     []int64 `json:"department"`
	Position       string  `json:"position,omitempty"`
	Mobile         string  `json:"mobile,omitempty"`
	Status         int     `json:"status,omitempty"`
	Enable         int     `json:"enable,omitempty"`
	MainDepartment int64   `json:"main_department,omitempty"`
}

func fullUser(m Member) userJSON {
	u := userJSON{UserID: m.UserID, Name: m.Name, Department: nonNil(m.Departments),
		Position: m.Position, Mobile: m.Mobile, Status: 1, Enable: 1}
	if len(m.Departments) > 0 {
		u.MainDepartment = m.Departments[0]
	}
	return u
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Sim) userList(r *http.Request, _ []byte) any {
	return s.memberList(r, fullUser)
}

func (s *Sim) userSimpleList(r *http.Request, _ []byte) any {
	return s.memberList(r, func(m Member) userJSON {
		return userJSON{UserID: m.UserID, Name: m.Name, Department: nonNil(m.Departments)}
	})
}

// memberList answers user/list and user/simplelist, which differ only in
// how much of each member they give.
func (s *Sim) memberList(r *http.Request, as func(Member) userJSON) any {
	users, st := s.departmentMembers(r)
	if st.ErrCode != codeOK {
		return st
	}
	list := make([]userJSON, 0, len(users))
	for _, m := range users {
		list = append(list, as(m))
	}
	return struct {
		status
		UserList []userJSON `json:"userlist"`
	}{success, list}
}

// departmentMembers answers department_id (and fetch_child=1) of user/list and user/simplelist.
func (s *Sim) departmentMembers(r *http.Request) ([]Member, status) {
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("department_id"), 10, 64)
	if err != nil || !s.departmentExists(id) {
		return nil, fail(codeDepartmentNotFound, "department not found")
	}
	wanted := map[int64]bool{id: true}
	if q.Get("fetch_child") == "1" {
		for _, d := range s.subtree(id) {
			wanted[d.ID] = true
		}
	}
	var out []Member
	for _, uid := range s.memberOrder {
		m := s.members[uid]
		for _, d := range m.Departments {
			if wanted[d] {
				out = append(out, m)
				break
			}
		}
	}
	return out, success
}

func (s *Sim) departmentExists(id int64) bool {
	for _, d := range s.departments {
		if d.ID == id {
			return true
		}
	}
	return false
}

// subtree returns department id and all its descendants, in directory order.
func (s *Sim) subtree(id int64) []Department {
	in := map[int64]bool{id: true}
	// Repeat until stable so the order of Departments does not matter.
	for grew := true; grew; {
		grew = false
		for _, d := range s.departments {
			if !in[d.ID] && in[d.ParentID] {
				in[d.ID], grew = true, true
			}
		}
	}
	var out []Department
	for _, d := range s.departments {
		if in[d.ID] {
			out = append(out, d)
		}
	}
	return out
}

func (s *Sim) userGet(r *http.Request, _ []byte) any {
	m, found := s.member(r.URL.Query().Get("userid"))
	if !found {
		return fail(codeUserNotFound, "userid not found")
	}
	return struct {
		status
		userJSON
	}{success, fullUser(m)}
}

func (s *Sim) departmentList(r *http.Request, _ []byte) any {
	type departmentJSON struct {
		ID       int64  `json:"id"`
		Name     string `json:"name"`
		ParentID int64  `json:"parentid"`
		Order    int    `json:"order"`
	}
	list := s.departments
	if raw := r.URL.Query().Get("id"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || !s.departmentExists(id) {
			return fail(codeDepartmentNotFound, "department not found")
		}
		list = s.subtree(id)
	}
	out := make([]departmentJSON, 0, len(list))
	for i, d := range list {
		out = append(out, departmentJSON{ID: d.ID, Name: d.Name, ParentID: d.ParentID, Order: len(list) - i})
	}
	return struct {
		status
		Department []departmentJSON `json:"department"`
	}{success, out}
}

func (s *Sim) authGetUserInfo(r *http.Request, _ []byte) any { return s.userInfo(r, false) }

func (s *Sim) userGetUserInfo(r *http.Request, _ []byte) any { return s.userInfo(r, true) }

// userInfoJSON is auth/getuserinfo's answer; legacyUserInfoJSON the older
// user/getuserinfo's, the same but for the key's spelling.
type (
	userInfoJSON struct {
		status
		UserID string `json:"userid"`
	}
	legacyUserInfoJSON struct {
		status
		UserID string `json:"UserId"`
	}
)

// userInfo answers an OAuth code with its member, once.
func (s *Sim) userInfo(r *http.Request, legacy bool) any {
	userID, st := s.consumeOAuthCode(r.URL.Query().Get("code"))
	if st.ErrCode != codeOK {
		return st
	}
	info := userInfoJSON{success, userID}
	if legacy {
		return legacyUserInfoJSON(info)
	}
	return info
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
