package aec

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/vad"
)

// Recordings: A is the bot (30 s), B the caller.
const (
	botPrompt    = "demo-congrats"
	callerPrompt = "vm-options"
)

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		rate int
		opts []Option
		want error
	}{
		{"rate", 11025, nil, media.ErrUnsupportedRate},
		{"max delay", 8000, []Option{WithMaxDelay(50 * time.Millisecond)}, ErrOption},
		{"max delay long", 8000, []Option{WithMaxDelay(3 * time.Second)}, ErrOption},
		{"filter", 8000, []Option{WithFilterLength(time.Millisecond)}, ErrOption},
		{"ok", 16000, []Option{WithMaxDelay(time.Second), WithFilterLength(16 * time.Millisecond), WithSuppressor(false)}, nil},
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

// onsetOf returns when the speech in s starts: the first 20 ms frame
// within 30 dB of its loudest.
func onsetOf(s []int16) time.Duration {
	var peak = media.MinLevel
	for i := 0; i+160 <= len(s); i += 160 {
		peak = max(peak, media.Level(s[i:i+160]))
	}
	for i := 0; i+160 <= len(s); i += 160 {
		if media.Level(s[i:i+160]) >= peak-30 {
			return time.Duration(i/160) * media.FrameDuration
		}
	}
	return -1
}

var (
	delays = []time.Duration{40 * time.Millisecond, 120 * time.Millisecond, 300 * time.Millisecond}
	gains  = []float64{0.1, 0.5, 1.0}
)

// TestEcho plays the bot's prompt into lines that echo it (G.711 both
// ways): a VAD on the residual must never start, the delay must be
// found, and the linear filter must cancel at least 25 dB.
func TestEcho(t *testing.T) {
	bot := loadSpeech(t, botPrompt)
	echoStart := onsetOf(bot)
	for _, delay := range delays {
		for _, gain := range gains {
			t.Run(fmt.Sprintf("%v/%v", delay, gain), func(t *testing.T) {
				in := call(t, line{delay: delay, gain: gain, g711: true}, bot, nil)
				c, err := New(media.Rate8k)
				if err != nil {
					t.Fatal(err)
				}
				tr := run(t, c, bot, in)
				st := c.Stats()
				lock := tr.lockAt - echoStart - delay
				conv := tr.convAt - echoStart - delay
				voiced := 0
				for _, ev := range tr.events {
					if ev.Voiced {
						voiced++
					}
				}
				t.Logf("locked %v and converged %v after the echo began; delay %v, ERLE %.1f dB, ERL %.1f dB; VAD starts %d, voiced frames %d",
					lock, conv, st.Delay, st.ERLE, st.ERL, len(tr.starts), voiced)
				if len(tr.starts) != 0 {
					t.Errorf("VAD started on the echo at %v", tr.starts)
				}
				if tr.lockAt < 0 || lock > time.Second {
					t.Errorf("locked %v after the echo began", lock)
				}
				if d := st.Delay - delay; d < -time.Millisecond || d > time.Millisecond || !st.Converged {
					t.Errorf("delay %v, want %v; converged %v", st.Delay, delay, st.Converged)
				}
				if st.ERLE < 25 {
					t.Errorf("ERLE %.1f dB", st.ERLE)
				}
				if g := c.EchoDelay(); g != st.Delay || c.ERLE() != st.ERLE || !c.Converged() {
					t.Errorf("accessors disagree with Stats")
				}
			})
		}
	}
}

// vadStarts returns the SpeechStart frame ends of a VAD run on clean
// audio.
func vadStarts(t testing.TB, s []int16) []time.Duration {
	d, err := vad.New(media.Rate8k)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Duration
	for k := 0; k*160 < len(s); k++ {
		if d.Process(frameOf(s, k, media.Rate8k)).Type == vad.SpeechStart {
			out = append(out, time.Duration(k+1)*media.FrameDuration)
		}
	}
	return out
}

// TestDoubleTalk has the caller (recording B) start talking over the
// bot's echo at three points: no VAD start before, one within 150 ms of
// B's onset (the VAD alone on clean B takes 100 ms).
func TestDoubleTalk(t *testing.T) {
	bot := loadSpeech(t, botPrompt)
	b := loadSpeech(t, callerPrompt)
	base := vadStarts(t, b)[0] - onsetOf(b)
	for _, delay := range delays {
		for _, gain := range gains {
			for _, at := range []time.Duration{5 * time.Second, 10 * time.Second, 12300 * time.Millisecond} {
				t.Run(fmt.Sprintf("%v/%v/%v", delay, gain, at), func(t *testing.T) {
					caller := append(make([]int16, samplesFor(media.Rate8k, at)), b...)
					onset := at + onsetOf(b)
					in := call(t, line{delay: delay, gain: gain, g711: true}, bot, caller)
					c, _ := New(media.Rate8k)
					tr := run(t, c, bot, in)
					latency := time.Duration(-1)
					for _, s := range tr.starts {
						if s < onset {
							t.Errorf("VAD started at %v, before the caller (%v)", s, onset)
						} else if latency < 0 {
							latency = s - onset
						}
					}
					t.Logf("caller at %v: VAD start %v after the onset (%v on clean B), %d starts in all", onset, latency, base, len(tr.starts))
					if latency < 0 || latency > 150*time.Millisecond+20*time.Millisecond {
						t.Errorf("caller detected %v after the onset", latency)
					}
				})
			}
		}
	}
}

// TestDelayChange moves the echo mid-call: the canceller must lock the
// new delay within 1.5 s of bot speech and cancel again.
func TestDelayChange(t *testing.T) {
	bot := loadSpeech(t, botPrompt)
	const at = 12 * time.Second
	tests := []struct{ from, to time.Duration }{
		{120 * time.Millisecond, 300 * time.Millisecond},
		{300 * time.Millisecond, 60 * time.Millisecond},
		{120 * time.Millisecond, 125 * time.Millisecond}, // within the filter
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v-%v", tt.from, tt.to), func(t *testing.T) {
			in := call(t, line{delay: tt.from, gain: 0.5, g711: true, change: at, delay2: tt.to}, bot, nil)
			c, _ := New(media.Rate8k)
			tr := run(t, c, bot, in)
			relock := time.Duration(-1)
			for k, st := range tr.stats {
				end := time.Duration(k+1) * media.FrameDuration
				if end > at && st.Converged && absDur(st.Delay-tt.to) <= time.Millisecond {
					relock = end - at
					break
				}
			}
			var late []time.Duration
			for _, s := range tr.starts {
				if s > at+time.Second {
					late = append(late, s)
				}
			}
			st := c.Stats()
			t.Logf("converged on %v %v after the change; VAD starts %v; ERLE %.1f dB", tt.to, relock, tr.starts, st.ERLE)
			if relock < 0 || relock > 1500*time.Millisecond {
				t.Errorf("converged on the new delay %v after the change", relock)
			}
			if len(late) > 0 || len(tr.starts) > 1 {
				t.Errorf("VAD starts %v", tr.starts)
			}
			if st.ERLE < 25 || absDur(st.Delay-tt.to) > time.Millisecond {
				t.Errorf("at the end: delay %v, ERLE %.1f dB", st.Delay, st.ERLE)
			}
		})
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// TestLines covers other lines: noise, a dispersive hybrid, the longest
// delay, a faint echo, and no echo at all.
func TestLines(t *testing.T) {
	bot := loadSpeech(t, botPrompt)
	tests := []struct {
		name    string
		ln      line
		minERLE float64 // 0: not checked
		locked  bool
	}{
		{"noise -60", line{delay: 120 * time.Millisecond, gain: 0.5, g711: true, noise: -60}, 20, true},
		{"noise -45 full echo", line{delay: 120 * time.Millisecond, gain: 1, g711: true, noise: -45}, 15, true},
		{"faint echo in noise", line{delay: 20 * time.Millisecond, gain: 0.05, g711: true, noise: -50}, 0, true},
		{"hybrid", line{delay: 200 * time.Millisecond, gain: 0.5, g711: true, taps: []float64{0.3, 1, -0.5, 0.25, -0.1}}, 25, true},
		{"500 ms", line{delay: 500 * time.Millisecond, gain: 0.5, g711: true}, 25, true},
		{"linear", line{delay: 80 * time.Millisecond, gain: 0.7}, 40, true},
		{"no echo", line{delay: 80 * time.Millisecond, gain: 0, noise: -55}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := call(t, tt.ln, bot, nil)
			c, _ := New(media.Rate8k)
			tr := run(t, c, bot, in)
			st := c.Stats()
			t.Logf("%+v; VAD starts %v", st, tr.starts)
			if len(tr.starts) > 0 {
				t.Errorf("VAD started at %v", tr.starts)
			}
			if st.Locked != tt.locked {
				t.Errorf("locked %v, want %v", st.Locked, tt.locked)
			}
			if tt.minERLE > 0 && st.ERLE < tt.minERLE {
				t.Errorf("ERLE %.1f dB < %v", st.ERLE, tt.minERLE)
			}
			if tt.ln.noise != 0 && (st.NoiseFloor < tt.ln.noise-4 || st.NoiseFloor > tt.ln.noise+3) {
				t.Errorf("noise floor %.1f dBFS, line noise at %v", st.NoiseFloor, tt.ln.noise)
			}
		})
	}
}

// TestNoEchoCaller: on a line without echo, the caller talking over the
// bot is heard as soon as on a silent bot.
func TestNoEchoCaller(t *testing.T) {
	bot := loadSpeech(t, botPrompt)
	b := loadSpeech(t, callerPrompt)
	caller := append(make([]int16, samplesFor(media.Rate8k, 10*time.Second)), b...)
	onset := 10*time.Second + onsetOf(b)
	in := call(t, line{gain: 0, g711: true, noise: -60}, bot, caller)
	c, _ := New(media.Rate8k)
	tr := run(t, c, bot, in)
	want := vadStarts(t, in)
	t.Logf("starts %v (on the input without canceller %v), %+v", tr.starts, want, c.Stats())
	if len(tr.starts) == 0 || tr.starts[0] < onset || tr.starts[0]-onset > 150*time.Millisecond {
		t.Errorf("caller at %v: starts %v", onset, tr.starts)
	}
	if len(tr.starts) < len(want)-1 {
		t.Errorf("%d starts, %d without the canceller", len(tr.starts), len(want))
	}
}

// TestPassThrough: without reference, or with silent reference, input
// comes out unchanged; after the bot stops, it does again.
func TestPassThrough(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	in := make([]int16, 8000*3)
	for i := range in {
		in[i] = int16(rng.NormFloat64() * 3000)
	}
	silence := make([]int16, 160)
	for _, mode := range []string{"none", "silent", "flushed"} {
		t.Run(mode, func(t *testing.T) {
			c, _ := New(media.Rate8k)
			bot := loadSpeech(t, botPrompt)[:8000*3]
			for k := range len(in) / 160 {
				switch mode {
				case "silent":
					c.Reference(media.Frame{Samples: silence, Rate: media.Rate8k})
				case "flushed":
					if k == 0 {
						for j := range 100 {
							c.Reference(frameOf(bot, j, media.Rate8k))
						}
						if c.Queued() != 2*time.Second {
							t.Fatalf("queued %v", c.Queued())
						}
						c.Flush()
					}
				}
				f := frameOf(in, k, media.Rate8k)
				out := c.Process(f)
				if !slices.Equal(out.Samples, f.Samples) || out.Timestamp != f.Timestamp || out.Rate != f.Rate {
					t.Fatalf("frame %d changed", k)
				}
			}
			if c.Queued() != 0 {
				t.Errorf("queued %v", c.Queued())
			}
		})
	}
	t.Run("after the bot", func(t *testing.T) {
		bot := loadSpeech(t, botPrompt)[:8000*4]
		echo := call(t, line{delay: 100 * time.Millisecond, gain: 0.5, g711: true}, bot, nil)
		c, _ := New(media.Rate8k)
		for k := range len(bot) / 160 {
			c.Reference(frameOf(bot, k, media.Rate8k))
			c.Process(frameOf(echo, k, media.Rate8k))
		}
		// The echo's tail (100 ms + the filter) is still processed; then
		// the input passes.
		for k := range 50 {
			f := frameOf(in, k, media.Rate8k)
			out := c.Process(f)
			if k >= 8 && !slices.Equal(out.Samples, f.Samples) {
				t.Fatalf("frame %d after the bot stopped changed", k)
			}
		}
	})
	t.Run("other rate", func(t *testing.T) {
		c, _ := New(media.Rate8k)
		f := media.Frame{Samples: make([]int16, 320), Rate: media.Rate16k}
		if out := c.Process(f); &out.Samples[0] != &f.Samples[0] {
			t.Error("frame at another rate not returned as is")
		}
	})
}

// TestCallOrder: Reference and Process in varying order and bursts, as
// goroutines would call them, and the reference at another rate.
func TestCallOrder(t *testing.T) {
	bot := loadSpeech(t, botPrompt)
	in := call(t, line{delay: 120 * time.Millisecond, gain: 0.5, g711: true}, bot, nil)
	// A bot at 16 kHz: the leg resamples what it sends to 8 kHz, so the
	// echo lacks what is above 3.6 kHz, as the canceller's own resampled
	// reference does.
	bot16 := upsample(t, bot, media.Rate16k)
	rs, _ := media.NewResampler(media.Rate16k, media.Rate8k)
	in16 := call(t, line{delay: 120 * time.Millisecond, gain: 0.5, g711: true}, rs.Resample(nil, bot16), nil)
	for _, mode := range []string{"swapped", "bursts", "16k reference", "40ms frames"} {
		t.Run(mode, func(t *testing.T) {
			c, _ := New(media.Rate8k)
			d, _ := vad.New(media.Rate8k)
			rng := rand.New(rand.NewPCG(1, 1))
			nf := len(bot) / 160
			starts := 0
			next := 0
			process := func(f media.Frame) {
				if d.Process(c.Process(f)).Type == vad.SpeechStart {
					starts++
				}
			}
			for k := 0; k < nf; k++ {
				switch mode {
				case "swapped": // one tick in ten processes before referencing
					if rng.IntN(10) == 0 {
						process(frameOf(in, k, media.Rate8k))
						c.Reference(frameOf(bot, k, media.Rate8k))
						continue
					}
					c.Reference(frameOf(bot, k, media.Rate8k))
				case "bursts": // up to three frames ahead
					for ; next <= k+rng.IntN(3) && next < nf; next++ {
						c.Reference(frameOf(bot, next, media.Rate8k))
					}
				case "16k reference":
					c.Reference(frameOf(bot16, k, media.Rate16k))
					process(frameOf(in16, k, media.Rate8k))
					continue
				case "40ms frames":
					if k%2 == 1 {
						continue
					}
					c.Reference(media.Frame{Samples: bot[k*160 : min(len(bot), k*160+320)], Rate: media.Rate8k})
					f := media.Frame{Samples: in[k*160 : min(len(in), k*160+320)], Rate: media.Rate8k}
					out := c.Process(f)
					if len(out.Samples) != len(f.Samples) {
						t.Fatalf("%d samples out of %d", len(out.Samples), len(f.Samples))
					}
					for h := 0; h < len(out.Samples); h += 160 {
						if d.Process(media.Frame{Samples: out.Samples[h:min(len(out.Samples), h+160)], Rate: media.Rate8k}).Type == vad.SpeechStart {
							starts++
						}
					}
					continue
				}
				process(frameOf(in, k, media.Rate8k))
			}
			st := c.Stats()
			t.Logf("%+v, VAD starts %d", st, starts)
			if starts != 0 || !st.Converged {
				t.Errorf("VAD starts %d, converged %v", starts, st.Converged)
			}
		})
	}
}

// TestConcurrent calls Reference and Flush from one goroutine and Process
// and the accessors from others (run with -race).
func TestConcurrent(t *testing.T) {
	c, _ := New(media.Rate8k)
	bot := loadSpeech(t, botPrompt)[:8000*2]
	var wg sync.WaitGroup
	wg.Go(func() {
		for k := range len(bot) / 160 {
			c.Reference(frameOf(bot, k, media.Rate8k))
			if k%30 == 29 {
				c.Flush()
			}
		}
	})
	wg.Go(func() {
		for range 200 {
			_ = c.Stats()
			_ = c.Queued()
		}
	})
	for k := range len(bot) / 160 {
		c.Process(frameOf(bot, k, media.Rate8k))
	}
	wg.Wait()
}

func TestReset(t *testing.T) {
	bot := loadSpeech(t, botPrompt)[:8000*5]
	in := call(t, line{delay: 100 * time.Millisecond, gain: 0.5, g711: true}, bot, nil)
	c, _ := New(media.Rate8k)
	run(t, c, bot, in)
	if !c.Stats().Locked {
		t.Fatal("not locked")
	}
	c.Reference(frameOf(bot, 0, media.Rate8k))
	c.Reset()
	if st := c.Stats(); st.Locked || st.Delay != 0 || c.Queued() != 0 {
		t.Errorf("after Reset: %+v, queued %v", st, c.Queued())
	}
}

func TestProcessAllocs(t *testing.T) {
	bot := loadSpeech(t, botPrompt)
	in := call(t, line{delay: 100 * time.Millisecond, gain: 0.5, g711: true}, bot, nil)
	c, _ := New(media.Rate8k)
	k := 0
	n := testing.AllocsPerRun(200, func() {
		c.Reference(frameOf(bot, k, media.Rate8k))
		c.Process(frameOf(in, k, media.Rate8k))
		k++
	})
	// frameOf allocates two frames per run.
	if n > 2 {
		t.Errorf("%v allocations per frame", n-2)
	}
}

// TestSynthesisedBot has espeak-ng, the embedded TTS, as the bot, and a
// recorded caller talking over it.
func TestSynthesisedBot(t *testing.T) {
	bot := synthesise(t, "Thank you for calling Switchboard bank. I can help you check your balance, "+
		"report a lost card, or make a transfer. Please tell me in a few words what you are calling about today. "+
		"You can also say agent at any time to speak to one of our advisers.")
	b := loadSpeech(t, callerPrompt)
	at := 6 * time.Second
	caller := append(make([]int16, samplesFor(media.Rate8k, at)), b...)
	onset := at + onsetOf(b)
	for _, delay := range delays {
		for _, gain := range []float64{0.5, 1} {
			t.Run(fmt.Sprintf("%v/%v", delay, gain), func(t *testing.T) {
				ln := line{delay: delay, gain: gain, g711: true}
				// Echo only, then the caller over it.
				c, _ := New(media.Rate8k)
				tr := run(t, c, bot, call(t, ln, bot, nil))
				st := c.Stats()
				if len(tr.starts) > 0 || absDur(st.Delay-delay) > time.Millisecond || st.ERLE < 25 {
					t.Errorf("echo only: VAD starts %v, %+v", tr.starts, st)
				}
				c.Reset()
				tr = run(t, c, bot, call(t, ln, bot, caller))
				latency := time.Duration(-1)
				for _, s := range tr.starts {
					if s < onset {
						t.Errorf("VAD started at %v, before the caller (%v)", s, onset)
					} else if latency < 0 {
						latency = s - onset
					}
				}
				t.Logf("bot %v long; echo only: delay %v, ERLE %.1f dB; caller detected %v after the onset", time.Duration(len(bot))*time.Second/media.Rate8k, st.Delay, st.ERLE, latency)
				if latency < 0 || latency > 170*time.Millisecond {
					t.Errorf("caller detected %v after the onset", latency)
				}
			})
		}
	}
}
