package alert

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxRunes bounds how much of an utterance is read: a spoken turn is far
// shorter, and the bound keeps evaluation cheap on pathological input.
const maxRunes = 2000

// Bounds on regular expressions. RE2 runs in linear time, so the risk is
// the size of the compiled program, not backtracking.
const (
	maxRegexBytes = 256
	maxRepeat     = 100
	maxRegexInst  = 2000
)

// normalise appends the matching form of s to dst: lower case, full-width
// ASCII folded to half width, apostrophes dropped ("don't" → "dont"),
// everything that is not a letter, digit or combining mark turned into a
// separator. A separator is written as one space between two words of a
// spaced script and dropped next to Chinese or Japanese characters, so
// that "我 要 投诉" reads "我要投诉" and "打 12315" reads "打12315". No
// leading or trailing space. At most maxRunes runes of s are read.
func normalise(dst []byte, s string) []byte {
	const (
		none = iota
		word
		cjk
	)
	last, gap := none, false
	n := 0
	for i, w := 0, 0; i < len(s) && n < maxRunes; i += w {
		r := rune(s[i])
		w = 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(s[i:])
		}
		n++
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFEE0
		case r == 0x3000: // ideographic space
			r = ' '
		}
		if r == '\'' || r == '\u2019' || r == '\u2018' || r == '`' || r == '\u00b4' {
			continue
		}
		var kind int
		switch {
		case r < utf8.RuneSelf:
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
			default:
				gap = true
				continue
			}
			kind = word
		case r == utf8.RuneError:
			gap = true
			continue
		case isCJK(r):
			kind = cjk
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if l := unicode.ToLower(r); !isCJK(l) {
				r = l
			}
			kind = word
		default:
			gap = true
			continue
		}
		if gap && last == word && kind == word {
			dst = append(dst, ' ')
		}
		gap = false
		last = kind
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// isCJK reports whether r belongs to a script written without spaces
// between words (Han, kana): phrases in it match as substrings.
func isCJK(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// wordRune reports whether r, a rune of normalised text, belongs to a word
// of a spaced script (so that a phrase must not end or start next to it).
func wordRune(r rune) bool { return r != ' ' && !isCJK(r) }

// phrase is one compiled spelling of a configured phrase.
type phrase struct {
	text       []byte // normalised
	start, end bool   // check a word boundary before / after the match
	source     string // the phrase as configured
}

// newPhrase compiles the normalised spelling text of source; prefix lets
// the last word run on.
func newPhrase(text []byte, source string, prefix bool) phrase {
	first, _ := utf8.DecodeRune(text)
	last, _ := utf8.DecodeLastRune(text)
	return phrase{text: text, start: wordRune(first), end: !prefix && wordRune(last), source: source}
}

// index is the byte offset of the first occurrence of p in the normalised
// text s at word boundaries (for the ends that are words of a spaced
// script), or -1.
func (p *phrase) index(s []byte) int {
	for off := 0; off+len(p.text) <= len(s); {
		i := bytes.Index(s[off:], p.text)
		if i < 0 {
			return -1
		}
		i += off
		if p.endsAt(s, i+len(p.text)) {
			return i
		}
		_, w := utf8.DecodeRune(s[i:])
		off = i + w
	}
	return -1
}

// synonymGroups turns the configured groups into normalised groups of
// distinct spellings, in a stable order (by key).
func synonymGroups(m map[string][]string) [][]string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var groups [][]string
	for _, k := range keys {
		var g []string
		for _, s := range append([]string{k}, m[k]...) {
			if n := string(normalise(nil, s)); n != "" && !slices.Contains(g, n) {
				g = append(g, n)
			}
		}
		if len(g) > 1 {
			groups = append(groups, g)
		}
	}
	return groups
}

// expand returns the spellings of the normalised phrase p with every
// synonym group applied: where a member of a group occurs (as whole words,
// or anywhere for Chinese), each other member is tried in its place. It
// fails when the phrase would have more than maxVariants spellings.
func expand(p string, groups [][]string) ([]string, error) {
	out := []string{p}
	for _, g := range groups {
		var next []string
		for _, v := range out {
			next = append(next, v)
			for _, m := range g {
				if !contains(v, m) {
					continue
				}
				for _, alt := range g {
					if alt != m {
						next = append(next, replaceWord(v, m, alt))
					}
				}
				break
			}
		}
		slices.Sort(next)
		out = slices.Compact(next)
		if len(out) > maxVariants {
			return nil, fmt.Errorf("expands to more than %d spellings with the synonyms", maxVariants)
		}
	}
	return out, nil
}

// contains reports whether the normalised word or phrase m occurs in the
// normalised text s at word boundaries.
func contains(s, m string) bool {
	p := newPhrase([]byte(m), m, false)
	return p.index([]byte(s)) >= 0
}

// replaceWord replaces every occurrence of m in s that sits at word
// boundaries by alt.
func replaceWord(s, m, alt string) string {
	p := newPhrase([]byte(m), m, false)
	var b strings.Builder
	for {
		i := p.index([]byte(s))
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(alt)
		s = s[i+len(m):]
	}
}

// compilePhrases compiles a rule's phrases with the synonym groups.
func compilePhrases(key string, phrases []string, groups [][]string) ([]phrase, error) {
	if len(phrases) > maxPhrases {
		return nil, bad(key+".phrases", "lists %d phrases, more than %d", len(phrases), maxPhrases)
	}
	var out []phrase
	for i, src := range phrases {
		k := fmt.Sprintf("%s.phrases[%d]", key, i)
		if utf8.RuneCountInString(src) > maxPhraseRunes {
			return nil, bad(k, "longer than %d characters", maxPhraseRunes)
		}
		s := strings.TrimSpace(src)
		prefix := strings.HasSuffix(s, "*")
		s = strings.TrimRight(s, "*")
		if prefix && (s == "" || !wordRuneEnd(s)) {
			return nil, bad(k, "%q: a trailing '*' must follow a letter or digit of a spaced script", src)
		}
		norm := string(normalise(nil, s))
		if norm == "" {
			return nil, bad(k, "%q has no letters or digits", src)
		}
		variants, err := expand(norm, groups)
		if err != nil {
			return nil, bad(k, "%q %v", src, err)
		}
		for _, v := range variants {
			out = append(out, newPhrase([]byte(v), src, prefix))
		}
	}
	return out, nil
}

// wordRuneEnd reports whether s ends in a letter or digit of a spaced
// script.
func wordRuneEnd(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isCJK(r)
}

// compileRegex compiles one configured expression within the bounds.
func compileRegex(key, src string) (*regexp.Regexp, error) {
	if len(src) > maxRegexBytes {
		return nil, bad(key, "longer than %d bytes", maxRegexBytes)
	}
	if src == "" {
		return nil, bad(key, "is empty")
	}
	tree, err := syntax.Parse(src, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil, bad(key, "%q: %v", src, err)
	}
	if n := maxRepeatCount(tree); n > maxRepeat {
		return nil, bad(key, "%q repeats %d times; at most %d", src, n, maxRepeat)
	}
	prog, err := syntax.Compile(tree.Simplify())
	if err != nil {
		return nil, bad(key, "%q: %v", src, err)
	}
	if len(prog.Inst) > maxRegexInst {
		return nil, bad(key, "%q compiles to %d instructions; at most %d (nested or long repeats)", src, len(prog.Inst), maxRegexInst)
	}
	re, err := regexp.Compile("(?i)" + src)
	if err != nil {
		return nil, bad(key, "%q: %v", src, err)
	}
	if re.MatchString("") {
		return nil, bad(key, "%q matches empty text, so it would fire on every utterance", src)
	}
	return re, nil
}

// maxRepeatCount is the largest {n,m} count in the expression.
func maxRepeatCount(re *syntax.Regexp) int {
	n := 0
	if re.Op == syntax.OpRepeat {
		n = max(re.Min, re.Max)
	}
	for _, s := range re.Sub {
		n = max(n, maxRepeatCount(s))
	}
	return n
}
