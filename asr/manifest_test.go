package asr_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/asr"
)

func TestReadManifest(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.wav", "b.wav"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs := filepath.Join(dir, "b.wav")
	tests := []struct {
		name    string
		text    string
		want    []asr.Item
		wantErr string
	}{
		{"ok", "# comment\n\na.wav\tHello there\r\n" + abs + "\tSecond one\n",
			[]asr.Item{{Path: filepath.Join(dir, "a.wav"), Reference: "Hello there", Line: 3}, {Path: abs, Reference: "Second one", Line: 4}}, ""},
		{"no tab", "a.wav hello\n", nil, "m.tsv:1: want wav_path<TAB>reference, found no tab"},
		{"empty path", "\thello\n", nil, "m.tsv:1: empty WAV path"},
		{"three columns", "a.wav\thello\textra\n", nil, "m.tsv:1: more than two tab-separated columns"},
		{"missing wav", "a.wav\tok\nmissing.wav\thello\n", nil, "m.tsv:2: WAV file " + filepath.Join(dir, "missing.wav") + " does not exist"},
		{"empty", "# nothing\n", nil, "m.tsv: no entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "m.tsv")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := asr.ReadManifest(path)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, asr.ErrManifest) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v", got)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("item %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
	if _, err := asr.ReadManifest(filepath.Join(dir, "nope.tsv")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing manifest: %v", err)
	}
}

func TestWriteManifestRoundTrip(t *testing.T) {
	items := []asr.Item{{Path: "/x/a.wav", Reference: "one\ttwo"}, {Path: "/x/b.wav", Reference: "three"}}
	var b bytes.Buffer
	if err := asr.WriteManifest(&b, items); err != nil {
		t.Fatal(err)
	}
	got, err := asr.ParseManifest(&b, "m", "")
	if err != nil || len(got) != 2 || got[0].Reference != "one two" || got[1].Path != "/x/b.wav" {
		t.Fatalf("round trip: %+v %v", got, err)
	}
}
