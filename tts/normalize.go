package tts

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize prepares text written for the screen (often by an LLM) to be
// spoken. It is deliberately light:
//
//   - Markdown links "[label](url)" become "label"; the markup characters
//   - _ ` # ~ | [ ] { } < > and a leading "- " or "+ " bullet become
//     spaces, so that an engine does not read them out ("asterisk").
//   - Control characters (NUL included) become spaces; runs of white space
//     become one space, none is left before punctuation; the result is
//     trimmed.
//   - A run of 4 or more ASCII digits is read digit by digit ("card ending
//     4821" → "card ending 4 8 2 1", an order number "120394" → "1 2 0 3 9
//     4"), because on the phone such strings are references, card or
//     account ends, codes and phone numbers far more often than amounts.
//     Exceptions: a run after a currency sign ($ € £ ¥ ￥) and a 4-digit
//     year 1900–2099 without a leading zero are left as numbers. Write
//     amounts with a thousands separator ("1,500") or a currency sign to
//     have them read as numbers; 3 digits or fewer are always numbers.
//
// Normalize works the same for every language; digits inside Chinese text
// are spelt the same way (an engine reads "4 8 2 1" as 四 八 二 一).
func Normalize(text string) string {
	text = stripLinks(text)
	var b strings.Builder
	b.Grow(len(text) + 16)
	lineStart := true
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
			lineStart = true
			i += size
			continue
		case lineStart && (r == '-' || r == '+') && i+1 < len(text) && text[i+1] == ' ':
			b.WriteByte(' ')
			i += size
			continue
		case r >= '0' && r <= '9':
			j := i
			for j < len(text) && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			writeDigits(&b, text[i:j], lastRune(text[:i]))
			i = j
			lineStart = false
			continue
		case r == utf8.RuneError && size == 1, unicode.IsControl(r), strings.ContainsRune("*_`#~|[]{}<>", r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		if !unicode.IsSpace(r) {
			lineStart = false
		}
		i += size
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if strings.ContainsAny(out, ".,!?;:)，。！？；：、") {
		out = spaceBeforePunct.Replace(out)
	}
	for strings.HasPrefix(out, "- ") || strings.HasPrefix(out, "+ ") {
		out = out[2:] // a bullet that markup removal uncovered
	}
	return out
}

// spaceBeforePunct removes the space markup removal leaves before
// punctuation ("**4821**." → "4 8 2 1 ." → "4 8 2 1.").
var spaceBeforePunct = strings.NewReplacer(
	" .", ".", " ,", ",", " !", "!", " ?", "?", " ;", ";", " :", ":", " )", ")",
	" ，", "，", " 。", "。", " ！", "！", " ？", "？", " ；", "；", " ：", "：", " 、", "、",
)

// writeDigits writes a run of ASCII digits, spelt one by one when it looks
// like a reference rather than a quantity.
func writeDigits(b *strings.Builder, run string, before rune) {
	spell := len(run) >= 4
	switch {
	case strings.ContainsRune("$€£¥￥", before):
		spell = false
	case len(run) == 4 && run[0] != '0' && (run[:2] == "19" || run[:2] == "20"):
		spell = false
	}
	if !spell {
		b.WriteString(run)
		return
	}
	for k := range len(run) {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(run[k])
	}
}

// lastRune returns the last non-space rune of s, or 0.
func lastRune(s string) rune {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	r, _ := utf8.DecodeLastRuneInString(s)
	if r == utf8.RuneError {
		return 0
	}
	return r
}

// stripLinks replaces Markdown links [label](url) by their label.
func stripLinks(s string) string {
	if !strings.Contains(s, "](") {
		return s
	}
	var b strings.Builder
	for {
		mid := strings.Index(s, "](")
		if mid < 0 {
			break
		}
		open := strings.LastIndexByte(s[:mid], '[')
		end := strings.IndexByte(s[mid:], ')')
		if open < 0 || end < 0 || strings.ContainsAny(s[mid+2:mid+end], " \n") {
			b.WriteString(s[:mid+2])
			s = s[mid+2:]
			continue
		}
		b.WriteString(s[:open])
		b.WriteString(s[open+1 : mid])
		s = s[mid+end+1:]
	}
	b.WriteString(s)
	return b.String()
}
