package config

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkYAML walks the parsed file against the shape of Config (fileShape) and returns
// every key it does not know (with the closest key it does) and every value
// that does not read as its setting's type, each with its line. It removes
// those entries from root, so that what is left decodes cleanly: yaml.v3
// stops at the first value whose UnmarshalText fails and reports only the
// first unknown key, and an operator should see all of them in one go.
func checkYAML(root *yaml.Node) []error {
	var problems []error
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		walkYAML(root.Content[0], reflect.TypeFor[fileShape](), "", &problems)
	}
	return problems
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
)

// walkYAML checks n against t; path is the dotted key of n ("" at the top).
// Bad entries of a mapping are removed from it.
func walkYAML(n *yaml.Node, t reflect.Type, path string, problems *[]error) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return true
	}
	custom := reflect.PointerTo(t).Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(yamlUnmarshaler)
	if custom || (t.Kind() != reflect.Struct && t.Kind() != reflect.Map && t.Kind() != reflect.Slice) {
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			*problems = append(*problems, &FieldError{Field: path,
				Msg: fmt.Sprintf("%s (line %d): %s", path, n.Line, yamlMessage(err))})
			return false
		}
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			*problems = append(*problems, &FieldError{Field: path,
				Msg: fmt.Sprintf("%s (line %d): want a section of keys, got %q", orTop(path), n.Line, n.Value)})
			return false
		}
		fields := yamlFields(t)
		keep := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, known := fields[k.Value]
			key := join(path, k.Value)
			if !known {
				field, msg := key, fmt.Sprintf("%s (line %d): unknown key", key, k.Line)
				if near := closest(k.Value, fields); near != "" {
					field = join(path, near)
					msg += fmt.Sprintf(", did you mean %s?", near)
				} else {
					msg += fmt.Sprintf(" (known here: %s)", strings.Join(sortedKeys(fields), ", "))
				}
				*problems = append(*problems, &FieldError{Field: field, Msg: msg})
				continue
			}
			if walkYAML(v, ft, key, problems) {
				keep = append(keep, k, v)
			}
		}
		n.Content = keep
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			*problems = append(*problems, &FieldError{Field: path,
				Msg: fmt.Sprintf("%s (line %d): want a list of key: value", path, n.Line)})
			return false
		}
		keep := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			okKey := walkYAML(k, t.Key(), join(path, k.Value), problems)
			if okKey && walkYAML(v, t.Elem(), join(path, k.Value), problems) {
				keep = append(keep, k, v)
			}
		}
		n.Content = keep
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			// A single value where a list is wanted: let the type say so.
			if err := n.Decode(reflect.New(t).Interface()); err != nil {
				*problems = append(*problems, &FieldError{Field: path,
					Msg: fmt.Sprintf("%s (line %d): want a list such as [a, b]", path, n.Line)})
				return false
			}
			return true
		}
		good := true
		for _, e := range n.Content {
			good = walkYAML(e, t.Elem(), path, problems) && good
		}
		return good
	}
	return true
}

// yamlFields maps a struct's YAML keys to their types (inline structs flattened).
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// yamlMessage trims yaml.v3's "yaml: unmarshal errors:\n  line 3: " framing.
func yamlMessage(err error) string {
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if _, rest, found := strings.Cut(msg, ": "); found && strings.HasPrefix(msg, "line ") {
			msg = rest
		}
		return msg
	}
	return err.Error()
}

// closest is the known key nearest to key, when it is near enough to be a
// slip of the keyboard.
func closest(key string, known map[string]reflect.Type) string {
	best, bestDist := "", 1<<30
	for _, k := range sortedKeys(known) {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	limit := max(2, len([]rune(key))/3)
	if bestDist <= limit {
		return best
	}
	return ""
}

func sortedKeys(m map[string]reflect.Type) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}
