package web

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/reportexport"
	"github.com/servicebot/servicebot/web/chart"
)

// The department at a glance (issue 12): today's reports of every engineer
// by region, updated while the page is open; the month as a grid of
// engineers and days; one engineer's month. The data is the daily reports'
// export (reportexport), so the pages, the Excel download and the CLI agree
// on every state.

// Today's and the month's states as the pages name and colour them: the
// issue's 已交, 迟交, 未交, 请假, 休息, plus a day whose deadline has not come
// (未交 yet, but not overdue) and a day still ahead.
const (
	stOnTime  = "o"
	stLate    = "l"
	stMissing = "m"
	stPending = "p"
	stLeave   = "v"
	stOff     = "h"
	stAhead   = "f"
)

func stateOf(status string) string {
	switch status {
	case reportexport.StatusOnTime:
		return stOnTime
	case reportexport.StatusLate:
		return stLate
	case reportexport.StatusMissing:
		return stMissing
	case reportexport.StatusPending:
		return stPending
	case reportexport.StatusLeave:
		return stLeave
	}
	return stOff
}

func stateName(st string) string {
	switch st {
	case stOnTime:
		return "已交"
	case stLate:
		return "迟交"
	case stMissing:
		return "未交"
	case stPending:
		return "未交"
	case stLeave:
		return "请假"
	}
	return "休息"
}

// pollSeconds is how often an open 今日 page asks whether anything changed.
//
// Polling, not server-sent events: a report is stored by the inbox worker
// of whichever replica took the callback, so an SSE stream would itself
// have to poll the database (Redis is optional and carries no events), and
// would hold a connection per open phone through WeCom's in-app browser and
// the load balancer, which cut idle streams. A poll is one short request
// that answers 304 when nothing changed, stops while the page is hidden,
// and works on any replica.
const pollSeconds = 20

// reportView is one engineer's day as the pages show it.
type reportView struct {
	UserID, Name, Region string
	Date                 servicebot.Date
	State, StateName     string
	At                   string // when the report came ("20:13"), "" without one
	Holiday              string
	Done, Plan, Issues   []string
	Unlabelled           []string
	Customer, Location   string
	Parts                string // yuan, "" when the report does not say
	Photos               []string
	Voices               []voiceView // kept voice messages (issue 10)
	Checkins             []checkinView
	Revision             int
	Source               string
}

type checkinView struct{ At, Place string }

// voiceView is a kept voice message: when, and the link to the file (amr,
// which browsers do not play: it downloads).
type voiceView struct{ At, URL string }

func (s *Server) reportViewOf(rec reportexport.Record) reportView {
	v := reportView{UserID: rec.UserID, Name: cmp.Or(rec.Name, "（已离职）"), Region: cmp.Or(rec.Region, servicebot.RegionOther),
		Date: rec.Date, State: stateOf(rec.Status), Holiday: rec.Holiday, Done: rec.Done, Plan: rec.Plan, Issues: rec.Issues,
		Unlabelled: rec.Unlabelled, Customer: rec.Customer, Location: rec.Location, Revision: rec.Revision}
	v.StateName = stateName(v.State)
	if rec.SubmittedAt != nil {
		at := rec.SubmittedAt.In(s.cfg.Location)
		v.At = at.Format("15:04")
		if servicebot.DateOf(at) != rec.Date {
			v.At = at.Format("1月2日 15:04")
		}
	}
	if rec.PartsSalesFen != nil {
		v.Parts = rec.PartsSalesFen.String()
	}
	if rec.Source == servicebot.ReportSourceBackfill {
		v.Source = "补报"
	}
	for _, a := range rec.Attachments {
		switch a.Kind {
		case servicebot.AttachImage:
			switch {
			case a.URL != "": // the kept copy
				v.Photos = append(v.Photos, a.URL)
			case a.PicURL != "":
				v.Photos = append(v.Photos, a.PicURL)
			}
		case servicebot.AttachVoice:
			if a.URL != "" {
				v.Voices = append(v.Voices, voiceView{At: a.At.In(s.cfg.Location).Format("15:04"), URL: a.URL})
			}
		case servicebot.AttachLocation:
			place := a.Label
			if place == "" {
				place = fmt.Sprintf("%.4f, %.4f", a.Lat, a.Lng)
			}
			v.Checkins = append(v.Checkins, checkinView{At: a.At.In(s.cfg.Location).Format("15:04"), Place: place})
		}
	}
	return v
}

// regionGroup is the engineers of one region (R-ORG-2).
type regionGroup struct {
	Name   string
	People []reportView
}

// dayCounts are a day's numbers at the top of the page.
type dayCounts struct{ OnTime, Late, Missing, Pending, Leave, Off, Owed int }

func (c *dayCounts) add(st string) {
	switch st {
	case stOnTime:
		c.OnTime++
	case stLate:
		c.Late++
	case stMissing:
		c.Missing++
	case stPending:
		c.Pending++
	case stLeave:
		c.Leave++
	default:
		c.Off++
	}
	if st != stLeave && st != stOff {
		c.Owed++
	}
}

// todayPage is the data of today.html.
type todayPage struct {
	Date    servicebot.Date
	Title   string // "12月6日 星期日"
	Holiday string
	Counts  dayCounts
	Regions []regionGroup
	Updated string
	Poll    int
	Own     bool // an engineer seeing their own day only
	ETag    string
}

// viewScope is whose days a viewer sees: everyone (the managers and the
// leaders) or their own (an engineer); ok false refuses the page.
func viewScope(v Viewer) (all, ok bool) {
	switch {
	case v.SeesDepartment():
		return true, true
	case v.has(servicebot.RoleEngineer):
		return false, true
	}
	return false, false
}

// records reads the export of from..to, keeping only the viewer's own
// unless they see the department.
func (s *Server) records(r *http.Request, v Viewer, all bool, from, to servicebot.Date) ([]reportexport.Record, error) {
	recs, err := s.reports.Records(r.Context(), from, to, s.cfg.Clock.Now())
	if err != nil || all {
		return recs, err
	}
	return slices.DeleteFunc(recs, func(rec reportexport.Record) bool { return rec.UserID != v.UserID }), nil
}

// states is each engineer's status on each day, without the reports'
// contents; only the viewer's own unless they see the department.
func (s *Server) states(r *http.Request, v Viewer, all bool, from, to servicebot.Date) ([]reportexport.State, error) {
	sts, err := s.reports.States(r.Context(), from, to, s.cfg.Clock.Now())
	if err != nil || all {
		return sts, err
	}
	return slices.DeleteFunc(sts, func(st reportexport.State) bool { return st.UserID != v.UserID }), nil
}

// statesOf is the grid's view of full records.
func statesOf(recs []reportexport.Record) []reportexport.State {
	out := make([]reportexport.State, len(recs))
	for i, r := range recs {
		out[i] = reportexport.State{Date: r.Date, UserID: r.UserID, Name: r.Name, Region: r.Region, Status: r.Status}
	}
	return out
}

// regionOrder lists the configured regions first, in R-ORG-2's order, then
// any other, then 其他.
func regionOrder(a, b string) int {
	rank := func(r string) int {
		switch r {
		case servicebot.RegionSouthwest:
			return 0
		case servicebot.RegionNorth:
			return 1
		case servicebot.RegionOther:
			return 3
		}
		return 2
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
}

// oneEngineer reads ?u= of a page about one engineer and answers itself
// when the viewer may not see them or the reports are off.
func (s *Server) oneEngineer(w http.ResponseWriter, r *http.Request, v Viewer) (all bool, user string, ok bool) {
	all, ok = viewScope(v)
	user = r.URL.Query().Get("u")
	if !ok || (!all && user != v.UserID) {
		s.refuse(w, r, v)
		return all, user, false
	}
	if s.reports == nil {
		s.fail(w, r, v, http.StatusServiceUnavailable, "暂不可用", "日报数据未启用。")
		return all, user, false
	}
	return all, user, true
}

// today is the managers' home (/web/today): every engineer's state today
// by region, each report readable in place. ?part=1 answers only the live
// part, with an ETag, for the page's poll.
func (s *Server) today(w http.ResponseWriter, r *http.Request, v Viewer) {
	all, ok := viewScope(v)
	if !ok {
		s.refuse(w, r, v)
		return
	}
	if s.reports == nil {
		s.fail(w, r, v, http.StatusServiceUnavailable, "暂不可用", "日报数据未启用。")
		return
	}
	now := s.cfg.Clock.Now().In(s.cfg.Location)
	day := servicebot.DateOf(now)
	if d, err := servicebot.ParseDate(r.URL.Query().Get("d")); err == nil && !d.After(day) {
		day = d
	}
	recs, err := s.records(r, v, all, day, day)
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	page := todayPage{Date: day, Title: day.MonthDay() + " " + day.WeekdayName(), Poll: pollSeconds, Own: !all,
		Updated: now.Format("15:04:05")}
	byRegion := map[string][]reportView{}
	for _, rec := range recs {
		rv := s.reportViewOf(rec)
		page.Counts.add(rv.State)
		if rv.Holiday != "" {
			page.Holiday = rv.Holiday
		}
		byRegion[rv.Region] = append(byRegion[rv.Region], rv)
	}
	for _, name := range slices.SortedFunc(mapKeys(byRegion), regionOrder) {
		people := byRegion[name]
		// Who still owes comes first: that is what the manager looks for.
		slices.SortStableFunc(people, func(a, b reportView) int {
			return cmp.Or(cmp.Compare(stateRank(a.State), stateRank(b.State)), strings.Compare(a.Name, b.Name))
		})
		page.Regions = append(page.Regions, regionGroup{Name: name, People: people})
	}
	data := pageData{Title: "今日日报 " + page.Title, Viewer: v, Today: page}
	if r.URL.Query().Get("part") != "1" {
		s.render(w, r, http.StatusOK, "today.html", data)
		return
	}
	// The live part: the same template's "live" block, and a 304 when it
	// is what the page already shows (the time of the check aside).
	var buf strings.Builder
	data.Today.Updated = ""
	if err := s.pages["today.html"].ExecuteTemplate(&buf, "live", data); err != nil {
		s.internal(w, r, v, err)
		return
	}
	sum := sha256.Sum256([]byte(buf.String()))
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	data.Today.Updated = page.Updated
	buf.Reset()
	if err := s.pages["today.html"].ExecuteTemplate(&buf, "live", data); err != nil {
		s.internal(w, r, v, err)
		return
	}
	s.writeHTML(w, r, http.StatusOK, []byte(buf.String()))
}

func stateRank(st string) int {
	return strings.Index("mplovh", st)
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// monthRow is one engineer's month.
type monthRow struct {
	UserID, Name, Region              string
	Cells                             []string // a state per day
	OnTime, Late, Missing, Leave, Off int
}

// monthDay is a column of the grid.
type monthDay struct {
	Date    servicebot.Date
	Day     int
	Weekday string // 一 … 日
	Off     bool   // a day off for the department (weekend, holiday, configured)
	MakeUp  bool   // 调休: a weekend day worked
	Holiday string
	Future  bool
	// Reported and Owed count the day's reports and the engineers who owed one.
	Reported, Owed int
}

// monthPage is the data of month.html.
type monthPage struct {
	Month, Title    string
	Prev, Next      string
	Days            []monthDay
	Regions         []monthRegion
	Totals          dayCounts
	Punctuality     template.HTML
	Own             bool
	Engineer        *reportView // engineer.html: the engineer shown
	Reports         []reportView
	Rate            string // share of owed days reported on time
	EngineerMonthOf string
	KPIHistory      []kpiHistoryLine // engineer.html: the last months' KPI
	Jobs            []jobView        // engineer.html: the engineer's open jobs
	FollowUps       []followUpView   // engineer.html: the follow-ups they owe
}

// kpiHistoryLine is one month of an engineer's KPI history.
type kpiHistoryLine struct {
	Month, Title string
	Total        string
	Rank, Of     int
	Tied         bool
	Published    bool
}

// kpiHistoryMonths is how far back an engineer's page shows the KPI.
const kpiHistoryMonths = 6

// kpiHistory is userID's KPI of the months before first, newest first:
// the newest revision of each month drafted.
func (s *Server) kpiHistory(r *http.Request, userID string, first servicebot.Date) ([]kpiHistoryLine, error) {
	if s.cfg.KPI == nil {
		return nil, nil
	}
	var out []kpiHistoryLine
	d := first
	for range kpiHistoryMonths {
		d = servicebot.NewDate(d.Year, d.Month, 1).AddDays(-1)
		month := monthKey(d)
		m, err := kpi.Load(r.Context(), s.cfg.KPI.Store, month, 0)
		if errors.Is(err, servicebot.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, c := range m.Engineers {
			if c.UserID == userID {
				out = append(out, kpiHistoryLine{Month: month, Title: monthTitle(d), Total: c.Total.String(), Rank: c.Rank,
					Of: len(m.Engineers), Tied: kpi.Tied(m.Engineers, c), Published: m.Published})
			}
		}
	}
	return out, nil
}

type monthRegion struct {
	Name string
	Rows []monthRow
	HTML template.HTML // the rows of the grid, gridRows
}

// gridRows writes the grid's rows of one region. A row's days are one cell
// holding its states as letters ("oolmo…"), which the page's script paints
// as a cell per day (without a script the letters show, with a legend): a
// 500-engineer month is 15,000 days, and a cell apiece weighed 270 KB of
// the page's 371 (issue 12, Must show 2: under 150 KB). The rows are
// written here, not by the template, for the same reason: 500 rows of
// template actions cost more than the query. End tags the HTML parser
// implies (td, th, tr) are left out.
func gridRows(rows []monthRow, month string) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 160)
	for _, row := range rows {
		u := template.HTMLEscapeString(row.UserID)
		b.WriteString(`<tr data-u="` + u + `"><th><a href="/web/engineer?u=` + template.HTMLEscapeString(url.QueryEscape(row.UserID)) +
			`&amp;m=` + template.HTMLEscapeString(month) + `">` + template.HTMLEscapeString(row.Name) + `</a><td class=r colspan=` + strconv.Itoa(len(row.Cells)) + `>`)
		for _, st := range row.Cells {
			b.WriteString(st) // one of the state letters
		}
		for _, n := range []int{row.OnTime + row.Late, row.Late, row.Missing, row.Leave} {
			b.WriteString("<td>" + strconv.Itoa(n))
		}
		b.WriteString("\n")
	}
	return template.HTML(b.String())
}

// monthOf reads ?m=2026-12 (default: this month), never a month ahead.
func (s *Server) monthOf(r *http.Request) (first, last servicebot.Date, month string) {
	today := servicebot.DateOf(s.cfg.Clock.Now().In(s.cfg.Location))
	month = fmt.Sprintf("%04d-%02d", today.Year, int(today.Month))
	if m := r.URL.Query().Get("m"); m != "" {
		if f, _, err := servicebot.KPIMonthRange(m); err == nil && !f.After(today) {
			month = m
		}
	}
	first, last, _ = servicebot.KPIMonthRange(month)
	return first, last, month
}

func monthTitle(d servicebot.Date) string { return fmt.Sprintf("%d年%d月", d.Year, int(d.Month)) }

func monthKey(d servicebot.Date) string { return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month)) }

// buildMonth lays out the grid of recs for the month first..last.
func (s *Server) buildMonth(recs []reportexport.State, first, last servicebot.Date, month string) monthPage {
	today := servicebot.DateOf(s.cfg.Clock.Now().In(s.cfg.Location))
	page := monthPage{Month: month, Title: monthTitle(first), Prev: monthKey(first.AddDays(-1))}
	if next := last.AddDays(1); !next.After(today) {
		page.Next = monthKey(next)
	}
	n := last.Day
	for i := range n {
		d := first.AddDays(i)
		md := monthDay{Date: d, Day: d.Day, Weekday: strings.TrimPrefix(strings.TrimPrefix(d.WeekdayName(), "星期"), "周"), Future: d.After(today)}
		if s.cfg.Calendar != nil {
			weekend := d.Weekday() == 0 || d.Weekday() == 6
			md.Off = !s.cfg.Calendar.IsWorkingDate(d)
			md.MakeUp = weekend && !md.Off
			md.Holiday = s.cfg.Calendar.HolidayName(d.In(s.cfg.Location))
		}
		page.Days = append(page.Days, md)
	}
	rows := map[string]*monthRow{}
	var order []*monthRow
	for _, rec := range recs {
		row := rows[rec.UserID]
		if row == nil {
			row = &monthRow{UserID: rec.UserID, Name: cmp.Or(rec.Name, "（已离职）"), Region: cmp.Or(rec.Region, servicebot.RegionOther),
				Cells: make([]string, n)}
			for i := range row.Cells {
				row.Cells[i] = stAhead
			}
			rows[rec.UserID] = row
			order = append(order, row)
		}
		i := rec.Date.Day - 1
		if i < 0 || i >= n {
			continue
		}
		st := stateOf(rec.Status)
		if page.Days[i].Future && st == stPending {
			st = stAhead
		}
		row.Cells[i] = st
		switch st {
		case stOnTime:
			row.OnTime++
		case stLate:
			row.Late++
		case stMissing:
			row.Missing++
		case stLeave:
			row.Leave++
		case stOff:
			row.Off++
		}
		if st != stAhead {
			page.Totals.add(st)
		}
		if st == stOnTime || st == stLate {
			page.Days[i].Reported++
		}
		if st == stOnTime || st == stLate || st == stMissing || st == stPending {
			page.Days[i].Owed++
		}
	}
	byRegion := map[string][]monthRow{}
	for _, row := range order {
		byRegion[row.Region] = append(byRegion[row.Region], *row)
	}
	for _, name := range slices.SortedFunc(mapKeys(byRegion), regionOrder) {
		rs := byRegion[name]
		slices.SortFunc(rs, func(a, b monthRow) int {
			return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.UserID, b.UserID))
		})
		page.Regions = append(page.Regions, monthRegion{Name: name, Rows: rs, HTML: gridRows(rs, month)})
	}
	page.Punctuality = punctualityChart(page, recs)
	if owed := page.Totals.Owed - page.Totals.Pending; owed > 0 {
		page.Rate = fmt.Sprintf("%.1f%%", float64(page.Totals.OnTime)*100/float64(owed))
	}
	return page
}

// punctualityChart is the month's reports day by day: on time, late and
// missing stacked, out of those who owed one.
func punctualityChart(page monthPage, recs []reportexport.State) template.HTML {
	n := len(page.Days)
	on, late, missing := make([]float64, n), make([]float64, n), make([]float64, n)
	for _, rec := range recs {
		i := rec.Date.Day - 1
		if i < 0 || i >= n {
			continue
		}
		switch rec.Status {
		case reportexport.StatusOnTime:
			on[i]++
		case reportexport.StatusLate:
			late[i]++
		case reportexport.StatusMissing:
			missing[i]++
		}
	}
	labels := make([]string, n)
	for i, d := range page.Days {
		if d.Day == 1 || d.Day%5 == 0 {
			labels[i] = fmt.Sprint(d.Day)
		}
	}
	return chart.Columns{Title: page.Title + "日报按时情况", Labels: labels, Series: []chart.Series{
		{Name: "按时", Color: "#2ea121", Values: on},
		{Name: "迟交", Color: "#f5a623", Values: late},
		{Name: "未交", Color: "#d83931", Values: missing},
	}}.SVG()
}

// month is the grid of engineers × days (/web/month?m=2026-12).
func (s *Server) month(w http.ResponseWriter, r *http.Request, v Viewer) {
	all, ok := viewScope(v)
	if !ok {
		s.refuse(w, r, v)
		return
	}
	if !all {
		// An engineer's month is their own page.
		http.Redirect(w, r, s.engineerPath(v.UserID, r.URL.Query().Get("m")), http.StatusSeeOther)
		return
	}
	if s.reports == nil {
		s.fail(w, r, v, http.StatusServiceUnavailable, "暂不可用", "日报数据未启用。")
		return
	}
	first, last, month := s.monthOf(r)
	recs, err := s.states(r, v, all, first, last)
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	page := s.buildMonth(recs, first, last, month)
	s.render(w, r, http.StatusOK, "month.html", pageData{Title: "月度日报 " + page.Title, Viewer: v, Month: page})
}

func (s *Server) engineerPath(userID, month string) string {
	q := url.Values{"u": {userID}}
	if month != "" {
		q.Set("m", month)
	}
	return "/web/engineer?" + q.Encode()
}

// engineer is one engineer's month: their row of the grid and every day's
// report (/web/engineer?u=…&m=…).
func (s *Server) engineer(w http.ResponseWriter, r *http.Request, v Viewer) {
	all, user, ok := s.oneEngineer(w, r, v)
	if !ok {
		return
	}
	first, last, month := s.monthOf(r)
	recs, err := s.reports.Records(r.Context(), first, last, s.cfg.Clock.Now())
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	recs = slices.DeleteFunc(recs, func(rec reportexport.Record) bool { return rec.UserID != user })
	var head reportView
	if len(recs) > 0 {
		head = s.reportViewOf(recs[0])
	} else {
		// No report owed this month (not on the roster, or exempt): the
		// page still shows their jobs, follow-ups and KPI.
		m, err := s.db.GetMember(r.Context(), user)
		if err != nil && !errors.Is(err, servicebot.ErrNotFound) {
			s.internal(w, r, v, err)
			return
		}
		unexempt := s.cfg.Org
		unexempt.Exempt = nil
		if err != nil || !(s.cfg.Org.Has(user, servicebot.RoleEngineer) || unexempt.OwesDailyReport(m)) {
			s.fail(w, r, v, http.StatusNotFound, "没有记录", "没有这位工程师。")
			return
		}
		head = reportView{UserID: user, Name: cmp.Or(m.Name, user), Region: cmp.Or(s.cfg.Org.RegionOf(user), servicebot.RegionOther)}
	}
	page := s.buildMonth(statesOf(recs), first, last, month)
	page.Own = !all
	if page.KPIHistory, err = s.kpiHistory(r, user, first); err != nil {
		s.internal(w, r, v, err)
		return
	}
	if page.Jobs, page.FollowUps, err = s.engineerWork(r, user); err != nil {
		s.internal(w, r, v, err)
		return
	}
	page.Engineer = &head
	for _, rec := range slices.Backward(recs) {
		if rec.Status == reportexport.StatusOnTime || rec.Status == reportexport.StatusLate {
			page.Reports = append(page.Reports, s.reportViewOf(rec))
		}
	}
	s.render(w, r, http.StatusOK, "engineer.html", pageData{Title: head.Name + " " + page.Title, Viewer: v, Month: page})
}

// dayReport is one engineer's report of one day (a cell of the grid).
func (s *Server) dayReport(w http.ResponseWriter, r *http.Request, v Viewer) {
	_, user, ok := s.oneEngineer(w, r, v)
	if !ok {
		return
	}
	day, err := servicebot.ParseDate(r.URL.Query().Get("d"))
	if err != nil {
		s.fail(w, r, v, http.StatusBadRequest, "日期无效", "请选择有效的日期。")
		return
	}
	recs, err := s.reports.Records(r.Context(), day, day, s.cfg.Clock.Now())
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	i := slices.IndexFunc(recs, func(rec reportexport.Record) bool { return rec.UserID == user })
	if i < 0 {
		s.fail(w, r, v, http.StatusNotFound, "没有记录", "这一天没有这位工程师的日报记录。")
		return
	}
	rv := s.reportViewOf(recs[i])
	s.render(w, r, http.StatusOK, "day.html", pageData{Title: rv.Name + " " + day.MonthDay() + "日报", Viewer: v, Day: rv,
		Month: monthPage{Month: monthKey(day)}})
}
