package asr_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/asrtest"
	"github.com/switchboard-voice/switchboard/media"
)

func writeWAV(t *testing.T, path string, rate int, seconds float64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := media.NewWAVWriter(f, rate, 1)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, int(float64(rate)*seconds))
	for i := range pcm {
		pcm[i] = int16(1000 * math.Sin(float64(i)*0.1))
	}
	if err := w.WritePCM(pcm); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
}

func TestEval(t *testing.T) {
	dir := t.TempDir()
	writeWAV(t, filepath.Join(dir, "a.wav"), 8000, 1)
	writeWAV(t, filepath.Join(dir, "b.wav"), 16000, 0.5)
	writeWAV(t, filepath.Join(dir, "c.wav"), 48000, 0.5)
	items := []asr.Item{
		{Path: filepath.Join(dir, "a.wav"), Reference: "press 4"},
		{Path: filepath.Join(dir, "b.wav"), Reference: "hello world"},
		{Path: filepath.Join(dir, "c.wav"), Reference: "hello"},
	}
	fake := &asrtest.Fake{Partial: "p", Respond: func(cfg asr.Config, pcm []int16) asr.Result {
		switch {
		case cfg.Rate == 8000:
			return asr.Result{Text: "press four"} // right
		case len(pcm) == 8000:
			return asr.Result{Text: "hello word"} // one substitution in b, an insertion in c
		}
		return asr.Result{Text: "?"}
	}}
	var seen int
	rep, err := asr.Eval(context.Background(), fake, items, asr.EvalOptions{Progress: func(asr.FileResult) { seen++ }})
	if err != nil {
		t.Fatal(err)
	}
	if seen != 3 || len(rep.Files) != 3 {
		t.Fatalf("progress %d, files %d", seen, len(rep.Files))
	}
	if rep.Files[0].WER != 0 || rep.Files[1].WER != 0.5 || rep.Files[2].WER != 1 {
		t.Fatalf("per-file WER: %+v", rep.Files)
	}
	// 0 + 1 + 1 errors over 2 + 2 + 1 words.
	if math.Abs(rep.WER-2.0/5) > 1e-9 || rep.Score.Ref != 5 {
		t.Fatalf("WER %v, score %+v", rep.WER, rep.Score)
	}
	if math.Abs(rep.AudioSeconds-2) > 1e-6 || rep.RTF <= 0 || rep.Files[0].Partials != 1 || rep.Files[0].Seconds != 1 {
		t.Fatalf("report %+v", rep)
	}

	// A failing provider scores the file as all deletions and counts it.
	rep, err = asr.Eval(context.Background(), &asrtest.Fake{Err: asr.ErrTimeout}, items[:1], asr.EvalOptions{})
	if err != nil || rep.Failed != 1 || rep.WER != 1 || rep.Files[0].Error == "" {
		t.Fatalf("failing provider: %+v %v", rep, err)
	}

	// Forcing the stream rate resamples.
	rep, err = asr.Eval(context.Background(), fake, items[1:2], asr.EvalOptions{Config: asr.Config{Rate: 8000}})
	if err != nil || rep.Files[0].Hypothesis != "press four" {
		t.Fatalf("resampled: %+v %v", rep, err)
	}

	// An unreadable WAV stops the evaluation with an error naming it.
	bad := filepath.Join(dir, "bad.wav")
	_ = os.WriteFile(bad, []byte("not a wav"), 0o644)
	if _, err := asr.Eval(context.Background(), fake, []asr.Item{{Path: bad, Line: 7}}, asr.EvalOptions{}); err == nil {
		t.Fatal("want an error for a bad WAV")
	} else if msg := err.Error(); !strings.Contains(msg, "manifest line 7") || !strings.Contains(msg, "bad.wav") {
		t.Fatalf("error %q should name the line and file", msg)
	}
}
