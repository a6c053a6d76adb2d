package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/media"
)

// standaloneCards returns the maximal runs of 13-19 ASCII digits in s
// that pass the Luhn check and touch no letter, combining mark or other
// digit (those are part of a code like "SF4111...", left alone).
func standaloneCards(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[j:])
		alone := func(r rune) bool {
			return r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
		}
		if n := j - i; n >= 13 && n <= 19 && (i == 0 || alone(before)) && (j == len(s) || alone(after)) && Luhn(s[i:j]) {
			out = append(out, s[i:j])
		}
		i = j
	}
	return out
}

// checkRedaction checks the invariants of a Redact result.
func checkRedaction(t *testing.T, text string, res Result) {
	t.Helper()
	prev := 0
	for _, sp := range res.Spans {
		if sp.Start < prev || sp.End <= sp.Start || sp.End > len(text) {
			t.Fatalf("bad span %+v after %d (len %d) in %q", sp, prev, len(text), text)
		}
		if sp.Type == "" {
			t.Fatalf("span without a type: %+v", sp)
		}
		prev = sp.End
	}
	if len(res.Spans) == 0 && res.Text != text {
		t.Fatalf("no spans but the text changed: %q -> %q", text, res.Text)
	}
	for _, c := range standaloneCards(text) {
		// The run may also appear inside a longer number or a code, which
		// is left alone: only the standalone occurrences must go.
		allowed := strings.Count(text, c) - strings.Count(strings.Join(standaloneCards(text), " "), c)
		if got := strings.Count(res.Text, c); got > allowed {
			t.Fatalf("card number %s survived in %q -> %q", c, text, res.Text)
		}
	}
}

func FuzzRedact(f *testing.F) {
	for _, file := range []string{"dev.tsv", "holdout.tsv"} {
		for _, c := range readLabelled(f, filepath.Join("testdata", file)) {
			f.Add(c.input)
		}
	}
	for _, s := range []string{
		"", "\xff\xfe 三\xe4 hundred $ + ( @ .", "4111111111111111", "+4111111111111111", "a4111111111111111 4111111111111111",
		"4111111111111111x", "１２３４５６７８９０１２３", "double double double", "oh oh oh oh", "one 4111111111111111 two",
		"@@@ a@b.c x@y.zz at at dot dot com", "叉叉 11010519491231002 X", "1-800-555-0199 4111 1111 1111 1111 123",
		"$4111111111111111", "4111111111111111%", "4111111111111111.5", "0.4111111111111111", "10:4111111111111111",
	} {
		f.Add(s)
	}
	r, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkRedaction(t, text, r.Redact(text))
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"card":"4111 1111 1111 1111","n":4111111111111111,"a":[1,2.5,"x",null,true,false],"o":{}}`,
		`[]`, `"x"`, `12`, `{"a":`, `{"a" 1}`, `[1,]`, `{"account_number":"12345678","slots":{"phone":"5550134"}}`,
		`{"\u0041":"\ud800"}`, `1 2`, ``, `{"a":"b"}{"c":"d"}`,
	} {
		f.Add([]byte(s))
	}
	r, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		out, err := r.JSON(doc)
		if err != nil {
			if !errors.Is(err, ErrJSON) {
				t.Fatalf("error %v does not wrap ErrJSON", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid output %q for %q", out, doc)
		}
	})
}

func FuzzSilenceWAV(f *testing.F) {
	f.Add(wavBytes(f, 8000, 2, []int16{1, 2, 3, 4, 5, 6}), int64(0), int64(time.Millisecond), uint8(1))
	f.Add(wavBytes(f, 16000, 1, []int16{1, -2, 3}), int64(0), int64(time.Hour), uint8(0))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), int64(0), int64(1), uint8(2))
	f.Fuzz(func(t *testing.T, file []byte, start, end int64, ch uint8) {
		var dst seekBuffer
		err := SilenceWAV(&dst, bytes.NewReader(file), []Range{{Start: time.Duration(start), End: time.Duration(end), Channel: Channel(ch)}})
		if err != nil {
			if !errors.Is(err, media.ErrWAV) && !errors.Is(err, ErrRange) {
				t.Fatalf("error %v wraps neither media.ErrWAV nor ErrRange", err)
			}
			return
		}
		if _, _, _, err := media.ReadWAV(bytes.NewReader(dst.b)); err != nil {
			t.Fatalf("output is not a WAV file: %v", err)
		}
	})
}
