package kpi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/feature"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/internal/need"
)

// KPIInputs records and withdraws the manager's entries (*Inputs).
type KPIInputs interface {
	Add(ctx context.Context, ins []servicebot.KPIInput, by, origin string, rows []int) (AddResult, error)
	Void(ctx context.Context, id int64, by string) error
}

// KPIReader reads what the API shows (store.DB).
type KPIReader interface {
	ExportStore
	KPIInputs(ctx context.Context, month string) ([]servicebot.KPIInput, error)
}

// maxEntriesBody bounds a JSON list of entries.
const maxEntriesBody = 64 << 10

// maxUpload bounds an uploaded spreadsheet of entries.
const maxUpload = 10 << 20

// KPIAPI is the manager's KPI interface over HTTP, behind the bearer token
// of config api.token (until the signed-in web pages take it over):
//
//	GET    /api/kpi/{month}/inputs                  every entry of the month, voided ones included (history)
//	POST   /api/kpi/{month}/inputs?by=USERID        JSON array of entries; all or nothing
//	POST   /api/kpi/{month}/inputs/upload?by=USERID a .xlsx or .csv body (Excel/CSV upload)
//	DELETE /api/kpi/inputs/{id}?by=USERID           withdraw an entry
//	GET    /api/kpi/{month}?format=json|xlsx[&revision=N]  the month as exported
//
// by names the manager making the change; it is recorded with the time.
type KPIAPI struct {
	KPIAPIConfig
	inputs KPIInputs
	store  KPIReader
}

// KPIAPIDeps are what the API reads and writes through.
type KPIAPIDeps struct {
	Inputs KPIInputs // the manager's entries (*Inputs)
	Store  KPIReader // the recorded months (*store.DB)
}

// KPIAPIConfig is who may call the API and make changes.
type KPIAPIConfig struct {
	// Token is the bearer token callers present (api.token); required.
	Token string
	// Org says who may make changes: `by` must be the service manager, the
	// VP in charge or the general manager. The token only proves the caller
	// is a system we trust; the entries affect pay, so the name it gives
	// must at least be someone allowed to make them.
	Org    servicebot.Org
	Logger *slog.Logger // default: discarded
}

// NewKPIAPI makes the manager's KPI API; its dependencies and token are
// checked.
func NewKPIAPI(deps KPIAPIDeps, cfg KPIAPIConfig) (*KPIAPI, error) {
	if err := need.Deps("kpi: api", map[string]bool{
		"Inputs": deps.Inputs != nil, "Store": deps.Store != nil, "Token": cfg.Token != "",
	}); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &KPIAPI{KPIAPIConfig: cfg, inputs: deps.Inputs, store: deps.Store}, nil
}

// Routes are the API's routes.
func (h *KPIAPI) Routes() []feature.Route {
	return []feature.Route{
		{Pattern: "GET /api/kpi/{month}/inputs", Handler: h.auth(h.listInputs)},
		{Pattern: "POST /api/kpi/{month}/inputs", Handler: h.auth(h.addInputs)},
		{Pattern: "POST /api/kpi/{month}/inputs/upload", Handler: h.auth(h.upload)},
		{Pattern: "DELETE /api/kpi/inputs/{id}", Handler: h.auth(h.void)},
		{Pattern: "GET /api/kpi/{month}", Handler: h.auth(h.export)},
	}
}

// Register adds the routes to mux.
func (h *KPIAPI) Register(mux *http.ServeMux) {
	for _, r := range h.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
}

func (h *KPIAPI) auth(next http.HandlerFunc) http.HandlerFunc {
	return handlers.RequireBearer(h.Token, next)
}

// inputView is an entry as the API shows it: numbers in the kind's unit as
// text, and who entered and withdrew it when.
type inputView struct {
	ID        int64   `json:"id"`
	UserID    string  `json:"user_id,omitempty"`
	Kind      string  `json:"kind"`
	Label     string  `json:"label"`
	Date      string  `json:"date,omitempty"`
	Count     int64   `json:"count,omitempty"`
	Value     int64   `json:"value,omitempty"`
	Target    int64   `json:"target,omitempty"`
	Note      string  `json:"note,omitempty"`
	Origin    string  `json:"origin,omitempty"`
	EnteredBy string  `json:"entered_by"`
	EnteredAt string  `json:"entered_at"`
	VoidedBy  string  `json:"voided_by,omitempty"`
	VoidedAt  *string `json:"voided_at,omitempty"`
}

func viewOf(in servicebot.KPIInput) inputView {
	v := inputView{ID: in.ID, UserID: in.UserID, Kind: string(in.Kind), Label: in.Kind.Label(), Count: in.Count,
		Value: in.Value, Target: in.Target, Note: in.Note, Origin: in.Origin, EnteredBy: in.EnteredBy,
		EnteredAt: in.EnteredAt.Format("2006-01-02T15:04:05Z07:00"), VoidedBy: in.VoidedBy}
	if !in.Date.IsZero() {
		v.Date = in.Date.String()
	}
	if !in.Live() {
		at := in.VoidedAt.Format("2006-01-02T15:04:05Z07:00")
		v.VoidedAt = &at
	}
	return v
}

func (h *KPIAPI) month(w http.ResponseWriter, r *http.Request) (string, bool) {
	month := r.PathValue("month")
	if _, _, err := servicebot.KPIMonthRange(month); err != nil {
		handlers.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "month must be YYYY-MM"})
		return "", false
	}
	return month, true
}

func (h *KPIAPI) by(w http.ResponseWriter, r *http.Request) (string, bool) {
	by := strings.TrimSpace(r.URL.Query().Get("by"))
	if by == "" {
		handlers.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "by (the userid making the change) is required"})
		return "", false
	}
	if !h.Org.MayEnterKPI(by) {
		handlers.WriteJSON(w, http.StatusForbidden, map[string]string{
			"error": "by must be the service manager, the VP in charge or the general manager"})
		return "", false
	}
	return by, true
}

// monthBy is the request's month and who makes the change, both checked;
// false when the answer is written already.
func (h *KPIAPI) monthBy(w http.ResponseWriter, r *http.Request) (month, by string, ok bool) {
	if month, ok = h.month(w, r); !ok {
		return "", "", false
	}
	if by, ok = h.by(w, r); !ok {
		return "", "", false
	}
	return month, by, true
}

func (h *KPIAPI) listInputs(w http.ResponseWriter, r *http.Request) {
	month, ok := h.month(w, r)
	if !ok {
		return
	}
	ins, err := h.store.KPIInputs(r.Context(), month)
	if err != nil {
		h.fail(w, "list kpi inputs", err)
		return
	}
	views := make([]inputView, len(ins))
	for i, in := range ins {
		views[i] = viewOf(in)
	}
	handlers.WriteJSON(w, http.StatusOK, views)
}

func (h *KPIAPI) addInputs(w http.ResponseWriter, r *http.Request) {
	month, by, ok := h.monthBy(w, r)
	if !ok {
		return
	}
	var rows []InputRow
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxEntriesBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rows); err != nil {
		handlers.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "unreadable entries: " + err.Error()})
		return
	}
	var ins []servicebot.KPIInput
	var bad []RowProblem
	for i, row := range rows {
		in, problems := row.Input(month)
		if len(problems) > 0 {
			bad = append(bad, RowProblem{Row: i + 1, Problems: problems})
		}
		ins = append(ins, in)
	}
	if len(bad) > 0 {
		handlers.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid entries", "rows": bad})
		return
	}
	h.add(w, r, ins, nil, by, "api")
}

func (h *KPIAPI) upload(w http.ResponseWriter, r *http.Request) {
	month, by, ok := h.monthBy(w, r)
	if !ok {
		return
	}
	name := r.URL.Query().Get("filename")
	if name == "" {
		name = "upload"
		if strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			name += ".xlsx"
		}
	}
	ins, lines, err := ParseFile(http.MaxBytesReader(w, r.Body, maxUpload), name, month)
	var invalid *InvalidInputError
	switch {
	case errors.As(err, &invalid):
		handlers.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid rows; nothing stored", "rows": invalid.Rows})
		return
	case err != nil:
		handlers.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	h.add(w, r, ins, lines, by, "upload "+name)
}

func (h *KPIAPI) add(w http.ResponseWriter, r *http.Request, ins []servicebot.KPIInput, lines []int, by, origin string) {
	res, err := h.inputs.Add(r.Context(), ins, by, origin, lines)
	var invalid *InvalidInputError
	switch {
	case errors.As(err, &invalid):
		handlers.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid entries; nothing stored", "rows": invalid.Rows})
	case err != nil:
		h.fail(w, "add kpi inputs", err)
	default:
		views := make([]inputView, len(res.Added))
		for i, in := range res.Added {
			views[i] = viewOf(in)
		}
		h.Logger.Info("kpi inputs recorded", "by", by, "origin", origin, "added", len(res.Added), "skipped", res.Skipped)
		handlers.WriteJSON(w, http.StatusCreated, map[string]any{"added": views, "skipped": res.Skipped})
	}
}

func (h *KPIAPI) void(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		handlers.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "bad entry id"})
		return
	}
	by, ok := h.by(w, r)
	if !ok {
		return
	}
	err = h.inputs.Void(r.Context(), id, by)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		handlers.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no live entry with that id"})
	case err != nil:
		h.fail(w, "void kpi input", err)
	default:
		h.Logger.Info("kpi input withdrawn", "id", id, "by", by)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (h *KPIAPI) export(w http.ResponseWriter, r *http.Request) {
	month, ok := h.month(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = FormatJSON
	}
	if format != FormatJSON && format != FormatXLSX {
		handlers.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "format must be json or xlsx"})
		return
	}
	rev := 0
	if s := r.URL.Query().Get("revision"); s != "" {
		var err error
		if rev, err = strconv.Atoi(s); err != nil || rev <= 0 {
			handlers.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "revision must be a positive number"})
			return
		}
	}
	m, err := Load(r.Context(), h.store, month, rev)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		handlers.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no such month or revision"})
		return
	case err != nil:
		h.fail(w, "export kpi", err)
		return
	}
	if format == FormatXLSX {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="kpi-%s-r%d.xlsx"`, month, m.Revision))
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	if err := Write(w, format, m); err != nil {
		h.Logger.Error("write kpi export", "err", err)
	}
}

func (h *KPIAPI) fail(w http.ResponseWriter, what string, err error) {
	h.Logger.Error(what, "err", err)
	handlers.WriteJSONError(w, err)
}
