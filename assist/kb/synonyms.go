package kb

import (
	"strings"
	"unicode/utf8"
)

// Spoken forms. Callers do not use the words articles are written in:
// they "take money out of the hole in the wall" where the article says
// "ATM withdrawals", and ask "多少钱" where it says "运费". Each class
// below gathers the spoken and written ways of saying one thing; a text
// that says any of them gets the class as an extra term (lexical) and
// feature (embedder), on the article side and the query side alike, so
// that the two meet.
//
// The classes are register and paraphrase (slang, phrasal verbs, the
// everyday word for the official one), written for call centres of banks
// and parcel carriers. They deliberately hold no world knowledge of the
// "a power bank is a lithium battery" kind, which is what a model-based
// embedder (assist/kb/openai) brings.
var spokenClasses = []struct {
	name    string
	members string // English phrases separated by "|"; Chinese strings
}{
	// English: banking and payments.
	{"fee", "fee|charge|cost|price|pricing|commission|how much do you charge"},
	{"abroad", "abroad|overseas|international|foreign|another country|outside the country"},
	{"atm", "atm|cash machine|cashpoint|cash point|hole in the wall|cash dispenser"},
	{"withdraw", "withdraw|withdrawal|take out|take money out|get cash|get money out|cash out"},
	{"stolen", "stolen|stole|steal|theft|nicked|pinched|robbed|mugged|pickpocketed"},
	{"lost", "lost|lose|misplaced|cant find|can not find|cannot find"},
	{"block", "block|cancel|freeze|deactivate|stop my card"},
	{"arrive", "arrive|arrival|turn up|show up|receive|get here|reach me"},
	{"deliver", "delivery|deliver|post|mail|shipping|dispatch|send out|courier"},
	{"refund", "refund|money back|reimburse|reimbursement"},
	{"dispute", "dispute|chargeback|charge back|challenge|contest|dont recognise|dont recognize|unauthorised|unauthorized|fraud"},
	{"declined", "declined|refused|rejected|denied|not accepted|didnt go through|wont go through|doesnt go through|bounced"},
	{"contactless", "contactless|tap|paywave|tap to pay|nfc"},
	{"online", "online|internet|website|web|checkout|ecommerce"},
	{"verify", "verify|verification|identity|kyc|prove who|proof of identity"},
	{"wallet", "apple pay|google pay|samsung pay|phone wallet|mobile wallet|pay with my phone|pay by phone"},
	{"exchange", "exchange rate|rate|conversion|convert|currency"},
	{"topup", "top up|topup|add money|put money|load money|pay in|deposit"},
	{"limit", "limit|maximum|max|cap|ceiling|minimum"},
	{"transfer", "transfer|send money|sent money|wire|bank transfer"},
	{"virtual", "virtual|digital card|disposable|one time use|single use|throwaway"},
	{"replace", "replacement|replace|new card|another card"},

	// Chinese: parcels and e-commerce.
	{"时效", "时效|多久|几天|多长时间|什么时候到|送达|到货|延误|延迟"},
	{"运费", "运费|多少钱|收费|价格|费用|价钱|邮费|快递费|首重|续重"},
	{"破损", "破损|损坏|坏了|破了|碎了|压坏|摔坏|变形"},
	{"丢件", "丢件|丢失|丢了|弄丢|不见了|少了|缺件"},
	{"理赔", "理赔|赔偿|赔|索赔|补偿"},
	{"改地址", "改地址|修改地址|换地址|地址错|地址填错|转寄|换个地方|改收件"},
	{"禁寄", "禁寄|不能寄|能不能寄|可以寄吗|能寄吗|违禁|禁止寄递"},
	{"签收", "签收|收到了|拿到了"},
	{"投诉", "投诉|差评|举报"},
}

// classWeight is the weight of a class term in an article.
const classWeight = 1

type phrase struct {
	words []string // stemmed
	class string
}

var (
	// latinPhrases by their first stemmed word.
	latinPhrases = map[string][]phrase{}
	// hanPhrases by their first rune.
	hanPhrases = map[rune][]phrase{}
)

func init() {
	for _, c := range spokenClasses {
		class := "~" + c.name
		for _, m := range strings.Split(c.members, "|") {
			r, _ := utf8.DecodeRuneInString(m)
			if isCJK(r) {
				hanPhrases[r] = append(hanPhrases[r], phrase{words: []string{m}, class: class})
				continue
			}
			ws := strings.Fields(m)
			for i := range ws {
				ws[i] = stem(ws[i])
			}
			latinPhrases[ws[0]] = append(latinPhrases[ws[0]], phrase{words: ws, class: class})
		}
	}
}

// appendClasses appends, after a separator, one class word for each
// spoken form found in ws.
func appendClasses(ws []word) []word {
	var found []string
	add := func(c string) {
		for _, f := range found {
			if f == c {
				return
			}
		}
		found = append(found, c)
	}
	stems := make([]string, len(ws))
	for i, w := range ws {
		if !w.cjk {
			stems[i] = stem(w.text)
		}
	}
	for i, w := range ws {
		if w.cjk {
			rs := []rune(w.text)
			for j, r := range rs {
				for _, p := range hanPhrases[r] {
					if strings.HasPrefix(string(rs[j:]), p.words[0]) {
						add(p.class)
					}
				}
			}
			continue
		}
	next:
		for _, p := range latinPhrases[stems[i]] {
			if i+len(p.words) > len(ws) {
				continue
			}
			for k, pw := range p.words[1:] {
				if ws[i+1+k].cjk || stems[i+1+k] != pw {
					continue next
				}
			}
			add(p.class)
		}
	}
	if len(found) == 0 {
		return ws
	}
	ws = append(ws, word{text: "\n", stop: true})
	for _, c := range found {
		ws = append(ws, word{text: c, class: true})
	}
	return ws
}
