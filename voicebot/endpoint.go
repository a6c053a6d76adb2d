package voicebot

import (
	"strings"
	"unicode"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
)

// completeness of a partial transcript as an answer to what the bot
// asked.
type completeness int

const (
	unknown    completeness = iota // judge by silence alone
	complete                       // the answer is all there: end the turn sooner
	incomplete                     // the caller is not done: wait longer
)

// digitWords are spoken digits, English and Mandarin.
var digitWords = map[string]byte{
	"zero": '0', "oh": '0', "o": '0', "one": '1', "two": '2', "three": '3', "four": '4',
	"five": '5', "six": '6', "seven": '7', "eight": '8', "nine": '9',
}

var zhDigits = map[rune]byte{
	'零': '0', '〇': '0', '一': '1', '幺': '1', '二': '2', '两': '2', '三': '3', '四': '4',
	'五': '5', '六': '6', '七': '7', '八': '8', '九': '9',
}

// spokenDigits returns the digits in a transcript, written or spoken
// ("four 8 two one" → "4821"; "四八二一" → "4821").
func spokenDigits(text string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '.' || r == '-'
	}) {
		if d, ok := digitWords[w]; ok {
			b.WriteByte(d)
			continue
		}
		for _, r := range w {
			if r >= '0' && r <= '9' {
				b.WriteRune(r)
			} else if d, ok := zhDigits[r]; ok {
				b.WriteByte(d)
			}
		}
	}
	return b.String()
}

var yesNoWords = map[string]bool{
	"yes": true, "yeah": true, "yep": true, "yup": true, "no": true, "nope": true, "correct": true,
	"right": true, "sure": true, "okay": true, "ok": true, "please": true,
}

var zhYesNo = []string{"是", "对", "好", "不", "没有", "可以", "行"}

// trailing words that mean the caller has more to say.
var unfinished = map[string]bool{
	"and": true, "but": true, "or": true, "so": true, "because": true, "um": true, "uh": true,
	"er": true, "erm": true, "the": true, "a": true, "an": true, "my": true, "to": true,
	"is": true, "it's": true, "of": true, "for": true, "with": true, "i": true, "i'm": true,
	"want": true, "need": true, "like": true, "about": true,
}

var zhUnfinished = []string{"嗯", "那个", "就是", "然后", "和", "但是", "因为", "我想", "我要"}

// judge says whether partial already answers x.
func judge(x dialog.Expectation, partial string) completeness {
	partial = strings.TrimSpace(strings.ToLower(partial))
	if partial == "" {
		return unknown
	}
	words := strings.Fields(partial)
	last := strings.Trim(words[len(words)-1], ",.?!")
	switch x.Type {
	case "digits", "number", "phone", "id":
		d := spokenDigits(partial)
		switch {
		case x.Length > 0 && len(d) >= x.Length:
			return complete
		case len(d) > 0:
			return incomplete // digits keep coming
		}
	case "yesno":
		if yesNoWords[last] {
			return complete
		}
		for _, w := range zhYesNo {
			if strings.HasSuffix(partial, w) || strings.HasSuffix(partial, w+"的") {
				return complete
			}
		}
	}
	for _, v := range x.Values {
		if v != "" && strings.HasSuffix(partial, strings.ToLower(v)) {
			return complete
		}
	}
	if unfinished[last] {
		return incomplete
	}
	for _, w := range zhUnfinished {
		if strings.HasSuffix(partial, w) {
			return incomplete
		}
	}
	return unknown
}

// backchannels are short acknowledgements that must not take the turn
// from the bot.
var backchannels = map[string]bool{
	"mm": true, "mhm": true, "mm-hm": true, "mm hm": true, "uh-huh": true, "uh huh": true, "hmm": true,
	"ok": true, "okay": true, "yeah": true, "yes": false, "right": true, "sure": true, "alright": true,
	"got it": true, "i see": true, "uh": true, "um": true, "ah": true, "oh": true,
	"嗯": true, "嗯嗯": true, "哦": true, "好": true, "好的": true, "对": true, "是": true, "啊": true,
}

// isBackchannel reports whether a transcript is only an acknowledgement
// (or nothing).
func isBackchannel(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	t = strings.TrimFunc(t, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	if t == "" {
		return true
	}
	return backchannels[t]
}

// grammarFor picks the recognition grammar for what the bot asked.
func grammarFor(x dialog.Expectation) asr.Grammar {
	switch x.Type {
	case "digits", "phone", "id":
		if x.Type == "digits" && x.Length == 4 {
			return asr.GrammarDigits4
		}
		return asr.GrammarDigits
	case "yesno":
		return asr.GrammarYesNo
	case "number", "money":
		return asr.GrammarNumber
	case "date":
		return asr.GrammarDate
	}
	return asr.GrammarFree
}

// wantsDigits reports whether keypad entry answers x.
func wantsDigits(x dialog.Expectation) bool {
	switch x.Type {
	case "digits", "number", "money", "phone", "id":
		return true
	}
	return false
}
