package entity

import (
	"strconv"
)

// meridiem: how an hour is qualified.
const (
	mNone = iota
	mAM
	mPM
	mNoon     // 中午: 11 and 12 stay, 1-2 are pm
	mMidnight // 半夜: 12 is 0
)

// times finds time-of-day entities.
func (s *scan) times() {
	for i := 0; i < len(s.toks); {
		if h, m, j, ok := s.timeAt(i); ok {
			s.add(TypeTime, fmtClock(h, m), i, j, 0, priTime)
			i = j
			continue
		}
		i++
	}
}

func fmtClock(h, m int) string {
	b := []byte{byte('0' + h/10), byte('0' + h%10), ':', byte('0' + m/10), byte('0' + m%10)}
	return string(b)
}

// resolveHour applies a meridiem; unqualified hours 1-7 are taken as pm
// (call centres rarely get calls about 3 am).
func resolveHour(h, mer int, assume bool) int {
	switch mer {
	case mAM:
		if h == 12 {
			return 0
		}
	case mPM:
		if h < 12 {
			return h + 12
		}
	case mNoon:
		if h >= 1 && h <= 5 {
			return h + 12
		}
	case mMidnight:
		if h == 12 {
			return 0
		}
	case mNone:
		if assume && h >= 1 && h <= 7 {
			return h + 12
		}
	}
	if h == 24 {
		return 0
	}
	return h
}

func (s *scan) timeAt(i int) (h, m, j int, ok bool) {
	switch s.toks[i].kind {
	case tWord:
		switch s.word(i) {
		case "noon", "midday":
			return 12, 0, i + 1, true
		case "midnight":
			return 0, 0, i + 1, true
		}
		if h, m, j, ok := s.pastTo(i); ok {
			return h, m, j, true
		}
		return s.clockAt(i)
	case tNum:
		if h, m, j, ok := s.pastTo(i); ok {
			return h, m, j, true
		}
		if h, m, j, ok := s.zhTime(i); ok {
			return h, m, j, true
		}
		return s.clockAt(i)
	case tHan:
		return s.zhTime(i)
	}
	return 0, 0, i, false
}

// ampm reads "am", "pm", "a.m.", "p. m." at k.
func (s *scan) ampm(k int) (int, int) {
	switch s.word(k) {
	case "am":
		return mAM, k + 1
	case "pm":
		return mPM, k + 1
	case "a", "p":
		mer := mAM
		if s.word(k) == "p" {
			mer = mPM
		}
		m := k + 1
		if s.punct(m, '.') {
			m++
		}
		if s.word(m) == "m" {
			m++
			if s.punct(m, '.') && s.adj(m) {
				m++
			}
			return mer, m
		}
	}
	return mNone, k
}

// dayPeriod reads "in the morning", "this afternoon", "tonight", "at night".
func (s *scan) dayPeriod(k int) (int, int) {
	switch s.word(k) {
	case "in", "this", "tomorrow", "at", "tonight":
	default:
		return mNone, k
	}
	for _, p := range enPeriods {
		if j, ok := s.words(k, p.ws...); ok {
			if p.ws[0] == "tomorrow" || p.ws[0] == "tonight" {
				// Leave the date word to the date recognizer.
				return p.mer, k
			}
			return p.mer, j
		}
	}
	return mNone, k
}

var enPeriods = []struct {
	ws  []string
	mer int
}{
	{[]string{"in", "the", "morning"}, mAM}, {[]string{"this", "morning"}, mAM},
	{[]string{"tomorrow", "morning"}, mAM}, {[]string{"in", "the", "afternoon"}, mPM},
	{[]string{"this", "afternoon"}, mPM}, {[]string{"tomorrow", "afternoon"}, mPM},
	{[]string{"in", "the", "evening"}, mPM}, {[]string{"this", "evening"}, mPM},
	{[]string{"tomorrow", "evening"}, mPM}, {[]string{"at", "night"}, mPM},
	{[]string{"tonight"}, mPM}, {[]string{"tomorrow", "night"}, mPM},
}

// hourAt reads an hour 0-24 written as digits or English words.
func (s *scan) hourAt(k int) (int, int, bool) {
	if n := s.num(k); n != "" {
		if len(n) > 2 {
			return 0, k, false
		}
		h, _ := strconv.Atoi(n)
		if h > 24 {
			return 0, k, false
		}
		return h, k + 1, true
	}
	if s.word(k) == "" {
		return 0, k, false
	}
	v, j, ok := s.enNum(k)
	if !ok || v != float64(int(v)) || v < 1 || v > 12 {
		return 0, k, false
	}
	return int(v), j, true
}

var timeTriggers = map[string]bool{
	"at": true, "around": true, "about": true, "by": true, "until": true, "till": true,
	"before": true, "after": true, "from": true,
}

// timeNoun are words after "at 3" that make it not a time.
var timeNoun = map[string]bool{
	"percent": true, "times": true, "people": true, "items": true, "of": true,
	"point": true, "minutes": true, "minute": true, "hours": true, "hour": true,
	"days": true, "day": true, "weeks": true, "months": true, "years": true,
	"miles": true, "kilometers": true, "km": true, "degrees": true, "kg": true,
	"dollars": true, "euros": true, "pounds": true, "cents": true, "bucks": true,
	"per": true, "out": true, "star": true, "stars": true,
}

// clockAt reads "3pm", "3:30 pm", "15:30", "three o'clock", "at 3",
// "three thirty in the afternoon".
func (s *scan) clockAt(i int) (h, m, j int, ok bool) {
	h, k, ok := s.hourAt(i)
	if !ok {
		return 0, 0, i, false
	}
	m = 0
	digital, spokenMin, marked := false, false, false
	lead0 := len(s.num(i)) == 2 && s.num(i)[0] == '0'
	if (s.punct(k, ':') || s.punct(k, '：')) && s.adj(k) && s.adj(k+1) && len(s.num(k+1)) == 2 && s.num(i) != "" {
		m, _ = strconv.Atoi(s.num(k + 1))
		if m > 59 {
			return 0, 0, i, false
		}
		digital = true
		k += 2
		// seconds
		if (s.punct(k, ':') || s.punct(k, '：')) && s.adj(k) && s.adj(k+1) && len(s.num(k+1)) == 2 {
			k += 2
		}
	} else if s.toks[i].kind == tWord || s.loose {
		// "three thirty", "three oh five"
		if w := s.word(k); w == "oh" || w == "o" {
			if u, ok := enUnits[s.word(k+1)]; ok {
				m, k, spokenMin = u, k+2, true
			}
		} else if v, j2, ok := s.intAt(k, 10, 59); ok && (s.toks[k].kind == tWord || s.loose) {
			m, k, spokenMin = v, j2, true
		}
	}
	mer, k2 := s.ampm(k)
	if mer != mNone {
		marked = true
		k = k2
		if h > 12 || h == 0 {
			return 0, 0, i, false
		}
	} else if w := s.word(k); w == "o'clock" || w == "oclock" {
		marked = true
		k++
	} else if s.word(k) == "noon" && h == 12 {
		return 12, m, k + 1, true
	}
	if p, k3 := s.dayPeriod(k); p != mNone {
		if mer == mNone {
			mer = p
		}
		marked = true
		k = k3
	}
	switch {
	case digital:
		if h > 23 && !(h == 24 && m == 0) {
			return 0, 0, i, false
		}
	case marked:
	case s.loose:
	case timeTriggers[s.word(i-1)]:
		if h < 1 || h > 12 || timeNoun[s.word(k)] || (s.toks[i].kind == tNum && s.punct(k, '.')) {
			return 0, 0, i, false
		}
	default:
		return 0, 0, i, false
	}
	if spokenMin && !marked && !s.loose && !timeTriggers[s.word(i-1)] {
		return 0, 0, i, false
	}
	return resolveHour(h, mer, !lead0 && h <= 12), m, k, true
}

// pastTo reads "half past three", "quarter to four", "ten past six".
func (s *scan) pastTo(i int) (h, m, j int, ok bool) {
	k := i
	if w := s.word(k); w == "a" && s.word(k+1) == "quarter" {
		k++
	}
	switch s.word(k) {
	case "half":
		m, k = 30, k+1
	case "quarter":
		m, k = 15, k+1
	default:
		v, j, ok := s.intAt(k, 1, 29)
		if !ok {
			return 0, 0, i, false
		}
		m, k = v, j
		if w := s.word(k); w == "minutes" || w == "minute" || w == "mins" {
			k++
		}
	}
	to := false
	switch s.word(k) {
	case "past", "after":
	case "to", "till", "of":
		to = true
		if m == 30 {
			return 0, 0, i, false
		}
	default:
		return 0, 0, i, false
	}
	hh, k, ok := s.hourAt(k + 1)
	if !ok || hh < 1 || hh > 12 {
		return 0, 0, i, false
	}
	if to {
		hh--
		m = 60 - m
		if hh == 0 {
			hh = 12
		}
	}
	mer, k2 := s.ampm(k)
	if mer != mNone {
		k = k2
	} else if p, k3 := s.dayPeriod(k); p != mNone {
		mer, k = p, k3
	}
	return resolveHour(hh, mer, true), m, k, true
}

// zhPeriods are Chinese parts of the day, longest first.
var zhPeriods = []struct {
	w   string
	mer int
}{
	{"凌晨", mAM}, {"早上", mAM}, {"早晨", mAM}, {"清晨", mAM}, {"上午", mAM},
	{"中午", mNoon}, {"下午", mPM}, {"傍晚", mPM}, {"晚上", mPM}, {"夜里", mPM},
	{"夜晚", mPM}, {"半夜", mMidnight}, {"今晚", mPM}, {"明晚", mPM}, {"明早", mAM},
}

// zhTime reads "下午三点", "三点半", "上午十点十五分", "晚上8点", "下午3:30".
func (s *scan) zhTime(i int) (h, m, j int, ok bool) {
	mer := mNone
	k := i
	for _, p := range zhPeriods {
		if e, ok := s.hanSeq(i, p.w); ok {
			mer, k = p.mer, e
			break
		}
	}
	// Digital clock after a period: "下午3:30".
	if mer != mNone && s.num(k) != "" && (s.punct(k+1, ':') || s.punct(k+1, '：')) {
		hh, mm, e, ok := s.clockAt(k)
		if !ok {
			return 0, 0, i, false
		}
		// clockAt already assumed pm for 1-7; undo by re-resolving.
		hh, _, _ = s.hourAt(k)
		return resolveHour(hh, mer, false), mm, e, true
	}
	hh, e, ok := s.zhInt(k, 0, 24)
	if !ok {
		return 0, 0, i, false
	}
	single := e == k+1 && s.han(k) == '一'
	switch s.han(e) {
	case '点', '點':
	case '时':
		if r := s.han(e + 1); r == '间' || r == '候' || r == '期' || r == '代' || r == '刻' {
			return 0, 0, i, false
		}
	default:
		return 0, 0, i, false
	}
	e++
	extra := false
	if s.han(e) == '钟' {
		e++
		extra = true
	}
	switch {
	case s.han(e) == '半':
		m, e, extra = 30, e+1, true
	case s.han(e) == '整':
		e, extra = e+1, true
	default:
		if x, e2, ok := s.hanAny(e, "一刻", "三刻"); ok {
			m, e, extra = 15, e2, true
			if x == "三刻" {
				m = 45
			}
			break
		}
		zero := false
		f := e
		if s.han(f) == '零' || s.han(f) == '〇' {
			zero = true
			f++
		}
		if v, e2, ok := s.zhInt(f, 0, 59); ok {
			hasFen := s.han(e2) == '分'
			if hasFen || zero || v >= 10 {
				m, e, extra = v, e2, true
				if hasFen {
					e++
					if s.han(e) == '钟' {
						e++
					}
				}
			}
		}
	}
	if single && mer == mNone && !extra && !s.loose {
		return 0, 0, i, false // "一点" is usually "a little"
	}
	if hh > 12 && mer != mNone && mer != mPM {
		return 0, 0, i, false
	}
	return resolveHour(hh, mer, true), m, e, true
}
