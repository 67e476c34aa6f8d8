package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/kpi"
)

// KPIInputs records and withdraws the manager's KPI entries (*kpi.Inputs):
// the same as the API and the CLI, so an entry made on the page is checked,
// deduplicated and recorded the same way.
type KPIInputs interface {
	Add(ctx context.Context, ins []servicebot.KPIInput, by, origin string, rows []int) (kpi.AddResult, error)
	Void(ctx context.Context, id int64, by string) error
}

// KPIStore reads a month's entries and its recorded revisions (*store.DB).
type KPIStore interface {
	kpi.ExportStore
	KPIInputs(ctx context.Context, month string) ([]servicebot.KPIInput, error)
}

// KPI is what the manager's KPI page works with; Config.KPI nil serves the
// page as not available.
type KPI struct {
	Inputs KPIInputs
	Store  KPIStore
}

// maxKPIUpload bounds an uploaded sheet of entries.
const maxKPIUpload = 10 << 20

// kpiRoles enter the manager's KPI inputs and download the month: the
// service manager, the VP in charge and the general manager (R-KPI-13).
var kpiRoles = []servicebot.Role{servicebot.RoleServiceManager, servicebot.RoleVPAfterSales, servicebot.RoleGeneralManager}

// SeesKPI: the KPI page, its entries and its workbook.
func (v Viewer) SeesKPI() bool { return v.has(kpiRoles...) }

// kpiEntry is one manager entry as the page lists it.
type kpiEntry struct {
	ID                    int64
	Who, Kind, Date, Note string
	Count                 int64
	Value, Target         string
	By, Origin            string
	At                    time.Time
	Live                  bool
	VoidedBy              string
	VoidedAt              time.Time
}

// kpiKind is one choice of the entry form's 项目.
type kpiKind struct{ Key, Label, Indicator string }

// kpiPage is the data of kpi.html.
type kpiPage struct {
	Month, MonthTitle string
	Revision          *kpi.RevisionView // the newest, nil before the first draft
	Entries           []kpiEntry
	Kinds             []kpiKind
	Members           []servicebot.Member
	Problems          []string
	Row               kpi.InputRow // what was typed, shown again with Problems
	CSRF              string
}

// kpiMonth reads the month of the path, answering a bad one itself.
func (s *Server) kpiMonth(w http.ResponseWriter, r *http.Request, v Viewer) (string, bool) {
	if !v.SeesKPI() {
		s.refuse(w, r, v)
		return "", false
	}
	if s.cfg.KPI == nil {
		s.fail(w, r, v, http.StatusServiceUnavailable, "暂不可用", "KPI 考核页面未启用。")
		return "", false
	}
	month := r.PathValue("month")
	if _, _, err := servicebot.KPIMonthRange(month); err != nil {
		s.fail(w, r, v, http.StatusNotFound, "月份无效", "请选择有效的月份（如 2026-10）。")
		return "", false
	}
	return month, true
}

// kpiHome opens last month's page, or the month picked (?month=).
func (s *Server) kpiHome(w http.ResponseWriter, r *http.Request, v Viewer) {
	if !v.SeesKPI() {
		s.refuse(w, r, v)
		return
	}
	month := r.URL.Query().Get("month")
	if _, _, err := servicebot.KPIMonthRange(month); err != nil {
		month = servicebot.PreviousMonth(s.cfg.Clock.Now(), s.cfg.Location)
	}
	http.Redirect(w, r, "/web/kpi/"+month, http.StatusSeeOther)
}

// kpiMonthPage shows the month: its newest revision with the workbook, the
// entry form and upload, and every entry with who made and withdrew it.
func (s *Server) kpiMonthPage(w http.ResponseWriter, r *http.Request, v Viewer) {
	month, ok := s.kpiMonth(w, r, v)
	if !ok {
		return
	}
	s.renderKPI(w, r, v, month, http.StatusOK, kpiNotice(r.URL.Query()), nil, kpi.InputRow{})
}

func (s *Server) renderKPI(w http.ResponseWriter, r *http.Request, v Viewer, month string, status int,
	notice string, problems []string, row kpi.InputRow) {
	page, err := s.kpiPageOf(r.Context(), month)
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	page.Problems, page.Row, page.CSRF = problems, row, v.csrf
	first, _, _ := servicebot.KPIMonthRange(month)
	page.MonthTitle = fmt.Sprintf("%d年%d月", first.Year, int(first.Month))
	s.render(w, r, status, "kpi.html", pageData{Title: "KPI 考核 " + page.MonthTitle, Viewer: v, Notice: notice, KPI: page})
}

func (s *Server) kpiPageOf(ctx context.Context, month string) (kpiPage, error) {
	page := kpiPage{Month: month}
	revs, err := s.cfg.KPI.Store.KPIRevisions(ctx, month)
	if err != nil {
		return page, fmt.Errorf("web: kpi revisions: %w", err)
	}
	if len(revs) > 0 {
		newest := slices.MaxFunc(revs, func(a, b servicebot.KPIRevision) int { return cmp.Compare(a.Revision, b.Revision) })
		view := kpi.RevisionView{Revision: newest.Revision, Reason: newest.Reason, CreatedBy: newest.CreatedBy,
			CreatedAt: newest.CreatedAt, AppealUntil: newest.AppealUntil, PublishedBy: newest.PublishedBy}
		if newest.Published() {
			view.PublishedAt = &newest.PublishedAt
		}
		page.Revision = &view
	}
	members, err := s.db.ListMembers(ctx, true)
	if err != nil {
		return page, fmt.Errorf("web: members: %w", err)
	}
	names := map[string]string{}
	for _, m := range members {
		names[m.UserID] = m.Name
		if s.cfg.Org.OwesDailyReport(m) || slices.Contains(s.cfg.Org.Holders(servicebot.RoleEngineer), m.UserID) {
			page.Members = append(page.Members, m)
		}
	}
	ins, err := s.cfg.KPI.Store.KPIInputs(ctx, month)
	if err != nil {
		return page, fmt.Errorf("web: kpi inputs: %w", err)
	}
	for _, in := range slices.Backward(ins) { // newest first
		e := kpiEntry{ID: in.ID, Who: "全部门", Kind: in.Kind.Label(), Note: in.Note, Count: in.Count,
			By: cmp.Or(names[in.EnteredBy], in.EnteredBy), Origin: in.Origin, At: in.EnteredAt, Live: in.Live(),
			VoidedBy: cmp.Or(names[in.VoidedBy], in.VoidedBy), VoidedAt: in.VoidedAt}
		if in.UserID != "" {
			e.Who = cmp.Or(names[in.UserID], in.UserID)
		}
		if !in.Date.IsZero() {
			e.Date = in.Date.String()
		}
		if in.Value != 0 {
			e.Value = kpi.FormatValue(in.Kind, in.Value)
		}
		if in.Target != 0 {
			e.Target = kpi.FormatValue(in.Kind, in.Target)
		}
		page.Entries = append(page.Entries, e)
	}
	for _, info := range servicebot.KPIIndicators {
		for _, k := range servicebot.KPIFactKinds() {
			if k.Indicator() == info.Key {
				page.Kinds = append(page.Kinds, kpiKind{Key: string(k), Label: k.Label(), Indicator: info.Rule + " " + info.Name})
			}
		}
	}
	return page, nil
}

// kpiNotice is the line shown after a change (the page is reloaded with a
// redirect, so refreshing it changes nothing).
func kpiNotice(q url.Values) string {
	switch q.Get("done") {
	case "added":
		n, _ := strconv.Atoi(q.Get("n"))
		skipped, _ := strconv.Atoi(q.Get("skipped"))
		if skipped > 0 {
			return fmt.Sprintf("已录入 %d 条，%d 条此前已录入。", n, skipped)
		}
		return fmt.Sprintf("已录入 %d 条。", n)
	case "voided":
		return "已撤回该条录入。"
	}
	return ""
}

// kpiAdd records one entry typed on the page, by the signed-in member.
func (s *Server) kpiAdd(w http.ResponseWriter, r *http.Request, v Viewer) {
	month, ok := s.kpiMonth(w, r, v)
	if !ok {
		return
	}
	row := kpi.InputRow{UserID: r.PostFormValue("user_id"), Kind: r.PostFormValue("kind"), Date: r.PostFormValue("date"),
		Count: r.PostFormValue("count"), Value: r.PostFormValue("value"), Target: r.PostFormValue("target"),
		Note: r.PostFormValue("note")}
	in, problems := row.Input(month)
	if len(problems) > 0 {
		s.renderKPI(w, r, v, month, http.StatusUnprocessableEntity, "", problems, row)
		return
	}
	s.kpiRecord(w, r, v, month, []servicebot.KPIInput{in}, nil, "web", row)
}

// kpiUpload records the entries of an uploaded .xlsx or .csv: all or none.
func (s *Server) kpiUpload(w http.ResponseWriter, r *http.Request, v Viewer) {
	month, ok := s.kpiMonth(w, r, v)
	if !ok {
		return
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		s.renderKPI(w, r, v, month, http.StatusUnprocessableEntity, "", []string{"请选择要上传的 Excel 或 CSV 文件。"}, kpi.InputRow{})
		return
	}
	defer file.Close()
	if header.Size > maxKPIUpload {
		s.renderKPI(w, r, v, month, http.StatusRequestEntityTooLarge, "", []string{"文件不能超过 10 MB。"}, kpi.InputRow{})
		return
	}
	name := filepath.Base(header.Filename)
	ins, lines, err := kpi.ParseFile(file, name, month)
	var invalid *kpi.InvalidInputError
	switch {
	case errors.As(err, &invalid):
		s.renderKPI(w, r, v, month, http.StatusUnprocessableEntity, "", rowProblems(invalid, "未录入任何一行，请改正后重新上传："), kpi.InputRow{})
		return
	case errors.Is(err, kpi.ErrNULBytes):
		s.renderKPI(w, r, v, month, http.StatusUnprocessableEntity, "", []string{"文件 " + name + " 含有 NUL 字节（常见于另存为“Unicode 文本”）：请另存为“CSV UTF-8”或 .xlsx 后重新上传，本次未录入任何一行。"}, kpi.InputRow{})
		return
	case err != nil:
		s.renderKPI(w, r, v, month, http.StatusUnprocessableEntity, "", []string{"无法读取文件：" + name + "（请上传 .xlsx 或 .csv）"}, kpi.InputRow{})
		return
	}
	s.kpiRecord(w, r, v, month, ins, lines, "web upload "+name, kpi.InputRow{})
}

// kpiRecord adds ins by the viewer and reloads the page, or shows why not.
func (s *Server) kpiRecord(w http.ResponseWriter, r *http.Request, v Viewer, month string, ins []servicebot.KPIInput,
	lines []int, origin string, row kpi.InputRow) {
	res, err := s.cfg.KPI.Inputs.Add(r.Context(), ins, v.UserID, origin, lines)
	var invalid *kpi.InvalidInputError
	switch {
	case errors.As(err, &invalid):
		intro := "未录入："
		if lines != nil {
			intro = "未录入任何一行，请改正后重新上传："
		}
		s.renderKPI(w, r, v, month, http.StatusUnprocessableEntity, "", rowProblems(invalid, intro), row)
		return
	case err != nil:
		s.internal(w, r, v, err)
		return
	}
	s.cfg.Logger.Info("web: kpi inputs recorded", "month", month, "by", v.UserID, "origin", origin,
		"added", len(res.Added), "skipped", res.Skipped)
	http.Redirect(w, r, fmt.Sprintf("/web/kpi/%s?done=added&n=%d&skipped=%d", month, len(res.Added), res.Skipped), http.StatusSeeOther)
}

func rowProblems(e *kpi.InvalidInputError, intro string) []string {
	out := []string{intro}
	for _, row := range e.Rows {
		for _, p := range row.Problems {
			if len(e.Rows) == 1 && row.Row == 1 {
				out = append(out, p)
			} else {
				out = append(out, fmt.Sprintf("第 %d 行：%s", row.Row, p))
			}
		}
	}
	return out
}

// kpiVoid withdraws an entry, recording the viewer and the time.
func (s *Server) kpiVoid(w http.ResponseWriter, r *http.Request, v Viewer) {
	month, ok := s.kpiMonth(w, r, v)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil && id > 0 {
		err = s.cfg.KPI.Inputs.Void(r.Context(), id, v.UserID)
	} else {
		err = servicebot.ErrNotFound
	}
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		s.renderKPI(w, r, v, month, http.StatusNotFound, "", []string{"这条录入不存在或已撤回。"}, kpi.InputRow{})
		return
	case err != nil:
		s.internal(w, r, v, err)
		return
	}
	s.cfg.Logger.Info("web: kpi input withdrawn", "id", id, "by", v.UserID)
	http.Redirect(w, r, "/web/kpi/"+month+"?done=voided", http.StatusSeeOther)
}

// kpiExcel is the month's newest revision as the workbook of `servicebot
// kpi export --format xlsx` (?revision=N for an earlier one).
func (s *Server) kpiExcel(w http.ResponseWriter, r *http.Request, v Viewer) {
	month, ok := s.kpiMonth(w, r, v)
	if !ok {
		return
	}
	rev, _ := strconv.Atoi(r.URL.Query().Get("revision"))
	m, err := kpi.Load(r.Context(), s.cfg.KPI.Store, month, max(rev, 0))
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		s.fail(w, r, v, http.StatusNotFound, "尚未起草", "这个月的考核还没有起草，没有可下载的表格。")
		return
	case err != nil:
		s.internal(w, r, v, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="kpi-%s-r%d.xlsx"`, month, m.Revision))
	if err := kpi.Write(w, kpi.FormatXLSX, m); err != nil {
		s.cfg.Logger.Error("web: write kpi workbook", "month", month, "err", err)
	}
}
