package aec

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/mediatest"
	"github.com/switchboard-voice/switchboard/media/vad"
)

// loadSpeech reads an Asterisk prompt at 8 kHz (see mediatest).
func loadSpeech(t testing.TB, name string) []int16 {
	t.Helper()
	return mediatest.AsteriskPrompt(t, name)
}

func samplesFor(rate int, d time.Duration) int {
	return int(int64(d) * int64(rate) / int64(time.Second))
}

// g711 passes pcm through a µ-law encoder and decoder, as an RTP hop does.
func g711(t testing.TB, pcm []int16) []int16 {
	codec, err := media.NewCodec("PCMU")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := codec.Encode(nil, pcm)
	out, _ := codec.Decode(nil, b)
	return out
}

// line describes an echoing phone line.
type line struct {
	delay  time.Duration // round trip
	gain   float64       // echo amplitude gain
	g711   bool          // the bot's audio and the echo each cross G.711
	noise  float64       // line noise RMS in dBFS (0: none)
	change time.Duration // when not 0, the delay becomes delay2 here
	delay2 time.Duration
	// taps of a dispersive echo path (relative amplitudes at 1 ms steps),
	// nil for a pure delay.
	taps []float64
}

// call builds what the canceller sees at 8 kHz: ref is what the bot
// sends, in is what comes back: the bot's echo through ln, plus caller
// (speech of the person, may be nil) and line noise.
func call(t testing.TB, ln line, ref, caller []int16) (in []int16) {
	n := max(len(ref), len(caller))
	sent := make([]int16, n)
	copy(sent, ref)
	if ln.g711 {
		sent = g711(t, sent)
	}
	peer := make([]float64, n)
	taps := ln.taps
	if taps == nil {
		taps = []float64{1}
	}
	for i := range peer {
		d := samplesFor(media.Rate8k, ln.delay)
		if ln.change > 0 && i >= samplesFor(media.Rate8k, ln.change) {
			d = samplesFor(media.Rate8k, ln.delay2)
		}
		var v float64
		for k, a := range taps {
			j := i - d - k*8
			if j >= 0 && j < n {
				v += a * float64(sent[j])
			}
		}
		peer[i] = ln.gain * v
		if i < len(caller) {
			peer[i] += float64(caller[i])
		}
	}
	if ln.noise != 0 {
		rng := rand.New(rand.NewPCG(7, 7))
		a := 32768 * math.Pow(10, ln.noise/20)
		for i := range peer {
			peer[i] += a * rng.NormFloat64()
		}
	}
	in = make([]int16, n)
	for i, v := range peer {
		in[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	if ln.g711 {
		in = g711(t, in)
	}
	return in
}

// frameOf returns the k-th 20 ms frame of s (zero-padded) at rate.
func frameOf(s []int16, k, rate int) media.Frame {
	n := media.SamplesPerFrame(rate)
	f := media.Frame{Samples: make([]int16, n), Rate: rate, Timestamp: time.Duration(k) * media.FrameDuration}
	if k*n < len(s) {
		copy(f.Samples, s[k*n:min(len(s), (k+1)*n)])
	}
	return f
}

// trace is what happened frame by frame in a simulated call.
type trace struct {
	events []vad.Event // VAD on the residual
	stats  []Stats
	resid  []int16
	starts []time.Duration // SpeechStart frame ends
	lockAt time.Duration   // first frame locked (-1: never)
	convAt time.Duration   // first frame converged (-1: never)
}

// run plays ref to the canceller and in through it, frame by frame, with
// a VAD on the residual.
func run(t testing.TB, c *Canceller, ref, in []int16) trace {
	d, err := vad.New(c.Rate())
	if err != nil {
		t.Fatal(err)
	}
	nf := (max(len(ref), len(in)) + 159) / 160
	tr := trace{lockAt: -1, convAt: -1}
	for k := range nf {
		if k*160 < len(ref) {
			c.Reference(frameOf(ref, k, media.Rate8k))
		}
		out := c.Process(frameOf(in, k, media.Rate8k))
		tr.resid = append(tr.resid, out.Samples...)
		ev := d.Process(out)
		tr.events = append(tr.events, ev)
		st := c.Stats()
		tr.stats = append(tr.stats, st)
		end := time.Duration(k+1) * media.FrameDuration
		if ev.Type == vad.SpeechStart {
			tr.starts = append(tr.starts, end)
		}
		if st.Locked && tr.lockAt < 0 {
			tr.lockAt = end
		}
		if st.Converged && tr.convAt < 0 {
			tr.convAt = end
		}
	}
	return tr
}

// synthesise speaks text with espeak-ng (the embedded TTS) and returns it
// at 8 kHz, skipping the test when espeak-ng is not installed.
func synthesise(t testing.TB, text string) []int16 {
	t.Helper()
	path, err := exec.LookPath("espeak-ng")
	if err != nil {
		t.Skip("espeak-ng not installed")
	}
	wav := filepath.Join(t.TempDir(), "tts.wav")
	if out, err := exec.Command(path, "-w", wav, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	f, err := os.Open(wav)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pcm, rate, _, err := media.ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	return resampleTo8k(pcm, rate)
}

// resampleTo8k converts pcm from any rate to 8 kHz with a windowed-sinc
// low-pass at 3.6 kHz (espeak-ng writes 22050 Hz, which media's
// resampler does not take).
func resampleTo8k(pcm []int16, rate int) []int16 {
	const half = 24 // taps each side, in output samples
	ratio := float64(rate) / media.Rate8k
	fc := 3600.0 / float64(rate) // cut-off in cycles per input sample
	out := make([]int16, int(float64(len(pcm))/ratio))
	for n := range out {
		center := float64(n) * ratio
		lo, hi := int(center-half*ratio), int(center+half*ratio)
		var sum float64
		for k := max(0, lo); k <= hi && k < len(pcm); k++ {
			x := float64(k) - center
			w := 0.5 + 0.5*math.Cos(math.Pi*x/(half*ratio)) // Hann
			s := 2 * fc
			if x != 0 {
				s = math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
			}
			sum += float64(pcm[k]) * s * w
		}
		out[n] = int16(max(-32768, min(32767, math.Round(sum))))
	}
	return out
}
