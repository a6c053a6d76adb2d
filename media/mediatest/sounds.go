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

// RequireSounds returns the folder of Asterisk's English prompts. When
// they are not installed it skips the test, or fails it when
// SWITCHBOARD_REQUIRE_SOUNDS=1 (make test sets it, having installed
// Debian's asterisk-core-sounds-en-wav and asterisk-core-sounds-en).
func RequireSounds(tb testing.TB) string {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(AsteriskSounds, "agent-pass.wav")); err != nil {
		const what = "Asterisk sounds not installed (Debian asterisk-core-sounds-en-wav and asterisk-core-sounds-en)"
		if os.Getenv("SWITCHBOARD_REQUIRE_SOUNDS") == "1" {
			tb.Fatalf("%s but SWITCHBOARD_REQUIRE_SOUNDS=1: %v", what, err)
		}
		tb.Skipf("%s: %v", what, err)
	}
	return AsteriskSounds
}

// AsteriskPrompt reads one of Asterisk's prompts ("agent-pass"), skipping
// the test when the sound set is not installed (see RequireSounds).
func AsteriskPrompt(tb testing.TB, name string) []int16 {
	tb.Helper()
	f, err := os.Open(filepath.Join(RequireSounds(tb), name+".wav"))
	if err != nil {
		tb.Fatalf("Asterisk prompt %s: %v", name, err)
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
