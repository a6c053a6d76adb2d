package pocketsphinx

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// dictEntry is a pronunciation dictionary read once per process.
type dictEntry struct {
	once sync.Once
	dict map[string][]string
	err  error
}

var dicts sync.Map // path → *dictEntry

// loadDict reads a CMU-format dictionary ("word PH ON ES", alternates as
// "word(2) ..."), cached per path for the life of the process.
func loadDict(path string) (map[string][]string, error) {
	v, _ := dicts.LoadOrStore(path, &dictEntry{})
	e := v.(*dictEntry)
	e.once.Do(func() {
		f, err := os.Open(path)
		if err != nil {
			e.err = fmt.Errorf("%w: dictionary: %w", ErrModel, err)
			return
		}
		defer f.Close()
		d := make(map[string][]string, 140000)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			word, phones, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
			if !ok || word == "" || strings.HasPrefix(word, ";;;") {
				continue
			}
			if i := strings.IndexByte(word, '('); i > 0 && strings.HasSuffix(word, ")") {
				word = word[:i]
			}
			d[word] = append(d[word], strings.Join(strings.Fields(phones), " "))
		}
		if err := sc.Err(); err != nil {
			e.err = fmt.Errorf("%w: dictionary %s: %w", ErrModel, path, err)
			return
		}
		e.dict = d
	})
	return e.dict, e.err
}

// espeakToARPAbet maps espeak-ng's en-us phoneme mnemonics (as printed by
// "espeak-ng -x --sep=_", stress marks removed) to the ARPAbet phones of
// the en-us acoustic model.
var espeakToARPAbet = map[string]string{
	"p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V",
	"T": "TH", "D": "DH", "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "h": "HH",
	"m": "M", "n": "N", "N": "NG", "l": "L", "r": "R", "w": "W", "j": "Y",
	"tS": "CH", "dZ": "JH", "x": "K", "C": "HH", "r-": "R", "l-": "L", "n-": "N", "m-": "M",
	"?": "", "t#": "T", "d#": "D",
	"a": "AE", "aa": "AE", "a#": "AH", "A": "AA", "A:": "AA", "A@": "AA R", "0": "AA",
	"V": "AH", "@": "AH", "@-": "AH", "@2": "AH", "@5": "AH", "@L": "AH L", "@r": "ER",
	"3": "ER", "3:": "ER", "E": "EH", "E2": "EH", "E#": "EH", "e": "EH", "e@": "EH R",
	"I": "IH", "I2": "IH", "I#": "IH", "i": "IY", "i:": "IY", "i@": "IY R", "i@3": "IH R",
	"U": "UH", "U@": "UH R", "u": "UW", "u:": "UW", "y": "UW",
	"aI": "AY", "aI@": "AY ER", "aI3": "AY ER", "aU": "AW", "aU@": "AW ER", "eI": "EY",
	"o": "OW", "oU": "OW", "oU#": "OW", "O": "AO", "O:": "AO", "O@": "AO R", "o@": "AO R", "OI": "OY",
}

// espeakWord converts one word of "espeak-ng -x --sep=_" output to
// ARPAbet; ok is false when a phoneme has no mapping.
func espeakWord(x string) (string, bool) {
	var out []string
	for _, p := range strings.Split(x, "_") {
		p = strings.Map(func(r rune) rune {
			switch r {
			case '\'', ',', '%', '=', ';', '!':
				return -1
			}
			return r
		}, p)
		if p == "" || p == ":" {
			continue
		}
		a, ok := espeakToARPAbet[p]
		if !ok {
			a, ok = espeakToARPAbet[strings.TrimRight(p, "#0123456789")]
		}
		if !ok {
			return "", false
		}
		if a != "" {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return "", false
	}
	return strings.Join(out, " "), true
}

// espeakPronounce returns ARPAbet pronunciations of words from espeak-ng
// (one process for all of them; a word it cannot map is left out).
func espeakPronounce(bin string, words []string) (map[string]string, error) {
	if len(words) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-q", "-x", "-v", "en-us", "--sep=_")
	cmd.Stdin = strings.NewReader(strings.Join(words, "\n") + "\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", bin, err, strings.TrimSpace(stderr.String()))
	}
	var lines []string
	for _, l := range strings.Split(stdout.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	out := make(map[string]string, len(words))
	if len(lines) != len(words) {
		if len(words) == 1 {
			return out, nil
		}
		// espeak-ng merged or split some lines: halve until it does not.
		for _, part := range [][]string{words[:len(words)/2], words[len(words)/2:]} {
			m, err := espeakPronounce(bin, part)
			if err != nil {
				return nil, err
			}
			for k, v := range m {
				out[k] = v
			}
		}
		return out, nil
	}
	for i, l := range lines {
		// A word may come out as several (a spelled abbreviation): join.
		if p, ok := espeakWord(strings.Join(strings.Fields(l), "_")); ok {
			out[words[i]] = p
		}
	}
	return out, nil
}
