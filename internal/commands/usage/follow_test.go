package usage

import (
	"strings"
	"testing"
)

// Names from the log never reach the terminal raw in --follow's table (a consumer named with an
// escape sequence would clear the screen).
func TestFollowCellEscapesForeignText(t *testing.T) {
	if got := followCell("ev\x1b[2Jil"); strings.ContainsRune(got, 0x1b) || !strings.Contains(got, "ev") {
		t.Errorf("followCell = %q", got)
	}
}
