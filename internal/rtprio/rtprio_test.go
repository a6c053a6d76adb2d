package rtprio

import (
	"strings"
	"testing"
)

func TestEnableBadPriority(t *testing.T) {
	for _, p := range []int{-1, 0, 100} {
		if _, err := Enable(p); err == nil || !strings.Contains(err.Error(), "priority") {
			t.Errorf("Enable(%d) = %v, want an error naming the priority", p, err)
		}
	}
}
