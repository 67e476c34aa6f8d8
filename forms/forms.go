// Package forms runs the department's paper forms as data (R-SVC-1/2,
// R-VIS-1…4, R-APV-1, R-TOOL-2): a catalog of definitions, drafts kept per
// person, and submission — stored, an approval filed when the form is a
// request, and the hooks of other packages run — in one transaction.
package forms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/internal/txn"
)

// Tx is the part of a store transaction forms write through (*store.Tx
// implements it). It includes the approval engine's, since a request form
// files its approval in the same transaction.
type Tx interface {
	approvals.Tx
	// SaveFormSubmission inserts sub when its ID is 0, else updates the
	// draft with that ID and user (servicebot.ErrNotFound when there is none:
	// another's, or submitted already).
	SaveFormSubmission(ctx context.Context, sub servicebot.FormSubmission) (servicebot.FormSubmission, error)
	SetSubmissionApproval(ctx context.Context, id, approvalID int64) error
	// AttachFormPhotos links the user's photos to a submission; a photo of
	// someone else's, or of another submission, is servicebot.ErrNotFound.
	AttachFormPhotos(ctx context.Context, submissionID int64, userID string, photoIDs []int64) error
}

// Filer files an approval request in a transaction of type T
// (*approvals.Engine).
type Filer[T any] interface {
	File(ctx context.Context, tx T, req servicebot.ApprovalRequest) (servicebot.Approval, error)
}

// Config is how a Service is set up; every field is optional.
type Config struct {
	Clock  servicebot.Clock
	Logger *slog.Logger
	// SubmissionURL is the page of a stored submission; an approval filed by
	// a form links to it as its evidence (R-APV-1).
	SubmissionURL func(id int64) string
}

// Service saves drafts and submits forms of a catalog.
type Service[T Tx] struct {
	catalog *Catalog
	inTx    txn.Runner[T]
	filer   Filer[T]
	cfg     Config
	hooks   map[string][]SubmissionHook[T]
}

// New makes a Service. filer may be nil when no form of the catalog files
// an approval.
func New[T Tx](catalog *Catalog, inTx txn.Runner[T], filer Filer[T], cfg Config) *Service[T] {
	if cfg.Clock == nil {
		cfg.Clock = servicebot.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SubmissionURL == nil {
		cfg.SubmissionURL = func(id int64) string { return fmt.Sprintf("/web/submissions/%d", id) }
	}
	return &Service[T]{catalog: catalog, inTx: inTx, filer: filer, cfg: cfg, hooks: map[string][]SubmissionHook[T]{}}
}

// Catalog is the service's catalog.
func (s *Service[T]) Catalog() *Catalog { return s.catalog }

// Filled is what a person sends from a form page.
type Filled struct {
	FormID string
	// DraftID continues a saved draft; 0 starts afresh.
	DraftID int64
	UserID  string
	JobID   int64
	Values  servicebot.FormValues
}

// clean keeps only the form's own fields, trimmed, and drops empty table rows.
func clean(def servicebot.FormDef, in servicebot.FormValues) servicebot.FormValues {
	out := servicebot.FormValues{}
	for _, f := range def.Fields {
		switch f.Type {
		case servicebot.FieldMultiSelect, servicebot.FieldPhoto:
			var list []string
			for _, s := range in.List(f.Name) {
				if s = strings.TrimSpace(s); s != "" && !slices.Contains(list, s) {
					list = append(list, s)
				}
			}
			if len(list) > 0 {
				out[f.Name] = list
			}
		case servicebot.FieldTable:
			var rows []map[string]string
			for _, row := range in.Rows(f.Name) {
				kept := map[string]string{}
				for _, c := range f.Columns {
					if v := strings.TrimSpace(row[c.Name]); v != "" {
						kept[c.Name] = v
					}
				}
				if len(kept) > 0 {
					rows = append(rows, kept)
				}
			}
			if len(rows) > 0 {
				out[f.Name] = rows
			}
		default:
			if v := strings.TrimSpace(in.Text(f.Name)); v != "" {
				out[f.Name] = v
			}
		}
	}
	return out
}

// SaveDraft keeps what was filled so far, valid or not.
func (s *Service[T]) SaveDraft(ctx context.Context, in Filled) (servicebot.FormSubmission, error) {
	def, ok := s.catalog.Form(in.FormID)
	if !ok {
		return servicebot.FormSubmission{}, fmt.Errorf("forms: draft of %q: %w", in.FormID, servicebot.ErrNotFound)
	}
	now := s.cfg.Clock.Now()
	sub := servicebot.FormSubmission{ID: in.DraftID, FormID: def.ID, FormVersion: def.Version, UserID: in.UserID,
		JobID: in.JobID, Values: clean(def, in.Values), Status: servicebot.SubmissionDraft, CreatedAt: now, UpdatedAt: now}
	var saved servicebot.FormSubmission
	err := s.inTx(ctx, func(tx T) error {
		var err error
		if saved, err = tx.SaveFormSubmission(ctx, sub); err != nil {
			return err
		}
		return tx.AttachFormPhotos(ctx, saved.ID, in.UserID, photoIDs(def, saved.Values))
	})
	if err != nil {
		return servicebot.FormSubmission{}, fmt.Errorf("forms: save draft: %w", err)
	}
	return saved, nil
}

// Submit validates the filled form and, when it is valid, stores it as
// submitted, files its approval if the form is a request, and runs the
// form's hooks — all in one transaction. An invalid form comes back as
// servicebot.FieldErrors (errors.Is ErrInvalidForm) and stores nothing.
func (s *Service[T]) Submit(ctx context.Context, in Filled) (servicebot.FormSubmission, error) {
	def, ok := s.catalog.Form(in.FormID)
	if !ok {
		return servicebot.FormSubmission{}, fmt.Errorf("forms: submit %q: %w", in.FormID, servicebot.ErrNotFound)
	}
	values := clean(def, in.Values)
	errs := def.Validate(values)
	var req servicebot.ApprovalRequest
	if def.Request != "" && len(errs) == 0 {
		var problems servicebot.FieldErrors
		req, problems = requestOf(def, in.UserID, values)
		errs = problems
	}
	if len(errs) > 0 {
		return servicebot.FormSubmission{}, errs
	}
	now := s.cfg.Clock.Now()
	sub := servicebot.FormSubmission{ID: in.DraftID, FormID: def.ID, FormVersion: def.Version, UserID: in.UserID,
		JobID: in.JobID, Values: values, Status: servicebot.SubmissionSubmitted,
		CreatedAt: now, UpdatedAt: now, SubmittedAt: now}
	err := s.inTx(ctx, func(tx T) error {
		saved, err := tx.SaveFormSubmission(ctx, sub)
		if err != nil {
			return err
		}
		if err := tx.AttachFormPhotos(ctx, saved.ID, in.UserID, photoIDs(def, saved.Values)); err != nil {
			return err
		}
		if def.Request != "" {
			if saved, err = s.file(ctx, tx, saved, req); err != nil {
				return err
			}
		}
		for _, h := range s.hooks[def.ID] {
			if err := h(ctx, tx, saved); err != nil {
				return err
			}
		}
		sub = saved
		return nil
	})
	var fe servicebot.FieldErrors
	if errors.As(err, &fe) {
		return servicebot.FormSubmission{}, fe
	}
	if err != nil {
		return servicebot.FormSubmission{}, fmt.Errorf("forms: submit %s: %w", def.ID, err)
	}
	s.cfg.Logger.Info("forms: submitted", "form", def.ID, "submission", sub.ID, "user", sub.UserID, "approval", sub.ApprovalID)
	return sub, nil
}

// file files the approval a request form asks for and records it on the
// submission. The submission's page is the request's evidence (R-APV-1).
func (s *Service[T]) file(ctx context.Context, tx T, sub servicebot.FormSubmission, req servicebot.ApprovalRequest) (servicebot.FormSubmission, error) {
	if s.filer == nil {
		return sub, fmt.Errorf("%s files an approval but no engine is wired", sub.FormID)
	}
	if req.Evidence.Kind != "" {
		req.Evidence.URL = s.cfg.SubmissionURL(sub.ID)
	}
	a, err := s.filer.File(ctx, tx, req)
	var invalid *servicebot.InvalidRequestError
	if errors.As(err, &invalid) {
		return sub, servicebot.FieldErrors{"": strings.Join(invalid.Problems, "；")}
	}
	if err != nil {
		return sub, fmt.Errorf("file approval: %w", err)
	}
	sub.ApprovalID = a.Request.ID
	return sub, tx.SetSubmissionApproval(ctx, sub.ID, sub.ApprovalID)
}

// photoIDs lists the photo ids the values of def's photo fields name.
func photoIDs(def servicebot.FormDef, values servicebot.FormValues) []int64 {
	var ids []int64
	for _, f := range def.Fields {
		if f.Type != servicebot.FieldPhoto {
			continue
		}
		for _, s := range values.List(f.Name) {
			var id int64
			if _, err := fmt.Sscan(s, &id); err == nil && id > 0 {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}
