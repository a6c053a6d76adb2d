package redact

import (
	"strings"
	"unicode/utf8"
)

// cue is a set of context signals found before a number.
type cue uint16

const (
	cueCard    cue = 1 << iota // card, visa, 卡号, 信用卡
	cueCVV                     // cvv, security code, 安全码
	cuePhone                   // phone, mobile, call, 手机, 电话
	cueAccount                 // account, acct, 账号, 账户 (and the configured cues)
	cueID                      // identity, passport, 身份证
	cueSSN                     // social, ssn
	cueNeg                     // order, tracking, invoice, 订单, 运单: a number that is not PII
)

// wordKind says what a word does around numbers.
type wordKind uint8

const (
	wNone     wordKind = iota
	wDigit             // zero..nine
	wOh                // "oh", "o": zero inside a digit string only
	wTeen              // ten..nineteen
	wTens              // twenty..ninety
	wHundred           // hundred (after a digit: "eight hundred")
	wRepeat            // double, triple
	wFiller            // um, uh, and, then: may sit between the groups of one number
	wSep               // dash, hyphen: a spoken separator inside a number
	wCount             // first, last, next: "the last four" is a count, not a digit
	wPlus              // "plus" before an international number
	wX                 // "x", "ex": the check character of a Chinese ID
	wUnit              // dollars, percent, items: the number before is a quantity
	wCurrency          // usd, rmb: the number after is an amount
)

// wordInfo is what the word table knows about a lower-case word.
type wordInfo struct {
	kind  wordKind
	val   uint8 // wDigit, wTeen, wTens: the value; wRepeat: the count
	cue   cue   // context signals the word gives to a number after it
	email uint8 // emailAt, emailDot, emailUnderscore, emailDash
	stop  bool  // cannot be (part of) the local part of a spoken email
	tld   bool  // a top-level domain a spoken email may end with
}

// Spoken email words.
const (
	emailAt = iota + 1
	emailDot
	emailUnderscore
	emailDash
)

// words is the word table, keyed by lower-case ASCII spelling. Built once.
var words = buildWords()

func buildWords() map[string]*wordInfo {
	m := map[string]*wordInfo{}
	get := func(w string) *wordInfo {
		if m[w] == nil {
			m[w] = &wordInfo{}
		}
		return m[w]
	}
	for i, w := range strings.Fields("zero one two three four five six seven eight nine") {
		e := get(w)
		e.kind, e.val = wDigit, uint8(i)
	}
	get("nought").kind = wDigit
	get("oh").kind = wOh
	get("o").kind = wOh
	for i, w := range strings.Fields("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen") {
		e := get(w)
		e.kind, e.val = wTeen, uint8(10+i)
	}
	for i, w := range strings.Fields("twenty thirty forty fifty sixty seventy eighty ninety") {
		e := get(w)
		e.kind, e.val = wTens, uint8(20+10*i)
	}
	get("hundred").kind = wHundred
	for w, n := range map[string]uint8{"double": 2, "triple": 3, "treble": 3} {
		e := get(w)
		e.kind, e.val = wRepeat, n
	}
	for _, w := range strings.Fields(`um umm uh uhh er erm hmm hm ah eh and then next sorry ok okay so
		yeah yes the is are it's its it i mean wait let me see that's thats comma followed by
		after that like actually again`) {
		get(w).kind = wFiller
	}
	for _, w := range strings.Fields("dash hyphen space") {
		get(w).kind = wSep
	}
	for _, w := range strings.Fields("first last next final other remaining") {
		e := get(w)
		if e.kind == wNone || e.kind == wFiller {
			e.kind = wCount
		}
	}
	get("plus").kind = wPlus
	get("x").kind = wX
	get("ex").kind = wX
	for _, w := range strings.Fields(`dollars dollar bucks buck cents cent usd yuan rmb euros euro pounds
		percent items item times minutes minute mins hours hour hrs days day weeks week months month
		years year am pm st nd rd th kg km miles mile people points point calls seconds`) {
		e := get(w)
		if e.kind == wNone {
			e.kind = wUnit
		}
	}
	for _, w := range strings.Fields("usd rmb cny hkd eur gbp aud cad jpy") {
		get(w).kind = wCurrency
	}
	cues := map[cue]string{
		cueCard:    "card cards credit debit visa mastercard master amex unionpay pan cc cardnumber",
		cueCVV:     "cvv cvc cvv2 cvc2 cvn csc security verification back pin",
		cuePhone:   "phone telephone tel mobile cell cellphone call callback reach fax whatsapp landline text contact",
		cueAccount: "account accounts acct iban member membership policy",
		cueID:      "id identity identification passport license licence national",
		cueSSN:     "social ssn",
		cueNeg: `order orders tracking track invoice reference ref confirmation ticket case parcel package
			shipment waybill receipt serial model flight room extension ext booking reservation transaction
			claim po sku product version zip postcode postal expiry expiration expires exp expire valid
			ending ends ended trailing`,
	}
	for c, ws := range cues {
		for _, w := range strings.Fields(ws) {
			get(w).cue |= c
		}
	}
	for w, k := range map[string]uint8{"at": emailAt, "dot": emailDot, "underscore": emailUnderscore, "dash": emailDash, "hyphen": emailDash} {
		get(w).email = k
	}
	for _, w := range strings.Fields(`com net org edu gov mil cn io co uk us ca de jp hk tw me info biz ai app dev
		fr au sg in`) {
		get(w).tld = true
	}
	for _, w := range strings.Fields(`at is am are was were be been it it's its me us him her them you your my our
		their his look looking here there home work least all once first last the a an and or to email
		e-mail mail address send sent write reach contact find visit go check log sign shop order buy
		bought online website site apply available arrive arrived arriving stay staying meet call
		text message is it's that's thats please number phone dot underscore dash hyphen`) {
		get(w).stop = true
	}
	return m
}

// lookupWord returns the table entry of a word, nil when it has none.
// Only ASCII words up to 16 bytes can be in the table.
func lookupWord(w string) *wordInfo {
	if len(w) > 16 {
		return nil
	}
	var buf [16]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return nil
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return words[string(buf[:len(w)])]
}

// hanCue is a Chinese phrase that gives a cue.
type hanCue struct {
	phrase string
	cue    cue
}

// hanCues are looked up by substring in the Han runs before a number.
var hanCues = func() map[rune][]hanCue {
	list := map[cue]string{
		cueCard:    "卡号 银行卡 信用卡 借记卡 储蓄卡 卡片号 银联 卡的号码",
		cueCVV:     "安全码 校验码 背面 验证值 密码",
		cuePhone:   "手机 电话 号码 座机 联系方式 来电 致电 微信 打给我 联系我",
		cueAccount: "账号 帐号 账户 帐户 户号 会员号 会员卡 保单号 客户号 存折",
		cueID:      "身份证 证件 护照 身份号",
		cueNeg:     "订单 运单 快递 单号 工单 物流 包裹 发票 流水 编号 型号 航班 房间 分机 取件码 验证码 邮编 有效期 过期 尾号",
	}
	m := map[rune][]hanCue{}
	for c, ps := range list {
		for _, p := range strings.Fields(ps) {
			r := firstRune(p)
			m[r] = append(m[r], hanCue{p, c})
		}
	}
	return m
}()

// hanCueOf returns the cues of the phrases in a Han run, the longest
// phrase winning where two overlap ("保单号" is a policy, not "单号").
func hanCueOf(s string) cue {
	var c cue
	prevEnd := -1
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		best := -1
		for k, h := range hanCues[r] {
			if strings.HasPrefix(s[i:], h.phrase) && (best < 0 || len(h.phrase) > len(hanCues[r][best].phrase)) {
				best = k
			}
		}
		if best >= 0 {
			h := hanCues[r][best]
			// "号码" after a cue is that cue's number: "账户号码", "手机号码".
			if !(h.phrase == "号码" && i == prevEnd) {
				c |= h.cue
			}
			i += len(h.phrase)
			prevEnd = i
			continue
		}
		i += n
	}
	return c
}

// hanUnitAfter are characters that make the Han or written number before
// them a quantity, a date or a count ("三位", "二零二四年", "50元").
var hanUnitAfter = map[rune]bool{
	'元': true, '块': true, '角': true, '毛': true, '分': true, '万': true, '亿': true, '千': true,
	'百': true, '十': true, '个': true, '件': true, '次': true, '位': true, '年': true, '月': true,
	'日': true, '号': true, '点': true, '岁': true, '天': true, '小': true, '秒': true, '米': true,
	'公': true, '斤': true, '张': true, '笔': true, '人': true, '楼': true, '层': true, '室': true,
	'条': true, '台': true, '周': true, '期': true, '倍': true, '折': true, '克': true, '瓶': true,
	'箱': true, '份': true, '单': true,
}

// hanUnitBefore are characters after which a Han digit is part of a
// number with units or an ordinal ("一千二", "第一").
var hanUnitBefore = map[rune]bool{'十': true, '百': true, '千': true, '万': true, '亿': true, '第': true, '周': true, '星': true, '期': true, '礼': true, '拜': true}

// hanFiller are the characters of fillers that may sit between the groups
// of one number ("嗯", "然后是", "最后四位").
var hanFiller = map[rune]bool{
	'嗯': true, '呃': true, '额': true, '啊': true, '哦': true, '噢': true, '呢': true, '吧': true,
	'然': true, '后': true, '接': true, '着': true, '再': true, '是': true, '最': true, '前': true,
	'面': true, '还': true, '有': true, '的': true, '位': true, '就': true, '那': true, '个': true,
	'这': true, '对': true, '好': true, '杠': true,
}

// sentenceEnd reports punctuation that ends the clause a cue is looked
// for in.
func sentenceEnd(r rune) bool {
	switch r {
	case '?', '!', ';', '。', '？', '！', '；', '\n':
		return true
	}
	return false
}
