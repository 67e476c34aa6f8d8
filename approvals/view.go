package approvals

import (
	"time"

	"github.com/servicebot/servicebot"
)

// View is a request as the HTTP API and `servicebot approvals --format json`
// show it: amounts in yuan, every step of the chain, the audit trail.
type View struct {
	ID          int64               `json:"id"`
	Kind        string              `json:"kind"`
	KindName    string              `json:"kind_name"`
	ServiceType string              `json:"service_type,omitempty"`
	Urgent      bool                `json:"urgent"`
	Amount      string              `json:"amount"` // yuan, "5000.01"
	AmountNote  string              `json:"amount_note,omitempty"`
	Customer    string              `json:"customer,omitempty"`
	Region      string              `json:"region,omitempty"`
	Reason      string              `json:"reason"`
	Evidence    servicebot.Evidence `json:"evidence"`
	Requester   string              `json:"requester"`
	Subject     string              `json:"subject,omitempty"`
	// Site: a service request's site, machine and fault (R-SVC-2).
	Site         *servicebot.ServiceSite `json:"site,omitempty"`
	RulesVersion string                  `json:"rules_version"`
	Status       string                  `json:"status"`
	CreatedAt    time.Time               `json:"created_at"`
	ClosedAt     *time.Time              `json:"closed_at,omitempty"`
	Steps        []StepView              `json:"steps"`
	Events       []EventView             `json:"events,omitempty"`
}

// StepView is one step of the chain, decided, pending or still to come.
type StepView struct {
	ID            int64      `json:"id"` // the step's id: buttons are keyed by it
	Seq           int        `json:"seq"`
	Role          string     `json:"role"`
	RoleName      string     `json:"role_name"`
	Action        string     `json:"action"`
	Status        string     `json:"status"`
	Approver      string     `json:"approver,omitempty"`
	DelegatedFrom string     `json:"delegated_from,omitempty"`
	EscalatedFrom string     `json:"escalated_from,omitempty"`
	EscalatedAt   *time.Time `json:"escalated_at,omitempty"`
	Decision      string     `json:"decision,omitempty"`
	Choice        string     `json:"choice,omitempty"`
	Comment       string     `json:"comment,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	Copies        []string   `json:"copies,omitempty"`
	RulesVersion  string     `json:"rules_version"`
}

// EventView is one line of the audit trail.
type EventView struct {
	At     time.Time `json:"at"`
	Step   int       `json:"step,omitempty"` // the step's seq
	Actor  string    `json:"actor,omitempty"`
	Action string    `json:"action"`
	Note   string    `json:"note,omitempty"`
}

// ViewOf makes the View of a.
func ViewOf(a servicebot.Approval) View {
	r := a.Request
	v := View{
		ID: r.ID, Kind: string(r.Kind), KindName: r.Kind.Name(), ServiceType: string(r.ServiceType),
		Urgent: r.Urgent, Amount: r.Amount.String(), AmountNote: r.AmountNote, Customer: r.Customer,
		Region: r.Region, Reason: r.Reason, Evidence: r.Evidence, Requester: r.Requester, Subject: r.Subject, Site: r.Site,
		RulesVersion: r.RulesVersion, Status: r.Status, CreatedAt: r.CreatedAt, ClosedAt: timePtr(r.ClosedAt),
		Steps: make([]StepView, 0, len(a.Steps)),
	}
	seqOf := map[int64]int{}
	for _, s := range a.Steps {
		seqOf[s.ID] = s.Seq
		sv := StepView{
			ID: s.ID, Seq: s.Seq, Role: string(s.Role), RoleName: s.Role.Name(), Action: string(s.Action), Status: s.Status,
			Approver: s.ApproverID, DelegatedFrom: s.DelegatedFrom, EscalatedFrom: s.EscalatedFrom,
			EscalatedAt: timePtr(s.EscalatedAt), Decision: s.Decision, Choice: s.Choice, Comment: s.Comment,
			DecidedAt: timePtr(s.DecidedAt), RulesVersion: s.RulesVersion,
		}
		for _, c := range s.Copies {
			sv.Copies = append(sv.Copies, string(c))
		}
		v.Steps = append(v.Steps, sv)
	}
	for _, e := range a.Events {
		v.Events = append(v.Events, EventView{At: e.At, Step: seqOf[e.StepID], Actor: e.Actor, Action: e.Action, Note: e.Note})
	}
	return v
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
