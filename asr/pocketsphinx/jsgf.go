package pocketsphinx

import (
	"sort"
	"strings"

	"github.com/switchboard-voice/switchboard/asr"
)

// Search names inside a decoder: the free-speech language model and one
// grammar per asr.Grammar.
const searchFree = "free"

// Shared JSGF rules.
const (
	jsgfNumbers = `
<units> = one | two | three | four | five | six | seven | eight | nine;
<teens> = ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | seventeen | eighteen | nineteen;
<tens> = twenty | thirty | forty | fifty | sixty | seventy | eighty | ninety;
<below100> = <units> | <teens> | <tens> [<units>];
<below1000> = <below100> | (a | <units>) hundred [[and] <below100>];
<cardinal> = zero | <below1000> | (a | <below1000>) thousand [[and] <below1000>];
`
	jsgfDigit = `<digit> = zero | oh | one | two | three | four | five | six | seven | eight | nine;
`
)

// grammars are the JSGF grammars for slot prompts, by asr.Grammar. Each
// allows a few carrier words ("it's", "my number is") around the answer.
var grammars = map[asr.Grammar]string{
	asr.GrammarDigits: `#JSGF V1.0;
grammar digits;
` + jsgfDigit + `<lead> = it's | it is | my number is | the number is | that's;
public <digits> = [<lead>] <digit>+;
`,
	asr.GrammarDigits4: `#JSGF V1.0;
grammar digits4;
` + jsgfDigit + `<lead> = it's | it is | that's;
public <digits4> = [<lead>] <digit> <digit> <digit> <digit>;
`,
	asr.GrammarYesNo: `#JSGF V1.0;
grammar yesno;
<yes> = yes | yeah | yep | yup | sure | correct | right | okay | ok | alright | absolutely | of course |
	yes please | yes it is | yes that's right | yes that's correct | that's right | that's correct |
	go ahead | please do | i do | it is | that's it;
<no> = no | nope | nah | no thanks | no thank you | not really | negative | no it isn't | no that's wrong |
	that's wrong | wrong | incorrect | i don't | it isn't | no it's not | not at all;
public <yesno> = <yes> | <no>;
`,
	asr.GrammarNumber: `#JSGF V1.0;
grammar number;
` + jsgfNumbers + jsgfDigit + `<currency> = dollars | dollar | pounds | pound | euros | euro | bucks;
<amount> = <cardinal> [<currency>] [and <below100> cents] | <cardinal> point <digit>+ [<currency>] | <below100> <below100> | <below100> cents;
public <number> = [it's | about | around | i want | i'd like | make it | just] <amount> [please];
`,
	asr.GrammarDate: `#JSGF V1.0;
grammar date;
` + jsgfNumbers + `<month> = january | february | march | april | may | june | july | august | september | october | november | december;
<weekday> = monday | tuesday | wednesday | thursday | friday | saturday | sunday;
<ordunits> = first | second | third | fourth | fifth | sixth | seventh | eighth | ninth;
<ordinal> = <ordunits> | tenth | eleventh | twelfth | thirteenth | fourteenth | fifteenth | sixteenth |
	seventeenth | eighteenth | nineteenth | twentieth | twenty <ordunits> | thirtieth | thirty first;
<year> = (nineteen | twenty) (<tens> [<units>] | <teens> | oh <units> | hundred) | two thousand [[and] <below100>];
<day> = [the] <ordinal> [of] <month> | <month> [the] <ordinal> | [on] [the] <ordinal> | <month> <below100>;
<relative> = today | tomorrow | yesterday | the day after tomorrow | the day before yesterday |
	(next | last | this | on) (<weekday> | week | month) | <weekday> | in <below100> (days | weeks);
public <date> = [it's | it was | on | it's on] (<day> [<year>] | <relative> | <weekday> [the] <ordinal> [of <month>]);
`,
}

// grammarWords returns every word the grammars use.
func grammarWords() []string {
	seen := map[string]bool{}
	for _, g := range grammars {
		for _, line := range strings.Split(g, "\n") {
			if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "grammar ") {
				continue
			}
			if _, body, ok := strings.Cut(line, "="); ok {
				line = body
			}
			for _, w := range strings.FieldsFunc(line, func(r rune) bool {
				return strings.ContainsRune(" \t|[]()+*;", r)
			}) {
				if !strings.HasPrefix(w, "<") {
					seen[w] = true
				}
			}
		}
	}
	words := make([]string, 0, len(seen))
	for w := range seen {
		words = append(words, w)
	}
	sort.Strings(words)
	return words
}
