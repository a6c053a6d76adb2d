package entity

import (
	"math"
	"strconv"
)

// curWords are currency names said after an amount ("25 dollars").
var curWords = map[string]string{
	"dollar": "USD", "dollars": "USD", "buck": "USD", "bucks": "USD", "usd": "USD",
	"euro": "EUR", "euros": "EUR", "eur": "EUR",
	"pound": "GBP", "pounds": "GBP", "quid": "GBP", "gbp": "GBP", "sterling": "GBP",
	"yen": "JPY", "jpy": "JPY",
	"yuan": "CNY", "rmb": "CNY", "cny": "CNY", "renminbi": "CNY", "kuai": "CNY",
	"rupee": "INR", "rupees": "INR", "inr": "INR",
	"hkd": "HKD", "cad": "CAD", "aud": "AUD", "sgd": "SGD", "chf": "CHF",
	"francs": "CHF", "franc": "CHF",
}

// curCodes may also precede an amount ("USD 25", "RMB 300").
var curCodes = map[string]string{
	"usd": "USD", "eur": "EUR", "gbp": "GBP", "jpy": "JPY", "cny": "CNY", "rmb": "CNY",
	"inr": "INR", "hkd": "HKD", "cad": "CAD", "aud": "AUD", "sgd": "SGD", "chf": "CHF",
}

// dollarAdj qualify "dollars" ("canadian dollars").
var dollarAdj = map[string]string{
	"us": "USD", "u.s.": "USD", "american": "USD", "canadian": "CAD",
	"australian": "AUD", "singapore": "SGD", "hk": "HKD", "taiwan": "TWD",
}

// curSymbols are currency signs; ¥ is read as CNY.
var curSymbols = map[rune]string{
	'$': "USD", '£': "GBP", '€': "EUR", '¥': "CNY", '￥': "CNY", '₹': "INR", '₩': "KRW", '＄': "USD",
}

// symbolPrefix qualify "$" when written just before it ("HK$").
var symbolPrefix = map[string]string{"us": "USD", "hk": "HKD", "c": "CAD", "a": "AUD", "s": "SGD", "nt": "TWD"}

// zhCurrencies are Chinese currency words, longest first.
var zhCurrencies = []struct{ w, cur string }{
	{"元人民币", "CNY"}, {"块钱", "CNY"}, {"元钱", "CNY"}, {"人民币", "CNY"},
	{"美元", "USD"}, {"美金", "USD"}, {"欧元", "EUR"}, {"英镑", "GBP"},
	{"日元", "JPY"}, {"日币", "JPY"}, {"港币", "HKD"}, {"港元", "HKD"},
	{"韩元", "KRW"}, {"卢比", "INR"}, {"块", "CNY"}, {"元", "CNY"}, {"圆", "CNY"},
}

// money finds money amounts.
func (s *scan) money() {
	for i := 0; i < len(s.toks); {
		if j, ok := s.moneyAt(i); ok {
			i = j
			continue
		}
		i++
	}
}

func (s *scan) emitMoney(i, j int, v float64, cur string) (int, bool) {
	if v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || j <= i {
		return i, false
	}
	s.add(TypeMoney, fmtMoney(v, cur), i, j, v, priMoney)
	return j, true
}

// fmtMoney formats "350.00 CNY".
func fmtMoney(v float64, cur string) string {
	return strconv.FormatFloat(v, 'f', 2, 64) + " " + cur
}

// moneyAt recognizes an amount starting at token i.
func (s *scan) moneyAt(i int) (int, bool) {
	t := &s.toks[i]
	// Symbol first: "$25.50", "HK$ 100", "¥200".
	if t.kind == tPunct || (t.kind == tWord && s.punct(i+1, '$') && s.adj(i+1)) {
		k := i
		cur := ""
		if t.kind == tWord {
			c, ok := symbolPrefix[t.s]
			if !ok {
				return i, false
			}
			cur = c
			k++
		} else {
			c, ok := curSymbols[t.r]
			if !ok {
				return i, false
			}
			cur = c
		}
		v, j, ok := s.numAt(k + 1)
		if !ok {
			return i, false
		}
		// "$25 and 50 cents" / "$25 dollars".
		if w := s.word(j); w == "dollars" || w == "dollar" || w == "bucks" {
			j++
		}
		if c, k2, ok := s.cents(j); ok {
			v += c
			j = k2
		}
		// "¥200元"
		if cur == "CNY" {
			if _, k2, ok := s.zhCurrency(j); ok {
				j = k2
			}
		}
		return s.emitMoney(i, j, v, cur)
	}
	// Code first: "USD 25", "RMB 300".
	if c, ok := curCodes[s.word(i)]; ok {
		if v, j, ok := s.numAt(i + 1); ok && s.toks[i+1].kind == tNum {
			return s.emitMoney(i, j, v, c)
		}
	}
	// Chinese currency first: "人民币200", "美元五十".
	if t.kind == tHan {
		if w, k, ok := s.hanAny(i, "人民币", "美元", "美金", "欧元", "英镑", "日元", "港币", "港元"); ok {
			if v, j, ok := s.numAt(k); ok {
				if _, j2, ok := s.zhCurrency(j); ok {
					j = j2
				}
				return s.emitMoney(i, j, v, zhCurrencyCode(w))
			}
		}
	}
	// Amount first.
	v, j, ok := s.numAt(i)
	if !ok {
		// "5毛" handled below via numAt; nothing else starts money.
		return i, false
	}
	// "20€"
	if s.adj(j) && s.toks[j].kind == tPunct {
		if c, ok := curSymbols[s.toks[j].r]; ok {
			return s.emitMoney(i, j+1, v, c)
		}
	}
	// English: "25 dollars and 50 cents", "100 canadian dollars", "300 rmb".
	k := j
	cur := ""
	if c, ok := dollarAdj[s.word(k)]; ok && (s.word(k+1) == "dollars" || s.word(k+1) == "dollar") {
		cur = c
		k += 2
	} else if s.word(k) == "hong" && s.word(k+1) == "kong" && (s.word(k+2) == "dollars" || s.word(k+2) == "dollar") {
		cur = "HKD"
		k += 3
	} else if c, ok := curWords[s.word(k)]; ok {
		cur = c
		k++
	}
	if cur != "" {
		main := s.word(k - 1)
		if main == "dollars" || main == "dollar" || main == "bucks" || main == "euros" || main == "euro" || main == "pounds" || main == "pound" {
			if c, k2, ok := s.cents(k); ok {
				v += c
				k = k2
			} else if w := s.word(k); w != "" || s.num(k) != "" {
				// "twenty five dollars fifty"
				if c, k2, ok := s.intAt(k, 1, 99); ok && !s.moreAfter(k2) {
					v += float64(c) / 100
					k = k2
				}
			}
		}
		return s.emitMoney(i, k, v, cur)
	}
	switch s.word(j) {
	case "cents", "cent":
		return s.emitMoney(i, j+1, v/100, "USD")
	case "pence", "p":
		if s.word(j) == "pence" || s.adj(j) {
			return s.emitMoney(i, j+1, v/100, "GBP")
		}
	}
	// Chinese: "三百五十元", "5块5", "两块五毛", "一百美元".
	if c, k, ok := s.zhCurrency(j); ok {
		if c == "CNY" {
			if w := s.toks[k-1].s; w == "块" || w == "元" || w == "圆" || w == "钱" {
				v, k = s.zhSubunits(v, k)
			}
		}
		return s.emitMoney(i, k, v, c)
	}
	// "5毛", "三毛五"
	if (s.han(j) == '毛' || s.han(j) == '角') && v == math.Trunc(v) && v < 10 && v > 0 {
		total, k := s.zhSubunits(0, i)
		if k > j {
			return s.emitMoney(i, k, total, "CNY")
		}
	}
	return i, false
}

// moreAfter reports that a word or digit follows k (so a trailing amount
// is not cents but something else).
func (s *scan) moreAfter(k int) bool {
	w := s.word(k)
	return w == "cents" || w == "cent" || w == "hundred" || w == "thousand"
}

// cents reads "and 50 cents", "50 cents", "and fifty".
func (s *scan) cents(k int) (float64, int, bool) {
	m := k
	if s.word(m) == "and" {
		m++
	}
	c, m2, ok := s.intAt(m, 0, 99)
	if !ok {
		return 0, k, false
	}
	if w := s.word(m2); w == "cents" || w == "cent" || w == "pence" || w == "p" {
		return float64(c) / 100, m2 + 1, true
	}
	return 0, k, false
}

// zhCurrency reads a Chinese currency word at k.
func (s *scan) zhCurrency(k int) (string, int, bool) {
	if s.han(k) == 0 {
		return "", k, false
	}
	for _, c := range zhCurrencies {
		if j, ok := s.hanSeq(k, c.w); ok {
			return c.cur, j, true
		}
	}
	return "", k, false
}

func zhCurrencyCode(w string) string {
	for _, c := range zhCurrencies {
		if c.w == w {
			return c.cur
		}
	}
	return "CNY"
}

// zhSubunits reads "5毛", "五角", "3分", a bare digit after 块 ("5块5"),
// and a trailing 钱 or 整, adding them to v.
func (s *scan) zhSubunits(v float64, k int) (float64, int) {
	if s.han(k) == '钱' {
		k++
	}
	if s.han(k) == '零' && s.adj(k) {
		// "十块零五分"
		if d, ok := s.zhOrDigit(k + 1); ok && (s.han(k+2) == '分') {
			return v + float64(d)/100, k + 3
		}
	}
	if d, ok := s.zhOrDigit(k); ok {
		switch s.han(k + 1) {
		case '毛', '角':
			v += float64(d) / 10
			k += 2
			if s.han(k) == '钱' {
				k++
			}
			if d2, ok := s.zhOrDigit(k); ok {
				if s.han(k+1) == '分' {
					v += float64(d2) / 100
					k += 2
				} else if s.toks[k].kind != tHan || !s.adj(k+1) || s.han(k+1) == 0 {
					// "三毛五" = 0.35
					v += float64(d2) / 100
					k++
				}
			}
		case '分':
			v += float64(d) / 100
			k += 2
		default:
			// "5块5": a single digit not followed by another numeral.
			if _, isU := zhUnits[s.han(k+1)]; !isU && s.num(k+1) == "" {
				if _, isD := zhDigits[s.han(k+1)]; !isD || !s.adj(k+1) {
					v += float64(d) / 10
					k++
				}
			}
		}
	}
	if s.han(k) == '整' || s.han(k) == '钱' {
		k++
	}
	return v, k
}

// zhOrDigit reads one digit written as a Chinese numeral or a one-digit
// number token at k.
func (s *scan) zhOrDigit(k int) (int, bool) {
	if d, ok := zhDigits[s.han(k)]; ok && d > 0 {
		return d, true
	}
	if n := s.num(k); len(n) == 1 && n != "0" {
		return int(n[0] - '0'), true
	}
	return 0, false
}
