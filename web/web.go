// Package web serves the pages members open inside WeCom: the department's
// forms (filled in on the phone), their records, and the manager's pages
// (daily reports as Excel, the approvals audit, the submitted forms, the
// monthly KPI's inputs and workbook).
//
// Every page needs the member's identity, which WeCom's OAuth2 gives (code
// → userid); the identity is then kept in a signed cookie. What a member may
// see follows their roles (R-ORG-1): an engineer their own records, the
// department's managers everything, the archivist the archive; anyone else
// gets a clear refusal.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/reportexport"
)

// Prefix is where every page of the package lives.
const Prefix = "/web/"

// DefaultAuthorizeURL is WeCom's OAuth2 authorize page.
const DefaultAuthorizeURL = "https://open.weixin.qq.com/connect/oauth2/authorize"

// Store is what the pages read (*store.DB).
type Store interface {
	FormSubmission(ctx context.Context, id int64) (servicebot.FormSubmission, error)
	ListFormSubmissions(ctx context.Context, f servicebot.FormFilter) ([]servicebot.FormSubmission, error)
	AddFormPhoto(ctx context.Context, p servicebot.FormPhoto) (int64, error)
	FormPhoto(ctx context.Context, id int64) (servicebot.FormPhoto, error)
	ListApprovals(ctx context.Context, limit int) ([]servicebot.Approval, error)
	PendingApprovalSteps(ctx context.Context) ([]servicebot.ApprovalStep, error)
	GetApproval(ctx context.Context, id int64) (servicebot.Approval, error)
	GetMember(ctx context.Context, userID string) (servicebot.Member, error)
	ListMembers(ctx context.Context, activeOnly bool) ([]servicebot.Member, error)
	Job(ctx context.Context, id int64) (servicebot.Job, error)
	OpenJobsOf(ctx context.Context, engineer string) ([]servicebot.Job, error)
	FaultJobsOfSerial(ctx context.Context, serial string) ([]servicebot.Job, error)
	OpenObligationsOf(ctx context.Context, kind, keyPrefix string) ([]servicebot.Obligation, error)
	Customers(ctx context.Context) ([]servicebot.Customer, error)
}

// Identifier turns an OAuth2 code into a userid (*bot.Client).
type Identifier interface {
	UserIDFromOAuthCode(ctx context.Context, code string) (string, error)
}

// Reports gives the daily reports of a period (*reportexport.Exporter).
type Reports interface {
	Records(ctx context.Context, from, to servicebot.Date, now time.Time) ([]reportexport.Record, error)
	// States is Records without the reports' contents (the month's grid).
	States(ctx context.Context, from, to servicebot.Date, now time.Time) ([]reportexport.State, error)
}

// Config is how the pages are set up.
type Config struct {
	// PublicURL is where members' phones reach this server; the OAuth
	// redirect comes back to it.
	PublicURL string
	// AuthorizeURL is WeCom's authorize page (DefaultAuthorizeURL), or the
	// simulator's /connect/oauth2/authorize in the demo and tests.
	AuthorizeURL string
	CorpID       string
	AgentID      int64
	// SessionKey signs the session cookie and the CSRF tokens: at least 32
	// random bytes, kept secret and the same on every replica.
	SessionKey []byte
	// SessionTTL is how long a sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// MaxPhotoBytes limits one uploaded photo (default 8 MiB); MaxPhotos the
	// photos of one field (default 9).
	MaxPhotoBytes int64
	MaxPhotos     int
	Org           servicebot.Org
	// KPI is the monthly KPI the manager's page works with (nil: the page
	// says it is not available).
	KPI *KPI
	// Approvals decides approval steps from the pages (nil: the pages
	// show approvals but decide none).
	Approvals ApprovalEngine
	// Calendar marks the month's days off and 调休 on the month's grid
	// (nil: no marks).
	Calendar *servicebot.Calendar
	Location *time.Location
	Clock    servicebot.Clock
	Logger   *slog.Logger
}

// Forms keeps drafts and submits forms of a catalog (*forms.Service).
type Forms interface {
	Catalog() *forms.Catalog
	SaveDraft(ctx context.Context, in forms.Filled) (servicebot.FormSubmission, error)
	Submit(ctx context.Context, in forms.Filled) (servicebot.FormSubmission, error)
}

// Server serves the pages.
type Server struct {
	cfg     Config
	db      Store
	ids     Identifier
	forms   Forms
	reports Reports
	pages   map[string]*template.Template
	mux     *http.ServeMux
}

// MinSessionKey is the shortest session key New accepts.
const MinSessionKey = 32

// New makes the pages' server. reports may be nil: the reports page then
// says it is not available.
func New(cfg Config, db Store, ids Identifier, fs Forms, reports Reports) (*Server, error) {
	if len(cfg.SessionKey) < MinSessionKey {
		return nil, fmt.Errorf("web: session key must be at least %d bytes", MinSessionKey)
	}
	if _, err := url.Parse(cfg.PublicURL); err != nil || cfg.PublicURL == "" {
		return nil, fmt.Errorf("web: public URL %q is not a URL", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = DefaultAuthorizeURL
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.MaxPhotoBytes <= 0 {
		cfg.MaxPhotoBytes = 8 << 20
	}
	if cfg.MaxPhotos <= 0 {
		cfg.MaxPhotos = 9
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Clock == nil {
		cfg.Clock = servicebot.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages(cfg.Location)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, db: db, ids: ids, forms: fs, reports: reports, pages: pages, mux: http.NewServeMux()}
	s.routes()
	return s, nil
}

// ServeHTTP serves the pages under Prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET "+oauthPath, s.oauthCallback)
	s.mux.Handle("GET /web/{$}", s.signedIn(s.home))
	s.mux.Handle("GET /web/forms/{id}", s.signedIn(s.formPage))
	s.mux.Handle("POST /web/forms/{id}", s.signedIn(s.formPost))
	s.mux.Handle("GET /web/submissions", s.signedIn(s.submissionList))
	s.mux.Handle("GET /web/submissions/{id}", s.signedIn(s.submissionPage))
	s.mux.Handle("GET /web/photos/{id}", s.signedIn(s.photo))
	s.mux.Handle("GET /web/reports", s.signedIn(s.reportsPage))
	s.mux.Handle("GET /web/reports.xlsx", s.signedIn(s.reportsExcel))
	s.mux.Handle("GET /web/approvals", s.signedIn(s.approvalList))
	s.mux.Handle("GET /web/approvals/pending", s.signedIn(s.approvalsPending))
	s.mux.Handle("GET /web/approvals/mine", s.signedIn(s.approvalsMine))
	s.mux.Handle("GET /web/approvals/{id}", s.signedIn(s.approvalPage))
	s.mux.Handle("POST /web/approvals/{id}/decide", s.signedIn(s.approvalDecide))
	s.mux.Handle("POST /web/approvals/{id}/withdraw", s.signedIn(s.approvalWithdraw))
	s.mux.Handle("GET /web/today", s.signedIn(s.today))
	s.mux.Handle("GET /web/month", s.signedIn(s.month))
	s.mux.Handle("GET /web/engineer", s.signedIn(s.engineer))
	s.mux.Handle("GET /web/day", s.signedIn(s.dayReport))
	s.mux.Handle("GET /web/jobs", s.signedIn(s.jobList))
	s.mux.Handle("GET /web/jobs/{id}", s.signedIn(s.jobPageOf))
	s.mux.Handle("GET /web/kpi", s.signedIn(s.kpiHome))
	s.mux.Handle("GET /web/kpi/{month}", s.signedIn(s.kpiMonthPage))
	s.mux.Handle("GET /web/kpi/{month}/table", s.signedIn(s.kpiTable))
	s.mux.Handle("GET /web/kpi/{month}/card", s.signedIn(s.kpiCard))
	s.mux.Handle("POST /web/kpi/{month}/inputs", s.signedIn(s.kpiAdd))
	s.mux.Handle("POST /web/kpi/{month}/upload", s.signedIn(s.kpiUpload))
	s.mux.Handle("POST /web/kpi/{month}/inputs/{id}/void", s.signedIn(s.kpiVoid))
	s.mux.Handle("GET /web/kpi/{month}/export.xlsx", s.signedIn(s.kpiExcel))
	s.mux.Handle("/web/", s.signedIn(func(w http.ResponseWriter, r *http.Request, v Viewer) {
		s.fail(w, r, v, http.StatusNotFound, "页面不存在", "您打开的链接不存在或已失效。")
	}))
}

// FormURL is the page of form id, for cards and chat replies.
func (s *Server) FormURL(id string, jobID int64) string { return FormURL(s.cfg.PublicURL, id, jobID) }

// FormURL is the page of form id under publicURL, linked to job jobID
// when it is not 0, for those who link a form before the pages exist.
func FormURL(publicURL, id string, jobID int64) string {
	u := strings.TrimSuffix(publicURL, "/") + "/web/forms/" + url.PathEscape(id)
	if jobID != 0 {
		u += fmt.Sprintf("?job=%d", jobID)
	}
	return u
}

// HomeURL is the start page (the app menu's link).
func (s *Server) HomeURL() string { return s.cfg.PublicURL + Prefix }

// TodayURL is the managers' page of today's reports (/web/today), for the
// 20:00 and 09:00 cards; "" when the pages are off.
func (s *Server) TodayURL() string { return s.cfg.PublicURL + "/web/today" }

// SubmissionURL is the page of a stored submission.
func (s *Server) SubmissionURL(id int64) string {
	return fmt.Sprintf("%s/web/submissions/%d", s.cfg.PublicURL, id)
}

// fail renders an error page with status.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v Viewer, status int, title, text string) {
	s.render(w, r, status, "message.html", pageData{Title: title, Viewer: v, Message: text})
}

// internal logs err and renders a general failure page.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, v Viewer, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	if status := handlers.ErrorStatus(err); status != http.StatusInternalServerError {
		// The request ran out of time (handlers.Deadline): busy, not broken.
		s.cfg.Logger.Warn("web: request timed out", "path", r.URL.Path, "user", v.UserID, "err", err)
		s.fail(w, r, v, status, "服务器繁忙", "服务器繁忙，请稍后再试。")
		return
	}
	s.cfg.Logger.Error("web: request failed", "path", r.URL.Path, "user", v.UserID, "err", err)
	s.fail(w, r, v, http.StatusInternalServerError, "出错了", "服务器暂时无法处理，请稍后再试。")
}

//go:embed templates/*.html
var templateFiles embed.FS
