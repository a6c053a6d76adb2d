package rtpio

import (
	"math"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/audiotest"
)

// TestRateConverterFilters checks frames written at 16 kHz to an 8 kHz leg
// go through the filtered resampler: a 1 kHz tone keeps its level, a 6 kHz
// tone (above the 4 kHz Nyquist of the leg) does not alias to 2 kHz.
func TestRateConverterFilters(t *testing.T) {
	run := func(freq float64) []int16 {
		var c rateConverter
		in := audiotest.Tone(freq, 16000, time.Second, 0.5)
		var out []int16
		for i := 0; i+320 <= len(in); i += 320 {
			out = append(out, c.resample(in[i:i+320], 16000, 8000)...)
		}
		return out[800:] // past the filter's start-up
	}
	pass := run(1000)
	if pf := audiotest.PeakFrequency(pass, 8000); math.Abs(pf-1000) > 20 {
		t.Errorf("1 kHz tone peaks at %.0f Hz", pf)
	}
	in, out := audiotest.RMS(audiotest.Tone(1000, 8000, time.Second, 0.5)), audiotest.RMS(pass)
	if db := 20 * math.Log10(out/in); math.Abs(db) > 1 {
		t.Errorf("1 kHz tone level changed by %.1f dB", db)
	}
	if db := 20 * math.Log10(audiotest.RMS(run(6000))/in); db > -50 {
		t.Errorf("6 kHz tone at 16 kHz is only %.1f dB down at 8 kHz: aliasing", db)
	}
	// Unsupported rates still work, by interpolation.
	var c rateConverter
	if n := len(c.resample(make([]int16, 441), 22050, 8000)); n < 150 || n > 170 {
		t.Errorf("22.05 kHz fallback gave %d samples for 20 ms", n)
	}
}
