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
		Forms []servicebot.FormDef `yaml:"forms"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("forms: parse catalog: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	for _, f := range doc.Forms {
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
	return &Catalog{forms: doc.Forms}, nil
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
