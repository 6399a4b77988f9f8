package aiproxy

import (
	"strings"
	"testing"
)

func TestModelNamesRefuseControlCharacters(t *testing.T) {
	if err := CheckModels([]string{"gpt\x1b[2J"}); err == nil || !strings.Contains(err.Error(), "models[0]") {
		t.Errorf("a model name with an escape sequence: %v", err)
	}
	if err := CheckModels([]string{"gpt-4o", "gpt-4o-mini*"}); err != nil {
		t.Errorf("plain names: %v", err)
	}
}
