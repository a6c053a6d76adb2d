package vad

import (
	"errors"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
)

func TestRealFFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{8, 256, 512, 1024} {
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		got := make([]float64, n/2+1)
		newRealFFT(n).power(x, got)
		for k := range got {
			var s complex128
			for i, v := range x {
				s += complex(v, 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*i)/float64(n)))
			}
			want := real(s)*real(s) + imag(s)*imag(s)
			if math.Abs(got[k]-want) > 1e-6*(1+want) {
				t.Fatalf("n=%d bin %d: %v, want %v", n, k, got[k], want)
			}
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		rate int
		opts []Option
		want error
	}{
		{"rate", 4000, nil, media.ErrUnsupportedRate},
		{"rate high", 96000, nil, media.ErrUnsupportedRate},
		{"onset", 8000, []Option{WithOnset(10 * time.Millisecond)}, ErrOption},
		{"hangover", 8000, []Option{WithHangover(10 * time.Second)}, ErrOption},
		{"min level", 8000, []Option{WithMinLevel(3)}, ErrOption},
		{"thresholds", 8000, []Option{WithThresholds(3, 4)}, ErrOption},
		{"ok 44.1k", 44100, []Option{WithOnset(60 * time.Millisecond), WithThresholds(6, 4)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.rate, tt.opts...)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("New: %v, want %v", err, tt.want)
			}
		})
	}
}

// testSpeech is three Asterisk prompts after 2 s of silence, each followed
// by 1.5 s of silence: 63 s, 18 utterances.
func testSpeech(t testing.TB) []int16 {
	return buildTestSpeech(t, 2*time.Second, 1500*time.Millisecond, "demo-congrats", "demo-moreinfo", "dir-intro")
}

// TestAccuracy runs the detector on speech in noise and compares its
// decisions with an energy reference computed on the clean speech.
func TestAccuracy(t *testing.T) {
	clean := testSpeech(t)
	ref := reference(clean)
	rng := rand.New(rand.NewPCG(1, 2))
	noises := map[string][]float64{
		"white":  whiteNoise(rng, len(clean)),
		"pink":   pinkNoise(rng, len(clean)),
		"babble": babbleNoise(t, rng, len(clean)),
	}
	tests := []struct {
		noise       string
		snr         float64
		minAccuracy float64
		maxFalse    int           // false starts
		maxMissed   int           // utterances never started
		maxMean     time.Duration // mean onset latency
	}{
		{"white", 20, 0.90, 0, 0, 120 * time.Millisecond},
		{"white", 10, 0.85, 0, 0, 150 * time.Millisecond},
		{"white", 5, 0.72, 0, 2, 200 * time.Millisecond},
		{"pink", 20, 0.90, 0, 0, 120 * time.Millisecond},
		{"pink", 10, 0.87, 0, 0, 150 * time.Millisecond},
		{"pink", 5, 0.80, 0, 1, 200 * time.Millisecond},
		{"babble", 20, 0.90, 2, 0, 150 * time.Millisecond},
		{"babble", 10, 0.83, 2, 1, 200 * time.Millisecond},
		{"babble", 5, 0.68, 3, 8, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.noise+"/"+fmtDB(tt.snr), func(t *testing.T) {
			in := mix(clean, noises[tt.noise], tt.snr)
			d, err := New(media.Rate8k)
			if err != nil {
				t.Fatal(err)
			}
			r := evaluate(d, frames(in, media.Rate8k), ref)
			t.Logf("accuracy %.3f (false alarm %.3f, miss %.3f), speaking %.3f, starts %d, false starts %d, missed %d of %d, onset latency mean %v max %v",
				r.accuracy, r.falseAlarm, r.missRate, r.speaking, r.starts, r.falseStarts, r.missed, r.missed+len(r.latencies), r.meanLatency(), r.maxLatency())
			if r.accuracy < tt.minAccuracy {
				t.Errorf("accuracy %.3f < %.3f", r.accuracy, tt.minAccuracy)
			}
			if r.falseStarts > tt.maxFalse {
				t.Errorf("%d false starts > %d", r.falseStarts, tt.maxFalse)
			}
			if r.missed > tt.maxMissed {
				t.Errorf("%d utterances missed > %d", r.missed, tt.maxMissed)
			}
			if m := r.meanLatency(); m > tt.maxMean {
				t.Errorf("mean onset latency %v > %v", m, tt.maxMean)
			}
		})
	}
}

func fmtDB(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "dB" }

// TestRates checks that 16 and 48 kHz decide like 8 kHz.
func TestRates(t *testing.T) {
	clean := testSpeech(t)
	ref := reference(clean)
	rng := rand.New(rand.NewPCG(5, 6))
	in := mix(clean, whiteNoise(rng, len(clean)), 10)
	d8, _ := New(media.Rate8k)
	base := evaluate(d8, frames(in, media.Rate8k), ref)
	for _, rate := range []int{media.Rate16k, media.Rate48k} {
		d, err := New(rate)
		if err != nil {
			t.Fatal(err)
		}
		r := evaluate(d, frames(upsample(t, in, rate), rate), ref)
		t.Logf("%d Hz: accuracy %.3f (8 kHz %.3f), false starts %d, missed %d, latency %v", rate, r.accuracy, base.accuracy, r.falseStarts, r.missed, r.meanLatency())
		if math.Abs(r.accuracy-base.accuracy) > 0.03 || r.falseStarts > 0 || r.missed > 0 {
			t.Errorf("%d Hz: accuracy %.3f vs %.3f at 8 kHz, %d false starts, %d missed", rate, r.accuracy, base.accuracy, r.falseStarts, r.missed)
		}
	}
}

// TestNoiseOnly feeds noise without speech, with a level step half-way:
// no start at a steady level once adapted (the first second), and after a
// step up at most one start, ended within 2 s.
func TestNoiseOnly(t *testing.T) {
	const dur = 20 * time.Second
	n := samplesFor(media.Rate8k, dur)
	for _, kind := range []string{"white", "pink", "hum+white"} {
		for _, level := range []float64{-60, -45, -30} {
			for _, step := range []float64{0, 10, 20, -20} {
				name := kind + "/" + fmtDB(level) + "/" + fmtDB(step)
				t.Run(name, func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(-level), uint64(step+100)))
					var noise []float64
					switch kind {
					case "white":
						noise = whiteNoise(rng, n)
					case "pink":
						noise = pinkNoise(rng, n)
					default: // 50 Hz mains hum and harmonics over white noise
						noise = whiteNoise(rng, n)
						for i := range noise {
							ts := float64(i) / media.Rate8k
							noise[i] += 2000*math.Sin(2*math.Pi*50*ts) + 700*math.Sin(2*math.Pi*150*ts)
						}
						noise = normalise(noise, 1000)
					}
					g := 32768 * pow10(level/20) / 1000
					in := make([]int16, n)
					for i := range in {
						if i == n/2 {
							g *= pow10(step / 20)
						}
						in[i] = sat(g * noise[i])
					}
					d, _ := New(media.Rate8k)
					var starts, ends []time.Duration
					for _, f := range frames(in, media.Rate8k) {
						ev := d.Process(f)
						end := f.Timestamp + f.Duration()
						switch ev.Type {
						case SpeechStart:
							starts = append(starts, end)
						case SpeechEnd:
							ends = append(ends, end)
						}
					}
					stepAt := dur / 2
					t.Logf("starts %v ends %v floor %.1f dBFS", starts, ends, d.NoiseFloor())
					for _, s := range starts {
						if s < time.Second {
							continue // learning the first noise
						}
						if step <= 0 || s < stepAt || s > stepAt+200*time.Millisecond {
							t.Errorf("false start at %v", s)
						}
					}
					if step > 0 && len(starts) > 0 {
						if len(ends) == 0 || ends[len(ends)-1] > stepAt+2*time.Second || d.Speaking() {
							t.Errorf("step of %+v dB at %v: speech ends %v", step, stepAt, ends)
						}
					}
					if math.Abs(d.NoiseFloor()-(level+step)) > 4 {
						t.Errorf("noise floor %.1f dBFS, want about %v", d.NoiseFloor(), level+step)
					}
				})
			}
		}
	}
}

// TestBursts checks that clicks and bursts shorter than the onset do not
// start an utterance, however they fall across frames, and longer ones
// do.
func TestBursts(t *testing.T) {
	tests := []struct {
		name  string
		dur   time.Duration
		tone  bool
		start bool
	}{
		{"click", 125 * time.Microsecond, false, false},
		{"1ms", time.Millisecond, false, false},
		{"10ms", 10 * time.Millisecond, false, false},
		{"40ms", 40 * time.Millisecond, false, false},
		{"60ms", 60 * time.Millisecond, false, false},
		{"60ms tone", 60 * time.Millisecond, true, false},
		{"70ms tone", 70 * time.Millisecond, true, false},
		{"100ms", 100 * time.Millisecond, false, true},
		{"150ms tone", 150 * time.Millisecond, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 9))
			n := samplesFor(media.Rate8k, 12*time.Second)
			bg := whiteNoise(rng, n)
			in := make([]int16, n)
			for i := range in {
				in[i] = sat(bg[i] * 32768 * pow10(-55.0/20) / 1000)
			}
			// Ten bursts from 2 s, 800 ms apart, at offsets that walk
			// across the 20 ms frame grid.
			bl := max(1, samplesFor(media.Rate8k, tt.dur))
			var tone []int16
			if tt.tone {
				tone = audiotest.Tone(800, media.Rate8k, tt.dur, 0.3)
			}
			for b := range 10 {
				at := samplesFor(media.Rate8k, 2*time.Second+time.Duration(b)*800*time.Millisecond) + b*17
				for i := range bl {
					v := 0.3 * 32768 * rng.NormFloat64()
					if tt.tone {
						v = float64(tone[i])
					}
					in[at+i] = sat(float64(in[at+i]) + v)
				}
			}
			d, _ := New(media.Rate8k)
			starts := 0
			for _, f := range frames(in, media.Rate8k) {
				if d.Process(f).Type == SpeechStart {
					starts++
				}
			}
			if tt.start && starts != 10 || !tt.start && starts != 0 {
				t.Errorf("%d starts for 10 bursts of %v (onset %v)", starts, tt.dur, DefaultOnset)
			}
		})
	}
}

// TestEvents checks the edges' times, the durations and the accessors on
// one utterance.
func TestEvents(t *testing.T) {
	speech := loadSpeech(t, "demo-moreinfo")
	on := speechStart(speech)
	lead := samplesFor(media.Rate8k, 2*time.Second)
	rng := rand.New(rand.NewPCG(3, 3))
	in := mix(append(make([]int16, lead), append(speech, make([]int16, lead)...)...), whiteNoise(rng, 2*lead+len(speech)), 25)
	d, _ := New(media.Rate8k)
	if d.Rate() != media.Rate8k || d.Level() != media.MinLevel || d.Speaking() {
		t.Fatal("fresh detector state")
	}
	var start, end Event
	var startFrame, endFrame time.Duration
	var maxSpeech time.Duration
	for _, f := range frames(in, media.Rate8k) {
		ev := d.Process(f)
		if ev.Speaking != d.Speaking() {
			t.Fatalf("%v: event says speaking %v, Speaking() %v", f.Timestamp, ev.Speaking, d.Speaking())
		}
		maxSpeech = max(maxSpeech, d.SpeechDuration())
		switch ev.Type {
		case SpeechStart:
			if start.Type == None {
				start, startFrame = ev, f.Timestamp
			}
			if d.SpeechDuration() < DefaultOnset {
				t.Errorf("speech duration %v at the start, want ≥ onset", d.SpeechDuration())
			}
		case SpeechEnd:
			end, endFrame = ev, f.Timestamp
			if d.SilenceDuration() < DefaultHangover-media.FrameDuration {
				t.Errorf("silence duration %v at the end, want ≥ hangover", d.SilenceDuration())
			}
		}
	}
	wantStart := time.Duration(lead)*time.Second/media.Rate8k + on
	if start.Type != SpeechStart || start.Time < wantStart-30*time.Millisecond || start.Time > wantStart+40*time.Millisecond {
		t.Errorf("start %v at %v, want back-dated to about %v", start.Type, start.Time, wantStart)
	}
	if startFrame-start.Time < DefaultOnset-media.FrameDuration {
		t.Errorf("start reported at %v, only %v after its time", startFrame, startFrame-start.Time)
	}
	speechEnd := time.Duration(lead)*time.Second/media.Rate8k + speechStop(speech)
	if end.Type != SpeechEnd || end.Time > speechEnd+100*time.Millisecond || end.Time < speechEnd-40*time.Millisecond {
		t.Errorf("end %v at %v, speech ends at %v", end.Type, end.Time, speechEnd)
	}
	if endFrame-end.Time > DefaultHangover+media.FrameDuration {
		t.Errorf("end reported at %v, %v after its time", endFrame, endFrame-end.Time)
	}
	if d.Speaking() || d.SpeechDuration() != 0 || d.SilenceDuration() < 1500*time.Millisecond {
		t.Errorf("after: speaking %v, speech %v, silence %v", d.Speaking(), d.SpeechDuration(), d.SilenceDuration())
	}
	if maxSpeech < 5*time.Second {
		t.Errorf("longest speech duration %v: utterance split", maxSpeech)
	}
	if l := d.NoiseFloor(); l > -40 || l < -50 {
		t.Errorf("noise floor %.1f dBFS", l)
	}
}

// speechStart returns the start of the first 20 ms frame of s within
// 30 dB of its loudest.
func speechStart(s []int16) time.Duration {
	ref := reference(s)
	for i, r := range ref {
		if r {
			return time.Duration(i) * media.FrameDuration
		}
	}
	return 0
}

// speechStop returns the end of the last 20 ms frame of s within 30 dB of
// its loudest.
func speechStop(s []int16) time.Duration {
	ref := reference(s)
	for i := len(ref) - 1; i >= 0; i-- {
		if ref[i] {
			return time.Duration(i+1) * media.FrameDuration
		}
	}
	return 0
}

// TestMinLevel raises the minimum level above quiet speech, from another
// goroutine, and lowers it again.
func TestMinLevel(t *testing.T) {
	speech := loadSpeech(t, "demo-moreinfo")
	quiet := make([]int16, len(speech))
	for i, v := range speech {
		quiet[i] = v / 30 // about -30 dB: speech peaks near -40 dBFS
	}
	in := append(make([]int16, 8000), quiet...)
	in = append(in, make([]int16, 8000)...)
	in = append(in, quiet...)
	d, _ := New(media.Rate8k, WithMinLevel(-30))
	if d.MinLevel() != -30 {
		t.Fatalf("MinLevel %v", d.MinLevel())
	}
	fs := frames(in, media.Rate8k)
	half := len(fs) / 2
	starts := [2]int{}
	var wg sync.WaitGroup
	for i, f := range fs {
		if i == half {
			wg.Go(func() { d.SetMinLevel(-60) })
			wg.Wait()
		}
		if d.Process(f).Type == SpeechStart {
			starts[i/half]++
		}
	}
	if starts[0] != 0 || starts[1] == 0 {
		t.Errorf("starts %v: want none under -30 dBFS, some under -60 dBFS", starts)
	}
	d.SetMinLevel(10)
	if d.MinLevel() != 0 {
		t.Errorf("MinLevel clamps to 0, got %v", d.MinLevel())
	}
}

// TestTimestamps: frames without timestamps are timed by their length;
// a gap in timestamps moves the clock.
func TestTimestamps(t *testing.T) {
	speech := loadSpeech(t, "demo-moreinfo")
	in := append(make([]int16, 16000), speech...)
	rng := rand.New(rand.NewPCG(4, 4))
	in = mix(in, whiteNoise(rng, len(in)), 30)
	var times [3]time.Duration
	for mode := range 3 {
		d, _ := New(media.Rate8k)
		for i, f := range frames(in, media.Rate8k) {
			switch mode {
			case 1:
				f.Timestamp = 0
			case 2:
				f.Timestamp += time.Hour // a stream that started earlier
			}
			if ev := d.Process(f); ev.Type == SpeechStart && times[mode] == 0 {
				times[mode] = ev.Time
				_ = i
			}
		}
	}
	if times[0] == 0 || times[1] != times[0] || times[2] != times[0]+time.Hour {
		t.Errorf("start times %v: want equal, the last one an hour later", times)
	}
}

// TestLongFrames: 60 ms frames give the same decisions as 20 ms ones.
func TestLongFrames(t *testing.T) {
	speech := loadSpeech(t, "demo-moreinfo")
	rng := rand.New(rand.NewPCG(8, 8))
	in := mix(append(make([]int16, 16000), speech...), whiteNoise(rng, 16000+len(speech)), 20)
	d1, _ := New(media.Rate8k)
	d3, _ := New(media.Rate8k)
	var s1, s3 []time.Duration
	for _, f := range frames(in, media.Rate8k) {
		if ev := d1.Process(f); ev.Type == SpeechStart {
			s1 = append(s1, ev.Time)
		}
	}
	for i := 0; i+480 <= len(in); i += 480 {
		f := media.Frame{Samples: in[i : i+480], Rate: media.Rate8k, Timestamp: time.Duration(i) * time.Second / media.Rate8k}
		if ev := d3.Process(f); ev.Type == SpeechStart {
			s3 = append(s3, ev.Time)
		}
	}
	if len(s1) == 0 || len(s1) != len(s3) || s1[0] != s3[0] {
		t.Errorf("starts %v with 20 ms frames, %v with 60 ms", s1, s3)
	}
	if ev := d1.Process(media.Frame{Samples: in[:160], Rate: media.Rate16k}); ev != (Event{}) {
		t.Errorf("frame at another rate: %+v", ev)
	}
}

// TestReset relearns a new stream.
func TestReset(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	loud := make([]int16, 16000)
	for i, v := range whiteNoise(rng, len(loud)) {
		loud[i] = sat(v * 10)
	}
	d, _ := New(media.Rate8k)
	for _, f := range frames(loud, media.Rate8k) {
		d.Process(f)
	}
	d.Reset()
	if d.Speaking() || d.NoiseFloor() != media.MinLevel || d.Level() != media.MinLevel {
		t.Fatal("state after Reset")
	}
	quiet := make([]int16, 16000)
	for i, v := range whiteNoise(rng, len(quiet)) {
		quiet[i] = sat(v / 10)
	}
	for _, f := range frames(quiet, media.Rate8k) {
		if d.Process(f).Type == SpeechStart {
			t.Fatal("start on steady noise after Reset")
		}
	}
	if l := d.NoiseFloor(); math.Abs(l-media.Level(quiet)) > 3 {
		t.Errorf("noise floor %.1f, noise at %.1f dBFS", l, media.Level(quiet))
	}
}

func TestSink(t *testing.T) {
	d, _ := New(media.Rate8k)
	var got, evs int
	next := media.SinkFunc(func(f media.Frame) error { got++; return nil })
	s := NewSink(d, next, func(ev Event, f media.Frame) { evs++ })
	if s.Detector() != d {
		t.Fatal("Detector")
	}
	for range 5 {
		if err := s.WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: media.Rate8k}); err != nil {
			t.Fatal(err)
		}
	}
	if got != 5 || evs != 5 || s.Close() != nil {
		t.Errorf("passed %d, events %d", got, evs)
	}
	if err := NewSink(d, nil, nil).WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: media.Rate8k}); err != nil {
		t.Error(err)
	}
}

func TestProcessAllocs(t *testing.T) {
	d, _ := New(media.Rate16k)
	f := media.Frame{Samples: audiotest.Tone(440, media.Rate16k, media.FrameDuration, 0.3), Rate: media.Rate16k}
	if n := testing.AllocsPerRun(100, func() { d.Process(f) }); n != 0 {
		t.Errorf("%v allocations per frame", n)
	}
}
