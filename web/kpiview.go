package web

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/web/chart"
)

// KPI on the web (issue 12): the month's table for the managers and the
// leaders (every indicator, the total, the rank, ties as ties, charts), and
// each engineer's breakdown with every reason and its source and how it
// changed from revision to revision. The chat texts link these pages.

// KPITablePath is the month's table.
func KPITablePath(month string) string { return "/web/kpi/" + url.PathEscape(month) + "/table" }

// KPICardPath is one engineer's breakdown of the month.
func KPICardPath(month, userID string) string {
	return "/web/kpi/" + url.PathEscape(month) + "/card?" + url.Values{"u": {userID}}.Encode()
}

// kpiRow is one engineer in the month's table.
type kpiRow struct {
	UserID, Name string
	Rank         int
	Tied         bool
	Total        string
	Scores       []kpiCell // in the order of the table's columns
}

type kpiCell struct {
	Score string
	Short bool // below its weight
}

// kpiTablePage is the data of kpitable.html and kpicard.html.
type kpiTablePage struct {
	Month, MonthTitle string
	Revision          int
	Published         bool
	Columns           []string // the indicators' names
	Rows              []kpiRow
	Ranking, Parts    template.HTML
	// kpicard.html
	Card      *servicebot.KPIScorecard
	Tied      bool
	Of        int
	Weights   template.HTML
	Revisions []kpiRevisionLine
}

// kpiRevisionLine is one revision of an engineer's month and what changed.
type kpiRevisionLine struct {
	Revision int
	Reason   string
	At       string
	Total    string
	Changes  []string // "服务管理 7.00 → 8.00"
}

// kpiLoad reads the month's newest revision for a page, answering itself
// when there is none.
func (s *Server) kpiLoad(w http.ResponseWriter, r *http.Request, v Viewer, month string) (kpi.MonthRecord, bool) {
	if s.cfg.KPI == nil {
		s.fail(w, r, v, http.StatusServiceUnavailable, "暂不可用", "KPI 考核页面未启用。")
		return kpi.MonthRecord{}, false
	}
	if _, _, err := servicebot.KPIMonthRange(month); err != nil {
		s.fail(w, r, v, http.StatusNotFound, "月份无效", "请选择有效的月份（如 2026-10）。")
		return kpi.MonthRecord{}, false
	}
	m, err := kpi.Load(r.Context(), s.cfg.KPI.Store, month, 0)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		s.fail(w, r, v, http.StatusNotFound, "尚未起草", "这个月的考核还没有起草。")
		return m, false
	case err != nil:
		s.internal(w, r, v, err)
		return m, false
	}
	return m, true
}

func (s *Server) kpiPageHead(m kpi.MonthRecord) kpiTablePage {
	first, _, _ := servicebot.KPIMonthRange(m.Month)
	return kpiTablePage{Month: m.Month, MonthTitle: monthTitle(first), Revision: m.Revision, Published: m.Published}
}

// kpiTable is the month's table (/web/kpi/{month}/table).
func (s *Server) kpiTable(w http.ResponseWriter, r *http.Request, v Viewer) {
	if !v.SeesDepartment() {
		s.refuse(w, r, v)
		return
	}
	m, ok := s.kpiLoad(w, r, v, r.PathValue("month"))
	if !ok {
		return
	}
	page := s.kpiPageHead(m)
	cards := slices.Clone(m.Engineers)
	slices.SortStableFunc(cards, func(a, b servicebot.KPIScorecard) int { return cmp.Compare(a.Rank, b.Rank) })
	if len(cards) > 0 {
		for _, ind := range cards[0].Indicators {
			page.Columns = append(page.Columns, ind.Name)
		}
	}
	var ranking, parts []chart.Row
	for _, c := range cards {
		row := kpiRow{UserID: c.UserID, Name: cmp.Or(c.Name, "（已离职）"), Rank: c.Rank, Tied: kpi.Tied(cards, c), Total: c.Total.String()}
		for _, ind := range c.Indicators {
			row.Scores = append(row.Scores, kpiCell{Score: ind.Score.String(), Short: ind.Weight > 0 && ind.Score < ind.Weight})
			if ind.Indicator == servicebot.KPIPartsSales {
				yuan, err := servicebot.ParseFen(strings.TrimSpace(strings.TrimSuffix(ind.Actual, "元")))
				if err == nil {
					parts = append(parts, chart.Row{Label: row.Name, Value: float64(yuan) / 100, Text: yuan.String(),
						Color: partsColor(yuan), Href: KPICardPath(m.Month, c.UserID)})
				}
			}
		}
		page.Rows = append(page.Rows, row)
		rank := fmt.Sprintf("%d. %s", c.Rank, row.Name)
		if row.Tied {
			rank = fmt.Sprintf("并列%d. %s", c.Rank, row.Name)
		}
		ranking = append(ranking, chart.Row{Label: rank, Value: float64(c.Total) / 100, Text: c.Total.String(),
			Color: "#1677ff", Href: KPICardPath(m.Month, c.UserID)})
	}
	page.Ranking = chart.Bars{Title: page.MonthTitle + " KPI 排名", Rows: ranking, Max: 100,
		Marks: []chart.Mark{{Value: 100, Label: "满分 100", Color: "#646a73"}}}.SVG()
	slices.SortStableFunc(parts, func(a, b chart.Row) int { return cmp.Compare(b.Value, a.Value) })
	page.Parts = chart.Bars{Title: page.MonthTitle + " 配件销售额（R-KPI-10 档位）", Rows: parts,
		Marks: []chart.Mark{{Value: 5000, Label: "5000 元 8 分", Color: "#f5a623"}, {Value: 10000, Label: "10000 元 10 分", Color: "#2ea121"}}}.SVG()
	s.render(w, r, http.StatusOK, "kpitable.html", pageData{Title: "KPI 考核 " + page.MonthTitle, Viewer: v, KPITable: page})
}

// partsColor is the tier of R-KPI-10 the month's parts sales reach.
func partsColor(f servicebot.Fen) string {
	switch {
	case f >= 10000_00:
		return "#2ea121"
	case f >= 5000_00:
		return "#f5a623"
	}
	return "#d83931"
}

// kpiCard is one engineer's breakdown (/web/kpi/{month}/card?u=…): each
// indicator's weight, target, actual, score and every reason with its
// source; the indicators against their weights; each revision's changes.
func (s *Server) kpiCard(w http.ResponseWriter, r *http.Request, v Viewer) {
	user := r.URL.Query().Get("u")
	if user != v.UserID && !v.SeesDepartment() {
		s.refuse(w, r, v)
		return
	}
	m, ok := s.kpiLoad(w, r, v, r.PathValue("month"))
	if !ok {
		return
	}
	i := slices.IndexFunc(m.Engineers, func(c servicebot.KPIScorecard) bool { return c.UserID == user })
	if i < 0 {
		s.fail(w, r, v, http.StatusNotFound, "没有记录", "这个月的考核没有这位工程师。")
		return
	}
	card := m.Engineers[i]
	page := s.kpiPageHead(m)
	page.Card, page.Tied, page.Of = &card, kpi.Tied(m.Engineers, card), len(m.Engineers)
	var rows []chart.Row
	for _, ind := range card.Indicators {
		if ind.Weight == 0 {
			continue
		}
		color := "#2ea121"
		if ind.Score < ind.Weight {
			color = "#d83931"
		}
		rows = append(rows, chart.Row{Label: ind.Name, Value: float64(ind.Score) / 100,
			Text: ind.Score.String() + " / " + weightOf(ind.Weight), Color: color})
	}
	page.Weights = chart.Bars{Title: card.Name + " 各项得分与权重", Rows: rows}.SVG()
	// Each revision of the month, and what changed for this engineer.
	var prev *servicebot.KPIScorecard
	for _, h := range m.History {
		old, err := kpi.Load(r.Context(), s.cfg.KPI.Store, m.Month, h.Revision)
		if err != nil {
			s.internal(w, r, v, err)
			return
		}
		j := slices.IndexFunc(old.Engineers, func(c servicebot.KPIScorecard) bool { return c.UserID == user })
		if j < 0 {
			continue
		}
		c := old.Engineers[j]
		line := kpiRevisionLine{Revision: h.Revision, Reason: h.Reason, At: h.CreatedAt.In(s.cfg.Location).Format("2006-01-02 15:04"),
			Total: c.Total.String()}
		if prev != nil {
			for _, ind := range c.Indicators {
				if before, ok := prev.Indicator(ind.Indicator); ok && before.Score != ind.Score {
					line.Changes = append(line.Changes, fmt.Sprintf("%s %s → %s", ind.Name, before.Score, ind.Score))
				}
			}
		}
		page.Revisions = append(page.Revisions, line)
		prev = &c
	}
	s.render(w, r, http.StatusOK, "kpicard.html", pageData{Title: card.Name + " " + page.MonthTitle + " KPI", Viewer: v, KPITable: page})
}

// weightOf writes a weight without needless decimals: "8", "4.5".
func weightOf(p servicebot.Points) string {
	s := strings.TrimSuffix(p.String(), ".00")
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(s, "0")
	}
	return s
}
