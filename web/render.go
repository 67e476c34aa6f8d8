package web

import (
	"bytes"
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

	// reports.html
	From, To       string
	ReportsOffline bool

	// kpi.html
	KPI kpiPage
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
		// shown is a stored value as people write it.
		"shown": func(t servicebot.FieldType, v string) string {
			if t == servicebot.FieldDateTime {
				return strings.Replace(v, "T", " ", 1)
			}
			return v
		},
		"choice":     servicebot.ChoiceLabel,
		"apvStatus":  approvalStatus,
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
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", n)
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
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
