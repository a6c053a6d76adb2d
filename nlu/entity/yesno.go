package entity

import (
	"sort"
	"strings"
	"unicode/utf8"
)

type enPhrase struct {
	words []string
	val   string // "yes", "no", or "" for a neutral phrase that blocks others
	weak  bool   // needs a clause end after it ("right", "fine")
}

var enYesNo = buildEnYesNo(map[string][]string{
	"yes": {
		"yes", "yeah", "yea", "yep", "yup", "yes please", "sure", "sure thing",
		"of course", "correct", "that's correct", "that is correct", "thats correct",
		"that's right", "that is right", "thats right", "ok", "okay", "okey", "alright",
		"all right", "affirmative", "please do", "go ahead", "absolutely", "definitely",
		"exactly", "indeed", "certainly", "uh huh", "mm hmm", "mhm", "sounds good",
		"no problem", "no worries", "you bet", "i do", "yes it is", "that's it",
		"it is", "correct it is",
	},
	"no": {
		"no", "nope", "nah", "not really", "incorrect", "that's wrong", "that is wrong",
		"thats wrong", "don't", "do not", "dont", "no thanks", "no thank you", "negative",
		"never", "not at all", "i don't think so", "i dont think so", "of course not",
		"absolutely not", "definitely not", "certainly not", "please don't", "no way",
		"not yet", "not now", "i don't", "i do not", "not correct", "not right",
		"that's not it",
	},
	"": {
		"not sure", "i'm not sure", "im not sure", "don't know", "dont know",
		"do not know", "no idea", "make sure", "right now", "no matter", "no one",
		"no longer", "it isn't", "don't mind", "do not mind", "i don't know",
		"i dont know", "i do not know", "i'm not really sure",
	},
}, map[string]bool{"right": true, "fine": true, "good": true, "it is": true, "i do": true, "exactly": true, "wrong": true})

func buildEnYesNo(m map[string][]string, weak map[string]bool) map[string][]enPhrase {
	out := map[string][]enPhrase{}
	for val, ps := range m {
		for _, p := range ps {
			ws := strings.Fields(p)
			out[ws[0]] = append(out[ws[0]], enPhrase{words: ws, val: val, weak: weak[p]})
		}
	}
	for w := range weak {
		single := false
		for _, p := range out[w] {
			single = single || len(p.words) == 1
		}
		if !single && !strings.Contains(w, " ") {
			val := "yes"
			if w == "wrong" {
				val = "no"
			}
			out[w] = append(out[w], enPhrase{words: []string{w}, val: val, weak: true})
		}
	}
	for _, ps := range out {
		sort.SliceStable(ps, func(a, b int) bool { return len(ps[a].words) > len(ps[b].words) })
	}
	return out
}

var enNegators = map[string]bool{
	"not": true, "isn't": true, "isnt": true, "wasn't": true, "wasnt": true,
	"aren't": true, "ain't": true, "never": true, "hardly": true,
}

var enNegFiller = map[string]bool{"quite": true, "really": true, "exactly": true, "totally": true, "entirely": true, "very": true, "so": true, "all": true}

type zhPhrase struct {
	w     string
	val   string
	n     int // characters
	start bool
}

// zhYesNo are Chinese yes/no words, longest first. Neutral entries ("")
// block shorter matches ("不好意思" is not "不好").
var zhYesNo = buildZhYesNo(map[string][]string{
	"yes": {"是的", "是啊", "是呀", "是滴", "是", "对的", "对啊", "对呀", "对", "好的", "好啊",
		"好呀", "好吧", "好", "行", "行的", "可以", "没错", "没问题", "嗯", "嗯嗯", "确定",
		"确认", "当然", "正确", "同意", "不错", "要的", "可以的", "对对", "是是", "好嘞", "OK"},
	"no": {"不是", "不对", "不要", "不用", "不用了", "没有", "错了", "不行", "不可以", "不好",
		"不需要", "不同意", "没", "不", "不了", "否", "不正确", "不确认", "别了", "算了"},
	"": {"不好意思", "不知道", "不清楚", "不确定", "不一定", "不客气", "不用谢", "不过", "不然",
		"是不是", "对不对", "好不好", "行不行", "可不可以", "要不要", "是否", "还是", "但是",
		"可是", "就是", "也是", "不是吗", "没关系", "不要紧", "对不起", "对了", "好像", "好多",
		"好几", "好久", "只是", "于是", "要是", "总是", "真是", "不少", "不同", "不会吧", "不管",
		"不仅", "不到", "不能", "不得", "不断", "没事"},
})

func buildZhYesNo(m map[string][]string) []zhPhrase {
	var out []zhPhrase
	for val, ps := range m {
		for _, p := range ps {
			if p == "OK" {
				continue
			}
			out = append(out, zhPhrase{w: p, val: val, n: utf8.RuneCountInString(p), start: val == "yes"})
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].n != out[b].n {
			return out[a].n > out[b].n
		}
		return out[a].w < out[b].w
	})
	return out
}

// zhAfterBlock are characters that make a one-character yes word part of
// another word ("对面", "好像", "是否", "行李").
var zhAfterBlock = map[rune]string{
	'对': "面于方象话比待手应照付称岸外立接策账折",
	'好': "像多几久看吃听玩处人友事奇感评转运在意心",
	'是': "否非",
	'行': "李为业动程驶人政列情使车走星",
	'嗯': "",
}

// zhParticles may come before a yes word at a clause start ("嗯好的").
const zhParticles = "嗯哦噢啊呃额唔那喔欸诶"

// yesno finds yes/no answers.
func (s *scan) yesno() {
	lastEnd := -1
	for i := 0; i < len(s.toks); {
		t := &s.toks[i]
		switch t.kind {
		case tWord:
			if j, ok := s.enYesNoAt(i); ok {
				i, lastEnd = j, j
				continue
			}
		case tHan:
			if j, ok := s.zhYesNoAt(i, lastEnd); ok {
				i, lastEnd = j, j
				continue
			}
		}
		i++
	}
}

func (s *scan) enYesNoAt(i int) (int, bool) {
	for _, p := range enYesNo[s.word(i)] {
		j, ok := s.words(i, p.words...)
		if !ok {
			continue
		}
		if p.weak && !s.loose && !s.endOrBreak(j) && !(i == 0 && s.word(j) == "") {
			continue
		}
		if p.val == "" {
			return j, true
		}
		val, start := p.val, i
		if val == "yes" {
			b := i - 1
			if enNegFiller[s.word(b)] {
				b--
			}
			if enNegators[s.word(b)] {
				val, start = "no", b
			}
		}
		s.add(TypeYesNo, val, start, j, 0, priYesNo)
		return j, true
	}
	return i, false
}

// zhYesNoByFirst indexes zhYesNo by first character.
var zhYesNoByFirst = func() map[rune][]zhPhrase {
	m := map[rune][]zhPhrase{}
	for _, p := range zhYesNo {
		r, _ := utf8.DecodeRuneInString(p.w)
		m[r] = append(m[r], p)
	}
	return m
}()

func (s *scan) zhYesNoAt(i, lastEnd int) (int, bool) {
	for _, p := range zhYesNoByFirst[s.han(i)] {
		j, ok := s.hanSeq(i, p.w)
		if !ok {
			continue
		}
		if p.val == "" {
			return j, true
		}
		next := s.han(j)
		if !s.adj(j) {
			next = 0
		}
		if next == '吗' || next == '么' || next == '麽' {
			return j + 1, true // a question, not an answer
		}
		if p.val == "yes" {
			if i != lastEnd && s.adj(i) && s.han(i-1) != 0 && !strings.ContainsRune(zhParticles, s.han(i-1)) {
				continue
			}
			if p.n == 1 && next != 0 && strings.ContainsRune(zhAfterBlock[[]rune(p.w)[0]], next) {
				continue
			}
			// A lone 是 is usually the copula ("是明天"): only answer-like
			// followers keep it a yes.
			if p.w == "是" && next != 0 && !strings.ContainsRune("的啊呀吧嘛哈嗯是对好我", next) {
				continue
			}
		}
		if p.val == "no" && p.n == 1 && next != 0 && !strings.ContainsRune("不啊呀吧哦", next) && !s.loose {
			continue
		}
		s.add(TypeYesNo, p.val, i, j, 0, priYesNo)
		return j, true
	}
	return i, false
}
