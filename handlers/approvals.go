package handlers

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
)

// ApprovalTx is what approval cards and rejection reasons write through.
type ApprovalTx interface {
	approvals.Tx
}

// Approvals is the approval engine as the handlers use it (*approvals.Engine).
type Approvals interface {
	Click(ctx context.Context, tx approvals.Tx, ev servicebot.Event) error
	TakeReason(ctx context.Context, tx approvals.Tx, ev servicebot.Event) (bool, error)
	FileRequest(ctx context.Context, req servicebot.ApprovalRequest) (servicebot.Approval, error)
}

// RegisterApprovals routes taps on approval cards to e, and lets e take a
// rejecter's next text as the reason before anyone else sees it.
func RegisterApprovals(r *Router, e Approvals) {
	r.HandleCard(approvals.CardPrefix, func(ctx context.Context, tx Tx, ev servicebot.Event) error {
		return e.Click(ctx, tx, ev)
	})
	r.First(servicebot.MsgText, func(ctx context.Context, tx Tx, ev servicebot.Event) (bool, error) {
		if IsChatCommand(ev.Content) {
			// The approver is using the bot, not giving the reason.
			return false, nil
		}
		return e.TakeReason(ctx, tx, ev)
	})
}

// chatCommands are the first words of the chat commands 帮助 lists.
var chatCommands = []string{
	"帮助", "日报模板", "我的日报", "补报", "补交", "请假", "取消请假",
	"我的工单", "开始", "完成", "客户咨询", "已答复", "我的待办", "待办",
	FormsCommand, "服务申请", "申请配件赔偿", "申请器械赔偿", "申诉",
}

// IsChatCommand reports whether text is one of the bot's commands: a command
// word alone, or followed by a space, a colon or a number ("完成 12"), so
// that a sentence which merely starts with one ("完成度不够，请补充照片") is not.
func IsChatCommand(text string) bool {
	text = strings.TrimSpace(text)
	for _, w := range chatCommands {
		rest, ok := strings.CutPrefix(text, w)
		if !ok {
			continue
		}
		if rest == "" {
			return true
		}
		switch r, _ := utf8.DecodeRuneInString(rest); {
		case unicode.IsSpace(r), r == ':', r == '：', unicode.IsDigit(r):
			return true
		}
	}
	return false
}

// maxRequestBody bounds a filed request; a real one is a few hundred bytes.
const maxRequestBody = 64 << 10

// RequestsAPI is POST /api/requests: a form or another system files a
// request with a JSON body, authenticated by the shared bearer token of
// config api.token. It answers 201 with the request and its chain, 400 for
// unreadable JSON, 401 without the token, 422 with the problems of an
// invalid request.
type RequestsAPI struct {
	Token  string
	Engine Approvals
	Logger *slog.Logger
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
	requireBearer(h.Token, h.file)(w, r)
}

func (h *RequestsAPI) file(w http.ResponseWriter, r *http.Request) {
	var body requestBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeAPIJSON(w, http.StatusBadRequest, map[string]string{"error": "unreadable request: " + err.Error()})
		return
	}
	a, err := h.Engine.FileRequest(r.Context(), body.request())
	var invalid *servicebot.InvalidRequestError
	switch {
	case errors.As(err, &invalid):
		writeAPIJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid request", "problems": invalid.Problems})
	case errors.Is(err, approvals.ErrNoApprover):
		writeAPIJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "no approver configured",
			"problems": []string{fmt.Sprintf("审批链所需的角色未配置人员：%v", err)}})
	case err != nil:
		h.Logger.Error("file request", "err", err)
		writeAPIJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
	default:
		h.Logger.Info("request filed", "id", a.Request.ID, "kind", a.Request.Kind, "requester", a.Request.Requester)
		w.Header().Set("Location", fmt.Sprintf("/api/requests/%d", a.Request.ID))
		writeAPIJSON(w, http.StatusCreated, approvals.ViewOf(a))
	}
}

// authorized compares the bearer token in constant time.
// requireBearer lets a request through to next only with the shared API
// token (config api.token) as its bearer token, compared in constant time;
// with no token configured nothing gets through.
func requireBearer(token string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="servicebot"`)
			writeAPIJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
			return
		}
		next(w, r)
	}
}

func writeAPIJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
