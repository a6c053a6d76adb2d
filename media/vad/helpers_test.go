package vad

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/mediatest"
)

// loadSpeech reads an Asterisk prompt at 8 kHz (see mediatest).
func loadSpeech(t testing.TB, name string) []int16 {
	t.Helper()
	return mediatest.AsteriskPrompt(t, name)
}

func samplesFor(rate int, d time.Duration) int {
	return int(int64(d) * int64(rate) / int64(time.Second))
}

// whiteNoise returns n samples of Gaussian noise of RMS 1000.
func whiteNoise(rng *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1000 * rng.NormFloat64()
	}
	return out
}

// pinkNoise returns n samples of 1/f noise (Paul Kellet's filter), RMS
// normalised to 1000.
func pinkNoise(rng *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	var b0, b1, b2, b3, b4, b5, b6 float64
	for i := range out {
		w := rng.NormFloat64()
		b0 = 0.99886*b0 + w*0.0555179
		b1 = 0.99332*b1 + w*0.0750759
		b2 = 0.96900*b2 + w*0.1538520
		b3 = 0.86650*b3 + w*0.3104856
		b4 = 0.55000*b4 + w*0.5329522
		b5 = -0.7616*b5 - w*0.0168980
		out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w*0.5362
		b6 = w * 0.115926
	}
	return normalise(out, 1000)
}

// babbleNoise sums talkers (Asterisk prompts other than the test
// speech), each from a random offset and looped, into n samples of RMS
// 1000: a crowd.
func babbleNoise(t testing.TB, rng *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	for _, name := range babbleTalkers {
		s := loadSpeech(t, name)
		off := rng.IntN(len(s))
		g := 0.5 + rng.Float64()
		for i := range out {
			out[i] += g * float64(s[(off+i)%len(s)])
		}
	}
	return normalise(out, 1000)
}

var babbleTalkers = []string{
	"conf-usermenu", "vm-msginstruct", "demo-abouttotry", "conf-adminmenu",
	"priv-callee-options", "vm-options", "demo-echotest", "conf-adminmenu-18",
}

func normalise(x []float64, rms float64) []float64 {
	var sum float64
	for _, v := range x {
		sum += v * v
	}
	g := rms / math.Sqrt(sum/float64(len(x))+1e-12)
	for i := range x {
		x[i] *= g
	}
	return x
}

// activeLevel returns the mean power of the 20 ms frames of s whose level
// is within 30 dB of the loudest: the speech's active level.
func activeLevel(s []int16) float64 {
	n := media.SamplesPerFrame(media.Rate8k)
	var peak float64
	var pows []float64
	for i := 0; i+n <= len(s); i += n {
		p := power(s[i : i+n])
		pows = append(pows, p)
		peak = max(peak, p)
	}
	var sum float64
	var k int
	for _, p := range pows {
		if p >= peak/1000 {
			sum += p
			k++
		}
	}
	return sum / float64(max(k, 1))
}

func power(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return sum / float64(max(len(s), 1))
}

// mix adds noise to speech so that the speech's active level is snr dB
// above the noise's power (noise RMS 1000), saturating to int16.
func mix(speech []int16, noise []float64, snr float64) []int16 {
	g := math.Sqrt(activeLevel(speech) / (1000 * 1000) / math.Pow(10, snr/10))
	out := make([]int16, len(speech))
	for i := range out {
		out[i] = sat(float64(speech[i]) + g*noise[i])
	}
	return out
}

func sat(v float64) int16 {
	v = math.Round(v)
	return int16(max(-32768, min(32767, v)))
}

// frames cuts s into 20 ms frames at rate with timestamps.
func frames(s []int16, rate int) []media.Frame {
	n := media.SamplesPerFrame(rate)
	var out []media.Frame
	for i := 0; i+n <= len(s); i += n {
		out = append(out, media.Frame{Samples: s[i : i+n], Rate: rate, Timestamp: time.Duration(i) * time.Second / time.Duration(rate)})
	}
	return out
}

// reference labels each 20 ms frame of clean speech: speech when its
// level is within 30 dB of the loudest frame and above -50 dBFS.
func reference(clean []int16) []bool {
	n := media.SamplesPerFrame(media.Rate8k)
	var peak float64
	for i := 0; i+n <= len(clean); i += n {
		peak = max(peak, media.Level(clean[i:i+n]))
	}
	var out []bool
	for i := 0; i+n <= len(clean); i += n {
		l := media.Level(clean[i : i+n])
		out = append(out, l >= peak-30 && l >= -50)
	}
	return out
}

// onsets returns the start (in frames) of each run of reference speech
// preceded by at least gap frames of non-speech.
func onsets(ref []bool, gap int) []int {
	var out []int
	quiet := gap
	for i, r := range ref {
		if r {
			if quiet >= gap {
				out = append(out, i)
			}
			quiet = 0
		} else {
			quiet++
		}
	}
	return out
}

// buildTestSpeech concatenates prompts with silence: lead of silence
// first (for the noise floor), then each prompt followed by gap.
func buildTestSpeech(t testing.TB, lead, gap time.Duration, names ...string) []int16 {
	out := make([]int16, samplesFor(media.Rate8k, lead))
	for _, name := range names {
		out = append(out, loadSpeech(t, name)...)
		out = append(out, make([]int16, samplesFor(media.Rate8k, gap))...)
	}
	return out
}

// upsample converts 8 kHz audio to rate with media's resampler.
func upsample(t testing.TB, s []int16, rate int) []int16 {
	if rate == media.Rate8k {
		return s
	}
	r, err := media.NewResampler(media.Rate8k, rate)
	if err != nil {
		t.Fatal(err)
	}
	return r.Resample(nil, s)
}

// result measures a detector's decisions against reference labels.
type result struct {
	frames      int
	accuracy    float64         // Voiced == reference, per frame
	speaking    float64         // Speaking == reference with gaps ≤ hangover filled
	falseAlarm  float64         // Voiced frames that are not speech / non-speech frames
	missRate    float64         // unvoiced speech frames / speech frames
	latencies   []time.Duration // per detected utterance: SpeechStart frame end − reference onset
	missed      int             // utterance onsets without a SpeechStart within 500 ms
	falseStarts int             // SpeechStarts with no reference speech around them
	starts      int
}

func (r result) maxLatency() time.Duration {
	var m time.Duration
	for _, l := range r.latencies {
		m = max(m, l)
	}
	return m
}

func (r result) meanLatency() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	var s time.Duration
	for _, l := range r.latencies {
		s += l
	}
	return s / time.Duration(len(r.latencies))
}

// evaluate runs d over in (8 kHz, or upsampled: the frame count matches
// ref) and compares with ref.
func evaluate(d *Detector, fs []media.Frame, ref []bool) result {
	hang := int(DefaultHangover / media.FrameDuration)
	filled := fillGaps(ref, hang)
	evs := make([]Event, len(fs))
	for i, f := range fs {
		evs[i] = d.Process(f)
	}
	var r result
	r.frames = len(fs)
	var agree, spk, fa, miss, nSpeech int
	for i, ev := range evs {
		if ref[i] {
			nSpeech++
		}
		switch {
		case ev.Voiced == ref[i]:
			agree++
		case ev.Voiced:
			fa++
		default:
			miss++
		}
		if ev.Speaking == filled[i] {
			spk++
		}
		if ev.Type == SpeechStart {
			r.starts++
			from := int(ev.Time / media.FrameDuration)
			found := false
			for j := max(0, from-2); j <= i; j++ {
				found = found || filled[j]
			}
			if !found {
				r.falseStarts++
			}
		}
	}
	n := len(fs)
	r.accuracy = float64(agree) / float64(n)
	r.speaking = float64(spk) / float64(n)
	r.falseAlarm = float64(fa) / float64(max(1, n-nSpeech))
	r.missRate = float64(miss) / float64(max(1, nSpeech))
	for _, o := range onsets(filled, 1) {
		if o > 0 && evs[o-1].Speaking {
			continue // still inside the previous utterance
		}
		found := false
		for i := max(0, o-2); i < min(n, o+25); i++ {
			if evs[i].Type == SpeechStart {
				r.latencies = append(r.latencies, time.Duration(i+1-o)*media.FrameDuration)
				found = true
				break
			}
		}
		if !found {
			r.missed++
		}
	}
	return r
}

// fillGaps marks as speech the runs of non-speech of at most gap frames
// between speech frames.
func fillGaps(ref []bool, gap int) []bool {
	out := append([]bool(nil), ref...)
	last := -1
	for i, r := range ref {
		if !r {
			continue
		}
		if last >= 0 && i-last-1 <= gap {
			for j := last + 1; j < i; j++ {
				out[j] = true
			}
		}
		last = i
	}
	return out
}

func pow10(x float64) float64 { return math.Pow(10, x) }
