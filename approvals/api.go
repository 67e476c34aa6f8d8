package approvals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/internal/need"
)

// Feature is the approvals' surface: taps on approval cards, a rejecter's
// next text as the reason (R-APV-5's audit), the reminder and escalation
// job, and POST /api/requests when api.token is set.
func Feature[T Tx](e *Engine[T], apiToken string) feature.Feature[T] {
	f := feature.Feature[T]{
		Name: "approvals",
		Listen: []func(ctx context.Context, tx T, ev wecommsg.Event, isCommand bool) (bool, error){
			func(ctx context.Context, tx T, ev wecommsg.Event, isCommand bool) (bool, error) {
				if isCommand {
					// The approver is using the bot, not giving the reason.
					return false, nil
				}
				return e.TakeReason(ctx, tx, ev)
			},
		},
		// R-SVC-3: a warehouse keeper's 出库 #12 密封圈×4.
		Commands: []feature.Command[T]{{
			Words:   PendingWords,
			Section: "表单与申请",
			Help:    "待审批：把等我处理的审批卡片再发一遍",
			// The approvers of R-APV-1…5.
			For: []servicebot.Role{servicebot.RoleServiceManager, servicebot.RoleVPAfterSales, servicebot.RoleVPSales,
				servicebot.RoleVPQuality, servicebot.RoleGeneralManager, servicebot.RoleChairman},
			Run: func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
				return e.SendPending(ctx, tx, ev)
			},
		}, {
			Words:   []string{servicebot.PartsIssueCommand},
			Section: "表单与申请",
			Help:    "出库 #12 密封圈×4：仓库管理员凭已批准的申请登记配件出库",
			For:     []servicebot.Role{servicebot.RoleWarehouse},
			Run: func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
				return e.IssueParts(ctx, tx, ev)
			},
		}},
		Cards: []feature.Card[T]{{Prefix: CardPrefix,
			Run: func(ctx context.Context, tx T, ev wecommsg.Event) error { return e.Click(ctx, tx, ev) }}},
		Jobs: []feature.Job{{
			Name:        JobName,
			Cron:        "*/10 * * * *",
			Description: "remind approvers of approvals pending 24 h, escalate those pending 48 h (R-APV-5)",
			RunAtStart:  true,
			Run:         e.RemindDue,
		}},
	}
	if apiToken != "" {
		f.Routes = append(f.Routes, feature.Route{Pattern: "POST /api/requests",
			Handler: &RequestsAPI{RequestsAPIDeps{Engine: e, Customers: e.customers},
				RequestsAPIConfig{Token: apiToken, Logger: e.logger.With("component", "api")}}})
	}
	return f
}

// Filer files a request (*Engine).
type Filer interface {
	FileRequest(ctx context.Context, req servicebot.ApprovalRequest) (servicebot.Approval, error)
}

// maxRequestBody bounds a filed request; a real one is a few hundred bytes.
const maxRequestBody = 64 << 10

// CustomerFinder finds a customer of the customer list by name
// (*store.DB), or answers an error wrapping servicebot.ErrNotFound.
type CustomerFinder interface {
	CustomerByName(ctx context.Context, name string) (servicebot.Customer, error)
}

// RequestsAPI is POST /api/requests: a form or another system files a
// request with a JSON body, authenticated by the shared bearer token of
// config api.token. It answers 201 with the request and its chain, 400 for
// unreadable JSON, 401 without the token, 422 with the problems of an
// invalid request.
//
// A customer not in the customer list is filed all the same, as 客户咨询
// logs one (a new customer's first fault must not wait for an import), but
// the 201 answer says so in "warnings" (code unknown_customer), so the
// caller can correct a misspelt name: the job of such a request has no
// customer record, hence no key-customer promotion (R-SVC-2) and no
// follow-up calls (R-VIS-1) until the customer list has it.
type RequestsAPI struct {
	RequestsAPIDeps
	RequestsAPIConfig
}

// RequestsAPIDeps are what the API files through.
type RequestsAPIDeps struct {
	Engine Filer
	// Customers, when set, checks the request's customer (nil: unchecked).
	Customers CustomerFinder
}

// RequestsAPIConfig is who may call the API.
type RequestsAPIConfig struct {
	Token  string       // the bearer token callers present (api.token); required
	Logger *slog.Logger // default: discarded
}

// NewRequestsAPI makes POST /api/requests; the engine and the token are
// checked.
func NewRequestsAPI(deps RequestsAPIDeps, cfg RequestsAPIConfig) (*RequestsAPI, error) {
	if err := need.Deps("approvals: api", map[string]bool{"Engine": deps.Engine != nil, "Token": cfg.Token != ""}); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &RequestsAPI{RequestsAPIDeps: deps, RequestsAPIConfig: cfg}, nil
}

// Warning is a remark on a request that was filed all the same.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"` // Chinese, for people
}

// WarningUnknownCustomer: the request's customer is not in the customer list.
const WarningUnknownCustomer = "unknown_customer"

// filedAnswer is the 201 answer: the request and what the caller should check.
type filedAnswer struct {
	View
	Warnings []Warning `json:"warnings,omitempty"`
}

// warnings are the remarks on filed request r.
func (h *RequestsAPI) warnings(ctx context.Context, r servicebot.ApprovalRequest) ([]Warning, error) {
	if h.Customers == nil || strings.TrimSpace(r.Customer) == "" {
		return nil, nil
	}
	_, err := h.Customers.CustomerByName(ctx, r.Customer)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		return []Warning{{Code: WarningUnknownCustomer, Message: fmt.Sprintf(
			"客户名单中没有「%s」，已按所填名称登记；请核对名称，新客户请先导入客户名单。", r.Customer)}}, nil
	case err != nil:
		return nil, err
	}
	return nil, nil
}

// requestBody is what callers send. Amounts are yuan, as a JSON string
// ("5000.01", "1.2万") or number.
type requestBody struct {
	Kind        string              `json:"kind"`
	ServiceType string              `json:"service_type"`
	Urgent      bool                `json:"urgent"`
	Amount      yuan                `json:"amount"`
	Customer    string              `json:"customer"`
	Region      string              `json:"region"`
	Reason      string              `json:"reason"`
	Evidence    servicebot.Evidence `json:"evidence"`
	Requester   string              `json:"requester"`
	Subject     string              `json:"subject"`
	Tool        *struct {
		Class  string `json:"class"`
		Name   string `json:"name"`
		Price  yuan   `json:"price"`
		Months int    `json:"months"`
		// Amount is what the service manager states for a consumable
		// (R-TOOL-2 interpretation: no rate).
		Amount *yuan `json:"amount"`
	} `json:"tool"`
	Fine *struct {
		Month      string `json:"month"`
		Complaints int    `json:"complaints"`
		Loss       yuan   `json:"loss"`
		// The manager's complaint entries this fine is for, and the days
		// of the other complaints (R-LIA-0: one complaint, one record).
		ComplaintEntries []int64           `json:"complaint_entries"`
		ComplaintDates   []servicebot.Date `json:"complaint_dates"`
	} `json:"fine"`
	// A service request's site, machine and fault (R-SVC-2): serial is
	// the 出厂编号 the service job takes.
	servicebot.ServiceSite
}

// yuan reads an amount of yuan from a JSON string or number.
type yuan servicebot.Fen

func (y *yuan) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*y = 0
		return nil
	}
	f, err := servicebot.ParseFen(s)
	if err != nil {
		return err
	}
	*y = yuan(f)
	return nil
}

func (b requestBody) request() servicebot.ApprovalRequest {
	req := servicebot.ApprovalRequest{
		Kind: servicebot.RequestKind(b.Kind), ServiceType: servicebot.ServiceType(b.ServiceType), Urgent: b.Urgent,
		Amount: servicebot.Fen(b.Amount), Customer: b.Customer, Region: b.Region, Reason: b.Reason,
		Evidence: b.Evidence, Requester: b.Requester, Subject: b.Subject,
	}
	if b.Tool != nil {
		req.Tool = &servicebot.ToolLoss{Class: servicebot.ToolClass(b.Tool.Class), Name: b.Tool.Name,
			Price: servicebot.Fen(b.Tool.Price), Months: b.Tool.Months}
		if b.Tool.Amount != nil {
			stated := servicebot.Fen(*b.Tool.Amount)
			req.Tool.Stated = &stated
		}
	}
	if b.Fine != nil {
		req.Fine = &servicebot.FineBasis{Month: b.Fine.Month, Complaints: b.Fine.Complaints, Loss: servicebot.Fen(b.Fine.Loss),
			ComplaintEntries: b.Fine.ComplaintEntries, ComplaintDates: b.Fine.ComplaintDates}
	}
	if b.ServiceSite != (servicebot.ServiceSite{}) {
		site := b.ServiceSite
		req.Site = &site
	}
	return req
}

func (h *RequestsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	handlers.RequireBearer(h.Token, h.file)(w, r)
}

func (h *RequestsAPI) file(w http.ResponseWriter, r *http.Request) {
	var body requestBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		handlers.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "unreadable request: " + err.Error()})
		return
	}
	req := body.request()
	// Issue 16: a retried POST with the same Idempotency-Key files nothing
	// twice and answers with the request filed the first time.
	req.IdempotencyKey = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(req.IdempotencyKey) > 200 {
		handlers.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "Idempotency-Key longer than 200 bytes"})
		return
	}
	a, err := h.Engine.FileRequest(r.Context(), req)
	var invalid *servicebot.InvalidRequestError
	switch {
	case errors.As(err, &invalid):
		handlers.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid request", "problems": invalid.Problems})
	case errors.Is(err, ErrNoApprover):
		handlers.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "no approver configured",
			"problems": []string{fmt.Sprintf("审批链所需的角色未配置人员：%v", err)}})
	case err != nil:
		h.Logger.Error("file request", "err", err)
		handlers.WriteJSONError(w, err)
	default:
		h.Logger.Info("request filed", "id", a.Request.ID, "kind", a.Request.Kind, "requester", a.Request.Requester)
		warnings, err := h.warnings(r.Context(), a.Request)
		if err != nil {
			// Filed all the same: the warning is advice, the request stands.
			h.Logger.Warn("check the request's customer", "id", a.Request.ID, "err", err)
		}
		w.Header().Set("Location", fmt.Sprintf("/api/requests/%d", a.Request.ID))
		handlers.WriteJSON(w, http.StatusCreated, filedAnswer{View: ViewOf(a), Warnings: warnings})
	}
}
