package kb

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/nlu/entity"
)

// MaxQueryRunes bounds how much of a query is read: a caller's turn is far
// shorter, and the bound keeps a search's cost flat on pathological input.
const MaxQueryRunes = 1000

// word is one unit of analysed text: a Latin word (lower-case, apostrophes
// dropped) or a run of CJK characters, which is never split into words.
type word struct {
	text  string
	cjk   bool
	stop  bool // a stop word or filler: no term of its own
	class bool // a spoken-form class ("~fee"), added by appendClasses
}

// analyzer turns text into words for the lexical index and the embedder.
// It is safe for concurrent use.
type analyzer struct {
	numbers *entity.Extractor // spoken numbers, money and times → digits
}

func newAnalyzer() *analyzer {
	x, err := entity.New()
	if err != nil {
		// entity.New without options cannot fail.
		panic("kb: entity extractor: " + err.Error())
	}
	return &analyzer{numbers: x}
}

// words normalises text and splits it into words, followed by the
// spoken-form classes found in it.
func (a *analyzer) words(text string) []word {
	return appendClasses(splitWords(a.spokenNumbers(clean(text, 0))))
}

// clean replaces invalid UTF-8 with spaces and, when max > 0, cuts text to
// max runes.
func clean(text string, max int) string {
	if max > 0 && utf8.RuneCountInString(text) > max {
		n := 0
		for i := range text {
			if n == max {
				text = text[:i]
				break
			}
			n++
		}
	}
	return strings.ToValidUTF8(text, " ")
}

// spokenNumbers writes numbers, amounts and times the way the articles
// do, whatever way they were said: "six hundred dollars" and "600 dollars"
// both become "600 usd", "四十八小时" "48小时", "five pm" "17:00". Dates are
// left alone: their value depends on the day.
func (a *analyzer) spokenNumbers(s string) string {
	if !mayHaveNumber(s) {
		return s
	}
	ents := a.numbers.Extract(s, time.Time{})
	if len(ents) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	last := 0
	for _, e := range ents {
		var repl string
		switch e.Type {
		case "number", "digits", "time":
			repl = e.Value
		case "money":
			amount, cur, _ := strings.Cut(e.Value, " ")
			repl = strings.TrimSuffix(amount, ".00") + " " + strings.ToLower(cur)
		default:
			continue
		}
		if e.Start < last || e.End > len(s) || !boundary(s, e.Start, e.End) {
			continue
		}
		b.WriteString(s[last:e.Start])
		// Keep digits apart from the CJK text around them.
		b.WriteByte(' ')
		b.WriteString(repl)
		b.WriteByte(' ')
		last = e.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// mayHaveNumber reports whether s has a digit, a Chinese numeral or an
// English number word: text without any has no number, amount or time to
// rewrite, and skips the extractor.
func mayHaveNumber(s string) bool {
	if strings.ContainsAny(s, "0123456789零〇一二两三四五六七八九十百千万亿幺") {
		return true
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len(f) >= 3 && len(f) <= 9 && numberWords[strings.ToLower(f)] {
			return true
		}
	}
	return false
}

var numberWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`one two three four five six seven eight nine ten eleven twelve
thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty
fifty sixty seventy eighty ninety hundred thousand million billion zero oh nil
half dozen double triple noon midnight`) {
		m[w] = true
	}
	return m
}()

// boundary reports whether s[start:end] is not part of a longer Latin word
// or number ("utf8", "v2").
func boundary(s string, start, end int) bool {
	if r, _ := utf8.DecodeLastRuneInString(s[:start]); start > 0 && r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(s[end:]); end < len(s) && r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return false
	}
	return true
}

// isCJK reports whether r belongs to a script written without spaces
// between words.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// fold maps full-width ASCII and typographic apostrophes to ASCII and
// lower-cases.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == '\u2019' || r == '\u2018' || r == '`' || r == '\u00b4':
		r = '\''
	}
	return unicode.ToLower(r)
}

// splitWords splits normalised text into Latin words and CJK runs.
// Apostrophes inside words are dropped ("don't" → "dont"), dots, commas
// and colons are kept between digits ("0.5", "17:00"; "1,000" → "1000"),
// a percent sign is the word "percent", currency words are their ISO codes
// (as spokenNumbers writes amounts), and a spelled-out run of single
// letters is one word ("a t m" → "atm").
func splitWords(s string) []word {
	var out []word
	var cur []rune
	cjk := false
	flush := func() {
		if len(cur) == 0 {
			return
		}
		w := string(cur)
		cur = cur[:0]
		if cjk {
			out = append(out, word{text: w, cjk: true})
			return
		}
		w = strings.Trim(w, "'")
		if w == "" {
			return
		}
		contraction := strings.IndexByte(w, '\'') >= 0
		w = strings.ReplaceAll(w, "'", "")
		if c, ok := currencies[w]; ok {
			w = c
		}
		out = append(out, word{text: w, stop: stopWords[w] || contraction && contractions[w]})
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := fold(rs[i])
		switch {
		case isCJK(r):
			if !cjk {
				flush()
				cjk = true
			}
			cur = append(cur, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if cjk {
				flush()
				cjk = false
			}
			cur = append(cur, r)
		case r == '\'' && !cjk && len(cur) > 0:
			cur = append(cur, r)
		case (r == '.' || r == ',' || r == ':') && !cjk && len(cur) > 0 &&
			unicode.IsDigit(cur[len(cur)-1]) && i+1 < len(rs) && unicode.IsDigit(rs[i+1]):
			if r != ',' {
				cur = append(cur, r)
			}
		case r == '%':
			flush()
			out = append(out, word{text: "percent"})
		default:
			flush()
		}
	}
	flush()
	return joinLetters(out)
}

// joinLetters joins runs of two or more single Latin letters, as speech
// recognition spells acronyms ("a t m", "p i n"), unless the run is only
// the words "a" and "i".
func joinLetters(ws []word) []word {
	single := func(w word) bool {
		return !w.cjk && len(w.text) == 1 && w.text[0] >= 'a' && w.text[0] <= 'z'
	}
	out := ws[:0]
	for i := 0; i < len(ws); {
		j := i
		for j < len(ws) && single(ws[j]) {
			j++
		}
		if j-i >= 2 {
			var b strings.Builder
			onlyAI := true
			for _, w := range ws[i:j] {
				b.WriteString(w.text)
				if w.text != "a" && w.text != "i" {
					onlyAI = false
				}
			}
			if !onlyAI {
				w := b.String()
				out = append(out, word{text: w, stop: stopWords[w]})
				i = j
				continue
			}
		}
		if j == i {
			j = i + 1
		}
		out = append(out, ws[i:j]...)
		i = j
	}
	return out
}

// stem strips common English inflections, lightly: plurals, -ing, -ed and
// a final e, so that "declined", "declines" and "declining" meet at
// "declin". Words of three letters or fewer and numbers are kept whole.
func stem(w string) string {
	if len(w) <= 3 || w[0] >= '0' && w[0] <= '9' {
		return w
	}
	undouble := false
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ing") && len(w) >= 6:
		w, undouble = w[:len(w)-3], true
	case strings.HasSuffix(w, "ed") && len(w) >= 5:
		w, undouble = w[:len(w)-2], true
	}
	if undouble && len(w) >= 3 {
		a, b := w[len(w)-1], w[len(w)-2]
		if a == b && strings.IndexByte("bdgkmnprt", a) >= 0 {
			w = w[:len(w)-1]
		}
	}
	if len(w) > 3 && strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "ee") {
		w = w[:len(w)-1]
	}
	return w
}

// cjkStop are characters that carry no topic on their own: pronouns,
// particles and fillers. They still take part in bigrams.
var cjkStop = map[rune]bool{
	'我': true, '你': true, '他': true, '她': true, '您': true, '的': true, '了': true,
	'吗': true, '呢': true, '是': true, '啊': true, '吧': true, '呀': true, '嗯': true,
	'哦': true, '么': true, '个': true, '这': true, '那': true, '就': true, '也': true,
	'都': true, '还': true, '在': true, '和': true, '把': true, '呃': true, '诶': true,
}

// currencies maps currency words to the ISO codes spokenNumbers writes.
var currencies = map[string]string{
	"dollar": "usd", "dollars": "usd", "buck": "usd", "bucks": "usd",
	"euro": "eur", "euros": "eur", "quid": "gbp", "pounds": "gbp",
	"yuan": "cny", "rmb": "cny", "人民币": "cny",
}

// contractions are stop words only when written with their apostrophe:
// "i'd" but not "my id", "we'll" but not "well".
var contractions = map[string]bool{
	"id": true, "ill": true, "hed": true, "shed": true, "wed": true, "well": true,
	"shell": true, "hell": true, "its": true, "lets": true, "youd": true, "theyd": true,
}

// stopWords are English function words and the fillers of spoken
// requests ("um yeah so basically"), checked before stemming.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
a about above after again all also am an and any are as at be because been
before being below between both but by can cant could couldnt did didnt do
does doesnt doing dont down during each few for from further had hadnt has
hasnt have havent having he hes her here hers herself him himself his
how hows i im ive if in into is isnt it its itself lets me more most my
myself no nor not of off on once only or other ought our ours ourselves out
over own same she shes should shouldnt so some such than that thats the
their theirs them themselves then there theres these they theyre this those
through to too under until up very was wasnt we were werent what whats when
whens where wheres which while who whos whom why whys will with wont would
wouldnt you youd youll youre youve your yours yourself yourselves
um uh er erm hmm ah oh ok okay yeah yes yep hi hello hey please thanks thank
like just really actually basically literally gonna wanna gotta kinda sorta
well right sure mean know tell wondering wonder get got getting
thing things stuff something someone somebody anything
one still even maybe way want wants wanted need needs needed
`) {
		m[w] = true
	}
	return m
}()

// term is a lexical term and its weight in a document.
type term struct {
	text   string
	weight float64
}

// concatWeight is the weight of a joined pair of words ("contact less" →
// "contactless"): a compound split by speech recognition, or the phrase.
const concatWeight = 0.5

// appendTerms appends the lexical terms of ws: stemmed words that are not
// stop words, the joined pairs of adjacent words whose first is not a stop
// word, and for CJK runs the characters (stop characters left out) and
// character bigrams.
func appendTerms(dst []term, ws []word) []term {
	for i, w := range ws {
		if w.class {
			dst = append(dst, term{text: w.text, weight: classWeight})
			continue
		}
		if w.cjk {
			rs := []rune(w.text)
			for j, r := range rs {
				if !cjkStop[r] {
					dst = append(dst, term{text: string(r), weight: 1})
				}
				if j+1 < len(rs) {
					dst = append(dst, term{text: string(rs[j : j+2]), weight: 1})
				}
			}
			continue
		}
		if !w.stop {
			dst = append(dst, term{text: stem(w.text), weight: 1})
		}
		if c, ok := concat(ws, i); ok {
			dst = append(dst, term{text: c, weight: concatWeight})
		}
	}
	return dst
}

// concat returns the stemmed join of ws[i] and ws[i+1] when both are
// Latin words of letters and the first is not a stop word.
func concat(ws []word, i int) (string, bool) {
	if i+1 >= len(ws) {
		return "", false
	}
	a, b := ws[i], ws[i+1]
	if a.cjk || b.cjk || a.stop || a.class || b.class || !letters(a.text) || !letters(b.text) {
		return "", false
	}
	return stem(a.text + b.text), true
}

func letters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// queryTerms returns the distinct lexical terms of a query.
func queryTerms(ws []word) []string {
	ts := appendTerms(nil, ws)
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.text)
	}
	return out
}
