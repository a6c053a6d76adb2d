package pocketsphinx

import (
	_ "embed"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/prompts"
)

//go:embed corpus/generic.txt
var genericText string

var (
	months   = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)

// GenericSentences returns the built-in call-centre corpus added to every
// domain model: greetings, yes/no, asking for an agent, repair phrases,
// plus generated numbers, digit strings, amounts, dates and times.
func GenericSentences() []string {
	var out []string
	for _, l := range strings.Split(genericText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2)) // fixed: the same model every build
	// Numbers and amounts.
	for n := 0; n <= 120; n++ {
		w := asr.CardinalWords(int64(n))
		out = append(out, w, w+" dollars", "it's "+w)
	}
	for n := 100; n <= 2000; n += 50 {
		w := asr.CardinalWords(int64(n))
		out = append(out, w, w+" dollars", w+" pounds")
	}
	for range 150 {
		n := rng.IntN(10000)
		out = append(out, asr.CardinalWords(int64(n)), asr.CardinalWords(int64(n))+" dollars")
		out = append(out, fmt.Sprintf("%s dollars and %s cents", asr.CardinalWords(int64(rng.IntN(1000))), asr.CardinalWords(int64(1+rng.IntN(99)))))
	}
	// Digit strings (PINs, card ends, account and phone numbers).
	digit := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	for range 400 {
		n := 3 + rng.IntN(6)
		d := make([]string, n)
		for i := range d {
			d[i] = digit[rng.IntN(10)]
			if d[i] == "zero" && rng.IntN(3) == 0 {
				d[i] = "oh"
			}
		}
		s := strings.Join(d, " ")
		out = append(out, s)
		if rng.IntN(4) == 0 {
			out = append(out, "it's "+s, "the number is "+s)
		}
	}
	// Dates and times.
	for i, m := range months {
		for day := 1; day <= 31; day++ {
			if (day+i)%3 != 0 && day > 3 {
				continue // a third of the days is plenty for the n-grams
			}
			o := strings.Join(asr.SpokenWords(fmt.Sprintf("%dth", day)), " ")
			out = append(out, "the "+o+" of "+m, m+" "+o, m+" the "+o, "on the "+o+" of "+m)
		}
	}
	for _, d := range weekdays {
		out = append(out, d, "on "+d, "next "+d, "last "+d, "this "+d)
	}
	for h := 1; h <= 12; h++ {
		w := asr.CardinalWords(int64(h))
		out = append(out, w+" o'clock", w+" thirty", w+" p m", w+" a m", "at "+w)
	}
	for _, y := range []int{1990, 2000, 2019, 2023, 2024, 2025, 2026} {
		out = append(out, asr.CardinalWords(int64(y)))
	}
	out = append(out, "twenty twenty four", "twenty twenty five", "twenty twenty six", "nineteen ninety")
	return out
}

// BotSentences collects the English text a caller of bot is likely to
// say, or that names the bot's domain: intent examples (CSV rows
// included), entity values and synonyms with short carrier phrases, the
// allowed values of slots, handoff phrases, knowledge-base titles, tags
// and bodies, and the bot's own prompts (callers echo their words). It
// returns nil when the bot serves no English.
func BotSentences(bot *prompts.Bot) []string {
	if !servesEnglish(bot) {
		return nil
	}
	var out []string
	add := func(s ...string) {
		for _, x := range s {
			if x = strings.TrimSpace(x); x != "" && !asr.HasHan(x) {
				out = append(out, x)
			}
		}
	}
	for _, in := range bot.Intents {
		add(in.Examples...)
	}
	add(bot.Handoff.Phrases...)
	for _, et := range bot.Entities {
		for v, syns := range et.Values {
			for _, s := range append([]string{v}, syns...) {
				add(s, "my "+s, "the "+s, s+" please", "it's the "+s)
			}
		}
	}
	for _, a := range bot.Knowledge {
		add(a.Title)
		for _, t := range a.Tags {
			add(strings.ReplaceAll(t, "_", " "))
		}
		add(sentences(a.Body)...)
	}
	add(bot.Greeting, bot.Fallback, bot.Goodbye, bot.Handoff.Message)
	for _, f := range bot.Flows {
		for _, st := range f.Steps {
			add(sentences(st.Say)...)
			add(sentences(st.Reprompt)...)
			if st.Validate != nil {
				add(st.Validate.Values...)
			}
		}
	}
	return out
}

func servesEnglish(bot *prompts.Bot) bool {
	if len(bot.Languages) == 0 {
		return true
	}
	for _, l := range bot.Languages {
		if strings.HasPrefix(strings.ToLower(l), "en") {
			return true
		}
	}
	return false
}

// sentences splits text into sentences at . ! ? and newlines, removing
// template placeholders ("{{amount}}").
func sentences(text string) []string {
	for {
		i := strings.Index(text, "{{")
		j := strings.Index(text, "}}")
		if i < 0 || j < i {
			break
		}
		text = text[:i] + " " + text[j+2:]
	}
	return strings.FieldsFunc(text, func(r rune) bool {
		return r == '.' || r == '!' || r == '?' || r == '\n' || r == ';' || r == ':'
	})
}
