package servicebot

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldType is how a form field is entered and checked.
type FieldType string

// Field types. Every type but photo, multiselect and table holds one text.
const (
	FieldText        FieldType = "text"
	FieldTextarea    FieldType = "textarea"
	FieldNumber      FieldType = "number"   // a decimal number
	FieldMoney       FieldType = "money"    // yuan, at most two decimals
	FieldDate        FieldType = "date"     // 2006-01-02
	FieldDateTime    FieldType = "datetime" // 2006-01-02T15:04
	FieldSelect      FieldType = "select"   // one of Options
	FieldMultiSelect FieldType = "multiselect"
	FieldCheckbox    FieldType = "checkbox"  // "是" when ticked, "" otherwise
	FieldPhone       FieldType = "phone"     // mobile or landline
	FieldPhoto       FieldType = "photo"     // ids of stored photos
	FieldSignature   FieldType = "signature" // the signer types their name
	FieldTable       FieldType = "table"     // rows of Columns
)

// CheckboxTicked is the value of a ticked checkbox.
const CheckboxTicked = "是"

// FormField is one field of a form definition.
type FormField struct {
	Name     string
	Label    string
	Type     FieldType
	Required bool
	Options  []string
	Help     string
	Section  string      // starts a new heading before this field
	Columns  []FormField // table only; no nested tables or photos
	MaxLen   int         // runes; 0 means the type's default
}

// FormDef is a form as data: a new form or field needs no handler code.
type FormDef struct {
	ID      string
	Title   string
	Version int
	// Intro is a short line under the title: what the form is for.
	Intro string
	// Job says the form belongs to a service job (工单) of these service
	// types; empty means it stands alone. A job form asks for the job number.
	Job []ServiceType
	// Request makes a submitted form file an approval of this kind.
	Request RequestKind
	// ServiceType fixes the service type of a service request variant.
	ServiceType ServiceType
	// Roles may fill the form in; empty means engineers only.
	Roles  []Role
	Fields []FormField
}

// Field returns the field named name.
func (f FormDef) Field(name string) (FormField, bool) {
	i := slices.IndexFunc(f.Fields, func(x FormField) bool { return x.Name == name })
	if i < 0 {
		return FormField{}, false
	}
	return f.Fields[i], true
}

// ForJob reports whether the form belongs to a service job.
func (f FormDef) ForJob() bool { return len(f.Job) > 0 }

// Submission states.
const (
	SubmissionDraft     = "draft"
	SubmissionSubmitted = "submitted"
)

// FormValues are the values of a filled form by field name: a string, a
// []string (multiselect, photo ids) or a []map[string]string (table rows).
type FormValues map[string]any

// Text is the value of a one-text field, "" when absent.
func (v FormValues) Text(name string) string {
	s, _ := v[name].(string)
	return s
}

// List is the value of a multiselect or photo field.
func (v FormValues) List(name string) []string {
	switch x := v[name].(type) {
	case []string:
		return x
	case []any: // as JSON decodes it
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Rows is the value of a table field.
func (v FormValues) Rows(name string) []map[string]string {
	switch x := v[name].(type) {
	case []map[string]string:
		return x
	case []any: // as JSON decodes it
		out := make([]map[string]string, 0, len(x))
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			row := make(map[string]string, len(m))
			for k, c := range m {
				if s, ok := c.(string); ok {
					row[k] = s
				}
			}
			out = append(out, row)
		}
		return out
	}
	return nil
}

// Normalized returns v with JSON-decoded lists turned back into their Go
// types, so a stored submission compares equal to the one that was saved.
func (v FormValues) Normalized(def FormDef) FormValues {
	out := make(FormValues, len(v))
	for _, f := range def.Fields {
		if _, ok := v[f.Name]; !ok {
			continue
		}
		switch f.Type {
		case FieldMultiSelect, FieldPhoto:
			out[f.Name] = v.List(f.Name)
		case FieldTable:
			out[f.Name] = v.Rows(f.Name)
		default:
			out[f.Name] = v.Text(f.Name)
		}
	}
	return out
}

// FormSubmission is one filled form: a draft being filled, or submitted.
type FormSubmission struct {
	ID          int64
	FormID      string
	FormVersion int
	UserID      string
	JobID       int64 // 0 when the form belongs to no job
	Values      FormValues
	Status      string // SubmissionDraft or SubmissionSubmitted
	ApprovalID  int64  // the approval the submission filed, if any
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt time.Time
}

// ErrInvalidForm: a form cannot be submitted as filled; the *FieldErrors
// wrapping it says why, per field, in Chinese.
var ErrInvalidForm = errors.New("invalid form")

// FieldErrors maps a field name (or "" for the form as a whole) to what is
// wrong with it, in Chinese for the person filling it in.
type FieldErrors map[string]string

func (e FieldErrors) Error() string {
	keys := slices.Sorted(maps.Keys(e))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e[k])
	}
	return "invalid form: " + strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalidForm) true.
func (e FieldErrors) Unwrap() error { return ErrInvalidForm }

// Default limits of free text, in runes.
const (
	maxTextLen     = 200
	maxTextareaLen = 5000
)

var (
	// A mainland mobile number, or a landline with an optional area code and extension.
	phonePattern = regexp.MustCompile(`^(1[3-9]\d{9}|(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?)$`)
	moneyPattern = regexp.MustCompile(`^\d+(\.\d{1,2})?$`)
)

// Validate checks values against the definition and returns every problem,
// or nil. Values of fields the form does not have are ignored by the caller.
func (f FormDef) Validate(values FormValues) FieldErrors {
	errs := FieldErrors{}
	for _, field := range f.Fields {
		if msg := field.check(values, field.Name); msg != "" {
			errs[field.Name] = msg
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// check returns what is wrong with the field's value in values, or "".
func (field FormField) check(values FormValues, key string) string {
	switch field.Type {
	case FieldMultiSelect, FieldPhoto:
		list := values.List(key)
		if len(list) == 0 {
			if field.Required {
				if field.Type == FieldPhoto {
					return "请上传" + field.Label
				}
				return "请选择" + field.Label
			}
			return ""
		}
		if field.Type == FieldMultiSelect {
			for _, s := range list {
				if !slices.Contains(field.Options, s) {
					return fmt.Sprintf("%s的选项“%s”无效", field.Label, s)
				}
			}
		}
		return ""
	case FieldTable:
		rows := values.Rows(key)
		if len(rows) == 0 {
			if field.Required {
				return "请至少填写一行" + field.Label
			}
			return ""
		}
		for i, row := range rows {
			rv := FormValues{}
			for k, s := range row {
				rv[k] = s
			}
			for _, c := range field.Columns {
				if msg := c.check(rv, c.Name); msg != "" {
					return fmt.Sprintf("%s第 %d 行：%s", field.Label, i+1, msg)
				}
			}
		}
		return ""
	}
	s := strings.TrimSpace(values.Text(key))
	if s == "" {
		if !field.Required {
			return ""
		}
		switch field.Type {
		case FieldSelect, FieldDate, FieldDateTime:
			return "请选择" + field.Label
		case FieldCheckbox:
			return "请勾选" + field.Label
		case FieldSignature:
			return "请签名（输入姓名）：" + field.Label
		}
		return "请填写" + field.Label
	}
	switch field.Type {
	case FieldNumber:
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return field.Label + "须为数字"
		}
	case FieldMoney:
		if !moneyPattern.MatchString(s) {
			return field.Label + "须为金额（元，最多两位小数）"
		}
	case FieldDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return field.Label + "须为日期（如 2026-11-02）"
		}
	case FieldDateTime:
		if _, err := time.Parse("2006-01-02T15:04", s); err != nil {
			return field.Label + "须为日期和时间（如 2026-11-02 09:30）"
		}
	case FieldSelect:
		if !slices.Contains(field.Options, s) {
			return fmt.Sprintf("%s的选项“%s”无效", field.Label, s)
		}
	case FieldCheckbox:
		if s != CheckboxTicked {
			return field.Label + "的值无效"
		}
	case FieldPhone:
		if !phonePattern.MatchString(strings.ReplaceAll(s, " ", "")) {
			return field.Label + "须为手机号或座机号（如 13800138000、028-12345678）"
		}
	}
	limit := field.MaxLen
	if limit == 0 {
		limit = maxTextLen
		if field.Type == FieldTextarea {
			limit = maxTextareaLen
		}
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return fmt.Sprintf("%s不能超过 %d 个字（现为 %d 个）", field.Label, limit, n)
	}
	return ""
}

// CheckDef reports what is wrong with a definition itself: missing ids and
// labels, unknown types, duplicate names, selects without options, tables
// without columns. The catalog is checked at start and in tests.
func (f FormDef) CheckDef() error {
	var problems []string
	if f.ID == "" || f.Title == "" || f.Version < 1 {
		problems = append(problems, "form needs id, title and version ≥ 1")
	}
	seen := map[string]bool{}
	var checkFields func(fields []FormField, inTable bool)
	checkFields = func(fields []FormField, inTable bool) {
		for _, fd := range fields {
			switch {
			case fd.Name == "" || fd.Label == "":
				problems = append(problems, fmt.Sprintf("field %q needs name and label", fd.Name))
			case !inTable && seen[fd.Name]:
				problems = append(problems, fmt.Sprintf("duplicate field %q", fd.Name))
			}
			if !inTable {
				seen[fd.Name] = true
			}
			switch fd.Type {
			case FieldText, FieldTextarea, FieldNumber, FieldMoney, FieldDate, FieldDateTime,
				FieldCheckbox, FieldPhone, FieldSignature, FieldSelect:
			case FieldMultiSelect, FieldPhoto, FieldTable:
				if inTable {
					problems = append(problems, fmt.Sprintf("field %q: a table column holds one text, not %s", fd.Name, fd.Type))
				}
			default:
				problems = append(problems, fmt.Sprintf("field %q: unknown type %q", fd.Name, fd.Type))
			}
			if (fd.Type == FieldSelect || fd.Type == FieldMultiSelect) && len(fd.Options) == 0 {
				problems = append(problems, fmt.Sprintf("field %q: %s needs options", fd.Name, fd.Type))
			}
			if fd.Type == FieldTable && !inTable {
				if len(fd.Columns) == 0 {
					problems = append(problems, fmt.Sprintf("field %q: a table needs columns", fd.Name))
				}
				checkFields(fd.Columns, true)
			}
		}
	}
	checkFields(f.Fields, false)
	if len(problems) > 0 {
		return fmt.Errorf("form %s: %s", f.ID, strings.Join(problems, "; "))
	}
	return nil
}

// FormPhoto is a photo uploaded with a form, kept in the database with the
// record. It belongs to its uploader until a saved submission names it.
type FormPhoto struct {
	ID           int64
	UserID       string
	SubmissionID int64 // 0 until a saved draft or submission names it
	Filename     string
	ContentType  string
	Content      []byte
	CreatedAt    time.Time
}

// FormFilter selects submissions; zero fields select everything.
type FormFilter struct {
	UserIDs []string // any of these filers
	FormID  string
	Status  string
	JobID   int64
	Limit   int // newest first; 0 means 200
}
