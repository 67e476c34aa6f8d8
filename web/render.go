package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
)

// pageData is what every template gets; each page fills its part.
type pageData struct {
	Title   string
	Viewer  Viewer
	Message string // message.html
	Notice  string // a green line at the top ("草稿已保存")

	// home.html
	Fillable []servicebot.FormDef
	Drafts   []submissionRow
	Recent   []submissionRow

	// form.html
	Form   formView
	Errors servicebot.FieldErrors

	// submissions.html, submission.html
	Rows       []submissionRow
	Filter     submissionFilter
	AllForms   []servicebot.FormDef
	Submission submissionView

	// approvals.html, approval.html
	Approvals []approvalRow
	Approval  approvalView
	Tab       string // approvals.html: pending, mine or all

	// reports.html
	From, To       string
	ReportsOffline bool

	// kpi.html
	KPI kpiPage

	// today.html, month.html, engineer.html, day.html
	Today todayPage
	Month monthPage
	Day   reportView

	// job.html, jobs.html
	Job jobPage

	// kpitable.html, kpicard.html
	KPITable kpiTablePage
}

func parsePages(loc *time.Location) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"at": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04")
		},
		"roleName": func(r servicebot.Role) string { return r.Name() },
		"has":      slices.Contains[[]string],
		"inc":      func(i int) int { return i + 1 },
		"add":      func(a, b int) int { return a + b },
		// shown is a stored value as people write it.
		"shown": func(t servicebot.FieldType, v string) string {
			if t == servicebot.FieldDateTime {
				return strings.Replace(v, "T", " ", 1)
			}
			return v
		},
		"choice":     servicebot.ChoiceLabel,
		"apvStatus":  servicebot.ApprovalStatusName,
		"stepStatus": stepStatus,
		"eventName":  eventName,
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || base == "parts.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/parts.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// render writes page with status. It renders into a buffer first, so a
// template failure becomes a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data pageData) {
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.cfg.Logger.Error("web: render", "page", page, "path", r.URL.Path, "err", err)
		http.Error(w, "服务器错误", http.StatusInternalServerError)
		return
	}
	s.writeHTML(w, r, status, buf.Bytes())
}

// gzipAbove: smaller pages go out as they are.
const gzipAbove = 1024

// writeHTML sends an HTML page, gzipped when the browser takes it (every
// browser does): the manager pages of a large department are repetitive
// tables that shrink tenfold, and a phone on a mobile link is who waits.
func (s *Server) writeHTML(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Add("Vary", "Accept-Encoding")
	if len(body) > gzipAbove && acceptsGzip(r) {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestSpeed)
		_, _ = zw.Write(body)
		if zw.Close() == nil {
			w.Header().Set("Content-Encoding", "gzip")
			body = zb.Bytes()
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
