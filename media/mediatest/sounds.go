package mediatest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-voice/switchboard/media"
)

// AsteriskSounds holds Asterisk's English prompts (Debian
// asterisk-core-sounds-en-wav): 8 kHz mono recordings of human speech.
const AsteriskSounds = "/usr/share/asterisk/sounds/en"

// AsteriskPrompt reads one of Asterisk's prompts ("agent-pass"), skipping
// the test when the sound set is not installed (make test installs it).
func AsteriskPrompt(tb testing.TB, name string) []int16 {
	tb.Helper()
	f, err := os.Open(filepath.Join(AsteriskSounds, name+".wav"))
	if err != nil {
		tb.Skipf("Asterisk sounds not installed (Debian asterisk-core-sounds-en-wav): %v", err)
	}
	defer f.Close()
	pcm, rate, ch, err := media.ReadWAV(f)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if rate != media.Rate8k || ch != 1 {
		tb.Fatalf("%s: %d Hz, %d channels, want 8 kHz mono", name, rate, ch)
	}
	return pcm
}
