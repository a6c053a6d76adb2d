package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/asr/asrtest"
	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/media/mediatest"
)

type asrEvalJSON struct {
	WER   *float64 `json:"wer"`
	RTF   *float64 `json:"rtf"`
	Files []struct {
		Path       string   `json:"path"`
		Reference  string   `json:"reference"`
		Hypothesis string   `json:"hypothesis"`
		WER        *float64 `json:"wer"`
		Seconds    float64  `json:"seconds"`
	} `json:"files"`
}

func writeTestManifest(t *testing.T, lines ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := asrtest.WriteWAV(filepath.Join(dir, "a.wav"), 8000, make([]int16, 8000)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "m.tsv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestASREvalErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.tsv")
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"no manifest flag", []string{"asr", "eval"}, 2, "Usage: switchboard asr eval"},
		{"missing manifest", []string{"asr", "eval", "--manifest", missing}, 1, "nope.tsv: no such file"},
		{"bad line", []string{"asr", "eval", "--manifest", writeTestManifest(t, "a.wav\tok", "a.wav no tab")}, 1, "m.tsv:2: want wav_path<TAB>reference"},
		{"missing wav", []string{"asr", "eval", "--manifest", writeTestManifest(t, "b.wav\thello")}, 1, "m.tsv:1: WAV file"},
		{"unknown provider", []string{"asr", "eval", "--manifest", writeTestManifest(t, "a.wav\thello"), "--provider", "nope"}, 2, ""},
		{"no subcommand", []string{"asr", "frobnicate"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.inStderr) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", code, tt.code, errOut, tt.inStderr)
			}
		})
	}
}

func TestASREvalOpenAIJSON(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Text: "Hello there."})
	t.Setenv("OPENAI_BASE_URL", srv.URL())
	t.Setenv("OPENAI_API_KEY", "sk-test")
	m := writeTestManifest(t, "# test", "a.wav\thello world")
	code, out, errOut := runCmd(t, "", "asr", "eval", "--manifest", m, "--provider", "openai", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got asrEvalJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.WER == nil || *got.WER != 0.5 || got.RTF == nil || len(got.Files) != 1 {
		t.Fatalf("report %s", out)
	}
	f := got.Files[0]
	if filepath.Base(f.Path) != "a.wav" || f.Reference != "hello world" || f.Hypothesis != "Hello there." || f.WER == nil || f.Seconds != 1 {
		t.Fatalf("file %+v", f)
	}
	if lang := srv.LastRequest().Transcription.Language; lang != "en" {
		t.Fatalf("language hint %q", lang)
	}
	// The text report.
	srv.Enqueue(openaitest.Reply{Text: "hello world"})
	code, out, _ = runCmd(t, "", "asr", "eval", "--manifest", m, "--provider", "openai")
	if code != 0 || !strings.Contains(out, "WER:       0.0000") || !strings.Contains(out, "RTF:") {
		t.Fatalf("text report: %d %s", code, out)
	}
}

func TestASREvalPocketsphinxCorpus(t *testing.T) {
	if _, err := os.Stat("/usr/share/pocketsphinx/model/en-us/en-us/mdef"); err != nil {
		t.Skip("pocketsphinx-en-us is not installed")
	}
	wav := filepath.Join(mediatest.RequireSounds(t), "agent-pass.wav")
	dir := t.TempDir()
	m := filepath.Join(dir, "m.tsv")
	if err := os.WriteFile(m, []byte(wav+"\tPlease enter your password followed by the pound key.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "", "asr", "eval", "--manifest", m, "--corpus", m, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got asrEvalJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.WER == nil || *got.WER != 0 {
		t.Fatalf("report %s (%v)", out, err)
	}
	code, out, _ = runCmd(t, "", "asr", "model", "--corpus", m, "--decoders", "1")
	if code != 0 || !strings.Contains(out, "decoders:") {
		t.Fatalf("model: %d %s", code, out)
	}
}

func TestASRManifestAsterisk(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"hello.wav", "digits/1.wav"} {
		_ = os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755)
		if err := asrtest.WriteWAV(filepath.Join(dir, n), 8000, make([]int16, 80)); err != nil {
			t.Fatal(err)
		}
	}
	tr := filepath.Join(dir, "t.txt")
	_ = os.WriteFile(tr, []byte("; comment\nhello: Hello.\nbeep: [a beep]\nmissing: Not here.\ndigits/1: one\nletters/a: a\n"), 0o644)
	code, out, errOut := runCmd(t, "", "asr", "manifest", "--asterisk", "--sounds", dir, "--transcripts", tr)
	want := filepath.Join(dir, "hello.wav") + "\tHello.\n" + filepath.Join(dir, "digits/1.wav") + "\tone\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d %s\n%q\nwant %q", code, errOut, out, want)
	}
}
