package servicebot

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// RequestKind is what a request asks to be approved.
type RequestKind string

// The request kinds of the manual.
const (
	RequestService RequestKind = "service"            // 售后服务申请表 (R-SVC-1, R-SVC-2, R-VIS-4)
	RequestParts   RequestKind = "parts_compensation" // 售后赔偿申请单 (R-APV-1…4)
	RequestTool    RequestKind = "tool_compensation"  // 服务器械赔偿单 (R-TOOL-2)
	RequestFine    RequestKind = "liability_fine"     // 责任事故处罚 (R-LIA-1, R-LIA-2)
)

// Name is the form's Chinese name.
func (k RequestKind) Name() string {
	switch k {
	case RequestService:
		return "售后服务申请"
	case RequestParts:
		return "售后赔偿申请"
	case RequestTool:
		return "服务器械赔偿"
	case RequestFine:
		return "责任事故处罚"
	}
	return string(k)
}

// ServiceType says what a service request is for.
type ServiceType string

// Service types (R-SVC-1, R-SVC-2, R-VIS-4).
const (
	ServiceInstall ServiceType = "install" // 设备安装调试
	ServiceFault   ServiceType = "fault"   // 质量故障处理
	ServiceVisit   ServiceType = "visit"   // 现场走访
)

// Name is the Chinese name.
func (s ServiceType) Name() string {
	switch s {
	case ServiceInstall:
		return "设备安装调试"
	case ServiceFault:
		return "质量故障处理"
	case ServiceVisit:
		return "现场走访"
	}
	return string(s)
}

// StepAction is what the approver of a step decides.
type StepAction string

// Step actions.
const (
	ActionApprove   StepAction = "approve"    // 同意 or 驳回
	ActionFaultPlan StepAction = "fault_plan" // 现场服务, 远程支持 or 驳回 (R-SVC-2)
	ActionDispatch  StepAction = "dispatch"   // pick an engineer of the customer's region (R-ORG-2)
	ActionLiability StepAction = "liability"  // the quality VP records who is liable (R-APV-4)
)

// Choices a step's decision can carry besides approve and reject. A dispatch
// records the engineer's userid as its choice.
const (
	ChoiceApprove = "approve"
	ChoiceReject  = "reject"
	ChoiceOnSite  = "onsite" // 现场服务
	ChoiceRemote  = "remote" // 远程支持
)

// LiabilityChoices are the parties the quality VP can hold liable (R-APV-4),
// in the order the card offers them.
var LiabilityChoices = []Choice{
	{"lia_quality", "本公司产品质量"},
	{"lia_supplier", "外购件供应商"},
	{"lia_customer", "客户使用不当"},
	{"lia_service", "售后服务人员"},
}

// Choice is one option of a step: its key and the text a user reads.
type Choice struct {
	Key, Label string
}

// ChoiceLabel is the Chinese text of a recorded choice.
func ChoiceLabel(choice string) string {
	switch choice {
	case ChoiceApprove:
		return "同意"
	case ChoiceReject:
		return "驳回"
	case ChoiceOnSite:
		return "现场服务"
	case ChoiceRemote:
		return "远程支持"
	}
	for _, c := range LiabilityChoices {
		if c.Key == choice {
			return c.Label
		}
	}
	return choice
}

// Request and step states.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	// ApprovalWithdrawn: the requester withdrew it before any step was
	// decided (我的申请 → 撤回). It ends the request as a rejection does.
	ApprovalWithdrawn = "withdrawn"

	StepWaiting   = "waiting"   // an earlier step is not decided yet
	StepPending   = "pending"   // its approver may decide now
	StepDecided   = "decided"   // Decision says how
	StepCancelled = "cancelled" // an earlier step rejected the request, or it was withdrawn
)

// ApprovalStatusName is a request's state in Chinese (审批中, 已通过…), for
// the cards, 详情 and the pages alike; an unknown one is shown as it is.
func ApprovalStatusName(status string) string {
	switch status {
	case ApprovalPending:
		return "审批中"
	case ApprovalApproved:
		return "已通过"
	case ApprovalRejected:
		return "已驳回"
	case ApprovalWithdrawn:
		return "已撤回"
	}
	return status
}

// Evidence of a compensation request (R-APV-1).
const (
	EvidenceFaultLetter  = "fault_letter"  // 客户质量问题来函（传真、邮件等）
	EvidenceDamageReport = "damage_report" // 详细设备损坏状况报告（照片）
)

// Evidence is what a compensation request rests on: its kind and where to see it.
type Evidence struct {
	Kind string `json:"kind,omitempty"`
	URL  string `json:"url,omitempty"`
}

// ApprovalRequest is one request as filed, with what routing added to it.
type ApprovalRequest struct {
	ID          int64
	Kind        RequestKind
	ServiceType ServiceType // service requests only
	Urgent      bool        // compensation: urgent requests go to one approver (R-APV-2)
	Amount      Fen         // computed for tool and fine requests
	// AmountNote says how a computed amount came about, for the person who pays.
	AmountNote string
	Customer   string
	Region     string // the customer's region (R-ORG-2): who may be dispatched
	Reason     string
	Evidence   Evidence
	Requester  string    // who filed it (userid)
	Subject    string    // the engineer who pays (tool, fine)
	Tool       *ToolLoss // tool requests
	// IdempotencyKey is the caller's key of a request filed through the
	// API: filing again with the same key returns the first (issue 16).
	IdempotencyKey string
	// Site is what a service request says of the customer's site and
	// machine (R-SVC-1, R-SVC-2); nil for other kinds.
	Site *ServiceSite
	Fine *FineBasis // fine requests
	// RulesVersion is the version of ApprovalRules the request was routed by:
	// its chain is fixed at filing, so a rule change applies to new requests only.
	RulesVersion string
	Status       string
	CreatedAt    time.Time
	ClosedAt     time.Time
}

// ServiceSite is what a service request (售后服务申请表) says beyond its
// customer and reason: whom to call, where, and for a fault the machine and
// the fault (R-SVC-2: cause, time and extent, factory date, inspection
// record, site conditions). The job takes the machine's serial number.
type ServiceSite struct {
	Address string `json:"address,omitempty"`
	Contact string `json:"contact,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Model   string `json:"model,omitempty"`
	Serial  string `json:"serial,omitempty"` // 出厂编号
	// FactoryDate, FaultTime: as filed ("2024-03-01", "2026-11-01 08:30").
	FactoryDate      string `json:"factory_date,omitempty"`
	FaultTime        string `json:"fault_time,omitempty"`
	FaultCause       string `json:"fault_cause,omitempty"`
	FaultExtent      string `json:"fault_extent,omitempty"`
	InspectionRecord string `json:"inspection_record,omitempty"`
	SiteConditions   string `json:"site_conditions,omitempty"`
}

// ContactText is whom to call: "王经理 13800001111", or "".
func (s *ServiceSite) ContactText() string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(s.Contact + " " + s.Phone)
}

// MachineText is the machine: "XK-500 出厂编号 A123", or "".
func (s *ServiceSite) MachineText() string {
	if s == nil || (s.Model == "" && s.Serial == "") {
		return ""
	}
	if s.Serial == "" {
		return s.Model
	}
	return strings.TrimSpace(s.Model + " 出厂编号 " + s.Serial)
}

// FaultText is the fault as the VP decides on it (R-SVC-2): its cause,
// extent and time, or "".
func (s *ServiceSite) FaultText() string {
	if s == nil {
		return ""
	}
	var parts []string
	if s.FaultCause != "" {
		parts = append(parts, "原因："+s.FaultCause)
	}
	if s.FaultExtent != "" {
		parts = append(parts, "损坏程度："+s.FaultExtent)
	}
	if s.FaultTime != "" {
		parts = append(parts, "发生时间："+s.FaultTime)
	}
	return strings.Join(parts, "；")
}

// ApprovalStep is one step of a request's chain.
type ApprovalStep struct {
	ID        int64
	RequestID int64
	Seq       int // 1, 2, … in chain order
	Role      Role
	Action    StepAction
	Copies    []Role // told of the decision (R-APV-4)
	Status    string
	// ApproverID is who may decide while the step is pending, and who
	// decided once it is decided; empty while waiting.
	ApproverID    string
	DelegatedFrom string // the role holder on leave whom ApproverID stands in for
	EscalatedFrom string // the approver the step was taken from after EscalateAfter
	EscalatedAt   time.Time
	Decision      string // ApprovalApproved or ApprovalRejected
	Choice        string // ChoiceOnSite, an engineer's userid, a liability key…
	Comment       string
	// AwaitingReason: rejected, and the approver's next text is the reason.
	AwaitingReason bool
	StartedAt      time.Time // became pending
	AssignedAt     time.Time // ApproverID got it (start, or escalation)
	RemindedAt     time.Time // the current approver was reminded
	DecidedAt      time.Time
	TaskID         string // the card's task_id
	ResponseCode   string // the click's response_code the card was updated with
	RulesVersion   string
}

// Approval is a request with its whole chain, the steps still to come included.
type Approval struct {
	Request ApprovalRequest
	Steps   []ApprovalStep
	Events  []ApprovalEvent
}

// Step returns the step with id.
func (a Approval) Step(id int64) (ApprovalStep, bool) {
	i := slices.IndexFunc(a.Steps, func(s ApprovalStep) bool { return s.ID == id })
	if i < 0 {
		return ApprovalStep{}, false
	}
	return a.Steps[i], true
}

// Current returns the pending step, if any.
func (a Approval) Current() (ApprovalStep, bool) {
	i := slices.IndexFunc(a.Steps, func(s ApprovalStep) bool { return s.Status == StepPending })
	if i < 0 {
		return ApprovalStep{}, false
	}
	return a.Steps[i], true
}

// After returns the step following seq, if any.
func (a Approval) After(seq int) (ApprovalStep, bool) {
	i := slices.IndexFunc(a.Steps, func(s ApprovalStep) bool { return s.Seq == seq+1 })
	if i < 0 {
		return ApprovalStep{}, false
	}
	return a.Steps[i], true
}

// StepDecision is a decision on a pending step, as the store records it.
type StepDecision struct {
	StepID       int64
	Approver     string // must be the step's current approver
	Decision     string // ApprovalApproved or ApprovalRejected
	Choice       string
	Comment      string
	AskReason    bool   // rejected: the approver's next text is the reason
	ResponseCode string // the click's, spent on updating the card
	At           time.Time
}

// Audit event actions.
const (
	EventFiled     = "filed"
	EventAssigned  = "assigned"
	EventDelegated = "delegated"
	EventDecided   = "decided"
	EventReason    = "reason"
	EventReminded  = "reminded"
	EventEscalated = "escalated"
	EventCopied    = "copied"
	EventClosed    = "closed"
	EventWithdrawn = "withdrawn" // the requester withdrew it (我的申请 → 撤回)
)

// ApprovalEvent is one line of a request's audit trail.
type ApprovalEvent struct {
	ID        int64
	RequestID int64
	StepID    int64 // 0 for the request as a whole
	At        time.Time
	Actor     string // userid; "" for the bot itself
	Action    string
	Note      string
}

// ToolRule is how one tool class is charged (R-TOOL-1, R-TOOL-2).
type ToolRule struct {
	LifetimeMonths int // liable only within it (manual 3.4); 0: no limit
	RatePercent    int // depreciation per full half-year in use
	FloorPercent   int // never less than this share of the price
	// Stated: no rate; the amount is what the service manager states on
	// the request (consumables, R-TOOL-2 interpretation).
	Stated bool
}

// ApprovalRules is the configurable part of routing and amounts. Zero
// fields take the RULES.md defaults (see WithDefaults).
type ApprovalRules struct {
	// Version is stored with every request routed by these rules.
	Version string
	// Urgent compensation tiers (R-APV-2): up to and including
	// ServiceManagerLimit the service manager approves, up to and including
	// SalesVPLimit the sales VP, above it the general manager.
	ServiceManagerLimit Fen
	SalesVPLimit        Fen
	// RemindAfter and EscalateAfter (R-APV-5): a step pending this long
	// reminds its approver, and is handed once to the next level.
	RemindAfter   time.Duration
	EscalateAfter time.Duration
	// EscalateTo is the next level of each role; a role without one is
	// reminded but never escalated.
	EscalateTo map[Role]Role
	// EscalateByKind overrides EscalateTo for the roles it names, per kind
	// of request: a parts compensation climbs 零部件赔偿管理办法's own ladder.
	EscalateByKind map[RequestKind]map[Role]Role
	// Delegates maps an approver's userid to whoever decides while they are on leave.
	Delegates map[string]string
	// FilerMayDecide lets the filer of a request decide its steps; by
	// default nobody approves their own request (the step goes one level
	// up). The payer never decides a case about themselves (R-APV-5).
	FilerMayDecide bool
	// Tools by class (R-TOOL-2).
	Tools map[ToolClass]ToolRule
}

// DefaultRulesVersion names the rules as RULES.md states them.
const DefaultRulesVersion = "rules-2026.2"

// DefaultApprovalRules are the RULES.md rules with their interpretations.
func DefaultApprovalRules() ApprovalRules {
	return ApprovalRules{
		Version:             DefaultRulesVersion,
		ServiceManagerLimit: 1000_00,
		SalesVPLimit:        5000_00,
		RemindAfter:         24 * time.Hour,
		EscalateAfter:       48 * time.Hour,
		// Interpretation: the service manager answers to the VP in charge
		// (第二章); every VP answers to the general manager, who has no next level.
		EscalateTo: map[Role]Role{
			RoleServiceManager: RoleVPAfterSales,
			RoleVPAfterSales:   RoleGeneralManager,
			RoleVPSales:        RoleGeneralManager,
			RoleVPQuality:      RoleGeneralManager,
		},
		// 零部件赔偿管理办法: service manager → sales VP → general manager.
		// The VP in charge of after-sales has no authority over
		// compensation (R-APV-2, R-APV-3).
		EscalateByKind: map[RequestKind]map[Role]Role{
			RequestParts: {RoleServiceManager: RoleVPSales, RoleVPSales: RoleGeneralManager},
		},
		Tools: map[ToolClass]ToolRule{
			ToolClass1: {LifetimeMonths: 60, RatePercent: 10, FloorPercent: 10},
			ToolClass2: {LifetimeMonths: 24, RatePercent: 20, FloorPercent: 10},
			// Interpretation: the manual gives consumables a lifetime (≥ 1
			// year) but no rate: the service manager states the amount.
			ToolConsumable: {LifetimeMonths: 12, Stated: true},
		},
	}
}

// WithDefaults fills the zero fields of r from DefaultApprovalRules.
func (r ApprovalRules) WithDefaults() ApprovalRules {
	d := DefaultApprovalRules()
	if r.Version == "" {
		r.Version = d.Version
	}
	if r.ServiceManagerLimit == 0 {
		r.ServiceManagerLimit = d.ServiceManagerLimit
	}
	if r.SalesVPLimit == 0 {
		r.SalesVPLimit = d.SalesVPLimit
	}
	if r.RemindAfter == 0 {
		r.RemindAfter = d.RemindAfter
	}
	if r.EscalateAfter == 0 {
		r.EscalateAfter = d.EscalateAfter
	}
	if r.EscalateTo == nil {
		r.EscalateTo = d.EscalateTo
	}
	if r.EscalateByKind == nil {
		r.EscalateByKind = d.EscalateByKind
	}
	if r.Tools == nil {
		r.Tools = d.Tools
	} else {
		for c, rule := range d.Tools {
			if _, ok := r.Tools[c]; !ok {
				r.Tools[c] = rule
			}
		}
	}
	return r
}

// PlannedStep is one step of a chain as routing lays it out.
type PlannedStep struct {
	Role   Role
	Action StepAction
	Copies []Role
}

// ErrInvalidRequest: a request cannot be filed as it is; the
// *InvalidRequestError wrapping it says why, in Chinese for the filer.
var ErrInvalidRequest = errors.New("invalid request")

// InvalidRequestError lists every problem of a request.
type InvalidRequestError struct {
	Problems []string
}

func (e *InvalidRequestError) Error() string {
	return "invalid request: " + strings.Join(e.Problems, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalidRequest) true.
func (e *InvalidRequestError) Unwrap() error { return ErrInvalidRequest }

// webLink reports an absolute http or https URL with a host.
func webLink(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Prepare checks a request, computes its amount where the rules compute it
// (R-TOOL-2, R-LIA-1/2), stamps the rules version and lays out its chain.
// It returns an *InvalidRequestError naming every problem.
func (r ApprovalRules) Prepare(req ApprovalRequest) (ApprovalRequest, []PlannedStep, error) {
	r = r.WithDefaults()
	var problems []string
	add := func(p string) { problems = append(problems, p) }
	if req.Requester == "" {
		add("缺少申请人")
	}
	switch req.Kind {
	case RequestService:
		if !slices.Contains([]ServiceType{ServiceInstall, ServiceFault, ServiceVisit}, req.ServiceType) {
			add("服务类型须为 install（安装调试）、fault（质量故障）或 visit（现场走访）")
		}
		if req.Customer == "" {
			add("缺少客户名称")
		}
	case RequestParts:
		// R-APV-1: no fault letter and no damage report, no compensation.
		if !slices.Contains([]string{EvidenceFaultLetter, EvidenceDamageReport}, req.Evidence.Kind) || req.Evidence.URL == "" {
			add("赔偿申请须附客户质量问题来函或设备损坏状况报告（照片）的链接（R-APV-1）")
		} else if !webLink(req.Evidence.URL) {
			// The link goes into the approver's card and pages: a
			// javascript: or data: link there would run in their session.
			add("证据链接须为 http:// 或 https:// 开头的网址（R-APV-1）")
		}
		if req.Amount <= 0 {
			add("赔偿总金额须大于 0")
		}
		if req.Customer == "" {
			add("缺少客户名称")
		}
	case RequestTool:
		if req.Subject == "" {
			add("缺少器械持有人")
		}
		if req.Tool == nil {
			add("缺少器械信息（类别、原价、使用月数）")
			break
		}
		amount, note, err := r.ToolCompensation(*req.Tool)
		if err != nil {
			add(err.Error())
			break
		}
		req.Amount, req.AmountNote = amount, note
	case RequestFine:
		if req.Subject == "" {
			add("缺少被处罚人")
		}
		if req.Fine == nil {
			add("缺少处罚依据（当月投诉次数或事故损失）")
			break
		}
		amount, note, err := req.Fine.Amount()
		if err != nil {
			add(err.Error())
			break
		}
		for _, p := range req.Fine.recordProblems() {
			add(p)
		}
		req.Amount, req.AmountNote = amount, note
	default:
		add(fmt.Sprintf("未知的申请类型 %q", req.Kind))
	}
	if req.Reason == "" {
		add("缺少事由")
	}
	if len(problems) > 0 {
		return req, nil, &InvalidRequestError{Problems: problems}
	}
	req.RulesVersion = r.Version
	req.Status = ApprovalPending
	return req, r.Route(req), nil
}

// Route lays out the chain of a checked request.
func (r ApprovalRules) Route(req ApprovalRequest) []PlannedStep {
	r = r.WithDefaults()
	switch req.Kind {
	case RequestService:
		switch req.ServiceType {
		case ServiceVisit:
			// R-VIS-4: the service manager signs the request and sends someone.
			return []PlannedStep{{Role: RoleServiceManager, Action: ActionDispatch}}
		case ServiceFault:
			// R-SVC-2: the service department reviews the request, the VP
			// in charge decides on-site or remote, then dispatch.
			return []PlannedStep{
				{Role: RoleServiceManager, Action: ActionApprove},
				{Role: RoleVPAfterSales, Action: ActionFaultPlan},
				{Role: RoleServiceManager, Action: ActionDispatch},
			}
		default:
			// R-SVC-1: the service department reviews, the VP in charge
			// approves, the service manager dispatches.
			return []PlannedStep{
				{Role: RoleServiceManager, Action: ActionApprove},
				{Role: RoleVPAfterSales, Action: ActionApprove},
				{Role: RoleServiceManager, Action: ActionDispatch},
			}
		}
	case RequestParts:
		// R-APV-4: after approval the quality VP records liability.
		liability := PlannedStep{Role: RoleVPQuality, Action: ActionLiability}
		if !req.Urgent {
			// R-APV-3. Interpretation: the quality VP hears of it at her own step.
			return []PlannedStep{
				{Role: RoleVPSales, Action: ActionApprove},
				{Role: RoleGeneralManager, Action: ActionApprove},
				liability,
			}
		}
		// R-APV-2 with the copies the manual names for each tier (零部件赔偿管理办法 3.6–3.8).
		switch {
		case req.Amount <= r.ServiceManagerLimit:
			return []PlannedStep{{Role: RoleServiceManager, Action: ActionApprove,
				Copies: []Role{RoleVPSales, RoleVPQuality, RoleGeneralManager}}, liability}
		case req.Amount <= r.SalesVPLimit:
			return []PlannedStep{{Role: RoleVPSales, Action: ActionApprove,
				Copies: []Role{RoleVPQuality, RoleGeneralManager}}, liability}
		default:
			// Interpretation: the manual's text for this tier is cut off after
			// "登"(记备案); we copy the sales VP, as the lower tiers do upwards.
			return []PlannedStep{{Role: RoleGeneralManager, Action: ActionApprove,
				Copies: []Role{RoleVPSales}}, liability}
		}
	case RequestTool:
		if req.Amount == 0 {
			// R-TOOL-2 interpretation: nothing to pay (a consumable stated
			// at 0, a tool past its lifetime) is recorded, not sent for approval.
			return nil
		}
		return []PlannedStep{{Role: RoleServiceManager, Action: ActionApprove}}
	case RequestFine:
		// R-LIA-0 (售后服务责任事故追究制度 4): the quality VP's 责任事故认定小组
		// determines liability, loss and handling; the general manager reviews.
		return []PlannedStep{
			{Role: RoleVPQuality, Action: ActionApprove},
			{Role: RoleGeneralManager, Action: ActionApprove},
		}
	}
	return nil
}

// Choices are the options a step's card offers, 驳回 included where the step
// may reject. Dispatch choices are the engineers, which the caller knows.
func (a StepAction) Choices() []Choice {
	switch a {
	case ActionApprove:
		return []Choice{{ChoiceApprove, "同意"}, {ChoiceReject, "驳回"}}
	case ActionFaultPlan:
		return []Choice{{ChoiceOnSite, "现场服务"}, {ChoiceRemote, "远程支持"}, {ChoiceReject, "驳回"}}
	case ActionLiability:
		return LiabilityChoices
	}
	return nil
}

// Name is the Chinese name of what the step does.
func (a StepAction) Name() string {
	switch a {
	case ActionApprove:
		return "审批"
	case ActionFaultPlan:
		return "审批（现场/远程）"
	case ActionDispatch:
		return "派工"
	case ActionLiability:
		return "责任认定"
	}
	return string(a)
}
