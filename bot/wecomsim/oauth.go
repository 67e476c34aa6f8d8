package wecomsim

import (
	"crypto/rand"
	"net/http"
	"net/url"
)

type oauthChoice struct {
	Name, Position, URL string
}

type oauthPageData struct {
	Error   string
	Choices []oauthChoice
}

// oauthAuthorize stands in for open.weixin.qq.com/connect/oauth2/authorize:
// WeCom knows who is inside the app; the simulator asks ("pick who you
// are"), or takes ?as=userid for tests, and redirects to redirect_uri with a
// one-use code valid five minutes.
func (s *Sim) oauthAuthorize(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls["oauth2/authorize"]++
	s.mu.Unlock()

	q := r.URL.Query()
	if q.Get("appid") != s.corpID {
		s.renderOAuth(w, http.StatusBadRequest, oauthPageData{Error: "appid 与企业 ID 不一致"})
		return
	}
	target, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !target.IsAbs() {
		s.renderOAuth(w, http.StatusBadRequest, oauthPageData{Error: "redirect_uri 无效"})
		return
	}
	if as := q.Get("as"); as != "" {
		if _, found := s.member(as); !found {
			s.renderOAuth(w, http.StatusBadRequest, oauthPageData{Error: "通讯录中没有这个成员"})
			return
		}
		tq := target.Query()
		tq.Set("code", s.issueOAuthCode(as))
		tq.Set("state", q.Get("state"))
		target.RawQuery = tq.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
		return
	}
	var data oauthPageData
	for _, uid := range s.memberOrder {
		m := s.members[uid]
		choice := *r.URL
		cq := choice.Query()
		cq.Set("as", uid)
		choice.RawQuery = cq.Encode()
		data.Choices = append(data.Choices, oauthChoice{Name: m.Name, Position: m.Position, URL: choice.RequestURI()})
	}
	s.renderOAuth(w, http.StatusOK, data)
}

func (s *Sim) renderOAuth(w http.ResponseWriter, code int, data oauthPageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := pages.ExecuteTemplate(w, "oauth.html", data); err != nil {
		s.log.Error("wecomsim: render oauth page", "err", err)
	}
}

func (s *Sim) issueOAuthCode(userID string) string {
	code := rand.Text()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauthCodes[code] = &oauthCode{userID: userID, issued: s.now()}
	return code
}

// consumeOAuthCode trades a code for the member it was issued to: once, within five minutes.
func (s *Sim) consumeOAuthCode(code string) (string, status) {
	if code == "" {
		return "", fail(codeMissingAuthCode, "code missing")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.oauthCodes[code]
	if !found || c.used || !s.now().Before(c.issued.Add(oauthCodeTTL)) {
		return "", fail(codeInvalidOAuthCode, "invalid code")
	}
	c.used = true
	return c.userID, success
}
