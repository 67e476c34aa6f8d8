package kpi

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/internal/txn"
)

// InputTx is what recording the manager's inputs writes through (store.Tx).
type InputTx interface {
	AddKPIInput(ctx context.Context, in servicebot.KPIInput) (servicebot.KPIInput, bool, error)
	VoidKPIInput(ctx context.Context, id int64, by string, now time.Time) (bool, error)
}

// Inputs records the manager's entries (web API, upload, `servicebot kpi
// input`): all of a batch or nothing, each with who and when.
type Inputs struct {
	InputsConfig
	inTx txn.Runner[InputTx]
}

// InputsConfig is how entries are checked and stamped; Clock defaults to
// the system clock.
type InputsConfig struct {
	Rules servicebot.KPIRules
	Clock servicebot.Clock
}

// NewInputs records entries in the transactions inTx runs (*store.DB's
// InTx).
func NewInputs[T InputTx](inTx txn.Runner[T], cfg InputsConfig) *Inputs {
	if cfg.Clock == nil {
		cfg.Clock = servicebot.SystemClock{}
	}
	return &Inputs{InputsConfig: cfg, inTx: txn.Narrow(inTx, func(t T) InputTx { return t })}
}

// RowProblem is what is wrong with one entry of a batch; Row counts from 1
// (for a file: its line, the header being line 1).
type RowProblem struct {
	Row      int      `json:"row"`
	Problems []string `json:"problems"`
}

// InvalidInputError lists every bad entry of a batch; nothing was stored.
type InvalidInputError struct{ Rows []RowProblem }

func (e *InvalidInputError) Error() string {
	return fmt.Sprintf("kpi: %d invalid input row(s)", len(e.Rows))
}

// ErrInvalidInput is what an *InvalidInputError wraps.
var ErrInvalidInput = errors.New("invalid kpi input")

// Unwrap lets errors.Is(err, ErrInvalidInput) hold.
func (e *InvalidInputError) Unwrap() error { return ErrInvalidInput }

// AddResult says what a batch did: entries added, and how many were
// already recorded (an upload repeated).
type AddResult struct {
	Added   []servicebot.KPIInput `json:"added"`
	Skipped int                   `json:"skipped"`
}

// Add checks every entry, then records them all in one transaction, by
// whom and now. rows gives each entry's row number for problems (nil: 1, 2, …).
func (s *Inputs) Add(ctx context.Context, ins []servicebot.KPIInput, by, origin string, rows []int) (AddResult, error) {
	now := s.Clock.Now()
	var bad []RowProblem
	for i := range ins {
		ins[i].EnteredBy, ins[i].EnteredAt, ins[i].Origin = by, now, origin
		if p := ins[i].Problems(s.Rules); len(p) > 0 {
			row := i + 1
			if rows != nil {
				row = rows[i]
			}
			bad = append(bad, RowProblem{Row: row, Problems: p})
		}
	}
	if len(bad) > 0 {
		return AddResult{}, &InvalidInputError{Rows: bad}
	}
	var res AddResult
	err := s.inTx(ctx, func(tx InputTx) error {
		res = AddResult{}
		for _, in := range ins {
			got, added, err := tx.AddKPIInput(ctx, in)
			if err != nil {
				return err
			}
			if added {
				res.Added = append(res.Added, got)
			} else {
				res.Skipped++
			}
		}
		return nil
	})
	if err != nil {
		return AddResult{}, fmt.Errorf("kpi: add inputs: %w", err)
	}
	return res, nil
}

// Void withdraws entry id, recording who and when; servicebot.ErrNotFound
// when there is no live entry with that id.
func (s *Inputs) Void(ctx context.Context, id int64, by string) error {
	return s.inTx(ctx, func(tx InputTx) error {
		ok, err := tx.VoidKPIInput(ctx, id, by, s.Clock.Now())
		if err != nil {
			return fmt.Errorf("kpi: void input %d: %w", id, err)
		}
		if !ok {
			return fmt.Errorf("kpi: void input %d: %w", id, servicebot.ErrNotFound)
		}
		return nil
	})
}

// ParseKind reads a kind as a person writes it: its key or its Chinese label.
func ParseKind(s string) (servicebot.KPIFactKind, bool) {
	s = strings.TrimSpace(s)
	for _, k := range servicebot.KPIFactKinds() {
		if k == servicebot.FactAppeal {
			continue
		}
		if string(k) == s || k.Label() == s {
			return k, true
		}
	}
	return "", false
}

// ParseValue reads an entry's value or target in the kind's unit: yuan for
// money ("80", "4999.99", "1.2万"), a percentage for rates ("96%", "11.5"),
// points for incidents and the bonus ("-2", "+1.5").
func ParseValue(kind servicebot.KPIFactKind, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	switch kind {
	case servicebot.FactPartsSale, servicebot.FactQualityCost:
		f, err := servicebot.ParseFen(s)
		return int64(f), err
	case servicebot.FactProfit, servicebot.FactProductivity, servicebot.FactRetention:
		p, err := servicebot.ParsePercent(s)
		return int64(p), err
	}
	p, err := servicebot.ParsePoints(s)
	return int64(p), err
}

// FormatValue writes an entry's value or target in the kind's unit, as
// ParseValue reads it: "4999.99" yuan, "96.00%", "-2.00" points.
func FormatValue(kind servicebot.KPIFactKind, v int64) string {
	switch kind {
	case servicebot.FactPartsSale, servicebot.FactQualityCost:
		return servicebot.Fen(v).String()
	case servicebot.FactProfit, servicebot.FactProductivity, servicebot.FactRetention:
		return servicebot.Percent(v).String()
	}
	return servicebot.Points(v).String()
}

// InputRow is an entry as the API and the files give it: numbers as text
// in the kind's unit (see ParseValue).
type InputRow struct {
	Month  string `json:"month"`
	UserID string `json:"user_id"`
	Kind   string `json:"kind"`
	Date   string `json:"date"`
	Count  string `json:"count"`
	Value  string `json:"value"`
	Target string `json:"target"`
	Note   string `json:"note"`
}

// fields are r's fields by their column (and JSON) names.
func (r *InputRow) fields() map[string]*string {
	return map[string]*string{
		"month": &r.Month, "user_id": &r.UserID, "kind": &r.Kind, "date": &r.Date,
		"count": &r.Count, "value": &r.Value, "target": &r.Target, "note": &r.Note,
	}
}

// Input converts the row; month fills an empty Month. Problems are in Chinese.
func (r InputRow) Input(month string) (servicebot.KPIInput, []string) {
	var p []string
	in := servicebot.KPIInput{Month: strings.TrimSpace(r.Month)}
	if in.Month == "" {
		in.Month = month
	}
	in.UserID, in.Note = strings.TrimSpace(r.UserID), strings.TrimSpace(r.Note)
	kind, ok := ParseKind(r.Kind)
	if !ok {
		p = append(p, fmt.Sprintf("未知的录入项 %q", r.Kind))
	}
	in.Kind = kind
	// Incidents of R-KPI-11 cost 1 unless the row says 2.
	if kind == servicebot.FactResponsibility || kind == servicebot.FactTeamwork || kind == servicebot.FactInitiative ||
		kind == servicebot.FactDiscipline {
		if strings.TrimSpace(r.Value) == "" {
			r.Value = "1"
		}
	}
	if d := strings.TrimSpace(r.Date); d != "" {
		date, err := servicebot.ParseDate(d)
		if err != nil {
			p = append(p, fmt.Sprintf("日期 %q 应为 2026-10-14 这样的格式", d))
		}
		in.Date = date
	}
	if c := strings.TrimSpace(r.Count); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 0 {
			p = append(p, fmt.Sprintf("数量 %q 应为非负整数", c))
		}
		in.Count = n
	}
	var err error
	if in.Value, err = ParseValue(kind, r.Value); err != nil {
		p = append(p, fmt.Sprintf("数值 %q 无法识别", r.Value))
	}
	if in.Target, err = ParseValue(kind, r.Target); err != nil {
		p = append(p, fmt.Sprintf("目标 %q 无法识别", r.Target))
	}
	return in, p
}

// columnNames maps a file's header (Chinese or English) to an InputRow field.
var columnNames = map[string]string{
	"月份": "month", "month": "month",
	"账号": "user_id", "人员": "user_id", "userid": "user_id", "user_id": "user_id",
	"项目": "kind", "录入项": "kind", "kind": "kind",
	"日期": "date", "date": "date",
	"数量": "count", "count": "count",
	"数值": "value", "金额": "value", "value": "value",
	"目标": "target", "target": "target",
	"说明": "note", "备注": "note", "note": "note",
}

// ErrNULBytes is what ParseFile's error wraps when the file holds NUL bytes.
// A text file with NULs is most often one saved as UTF-16 ("Unicode text");
// PostgreSQL cannot store NUL in text, so such a file used to fail half-way
// with a database error (issue 15 item 5) instead of a clear refusal.
var ErrNULBytes = errors.New("holds NUL bytes (saved as UTF-16 \"Unicode text\", or not a text file?): save it as CSV UTF-8 or .xlsx; nothing was recorded")

// ParseFile reads an upload: .xlsx (the first sheet) or CSV, a header row
// then one entry per row. It returns the rows with their line numbers, or
// the problems of every bad row. A file with a NUL byte, in a CSV or in any
// cell, is refused whole with an error wrapping ErrNULBytes.
func ParseFile(r io.Reader, filename, month string) ([]servicebot.KPIInput, []int, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 10<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("kpi: read %s: %w", filename, err)
	}
	var table [][]string
	xlsx := strings.HasSuffix(strings.ToLower(filename), ".xlsx") || bytes.HasPrefix(raw, []byte("PK\x03\x04"))
	if !xlsx && bytes.IndexByte(raw, 0) >= 0 {
		return nil, nil, fmt.Errorf("kpi: %s %w", filename, ErrNULBytes)
	}
	if xlsx {
		f, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			return nil, nil, fmt.Errorf("kpi: open %s: %w", filename, err)
		}
		defer f.Close()
		if table, err = f.GetRows(f.GetSheetName(0)); err != nil {
			return nil, nil, fmt.Errorf("kpi: read %s: %w", filename, err)
		}
	} else {
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")))) // Excel's UTF-8 BOM
		cr.FieldsPerRecord = -1
		if table, err = cr.ReadAll(); err != nil {
			return nil, nil, fmt.Errorf("kpi: read %s: %w", filename, err)
		}
	}
	if len(table) == 0 {
		return nil, nil, fmt.Errorf("kpi: %s is empty", filename)
	}
	for n, rec := range table {
		for _, v := range rec {
			if strings.IndexByte(v, 0) >= 0 {
				return nil, nil, fmt.Errorf("kpi: %s line %d %w", filename, n+1, ErrNULBytes)
			}
		}
	}
	cols := map[int]string{}
	for i, h := range table[0] {
		if f, ok := columnNames[strings.ToLower(strings.TrimSpace(h))]; ok {
			cols[i] = f
		}
	}
	var ins []servicebot.KPIInput
	var lines []int
	var bad []RowProblem
	for n, rec := range table[1:] {
		var row InputRow
		field := row.fields()
		empty := true
		for i, v := range rec {
			if strings.TrimSpace(v) != "" {
				empty = false
			}
			if f, ok := field[cols[i]]; ok {
				*f = v
			}
		}
		if empty {
			continue
		}
		in, p := row.Input(month)
		if len(p) > 0 {
			bad = append(bad, RowProblem{Row: n + 2, Problems: p})
			continue
		}
		ins, lines = append(ins, in), append(lines, n+2)
	}
	if len(bad) > 0 {
		return nil, nil, &InvalidInputError{Rows: bad}
	}
	return ins, lines, nil
}
