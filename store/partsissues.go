package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/servicebot/servicebot"
)

// AddPartsIssue records parts leaving the warehouse against a request
// (R-SVC-3); the caller has checked the request (servicebot.CheckPartsIssue).
func (tx *Tx) AddPartsIssue(ctx context.Context, p servicebot.PartsIssue) (servicebot.PartsIssue, error) {
	if p.RequestID == 0 || p.IssuedBy == "" || len(p.Parts) == 0 || p.IssuedAt.IsZero() {
		return p, errors.New("store: add parts issue: request, issuer, parts and time are required")
	}
	parts, err := json.Marshal(p.Parts)
	if err != nil {
		return p, fmt.Errorf("store: add parts issue: %w", err)
	}
	err = tx.sqlx.GetContext(ctx, &p.ID, tx.sqlx.Rebind(`
		INSERT INTO parts_issues (request_id, parts, issued_by, issued_at, note) VALUES (?, ?, ?, ?, ?) RETURNING id`),
		p.RequestID, string(parts), p.IssuedBy, ts(p.IssuedAt), p.Note)
	if err != nil {
		return p, fmt.Errorf("store: add parts issue of request %d: %w", p.RequestID, err)
	}
	p.IssuedAt = p.IssuedAt.UTC().Truncate(time.Microsecond)
	return p, nil
}

// PartsIssues lists what left the warehouse against request requestID, in order.
func (s shared) PartsIssues(ctx context.Context, requestID int64) ([]servicebot.PartsIssue, error) {
	q := s.q
	var rows []struct {
		ID        int64    `db:"id"`
		RequestID int64    `db:"request_id"`
		Parts     []byte   `db:"parts"`
		IssuedBy  string   `db:"issued_by"`
		IssuedAt  nullTime `db:"issued_at"`
		Note      string   `db:"note"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT id, request_id, parts, issued_by, issued_at, note
		FROM parts_issues WHERE request_id = ? ORDER BY id`), requestID)
	if err != nil {
		return nil, fmt.Errorf("store: parts issues of request %d: %w", requestID, err)
	}
	out := make([]servicebot.PartsIssue, len(rows))
	for i, r := range rows {
		out[i] = servicebot.PartsIssue{ID: r.ID, RequestID: r.RequestID, IssuedBy: r.IssuedBy, IssuedAt: r.IssuedAt.Time, Note: r.Note}
		if err := json.Unmarshal(r.Parts, &out[i].Parts); err != nil {
			return nil, fmt.Errorf("store: parts issue %d: %w", r.ID, err)
		}
	}
	return out, nil
}
