package forms

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/servicebot/servicebot"
)

//go:embed forms.yaml
var builtin []byte

// Catalog is the set of form definitions, in the order pages list them.
type Catalog struct {
	forms []servicebot.FormDef
}

// Builtin is the catalog of the manual's forms (forms.yaml).
func Builtin() (*Catalog, error) { return Parse(builtin) }

// Parse reads a catalog from YAML ({forms: [...]}) and checks every
// definition.
func Parse(data []byte) (*Catalog, error) {
	var doc struct {
		Forms []formYAML `yaml:"forms"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("forms: parse catalog: %w", err)
	}
	defs := make([]servicebot.FormDef, len(doc.Forms))
	for i, f := range doc.Forms {
		defs[i] = f.def()
	}
	var errs []error
	seen := map[string]bool{}
	for _, f := range defs {
		if err := f.CheckDef(); err != nil {
			errs = append(errs, err)
		}
		if seen[f.ID] {
			errs = append(errs, fmt.Errorf("form %s defined twice", f.ID))
		}
		seen[f.ID] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("forms: catalog: %w", err)
	}
	return &Catalog{forms: defs}, nil
}

// Form returns the definition with id.
func (c *Catalog) Form(id string) (servicebot.FormDef, bool) {
	i := slices.IndexFunc(c.forms, func(f servicebot.FormDef) bool { return f.ID == id })
	if i < 0 {
		return servicebot.FormDef{}, false
	}
	return c.forms[i], true
}

// All returns every definition.
func (c *Catalog) All() []servicebot.FormDef { return slices.Clone(c.forms) }

// MayFill reports whether a person holding roles may fill in def: one of
// def.Roles, or an engineer when def names none.
func MayFill(def servicebot.FormDef, roles []servicebot.Role) bool {
	allowed := def.Roles
	if len(allowed) == 0 {
		allowed = []servicebot.Role{servicebot.RoleEngineer}
	}
	return slices.ContainsFunc(roles, func(r servicebot.Role) bool { return slices.Contains(allowed, r) })
}

// formYAML is a servicebot.FormDef as forms.yaml spells it: the file's
// keys stay here, the domain type carries none.
type formYAML struct {
	ID          string                   `yaml:"id"`
	Title       string                   `yaml:"title"`
	Version     int                      `yaml:"version"`
	Intro       string                   `yaml:"intro"`
	Job         []servicebot.ServiceType `yaml:"job"`
	Request     servicebot.RequestKind   `yaml:"request"`
	ServiceType servicebot.ServiceType   `yaml:"service_type"`
	Roles       []servicebot.Role        `yaml:"roles"`
	Fields      []fieldYAML              `yaml:"fields"`
}

// fieldYAML is a servicebot.FormField as forms.yaml spells it.
type fieldYAML struct {
	Name     string               `yaml:"name"`
	Label    string               `yaml:"label"`
	Type     servicebot.FieldType `yaml:"type"`
	Required bool                 `yaml:"required"`
	Options  []string             `yaml:"options"`
	Help     string               `yaml:"help"`
	Section  string               `yaml:"section"`
	Columns  []fieldYAML          `yaml:"columns"`
	MaxLen   int                  `yaml:"max_len"`
}

func (f formYAML) def() servicebot.FormDef {
	return servicebot.FormDef{ID: f.ID, Title: f.Title, Version: f.Version, Intro: f.Intro, Job: f.Job,
		Request: f.Request, ServiceType: f.ServiceType, Roles: f.Roles, Fields: fields(f.Fields)}
}

// fields converts fs, keeping nil for an absent list.
func fields(fs []fieldYAML) []servicebot.FormField {
	if fs == nil {
		return nil
	}
	out := make([]servicebot.FormField, len(fs))
	for i, f := range fs {
		out[i] = servicebot.FormField{Name: f.Name, Label: f.Label, Type: f.Type, Required: f.Required,
			Options: f.Options, Help: f.Help, Section: f.Section, Columns: fields(f.Columns), MaxLen: f.MaxLen}
	}
	return out
}
