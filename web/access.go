package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
)

// Viewer is the signed-in member and what their roles let them do.
type Viewer struct {
	UserID string
	Name   string
	Roles  []servicebot.Role
	csrf   string
}

// Who sees what: the department's managers see everything; those
// deciding approvals see the approvals audit; the archivist sees the
// submitted records; everyone else only their own.
var (
	departmentRoles = []servicebot.Role{servicebot.RoleServiceManager, servicebot.RoleVPAfterSales, servicebot.RoleGeneralManager}
	approvalRoles   = []servicebot.Role{servicebot.RoleServiceManager, servicebot.RoleVPAfterSales, servicebot.RoleVPSales,
		servicebot.RoleVPQuality, servicebot.RoleGeneralManager}
)

func (v Viewer) has(roles ...servicebot.Role) bool {
	return slices.ContainsFunc(v.Roles, func(r servicebot.Role) bool { return slices.Contains(roles, r) })
}

// Known: the member plays a part in the department; nobody else sees a page.
func (v Viewer) Known() bool { return len(v.Roles) > 0 }

// SeesDepartment: the department's records and reports.
func (v Viewer) SeesDepartment() bool { return v.has(departmentRoles...) }

// SeesApprovals: the approvals audit.
func (v Viewer) SeesApprovals() bool { return v.has(approvalRoles...) }

// SeesArchive: every submitted record, drafts excepted.
func (v Viewer) SeesArchive() bool { return v.SeesDepartment() || v.has(servicebot.RoleArchivist) }

// MayFill: the form is one of the viewer's to fill in.
func (v Viewer) MayFill(def servicebot.FormDef) bool { return forms.MayFill(def, v.Roles) }

// MayView reports whether the viewer may read sub: their own always; a
// submitted one if they see the archive; another's draft never.
func (v Viewer) MayView(sub servicebot.FormSubmission) bool {
	if sub.UserID == v.UserID {
		return true
	}
	return sub.Status == servicebot.SubmissionSubmitted && v.SeesArchive()
}

// MayViewApproval: the audit pages, or the viewer's own request.
func (v Viewer) MayViewApproval(a servicebot.Approval) bool {
	return v.SeesApprovals() || a.Request.Requester == v.UserID || a.Request.Subject == v.UserID
}

// viewer finds the member's roles (R-ORG-1): those configured, and engineer
// for anyone given a region or who owes the daily report (a new hire is an
// engineer until told otherwise).
func (s *Server) viewer(ctx context.Context, userID string) (Viewer, error) {
	v := Viewer{UserID: userID, Name: userID, Roles: s.cfg.Org.RolesOf(userID)}
	m, err := s.db.GetMember(ctx, userID)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
	case err != nil:
		return v, fmt.Errorf("web: member %s: %w", userID, err)
	default:
		if m.Name != "" {
			v.Name = m.Name
		}
		if !m.Active {
			return Viewer{UserID: userID, Name: v.Name}, nil
		}
	}
	if !v.has(servicebot.RoleEngineer) {
		_, hasRegion := s.cfg.Org.Regions[userID]
		if hasRegion || (err == nil && s.cfg.Org.OwesDailyReport(m)) {
			v.Roles = append(v.Roles, servicebot.RoleEngineer)
		}
	}
	return v, nil
}

// MayFill reports whether member userID may fill in form formID, so that a
// chat reply links only the forms that will open for them.
func (s *Server) MayFill(ctx context.Context, userID, formID string) (bool, error) {
	def, ok := s.forms.Catalog().Form(formID)
	if !ok {
		return false, nil
	}
	v, err := s.viewer(ctx, userID)
	if err != nil {
		return false, err
	}
	return v.Known() && v.MayFill(def), nil
}

// refuse is the answer to anyone whose roles do not allow the page.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, v Viewer) {
	s.fail(w, r, v, http.StatusForbidden, "无权访问",
		"您没有查看此页面的权限。如需开通，请联系售后服务部经理。")
}
