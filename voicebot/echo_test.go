package voicebot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/mediatest"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/tts/espeak"
	"github.com/switchboard-voice/switchboard/voicebot"
	"github.com/switchboard-voice/switchboard/voicebot/voicebottest"
)

// espeakSpeech is the real synthesiser with the scripted recogniser.
func espeakSpeech(t *testing.T, script ...string) voicebottest.Speech {
	t.Helper()
	syn, err := espeak.New()
	if err != nil {
		t.Fatalf("espeak-ng: %v", err)
	}
	return voicebottest.Speech{ASR: voicebottest.NewScript(script...), TTS: syn}
}

// TestEchoDoesNotBargeIn plays the bot's greeting (espeak-ng speech) on a
// line that echoes it back at full level 150 ms later, with the default
// echo canceller and voice activity detector: the bot must not hear
// itself. Without the canceller the same line interrupts the bot, which
// shows the test can fail.
//
// "late receiver" hands the bot the caller's audio in 200 ms bursts, as a
// loaded machine does: the tail of the prompt was sent but its reference
// not yet consumed when the prompt ended, and must still be cancelled.
func TestEchoDoesNotBargeIn(t *testing.T) {
	for _, tc := range []struct {
		name     string
		canceler bool
		burst    int
	}{{"with canceller", true, 0}, {"without canceller", false, 0}, {"late receiver", true, 10}} {
		line := mediatest.Options{EchoGain: 1.0, EchoDelay: 150 * time.Millisecond, Burst: tc.burst}
		t.Run(tc.name, func(t *testing.T) {
			h := newHarnessLine(t, nil, func(c *voicebot.Config) {
				c.Speech = espeakSpeech(t)
				c.NewVAD = nil
				c.NewEchoCanceller = nil
				if !tc.canceler {
					c.NewEchoCanceller = func(int) voicebot.EchoCanceller { return voicebottest.NoEcho{} }
				}
			}, line)
			if !tc.canceler {
				// The echo interrupts the bot over and over.
				h.waitEvent("barge_in", 10*time.Second)
				return
			}
			h.waitEvent("prompt_done", 15*time.Second)
			var heard []string
			for _, k := range h.kinds() {
				if strings.HasPrefix(k, "speech_start") || strings.HasPrefix(k, "barge_in") {
					heard = append(heard, k)
				}
			}
			if len(heard) > 0 {
				t.Errorf("the bot heard its own echo: %v", h.kinds())
			}
		})
	}
}

// TestCallerBargesIn: with the default canceller and detector, a caller
// talking over the bot interrupts it, on an echoing line and on a clean
// one, early in the bot's first prompt as well as later.
func TestCallerBargesIn(t *testing.T) {
	human := mediatest.AsteriskPrompt(t, "agent-pass")
	synthetic := synthesise(t, "what is my balance", "en-us+klatt")
	for _, tc := range []struct {
		name  string
		echo  float64
		after time.Duration
		pcm   []int16
	}{
		{"echoing line", 1.0, 1500 * time.Millisecond, human},
		{"clean line", 0, 1500 * time.Millisecond, human},
		{"clean line early", 0, 600 * time.Millisecond, human},
		{"echoing line early", 0.5, 600 * time.Millisecond, human},
		{"clean line, synthetic caller", 0, time.Second, synthetic},
	} {
		pcm := tc.pcm
		t.Run(tc.name, func(t *testing.T) {
			h := newHarnessLine(t, []string{"when are you open"}, func(c *voicebot.Config) {
				c.Speech = espeakSpeech(t, "when are you open")
				c.NewVAD = nil
				c.NewEchoCanceller = nil
			}, mediatest.Options{EchoGain: tc.echo, EchoDelay: 150 * time.Millisecond})
			h.waitTalking(1)
			time.Sleep(tc.after)
			start := time.Now()
			for i := 0; i+160 <= len(pcm); i += 160 {
				_ = h.caller.WriteFrame(media.Frame{Samples: pcm[i : i+160], Rate: 8000})
			}
			e := h.waitEvent("barge_in", 5*time.Second)
			d := e.At.Sub(start)
			if d > 400*time.Millisecond {
				t.Errorf("barge-in %v after the caller started", d)
			}
			t.Logf("barge-in detected %v after the caller's onset", d)
		})
	}
}

// synthesise speaks text with espeak-ng at 8 kHz.
func synthesise(t *testing.T, text, voice string) []int16 {
	t.Helper()
	syn, err := espeak.New()
	if err != nil {
		t.Fatal(err)
	}
	var pcm []int16
	err = syn.Synthesize(context.Background(), tts.Request{Text: text, Language: "en", Voice: voice, Rate: 8000}, media.SinkFunc(func(f media.Frame) error {
		pcm = append(pcm, f.Samples...)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}
