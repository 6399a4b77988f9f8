package configjson

import (
	"reflect"
	"testing"
)

func TestStringList(t *testing.T) {
	m := map[string]any{"ok": []any{"a", "b"}, "null": nil, "notlist": "a", "mixed": []any{"a", 1.0}}
	if got, err := StringList(m, "ok"); err != nil || !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("ok: %v %v", got, err)
	}
	for _, f := range []string{"null", "absent"} {
		if got, err := StringList(m, f); err != nil || got != nil {
			t.Errorf("%s: %v %v", f, got, err)
		}
	}
	if _, err := StringList(m, "notlist"); err == nil || err.Error() != "notlist: must be a list of strings" {
		t.Errorf("notlist: %v", err)
	}
	if _, err := StringList(m, "mixed"); err == nil || err.Error() != "mixed[1]: must be a string" {
		t.Errorf("mixed: %v", err)
	}
	if got := List([]string{"x"}); !reflect.DeepEqual(got, []any{"x"}) {
		t.Errorf("List: %v", got)
	}
}
