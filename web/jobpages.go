package web

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	Link    string // the job's page, "" for another follow-up
}

// followUpKinds are the follow-ups an engineer owes (R-VIS-1/2/3).
var followUpKinds = []string{servicebot.ObligationReturnVisit, servicebot.ObligationTechQuestion,
	servicebot.ObligationCustomerCall, servicebot.ObligationSiteVisit}

// engineerWork is what user has in hand now, for their page (issue 12):
// their open jobs and the follow-ups they owe, soonest due first.
func (s *Server) engineerWork(r *http.Request, user string) ([]jobView, []followUpView, error) {
	ctx := r.Context()
	now := s.cfg.Clock.Now()
	today := servicebot.DateOf(now.In(s.cfg.Location))
	names := s.names(r)
	jobs, err := s.db.OpenJobsOf(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	var jvs []jobView
	for _, j := range jobs {
		jvs = append(jvs, s.jobViewOf(j, names, today))
	}
	var customers map[int64]string // read once, when a regular visit names one
	customer := func(id int64) (string, error) {
		if customers == nil {
			cs, err := s.db.Customers(ctx)
			if err != nil {
				return "", err
			}
			customers = make(map[int64]string, len(cs))
			for _, c := range cs {
				customers[c.ID] = c.Name
			}
		}
		return cmp.Or(customers[id], "客户"), nil
	}
	var fus []followUpView
	for _, kind := range followUpKinds {
		obs, err := s.db.OpenObligationsOf(ctx, kind, kind+":")
		if err != nil {
			return nil, nil, err
		}
		for _, o := range obs {
			if o.UserID != user {
				continue
			}
			fu := followUpView{Who: cmp.Or(names[user], user), DueAt: o.DueAt, Overdue: now.After(o.DueAt)}
			// Keys: return_visit:job:<id>, tech_question:<id>, <kind>:<customer id>:<due>.
			parts := strings.Split(o.Key, ":")
			switch kind {
			case servicebot.ObligationReturnVisit:
				fu.What = "完工后电话回访"
				if len(parts) == 3 {
					fu.What = "工单" + parts[2] + " 完工后电话回访"
					fu.Link = "/web/jobs/" + parts[2]
				}
			case servicebot.ObligationTechQuestion:
				fu.What = "技术问题待答复"
				if len(parts) == 2 {
					fu.What = "技术问题 #" + parts[1] + " 待答复"
				}
			default:
				name := "客户"
				if len(parts) == 3 {
					id, _ := strconv.ParseInt(parts[1], 10, 64)
					if name, err = customer(id); err != nil {
						return nil, nil, err
					}
				}
				fu.What = name + map[string]string{servicebot.ObligationCustomerCall: " 定期电话回访",
					servicebot.ObligationSiteVisit: " 定期上门拜访"}[kind]
			}
			fus = append(fus, fu)
		}
	}
	slices.SortStableFunc(fus, func(a, b followUpView) int { return a.DueAt.Compare(b.DueAt) })
	return jvs, fus, nil
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
