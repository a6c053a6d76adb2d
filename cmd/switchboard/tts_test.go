package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/tts/espeak"
)

func readWAV(t *testing.T, path string) ([]int16, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pcm, rate, ch, err := media.ReadWAV(f)
	if err != nil || ch != 1 {
		t.Fatalf("%s: %v, %d channels", path, err, ch)
	}
	return pcm, rate
}

func TestTTSSayEspeak(t *testing.T) {
	if _, err := espeak.New(); err != nil {
		t.Skipf("espeak-ng unavailable: %v", err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		lang, text string
		rate       int
	}{
		{"en", "Your card ending in 4821 has been blocked.", 16000},
		{"zh", "您的包裹已经发出。", 8000},
	} {
		out := filepath.Join(dir, tc.lang+".wav")
		code, stdout, stderr := runCmd(t, "", "tts", "say", "--text", tc.text, "--language", tc.lang,
			"--rate", strconv.Itoa(tc.rate), "--out", out, "--repeat", "3")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.lang, code, stderr)
		}
		for _, want := range []string{"wrote " + out, "first audio: p50", "real-time factor"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: output lacks %q:\n%s", tc.lang, want, stdout)
			}
		}
		pcm, rate := readWAV(t, out)
		dur := time.Duration(len(pcm)) * time.Second / time.Duration(rate)
		if rate != tc.rate || len(pcm)%(rate/50) != 0 || dur < time.Second || dur > 6*time.Second || audiotest.RMS(pcm) < 0.02 {
			t.Errorf("%s: %d samples at %d Hz (%v), RMS %.3f", tc.lang, len(pcm), rate, dur, audiotest.RMS(pcm))
		}
	}
}

func TestTTSSayOpenAI(t *testing.T) {
	srv := openaitest.New(t)
	pcm := audiotest.Tone(440, 24000, 500*time.Millisecond, 0.5)
	body := make([]byte, 2*len(pcm))
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(body[2*i:], uint16(v))
	}
	srv.Enqueue(openaitest.Reply{Audio: body})
	out := filepath.Join(t.TempDir(), "openai.wav")
	code, stdout, stderr := runCmd(t, "", "tts", "say", "--provider", "openai", "--base-url", srv.URL(),
		"--text", "Hello there.", "--voice", "nova", "--rate", "48000", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "first audio:") || !strings.Contains(stdout, "500ms of audio at 48000 Hz (openai)") {
		t.Errorf("output:\n%s", stdout)
	}
	got, rate := readWAV(t, out)
	if rate != 48000 || len(got) != 24000 {
		t.Errorf("%d samples at %d Hz", len(got), rate)
	}
	if sp := srv.LastRequest().Speech; sp.Voice != "nova" || sp.ResponseFormat != "pcm" {
		t.Errorf("request %+v", sp)
	}
}

func TestTTSUsage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.wav")
	for _, args := range [][]string{
		{"tts"},
		{"tts", "speak"},
		{"tts", "say", "--out", out},
		{"tts", "say", "--text", "hi"},
		{"tts", "say", "--text", "hi", "--out", out, "--provider", "nope"},
	} {
		if code, _, _ := runCmd(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, stderr := runCmd(t, "", "tts", "say", "--text", "hi", "--out", out, "--rate", "44100"); code != 1 || !strings.Contains(stderr, "44100") {
		t.Errorf("bad rate: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "tts", "say", "--text", "bonjour", "--language", "fr", "--out", out); code != 1 || !strings.Contains(stderr, "unsupported") {
		t.Errorf("French: exit %d, %q", code, stderr)
	}
}
