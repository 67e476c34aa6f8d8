package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/servicebot/servicebot"
)

// The job pages (issue 16 item 7): one service job with its machine, forms
// and follow-ups (/web/jobs/{id}), and the open jobs (/web/jobs). Access
// follows the daily-report pages: the department's managers see every job,
// an engineer only the jobs dispatched to them, anyone else is refused.

// jobView is one job as the pages show it: names, not userids.
type jobView struct {
	ID          int64
	RequestID   int64
	Type        string
	Remote      bool
	Customer    string
	Region      string
	Reason      string
	Status      string
	Engineer    string // the engineer's name ("" before dispatch)
	EngineerID  string
	Model       string
	Serial      string
	Warranty    string // 保修期内（至…）, 已过保修期（…）, 保修状态未知
	RepeatFault bool
	CreatedAt   time.Time
	AssignedAt  time.Time
	StartedAt   time.Time
	CompletedAt time.Time
	VisitedAt   time.Time
}

// jobPage is job.html's and jobs.html's part of pageData.
type jobPage struct {
	Job       jobView
	Faults    []jobView // earlier fault jobs on the same serial
	Forms     []submissionRow
	FollowUps []followUpView
	Jobs      []jobView // jobs.html
	All       bool      // jobs.html: the department's, not the viewer's own
}

type followUpView struct {
	What    string
	Who     string
	DueAt   time.Time
	Overdue bool
}

func (s *Server) jobViewOf(j servicebot.Job, names map[string]string, today servicebot.Date) jobView {
	jv := jobView{ID: j.ID, RequestID: j.RequestID, Type: j.Type.Name(), Remote: j.Remote, Customer: j.Customer,
		Region: j.Region, Reason: j.Reason, Status: servicebot.JobStatusName(j.Status), EngineerID: j.Engineer,
		Model: j.Equipment.Model, Serial: j.Serial, RepeatFault: j.RepeatFault, CreatedAt: j.CreatedAt,
		AssignedAt: j.AssignedAt, StartedAt: j.StartedAt, CompletedAt: j.CompletedAt, VisitedAt: j.VisitedAt}
	if j.Engineer != "" {
		jv.Engineer = j.Engineer
		if n, ok := names[j.Engineer]; ok && n != "" {
			jv.Engineer = n
		}
	}
	if j.Serial != "" {
		jv.Warranty = servicebot.WarrantyName(j.Equipment.WarrantyOn(today))
		if !j.Equipment.WarrantyEnd.IsZero() {
			jv.Warranty += "（至" + j.Equipment.WarrantyEnd.String() + "）"
		}
	}
	return jv
}

// jobPageOf is /web/jobs/{id}.
func (s *Server) jobPageOf(w http.ResponseWriter, r *http.Request, v Viewer) {
	all, ok := viewScope(v)
	if !ok {
		s.refuse(w, r, v)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, v, http.StatusNotFound, "没有这个工单", "请核对工单号。")
		return
	}
	ctx := r.Context()
	j, err := s.db.Job(ctx, id)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		s.fail(w, r, v, http.StatusNotFound, "没有这个工单", "请核对工单号。")
		return
	case err != nil:
		s.internal(w, r, v, err)
		return
	}
	if !all && j.Engineer != v.UserID {
		s.refuse(w, r, v)
		return
	}
	now := s.cfg.Clock.Now()
	today := servicebot.DateOf(now.In(s.cfg.Location))
	names := s.names(r)
	page := jobPage{Job: s.jobViewOf(j, names, today)}
	if j.Serial != "" {
		faults, err := s.db.FaultJobsOfSerial(ctx, j.Serial)
		if err != nil {
			s.internal(w, r, v, err)
			return
		}
		for _, f := range faults {
			if f.ID < j.ID {
				page.Faults = append(page.Faults, s.jobViewOf(f, names, today))
			}
		}
	}
	subs, err := s.db.ListFormSubmissions(ctx, servicebot.FormFilter{JobID: j.ID})
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	// Another member's draft stays theirs, as on the records pages.
	subs = slices.DeleteFunc(subs, func(sub servicebot.FormSubmission) bool { return !v.MayView(sub) })
	page.Forms = s.rows(subs, names)
	obs, err := s.db.OpenObligationsOf(ctx, servicebot.ObligationReturnVisit, servicebot.ReturnVisitKey(j.ID))
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	for _, o := range obs {
		if o.Key != servicebot.ReturnVisitKey(j.ID) { // the prefix of job 1 is also that of job 10
			continue
		}
		who := o.UserID
		if n := names[o.UserID]; n != "" {
			who = n
		}
		page.FollowUps = append(page.FollowUps, followUpView{What: "电话回访（R-VIS-2）", Who: who, DueAt: o.DueAt,
			Overdue: now.After(o.DueAt)})
	}
	s.render(w, r, http.StatusOK, "job.html", pageData{Title: "工单" + j.No(), Viewer: v, Job: page})
}

// jobList is /web/jobs: the open jobs of the department (managers) or of
// the engineer.
func (s *Server) jobList(w http.ResponseWriter, r *http.Request, v Viewer) {
	all, ok := viewScope(v)
	if !ok {
		s.refuse(w, r, v)
		return
	}
	engineer := v.UserID
	if all {
		engineer = ""
	}
	jobs, err := s.db.OpenJobsOf(r.Context(), engineer)
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	today := servicebot.DateOf(s.cfg.Clock.Now().In(s.cfg.Location))
	names := s.names(r)
	page := jobPage{All: all}
	for _, j := range jobs {
		page.Jobs = append(page.Jobs, s.jobViewOf(j, names, today))
	}
	title := "我的工单"
	if all {
		title = "部门在办工单"
	}
	s.render(w, r, http.StatusOK, "jobs.html", pageData{Title: title, Viewer: v, Job: page})
}
