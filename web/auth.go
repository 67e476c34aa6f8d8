package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
)

const (
	oauthPath     = "/web/oauth/callback"
	sessionCookie = "sb_session"
	// stateCookie carries the OAuth state and the page to return to: WeCom
	// allows state only [a-zA-Z0-9]{0,128}, so the page cannot ride in it.
	stateCookie = "sb_oauth"
	stateTTL    = 10 * time.Minute
	csrfField   = "_csrf"
)

// sign is the HMAC of parts under the session key, separated so that
// ("a|b", "c") and ("a", "b|c") differ.
func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.cfg.SessionKey)
	for _, p := range parts {
		fmt.Fprintf(m, "%d:%s;", len(p), p)
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signed makes a cookie value: the fields, their expiry and their signature.
func (s *Server) signed(purpose string, expires time.Time, fields ...string) string {
	enc := make([]string, 0, len(fields)+2)
	for _, f := range fields {
		enc = append(enc, base64.RawURLEncoding.EncodeToString([]byte(f)))
	}
	enc = append(enc, strconv.FormatInt(expires.Unix(), 10))
	return strings.Join(append(enc, s.sign(append([]string{purpose}, enc...)...)), ".")
}

// verify checks a value made by signed for purpose and returns its fields.
func (s *Server) verify(purpose, value string, n int) ([]string, bool) {
	parts := strings.Split(value, ".")
	if len(parts) != n+2 {
		return nil, false
	}
	body, sig := parts[:n+1], parts[n+1]
	if !hmac.Equal([]byte(sig), []byte(s.sign(append([]string{purpose}, body...)...))) {
		return nil, false
	}
	exp, err := strconv.ParseInt(body[n], 10, 64)
	if err != nil || !s.cfg.Clock.Now().Before(time.Unix(exp, 0)) {
		return nil, false
	}
	fields := make([]string, n)
	for i := range n {
		b, err := base64.RawURLEncoding.DecodeString(body[i])
		if err != nil {
			return nil, false
		}
		fields[i] = string(b)
	}
	return fields, true
}

func (s *Server) secure() bool { return strings.HasPrefix(s.cfg.PublicURL, "https://") }

// setCookie sets a cookie living maxAge (0: the browser session; negative:
// delete it). Max-Age, not Expires: the phone's clock need not agree with
// ours; the signed value carries its own expiry by our clock.
func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	secs := int(maxAge / time.Second)
	if maxAge < 0 {
		secs = -1
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: secs,
		HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode})
}

// sessionUser is the userid of a valid session cookie, and the cookie's value.
func (s *Server) sessionUser(r *http.Request) (userID, session string, ok bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", "", false
	}
	fields, ok := s.verify("session", c.Value, 1)
	if !ok || fields[0] == "" {
		return "", "", false
	}
	return fields[0], c.Value, true
}

// csrfToken is bound to the session: a page of one session cannot be
// posted with another's cookie, nor a forged page with this one's.
func (s *Server) csrfToken(session string) string { return s.sign("csrf", session) }

// handlerFunc is a page handler that knows who is asking.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v Viewer)

// signedIn runs h for a signed-in member; a GET without a session goes
// through WeCom's OAuth2 and comes back, anything else is refused.
func (s *Server) signedIn(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userID, session, ok := s.sessionUser(r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				s.startOAuth(w, r)
				return
			}
			s.fail(w, r, Viewer{}, http.StatusUnauthorized, "登录已过期", "请从企业微信重新打开此页面后再提交。")
			return
		}
		v, err := s.viewer(r.Context(), userID)
		if err != nil {
			s.internal(w, r, Viewer{UserID: userID}, err)
			return
		}
		v.csrf = s.csrfToken(session)
		if r.Method == http.MethodPost {
			if err := s.parsePost(w, r); errors.Is(err, errNUL) {
				s.fail(w, r, v, http.StatusBadRequest, "内容无效", "提交的内容含有无效字符，请删除后重试。")
				return
			} else if err != nil {
				s.fail(w, r, v, http.StatusRequestEntityTooLarge, "内容太大",
					fmt.Sprintf("一次提交的内容不能超过 %d MB，请减少照片后重试。", s.maxBody()>>20))
				return
			}
		}
		if r.Method == http.MethodPost && !hmac.Equal([]byte(r.PostFormValue(csrfField)), []byte(v.csrf)) {
			s.fail(w, r, v, http.StatusForbidden, "页面已过期", "请刷新页面后重新提交。")
			return
		}
		if !v.Known() {
			s.refuse(w, r, v)
			return
		}
		h(w, r, v)
	})
}

// maxBody bounds a POST: every photo field full, and room for the text.
func (s *Server) maxBody() int64 { return s.cfg.MaxPhotoBytes*int64(s.cfg.MaxPhotos)*2 + 1<<20 }

// parsePost reads a POST body within maxBody; files above 1 MiB wait in
// temporary files until the request ends.
func (s *Server) parsePost(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.maxBody())
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return err
	}
	// A NUL byte in a field cannot be stored (PostgreSQL text): refuse it
	// here rather than fail in the database (issue 15).
	for _, vs := range r.PostForm {
		for _, v := range vs {
			if strings.ContainsRune(v, 0) {
				return errNUL
			}
		}
	}
	return nil
}

// errNUL is a form field holding a NUL byte.
var errNUL = errors.New("web: a form field holds a NUL byte")

// startOAuth sends the browser to WeCom's authorize page, which comes back
// to oauthPath with a code; the page asked for is kept in a cookie.
func (s *Server) startOAuth(w http.ResponseWriter, r *http.Request) {
	state := strings.ReplaceAll(rand.Text(), "=", "")
	next := r.URL.RequestURI()
	s.setCookie(w, stateCookie, s.signed("oauth", s.cfg.Clock.Now().Add(stateTTL), state, next), stateTTL)
	http.Redirect(w, r, authorizeURL(s.cfg.AuthorizeURL, s.cfg.CorpID, s.cfg.PublicURL+oauthPath, state, s.cfg.AgentID), http.StatusFound)
}

// authorizeURL is WeCom's OAuth link with its parameters in the documented
// order (构造网页授权链接, 91022: appid, redirect_uri, response_type, scope,
// state, agentid, then #wechat_redirect). url.Values would sort them; WeCom
// documents the order, and some clients are known to insist on it.
func authorizeURL(base, corpID, redirect, state string, agentID int64) string {
	params := [][2]string{
		{"appid", corpID},
		{"redirect_uri", redirect},
		{"response_type", "code"},
		{"scope", "snsapi_base"},
		{"state", state},
		{"agentid", strconv.FormatInt(agentID, 10)},
	}
	var b strings.Builder
	b.WriteString(base)
	for i, p := range params {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(p[0] + "=" + url.QueryEscape(p[1]))
	}
	b.WriteString("#wechat_redirect")
	return b.String()
}

// oauthCallback trades the code for the userid and starts the session.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(stateCookie)
	var fields []string
	ok := err == nil
	if ok {
		fields, ok = s.verify("oauth", c.Value, 2)
	}
	code, state := r.URL.Query().Get("code"), r.URL.Query().Get("state")
	if !ok || state == "" || !hmac.Equal([]byte(state), []byte(fields[0])) || code == "" {
		s.fail(w, r, Viewer{}, http.StatusBadRequest, "登录失败", "登录链接已失效，请从企业微信重新打开此页面。")
		return
	}
	userID, err := s.ids.UserIDFromOAuthCode(r.Context(), code)
	if errors.Is(err, servicebot.ErrNotFound) {
		s.fail(w, r, Viewer{}, http.StatusForbidden, "无法识别身份", "只有本企业成员可以使用此页面。")
		return
	}
	if apiErr, isAPI := errors.AsType[*wecommsg.APIError](err); isAPI && apiErr.Code == wecommsg.CodeInvalidOAuthCode {
		// The code expired or was used already (a reload, the back
		// button): not a fault, sign in again. The page asked for starts a
		// fresh OAuth round with a fresh state.
		s.cfg.Logger.Info("web: oauth code expired or used; signing in again")
		s.setCookie(w, stateCookie, "", -1)
		http.Redirect(w, r, localPath(fields[1]), http.StatusFound)
		return
	}
	if err != nil {
		s.internal(w, r, Viewer{}, fmt.Errorf("oauth: %w", err))
		return
	}
	s.setCookie(w, sessionCookie, s.signed("session", s.cfg.Clock.Now().Add(s.cfg.SessionTTL), userID), s.cfg.SessionTTL)
	s.setCookie(w, stateCookie, "", -1)
	s.cfg.Logger.Info("web: signed in", "user", userID)
	http.Redirect(w, r, localPath(fields[1]), http.StatusFound)
}

// localPath keeps a return address on this site's pages: never a redirect
// to somewhere else.
func localPath(p string) string {
	if !strings.HasPrefix(p, Prefix) || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return Prefix
	}
	return p
}
