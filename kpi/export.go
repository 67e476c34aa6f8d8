package kpi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot"
)

// Export formats.
const (
	FormatJSON = "json"
	FormatXLSX = "xlsx"
)

// ExportStore is what an export reads (store.DB).
type ExportStore interface {
	KPIRevisions(ctx context.Context, month string) ([]servicebot.KPIRevision, error)
	KPIScores(ctx context.Context, revisionID int64) ([]servicebot.KPIScorecard, error)
	KPIAppeals(ctx context.Context, month string) ([]servicebot.KPIAppeal, error)
}

// MonthRecord is a recorded month as exported: one revision's scorecards (per
// engineer: each indicator's target, actual, score and reasons; the total),
// the month's revision history and its appeals.
type MonthRecord struct {
	Month        string                    `json:"month"`
	Revision     int                       `json:"revision"`
	RulesVersion string                    `json:"rules_version"`
	Published    bool                      `json:"published"`
	Engineers    []servicebot.KPIScorecard `json:"engineers"`
	History      []RevisionView            `json:"history"`
	Appeals      []AppealView              `json:"appeals"`
}

// RevisionView is one line of a month's history.
type RevisionView struct {
	Revision    int        `json:"revision"`
	Reason      string     `json:"reason"`
	CreatedBy   string     `json:"created_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	AppealUntil time.Time  `json:"appeal_until"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	PublishedBy string     `json:"published_by,omitempty"`
}

// AppealView is an appeal as exported.
type AppealView struct {
	ID             int64                   `json:"id"`
	UserID         string                  `json:"user_id"`
	Indicator      servicebot.KPIIndicator `json:"indicator"`
	Reason         string                  `json:"reason"`
	Revision       int                     `json:"revision"`
	Status         string                  `json:"status"`
	FiledAt        time.Time               `json:"filed_at"`
	DecidedBy      string                  `json:"decided_by,omitempty"`
	DecidedAt      *time.Time              `json:"decided_at,omitempty"`
	ResultRevision int                     `json:"result_revision,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Load reads month at revision (0: the newest), with its history and appeals.
func Load(ctx context.Context, st ExportStore, month string, revision int) (MonthRecord, error) {
	revs, err := st.KPIRevisions(ctx, month)
	if err != nil {
		return MonthRecord{}, fmt.Errorf("kpi: export: %w", err)
	}
	if len(revs) == 0 {
		return MonthRecord{}, fmt.Errorf("kpi: export %s: no revision yet: %w", month, servicebot.ErrNotFound)
	}
	pick := revs[len(revs)-1]
	if revision != 0 {
		i := slices.IndexFunc(revs, func(r servicebot.KPIRevision) bool { return r.Revision == revision })
		if i < 0 {
			return MonthRecord{}, fmt.Errorf("kpi: export %s: revision %d: %w", month, revision, servicebot.ErrNotFound)
		}
		pick = revs[i]
	}
	cards, err := st.KPIScores(ctx, pick.ID)
	if err != nil {
		return MonthRecord{}, fmt.Errorf("kpi: export: %w", err)
	}
	appeals, err := st.KPIAppeals(ctx, month)
	if err != nil {
		return MonthRecord{}, fmt.Errorf("kpi: export: %w", err)
	}
	out := MonthRecord{Month: month, Revision: pick.Revision, RulesVersion: pick.RulesVersion, Published: pick.Published(),
		Engineers: cards, History: []RevisionView{}, Appeals: []AppealView{}}
	for _, r := range revs {
		out.History = append(out.History, RevisionView{Revision: r.Revision, Reason: r.Reason, CreatedBy: r.CreatedBy,
			CreatedAt: r.CreatedAt, AppealUntil: r.AppealUntil, PublishedAt: optTime(r.PublishedAt), PublishedBy: r.PublishedBy})
	}
	for _, a := range appeals {
		out.Appeals = append(out.Appeals, AppealView{ID: a.ID, UserID: a.UserID, Indicator: a.Indicator, Reason: a.Reason,
			Revision: a.Revision, Status: a.Status, FiledAt: a.FiledAt, DecidedBy: a.DecidedBy,
			DecidedAt: optTime(a.DecidedAt), ResultRevision: a.ResultRevision})
	}
	return out, nil
}

// Write writes m in format (json or xlsx).
func Write(w io.Writer, format string, m MonthRecord) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("kpi: export json: %w", err)
		}
		return nil
	case FormatXLSX:
		return writeXLSX(w, m)
	}
	return fmt.Errorf("kpi: unknown export format %q (want json or xlsx)", format)
}

// writeXLSX writes the workbook: a summary sheet (rank, engineer, each
// indicator's score, total) and one sheet per engineer with the manual's
// columns 权重, 目标值, 实际值, 评价值 and the reasons.
func writeXLSX(w io.Writer, m MonthRecord) error {
	f := excelize.NewFile()
	defer f.Close()
	const summary = "汇总"
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return fmt.Errorf("kpi: export xlsx: %w", err)
	}
	state := "草稿"
	if m.Published {
		state = "已发布"
	}
	header := []any{"排名", "账号", "姓名"}
	for _, info := range servicebot.KPIIndicators {
		header = append(header, info.Name+"（"+info.Rule+"）")
	}
	header = append(header, "合计")
	rows := [][]any{{fmt.Sprintf("%s KPI 考核 · 第 %d 版 · %s · 规则 %s", monthTitle(m.Month), m.Revision, state, m.RulesVersion)}, header}
	for _, c := range m.Engineers {
		row := []any{c.Rank, c.UserID, c.Name}
		for _, info := range servicebot.KPIIndicators {
			s, _ := c.Indicator(info.Key)
			row = append(row, number(s.Score))
		}
		rows = append(rows, append(row, number(c.Total)))
	}
	if err := writeRows(f, summary, rows); err != nil {
		return err
	}
	used := map[string]bool{summary: true}
	for _, c := range m.Engineers {
		name := sheetName(c, used)
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("kpi: export xlsx: %w", err)
		}
		rows := [][]any{
			{fmt.Sprintf("%s %s（%s）第 %d 名 · 第 %d 版", monthTitle(m.Month), c.Name, c.UserID, c.Rank, m.Revision)},
			{"指标", "规则", "权重", "目标值", "实际值", "评价值", "原因"},
		}
		for _, s := range c.Indicators {
			var reasons []string
			for _, r := range s.Reasons {
				line := r.Text + "（" + r.Source + "）"
				if !r.Date.IsZero() {
					line = r.Date.String() + " " + line
				}
				if r.Points != 0 {
					line = r.Points.Signed() + " " + line
				}
				reasons = append(reasons, line)
			}
			rows = append(rows, []any{s.Name, s.Rule, number(s.Weight), s.Target, s.Actual, number(s.Score), strings.Join(reasons, "\n")})
		}
		rows = append(rows, []any{"合计", "", "", "", "", number(c.Total)})
		if err := writeRows(f, name, rows); err != nil {
			return err
		}
		_ = f.SetColWidth(name, "A", "A", 20)
		_ = f.SetColWidth(name, "D", "E", 28)
		_ = f.SetColWidth(name, "G", "G", 70)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("kpi: export xlsx: %w", err)
	}
	return nil
}

// number is a score as a spreadsheet number (7.5), so the manager can sum it.
func number(p servicebot.Points) float64 {
	v, _ := strconv.ParseFloat(p.String(), 64)
	return v
}

func writeRows(f *excelize.File, sheet string, rows [][]any) error {
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return fmt.Errorf("kpi: export xlsx %s: %w", sheet, err)
		}
	}
	return nil
}

// sheetName is "姓名 userid", cut to Excel's 31 characters, free of the
// characters Excel refuses, and unique in the workbook.
func sheetName(c servicebot.KPIScorecard, used map[string]bool) string {
	base := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(c.Name+" "+c.UserID))
	name := truncate(base, 31)
	for i := 2; used[name]; i++ {
		suffix := fmt.Sprintf("~%d", i)
		name = truncate(base, 31-len([]rune(suffix))) + suffix
	}
	used[name] = true
	return name
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
