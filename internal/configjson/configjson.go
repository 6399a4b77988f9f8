// Package configjson reads and writes the free-form JSON of plugin configs (maps decoded from YAML
// or JSON) where a typed view needs a list of strings: one reader and one writer for every view.
package configjson

import "fmt"

// StringList reads an optional list of strings: nil when the field is absent or null; errors
// name the field and the position ("keys[2]: must be a string").
func StringList(m map[string]any, field string) ([]string, error) {
	v, ok := m[field]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: must be a list of strings", field)
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("%s[%d]: must be a string", field, i)
		}
		out = append(out, s)
	}
	return out, nil
}

// List is list as the JSON value a config holds.
func List(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}
