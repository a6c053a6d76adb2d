package entity

import (
	"math"
	"strconv"
	"strings"
)

// zhSurnames are common surnames; a numeral right after one is a name.
const zhSurnames = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"

var enUnits = map[string]int{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "seven": 7, "eight": 8, "nine": 9,
}

var enTeens = map[string]int{
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
	"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}

var enTens = map[string]int{
	"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}

var enScales = map[string]float64{
	"thousand": 1e3, "million": 1e6, "billion": 1e9,
}

// zhDigits are Chinese digits usable in numbers with units.
var zhDigits = map[rune]int{
	'零': 0, '〇': 0, '一': 1, '壹': 1, '二': 2, '贰': 2, '两': 2, '三': 3, '叁': 3,
	'四': 4, '肆': 4, '五': 5, '伍': 5, '六': 6, '陆': 6, '七': 7, '柒': 7,
	'八': 8, '捌': 8, '九': 9, '玖': 9,
}

var zhUnits = map[rune]float64{
	'十': 10, '拾': 10, '百': 100, '佰': 100, '千': 1000, '仟': 1000,
	'万': 1e4, '萬': 1e4, '亿': 1e8, '億': 1e8,
}

// zhStop are words in which a lone numeral character is not a number
// ("一下", "统一", "十分").
var zhStop = map[string]bool{
	"一下": true, "一定": true, "一样": true, "一起": true, "一直": true, "一般": true,
	"一些": true, "一点": true, "一旦": true, "一共": true, "一边": true, "一会": true,
	"一切": true, "一致": true, "一律": true, "一方": true, "一时": true, "一向": true,
	"一再": true, "一度": true, "一同": true, "一概": true, "一路": true, "一面": true,
	"一生": true, "一体": true, "一带": true, "一模": true, "一番": true, "一眼": true,
	"统一": true, "唯一": true, "万一": true, "之一": true, "十分": true, "万分": true,
	"千万": true, "万一千": true, "三心": true, "一手": true, "专一": true, "同一": true,
	"一心": true, "一口": true, "一早": true, "一阵": true, "一致性": true, "不一": true,
}

// fmtNum formats v as a plain decimal ("350", "12.5").
func fmtNum(v float64) string {
	if math.Abs(v) < 1e15 {
		v = math.Round(v*1e6) / 1e6
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// numAt parses a number (digits, English words or Chinese numerals)
// starting at token i. It returns the value and the index after it.
// Chinese digit strings without units ("一三五") are not numbers.
func (s *scan) numAt(i int) (float64, int, bool) {
	if i < 0 || i >= len(s.toks) {
		return 0, i, false
	}
	switch s.toks[i].kind {
	case tNum:
		return s.digitsNum(i)
	case tWord:
		return s.enNum(i)
	case tHan:
		v, j, ok, str := s.zhNum(i)
		if !ok || str {
			return 0, i, false
		}
		return s.zhFrac(v, j), s.zhFracEnd(j), true
	}
	return 0, i, false
}

// intAt is numAt restricted to whole numbers in [lo, hi].
func (s *scan) intAt(i, lo, hi int) (int, int, bool) {
	v, j, ok := s.numAt(i)
	if !ok || v != math.Trunc(v) || v < float64(lo) || v > float64(hi) {
		return 0, i, false
	}
	return int(v), j, true
}

// digitsNum parses "350", "1,200", "12.5", "3 million", "3万", "1.5万".
func (s *scan) digitsNum(i int) (float64, int, bool) {
	str := s.toks[i].s
	j := i + 1
	if len(str) <= 3 {
		for s.punct(j, ',') && s.adj(j) && s.adj(j+1) && len(s.num(j+1)) == 3 {
			str += s.num(j + 1)
			j += 2
		}
	}
	if len(str) > 15 {
		return 0, i, false
	}
	if s.punct(j, '.') && s.adj(j) && s.adj(j+1) && s.num(j+1) != "" &&
		!(s.punct(j+2, '.') && s.adj(j+2) && s.num(j+3) != "") {
		str += "." + s.num(j+1)
		j += 2
	}
	v, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return 0, i, false
	}
	if sc, ok := enScales[s.word(j)]; ok {
		v *= sc
		j++
	} else if s.word(j) == "hundred" && v < 100 {
		v *= 100
		j++
		if sc, ok := enScales[s.word(j)]; ok {
			v *= sc
			j++
		}
	} else if u, ok := zhUnits[s.han(j)]; ok && u >= 100 {
		v *= u
		j++
		if u < 1e4 {
			if u2, ok := zhUnits[s.han(j)]; ok && u2 >= 1e4 && s.adj(j) {
				v *= u2
				j++
			}
		}
	}
	return v, j, true
}

// enNum parses English number words: "three hundred and fifty",
// "twenty-one", "a dozen", "twelve point five".
func (s *scan) enNum(i int) (float64, int, bool) {
	const (
		stNone = iota
		stUnit
		stTeen
		stTens
		stHundred
		stScale
		stA
	)
	var total, cur float64
	state := stNone
	lastScale := math.Inf(1)
	end := i
	k := i
	for k < len(s.toks) {
		w := s.word(k)
		if w == "" {
			// "twenty-one"
			if state == stTens && s.punct(k, '-') && s.adj(k) && s.adj(k+1) {
				if _, ok := enUnits[s.word(k+1)]; ok && s.word(k+1) != "zero" {
					k++
					continue
				}
			}
			break
		}
		if u, ok := enUnits[w]; ok {
			if u == 0 {
				if state == stNone {
					return 0, k + 1, true
				}
				break
			}
			if state != stNone && state != stTens && state != stHundred && state != stScale {
				break
			}
			cur += float64(u)
			state = stUnit
			k++
			end = k
			continue
		}
		if t, ok := enTeens[w]; ok {
			if state != stNone && state != stHundred && state != stScale {
				break
			}
			cur += float64(t)
			state = stTeen
			k++
			end = k
			continue
		}
		if t, ok := enTens[w]; ok {
			if state != stNone && state != stHundred && state != stScale {
				break
			}
			cur += float64(t)
			state = stTens
			k++
			end = k
			continue
		}
		switch w {
		case "a", "an":
			if state != stNone {
				break
			}
			nw := s.word(k + 1)
			if _, ok := enScales[nw]; ok || nw == "hundred" || nw == "dozen" {
				cur = 1
				state = stA
				k++
				continue
			}
		case "hundred":
			if (state == stUnit || state == stTeen || state == stA) && cur < 100 && cur > 0 {
				cur *= 100
				state = stHundred
				k++
				end = k
				continue
			}
		case "thousand", "million", "billion":
			sc := enScales[w]
			if state != stNone && cur > 0 && sc < lastScale {
				total += cur * sc
				cur = 0
				lastScale = sc
				state = stScale
				k++
				end = k
				continue
			}
		case "dozen", "dozens":
			if state == stUnit || state == stTeen || state == stTens || state == stA {
				return total + cur*12, k + 1, true
			}
		case "and":
			if state == stHundred || state == stScale {
				nw := s.word(k + 1)
				_, u := enUnits[nw]
				_, t := enTeens[nw]
				_, tt := enTens[nw]
				if (u && nw != "zero") || t || tt {
					k++
					continue
				}
			}
		case "point":
			if state == stUnit || state == stTeen || state == stTens || state == stHundred || state == stScale || state == stNone {
				frac := ""
				m := k + 1
				for {
					u, ok := enUnits[s.word(m)]
					if !ok && s.word(m) == "oh" {
						u, ok = 0, true
					}
					if !ok {
						break
					}
					frac += strconv.Itoa(u)
					m++
				}
				if frac != "" {
					f, _ := strconv.ParseFloat("0."+frac, 64)
					return total + cur + f, m, true
				}
			}
		}
		break
	}
	if state == stNone || end == i {
		return 0, i, false
	}
	return total + cur, end, true
}

// zhNum parses Chinese numerals with units ("三百五十", "两千", "一万二",
// "十五"); numAt adds a decimal part ("三点五"). str reports a bare digit string ("一三五八", length
// two or more, no units), whose value is then that of its digits.
func (s *scan) zhNum(i int) (v float64, j int, ok, str bool) {
	// Find the run of numeral characters.
	j = i
	units := false
	for j < len(s.toks) && (j == i || s.adj(j)) {
		r := s.han(j)
		if _, d := zhDigits[r]; d {
			j++
			continue
		}
		if _, u := zhUnits[r]; u {
			units = true
			j++
			continue
		}
		break
	}
	if j == i {
		return 0, i, false, false
	}
	if !units {
		if j-i >= 2 {
			for k := i; k < j; k++ {
				v = v*10 + float64(zhDigits[s.han(k)])
			}
			return v, j, true, true
		}
		return float64(zhDigits[s.han(i)]), j, true, false
	}
	var acc, cur float64
	pend := -1
	lastUnit := 0.0
	zero := false
	end := i
	for k := i; k < j; k++ {
		r := s.han(k)
		if d, isD := zhDigits[r]; isD {
			if pend >= 0 {
				break
			}
			if d == 0 {
				zero = true
				lastUnit = 0
				end = k + 1
				continue
			}
			pend = d
			end = k + 1
			continue
		}
		u := zhUnits[r]
		switch {
		case u <= 1000:
			n := pend
			if n < 0 {
				if u != 10 || cur != 0 {
					goto done
				}
				n = 1
			}
			if lastUnit != 0 && u >= lastUnit && lastUnit < 1e4 {
				goto done
			}
			cur += float64(n) * u
			pend = -1
			lastUnit = u
			zero = false
		case u == 1e4:
			small := cur + math.Max(float64(pend), 0)
			if small == 0 {
				goto done
			}
			acc += small * 1e4
			cur, pend, lastUnit, zero = 0, -1, 1e4, false
		default: // 亿
			small := cur + math.Max(float64(pend), 0)
			if small == 0 && acc == 0 {
				goto done
			}
			acc = (acc + small) * 1e8
			cur, pend, lastUnit, zero = 0, -1, 1e8, false
		}
		end = k + 1
	}
done:
	if end == i {
		return 0, i, false, false
	}
	v = acc + cur
	if pend >= 0 {
		if lastUnit >= 100 && !zero {
			v += float64(pend) * lastUnit / 10
		} else {
			v += float64(pend)
		}
	}
	if v == 0 && !zero {
		return 0, i, false, false
	}
	return v, end, true, false
}

// zhFrac adds a decimal part "点五" after a Chinese number ending at j.
func (s *scan) zhFrac(v float64, j int) float64 {
	if (s.han(j) != '点' && s.han(j) != '點') || !s.adj(j) {
		return v
	}
	frac := ""
	for k := j + 1; s.adj(k); k++ {
		d, ok := zhDigits[s.han(k)]
		if !ok || s.han(k) == '两' {
			break
		}
		frac += strconv.Itoa(d)
	}
	if frac == "" {
		return v
	}
	f, _ := strconv.ParseFloat("0."+frac, 64)
	return math.Trunc(v) + f
}

func (s *scan) zhFracEnd(j int) int {
	if (s.han(j) != '点' && s.han(j) != '點') || !s.adj(j) {
		return j
	}
	k := j + 1
	for ; s.adj(k); k++ {
		if _, ok := zhDigits[s.han(k)]; !ok || s.han(k) == '两' {
			break
		}
	}
	if k == j+1 {
		return j
	}
	return k
}

// oneNoise are words before "one" that make it a pronoun ("this one").
var oneNoise = map[string]bool{
	"this": true, "that": true, "which": true, "the": true, "no": true, "any": true,
	"every": true, "some": true, "each": true, "another": true, "other": true,
	"last": true, "first": true, "next": true, "right": true, "wrong": true,
	"new": true, "old": true, "same": true, "someone": true, "anyone": true,
	"second": true, "third": true, "fourth": true, "only": true, "big": true,
	"small": true, "little": true, "good": true, "bad": true, "cheaper": true,
	"cheap": true, "better": true, "first-class": true, "either": true, "neither": true,
}

// numbers finds number entities.
func (s *scan) numbers() {
	for i := 0; i < len(s.toks); {
		t := &s.toks[i]
		if t.kind == tNum && len(t.s) > 1 && t.s[0] == '0' && !(s.punct(i+1, '.') && s.adj(i+1)) {
			i++ // leading zero: a digit string, not a number
			continue
		}
		v, j, ok := s.numAt(i)
		if !ok {
			i++
			continue
		}
		if t.kind == tHan && s.zhNoise(i, j) {
			i = j
			continue
		}
		if t.kind == tWord && j == i+1 && t.s == "one" && oneNoise[s.word(i-1)] {
			i = j
			continue
		}
		s.add(TypeNumber, fmtNum(v), i, j, v, priNumber)
		i = j
	}
}

// zhNoise reports a short Chinese numeral that is part of a word.
func (s *scan) zhNoise(i, j int) bool {
	if j-i > 2 {
		return false
	}
	w := s.text[s.toks[i].start:s.toks[j-1].end]
	if zhStop[w] {
		return true
	}
	// A given name: "张三", "李四".
	if j == i+1 && s.adj(i) && strings.ContainsRune(zhSurnames, s.han(i-1)) && !(s.adj(j) && s.han(j) != 0) {
		return true
	}
	if s.adj(j) && s.han(j) != 0 && zhStop[w+s.toks[j].s] {
		return true
	}
	if s.adj(i) && s.han(i-1) != 0 && zhStop[s.toks[i-1].s+w] {
		return true
	}
	return false
}
