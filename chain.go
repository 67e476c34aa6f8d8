package servicebot

import (
	"errors"
	"fmt"
)

// ApprovalParties are the people around a request when its chain is laid
// out or a step is handed on: who filed it, who pays, who holds each role,
// who is away today. The caller reads them from the directory and the leave
// records; deciding who decides is pure (Chain, Assign).
type ApprovalParties struct {
	Filer string // the requester
	Payer string // the engineer who pays (tool, fine); "" when nobody does
	// Holders maps a role to the userids holding it, the first being its
	// principal (Org.Roles).
	Holders map[Role][]string
	// Away lists who is on recorded leave today (R-APV-5: their delegate
	// decides).
	Away map[string]bool
}

// Assignment is who decides one step and why.
type Assignment struct {
	// Role is the role that decides: the planned one, or a higher one when
	// a party of the case held it (RaisedFrom).
	Role          Role
	Approver      string
	DelegatedFrom string // the holder on leave Approver stands in for
	RaisedFrom    Role   // the planned role, when the case was about its holder
}

// ErrNoDecider: nobody may decide a step: the role is not held, or every
// level up from it is a party of the case.
var ErrNoDecider = errors.New("no one may decide")

// NextLevel is the level above role for a request of kind (R-APV-5): a
// parts compensation climbs its own ladder (service manager → sales VP →
// general manager) unless EscalateByKind says otherwise; any other kind,
// and a role its ladder does not name, takes EscalateTo.
func (r ApprovalRules) NextLevel(kind RequestKind, role Role) Role {
	r = r.WithDefaults()
	if ladder, ok := r.EscalateByKind[kind]; ok {
		if next, ok := ladder[role]; ok {
			return next
		}
	}
	return r.EscalateTo[role]
}

// raise is the level a step goes to when the holder of role is a party of
// the case: the next level, and above the general manager the chairman
// (R-LIA-0: a case about the general manager himself).
func (r ApprovalRules) raise(kind RequestKind, role Role) Role {
	if next := r.NextLevel(kind, role); next != "" {
		return next
	}
	if role == RoleGeneralManager {
		return RoleChairman
	}
	return ""
}

// party reports whether user may not decide a step of action: nobody
// decides a case about themselves (the payer), and, unless filerMay,
// nobody approves their own request (the filer) — a filer may still
// dispatch the service they asked for, which decides nothing about them
// (R-APV-5, interpretation).
func (p ApprovalParties) party(user string, action StepAction, filerMay bool) bool {
	if user == "" {
		return false
	}
	if user == p.Payer {
		return true
	}
	return user == p.Filer && !filerMay && action != ActionDispatch
}

// Assign picks who decides a step of action planned for role (R-APV-5):
// the role's principal; when the principal is a party of the case, one
// level up (NextLevel, then the chairman above the general manager); when
// the principal is on leave, their configured delegate, else another holder
// of the role who is neither away nor a party. When every stand-in is away
// too, the principal keeps it (reminders and escalation take over). It
// returns an error wrapping ErrNoDecider when no level may decide.
func (r ApprovalRules) Assign(kind RequestKind, action StepAction, role Role, p ApprovalParties) (Assignment, error) {
	r = r.WithDefaults()
	planned := role
	for range len(Roles) + 1 { // a configured ladder with a loop ends here
		holders := p.Holders[role]
		if len(holders) == 0 {
			if role == planned {
				return Assignment{}, fmt.Errorf("%w: %s (%s) 无人担任", ErrNoDecider, role, role.Name())
			}
			return Assignment{}, fmt.Errorf("%w: %s 是本案当事人，上一级%s无人担任", ErrNoDecider, planned.Name(), role.Name())
		}
		primary := holders[0]
		if p.party(primary, action, r.FilerMayDecide) {
			next := r.raise(kind, role)
			if next == "" {
				return Assignment{}, fmt.Errorf("%w: %s 是本案当事人，且没有上一级", ErrNoDecider, role.Name())
			}
			role = next
			continue
		}
		a := Assignment{Role: role, Approver: primary}
		if role != planned {
			a.RaisedFrom = planned
		}
		if !p.Away[primary] {
			return a, nil
		}
		candidates := holders[1:]
		if d := r.Delegates[primary]; d != "" {
			candidates = append([]string{d}, candidates...)
		}
		for _, c := range candidates {
			if !p.Away[c] && !p.party(c, action, r.FilerMayDecide) {
				a.Approver, a.DelegatedFrom = c, primary
				return a, nil
			}
		}
		return a, nil
	}
	return Assignment{}, fmt.Errorf("%w: %s 的上级设置成环", ErrNoDecider, planned.Name())
}

// Chain lays out the whole chain of a checked request by its kind, amount
// and urgency (Route), with who decides each step given the parties
// (Assign): self-decision raised one level, leave delegated. The planned
// steps carry the deciding role, so a step raised for self-decision is
// stored, shown and escalated as the higher role's.
func (r ApprovalRules) Chain(req ApprovalRequest, p ApprovalParties) ([]PlannedStep, []Assignment, error) {
	r = r.WithDefaults()
	steps := r.Route(req)
	out := make([]Assignment, len(steps))
	for i, s := range steps {
		a, err := r.Assign(req.Kind, s.Action, s.Role, p)
		if err != nil {
			return nil, nil, fmt.Errorf("第 %d 步 %s%s：%w", i+1, s.Role.Name(), s.Action.Name(), err)
		}
		steps[i].Role = a.Role
		out[i] = a
	}
	return steps, out, nil
}
