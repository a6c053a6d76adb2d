package entity

import (
	"strconv"
	"time"
)

var monthNames = map[string]time.Month{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
	"april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
	"august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10,
	"oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

// weekdayNames map to 0 = Monday ... 6 = Sunday.
var weekdayNames = map[string]int{
	"monday": 0, "tuesday": 1, "tues": 1, "wednesday": 2, "thursday": 3, "thurs": 3,
	"friday": 4, "saturday": 5, "sunday": 6,
}

var ordinalWords = map[string]int{
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
	"seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11,
	"twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
	"sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
	"twentieth": 20, "thirtieth": 30,
}

var ordSuffix = map[string]bool{"st": true, "nd": true, "rd": true, "th": true}

// zhWeekdays map the day character after 周/星期/礼拜 to 0 = Monday.
var zhWeekdays = map[rune]int{'一': 0, '二': 1, '三': 2, '四': 3, '五': 4, '六': 5, '日': 6, '天': 6}

// zhDayBlock are characters after "5号" that make it not a date
// ("5号线", "3号楼").
var zhDayBlock = map[rune]bool{
	'线': true, '楼': true, '门': true, '房': true, '床': true, '位': true, '桌': true,
	'窗': true, '口': true, '机': true, '车': true, '厅': true, '码': true, '馆': true,
	'院': true, '店': true, '柜': true, '台': true, '键': true, '字': true, '街': true,
	'路': true, '座': true, '厂': true, '站': true, '选': true,
}

const dateLayout = "2006-01-02"

var enWeekShift = map[string]int{"next": 1, "this": 0, "last": -1, "coming": 2, "previous": -1, "past": -1}

// dates finds date entities.
func (s *scan) dates() {
	for i := 0; i < len(s.toks); {
		d, j, ok := s.dateAt(i)
		if ok {
			s.add(TypeDate, d.Format(dateLayout), i, j, 0, priDate)
		}
		if j > i {
			i = j // an impossible date ("february 30th") is skipped whole
			continue
		}
		i++
	}
}

func (s *scan) dateAt(i int) (time.Time, int, bool) {
	switch s.toks[i].kind {
	case tNum:
		if d, j, ok := s.numericDate(i); ok {
			return d, j, true
		}
		if d, j, ok := s.zhDate(i); ok {
			return d, j, true
		}
		return s.enDate(i)
	case tWord:
		return s.enDate(i)
	case tHan:
		return s.zhDate(i)
	}
	return time.Time{}, i, false
}

func (s *scan) days(n int) time.Time { return s.today.AddDate(0, 0, n) }

// weekday resolves a weekday (0 = Monday). week is -1 (last week), 0
// (this week), 1 (next week), or 2 for the next one strictly after today.
func (s *scan) weekday(idx, week int) time.Time {
	cur := (int(s.today.Weekday()) + 6) % 7
	if week == 2 {
		d := (idx - cur + 7) % 7
		if d == 0 {
			d = 7
		}
		return s.days(d)
	}
	return s.days(-cur + 7*week + idx)
}

// validDate builds y-m-d, reporting false for impossible dates.
func (s *scan) validDate(y int, m time.Month, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1 || y > 9999 {
		return time.Time{}, false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, s.today.Location())
	return t, t.Month() == m && t.Day() == d
}

// nearestMD resolves a month and day without a year to the occurrence
// nearest today (ties go to the future).
func (s *scan) nearestMD(m time.Month, d int) (time.Time, bool) {
	return s.nearest(func(k int) (time.Time, bool) {
		return s.validDate(s.today.Year()+k, m, d)
	})
}

// nearestDay resolves a day of month alone to the nearest occurrence.
func (s *scan) nearestDay(d int) (time.Time, bool) {
	return s.nearest(func(k int) (time.Time, bool) {
		first := time.Date(s.today.Year(), s.today.Month()+time.Month(k), 1, 0, 0, 0, 0, s.today.Location())
		return s.validDate(first.Year(), first.Month(), d)
	})
}

func (s *scan) nearest(at func(k int) (time.Time, bool)) (time.Time, bool) {
	var best time.Time
	var bestDiff time.Duration
	found := false
	for _, k := range []int{0, 1, -1} {
		t, ok := at(k)
		if !ok {
			continue
		}
		diff := t.Sub(s.today)
		if diff < 0 {
			diff = -diff + 1 // ties go to the future
		}
		if !found || diff < bestDiff {
			best, bestDiff, found = t, diff, true
		}
	}
	return best, found
}

// dayAt reads a day of month: "5", "5th", "fifth", "twenty-first",
// "twenty one" (cardinals only when !ordOnly).
func (s *scan) dayAt(k int, ordOnly bool) (d, j int, ord, ok bool) {
	if n := s.num(k); n != "" {
		if len(n) > 2 {
			return 0, k, false, false
		}
		d, _ = strconv.Atoi(n)
		if d < 1 || d > 31 {
			return 0, k, false, false
		}
		if ordSuffix[s.word(k+1)] && s.adj(k+1) {
			return d, k + 2, true, true
		}
		if ordOnly {
			return 0, k, false, false
		}
		return d, k + 1, false, true
	}
	w := s.word(k)
	if o, ok := ordinalWords[w]; ok {
		return o, k + 1, true, true
	}
	if t, ok := enTens[w]; ok && t <= 30 {
		m := k + 1
		if s.punct(m, '-') && s.adj(m) {
			m++
		}
		if o, ok := ordinalWords[s.word(m)]; ok && o < 10 && t+o <= 31 {
			return t + o, m + 1, true, true
		}
	}
	if ordOnly {
		return 0, k, false, false
	}
	if v, j, ok := s.intAt(k, 1, 31); ok && s.toks[k].kind == tWord {
		return v, j, false, true
	}
	return 0, k, false, false
}

// yearAt reads a year after a date: "2025", "twenty twenty five",
// "two thousand and five".
func (s *scan) yearAt(k int) (int, int, bool) {
	m := k
	if s.punct(m, ',') {
		m++
	}
	if n := s.num(m); len(n) == 4 {
		y, _ := strconv.Atoi(n)
		if y >= 1900 && y <= 2199 {
			return y, m + 1, true
		}
		return 0, k, false
	}
	w := s.word(m)
	if w == "twenty" || w == "nineteen" {
		base := 2000
		if w == "nineteen" {
			base = 1900
		}
		n := m + 1
		if s.word(n) == "oh" || s.word(n) == "o" {
			if u, ok := enUnits[s.word(n+1)]; ok && u > 0 {
				return base + u, n + 2, true
			}
			return 0, k, false
		}
		if v, j, ok := s.intAt(n, 10, 99); ok && s.toks[n].kind == tWord {
			return base + v, j, true
		}
		return 0, k, false
	}
	if w == "two" && s.word(m+1) == "thousand" {
		if v, j, ok := s.intAt(m, 2000, 2099); ok {
			return v, j, true
		}
	}
	return 0, k, false
}

// relSpan reads "3 days", "a week", "two months", "a couple of days".
func (s *scan) relSpan(k int) (days, months, j int, ok bool) {
	n := 0
	switch {
	case s.word(k) == "a" || s.word(k) == "an":
		if s.word(k+1) == "couple" && s.word(k+2) == "of" {
			n, k = 2, k+3
		} else {
			n, k = 1, k+1
		}
	default:
		v, m, ok := s.intAt(k, 0, 3660)
		if !ok {
			return 0, 0, k, false
		}
		n, k = v, m
	}
	switch s.word(k) {
	case "day", "days":
		return n, 0, k + 1, true
	case "week", "weeks":
		return 7 * n, 0, k + 1, true
	case "fortnight", "fortnights":
		return 14 * n, 0, k + 1, true
	case "month", "months":
		return 0, n, k + 1, true
	case "year", "years":
		return 0, 12 * n, k + 1, true
	}
	return 0, 0, k, false
}

func (s *scan) shift(days, months, sign int) time.Time {
	return s.today.AddDate(0, sign*months, sign*days)
}

// enDate recognizes English dates starting at token i.
func (s *scan) enDate(i int) (time.Time, int, bool) {
	w := s.word(i)
	switch w {
	case "today", "tonight":
		return s.today, i + 1, true
	case "tomorrow", "tmrw", "tomorow", "tommorow":
		return s.days(1), i + 1, true
	case "yesterday":
		return s.days(-1), i + 1, true
	case "the", "day":
		k := i
		if w == "the" {
			k++
		}
		if j, ok := s.words(k, "day", "after", "tomorrow"); ok {
			return s.days(2), j, true
		}
		if j, ok := s.words(k, "day", "before", "yesterday"); ok {
			return s.days(-2), j, true
		}
	case "next", "this", "last", "coming", "previous", "past":
		k := i + 1
		week := enWeekShift[w]
		if w == "this" && s.word(k) == "coming" {
			week = 2
			k++
		}
		if idx, ok := weekdayNames[s.word(k)]; ok {
			return s.weekday(idx, week), k + 1, true
		}
		return time.Time{}, i, false
	case "in":
		if d, m, j, ok := s.relSpan(i + 1); ok {
			if s.word(j) == "time" {
				j++
			} else if s.word(j) == "'s" || s.word(j) == "s" {
				if s.word(j+1) == "time" {
					j += 2
				}
			}
			return s.shift(d, m, 1), j, true
		}
		return time.Time{}, i, false
	}
	if idx, ok := weekdayNames[w]; ok {
		k := i + 1
		switch {
		case s.word(k) == "next" && s.word(k+1) == "week":
			return s.weekday(idx, 1), k + 2, true
		case s.word(k) == "this" && s.word(k+1) == "week":
			return s.weekday(idx, 0), k + 2, true
		case s.word(k) == "last" && s.word(k+1) == "week":
			return s.weekday(idx, -1), k + 2, true
		}
		return s.weekday(idx, 2), k, true
	}
	// "november 5th", "nov the 5th, 2025"
	if m, ok := monthNames[w]; ok {
		k := i + 1
		if s.word(k) == "the" {
			k++
		}
		d, j, ord, ok := s.dayAt(k, false)
		if ok && (ord || w != "may" || s.num(k) != "") {
			if y, j2, ok := s.yearAt(j); ok {
				t, ok := s.validDate(y, m, d)
				return t, j2, ok
			}
			t, ok := s.nearestMD(m, d)
			return t, j, ok
		}
		return time.Time{}, i, false
	}
	// "3 days ago", "two weeks from now"
	if d, m, j, ok := s.relSpan(i); ok {
		switch {
		case s.word(j) == "ago" || s.word(j) == "earlier" || s.word(j) == "before":
			return s.shift(d, m, -1), j + 1, true
		case s.word(j) == "from" && (s.word(j+1) == "now" || s.word(j+1) == "today"):
			return s.shift(d, m, 1), j + 2, true
		case s.word(j) == "later":
			return s.shift(d, m, 1), j + 1, true
		}
	}
	// "the 5th of november", "5 november 2025", "the 5th"
	k := i
	the := false
	if w == "the" {
		k++
		the = true
	}
	d, j, ord, ok := s.dayAt(k, false)
	if !ok {
		return time.Time{}, i, false
	}
	m := j
	if s.word(m) == "of" {
		m++
	}
	if mon, ok := monthNames[s.word(m)]; ok && (ord || s.word(m) != "may") {
		if s.word(m) == "mar" || s.word(m) == "jun" || s.word(m) == "jan" {
			if !ord && s.toks[k].kind == tWord {
				return time.Time{}, i, false
			}
		}
		if y, j2, ok := s.yearAt(m + 1); ok {
			t, ok := s.validDate(y, mon, d)
			return t, j2, ok
		}
		t, ok := s.nearestMD(mon, d)
		return t, m + 1, ok
	}
	if !ord {
		return time.Time{}, i, false
	}
	// A day of month alone needs "the"/"on" and no noun after ("the 5th floor").
	prev := s.word(i - 1)
	if !(the || prev == "on" || prev == "by" || prev == "until" || prev == "till" || prev == "before" || prev == "after" || prev == "from" || s.loose) {
		return time.Time{}, i, false
	}
	if nw := s.word(j); nw != "" && !dayAfterOK[nw] && !s.loose {
		return time.Time{}, i, false
	}
	t, ok := s.nearestDay(d)
	return t, j, ok
}

var dayAfterOK = map[string]bool{
	"at": true, "please": true, "and": true, "or": true, "then": true, "is": true,
	"works": true, "would": true, "will": true, "in": true, "around": true,
	"morning": true, "afternoon": true, "evening": true, "night": true, "if": true,
	"instead": true, "maybe": true, "perhaps": true, "thanks": true, "thank": true,
}

// numericDate reads "2025-11-05", "2025/11/05", "11/05", "11/05/2025".
func (s *scan) numericDate(i int) (time.Time, int, bool) {
	a := s.num(i)
	sepAt := func(k int) rune {
		if k < len(s.toks) && s.adj(k) && s.toks[k].kind == tPunct && s.adj(k+1) && s.num(k+1) != "" {
			switch r := s.toks[k].r; r {
			case '/', '-', '.':
				return r
			}
		}
		return 0
	}
	sep := sepAt(i + 1)
	if sep == 0 {
		return time.Time{}, i, false
	}
	b := s.num(i + 2)
	sep2 := sepAt(i + 3)
	if sep2 != 0 && sep2 != sep {
		return time.Time{}, i, false
	}
	// Another separator after the date means it is something else
	// (a phone number, a version).
	if sep2 != 0 && sepAt(i+5) != 0 {
		return time.Time{}, i, false
	}
	atoi := func(x string) int { v, _ := strconv.Atoi(x); return v }
	if len(a) == 4 {
		if sep2 == 0 || len(b) > 2 || len(s.num(i+4)) > 2 {
			return time.Time{}, i, false
		}
		t, ok := s.validDate(atoi(a), time.Month(atoi(b)), atoi(s.num(i+4)))
		return t, i + 5, ok
	}
	if len(a) > 2 || len(b) > 2 {
		return time.Time{}, i, false
	}
	m, d := atoi(a), atoi(b)
	if m > 12 && d <= 12 {
		m, d = d, m
	}
	if sep2 != 0 {
		c := s.num(i + 4)
		y := atoi(c)
		switch len(c) {
		case 2:
			y += 2000
		case 4:
		default:
			return time.Time{}, i, false
		}
		t, ok := s.validDate(y, time.Month(m), d)
		return t, i + 5, ok
	}
	if sep != '/' {
		return time.Time{}, i, false
	}
	t, ok := s.nearestMD(time.Month(m), d)
	return t, i + 3, ok
}

// zhInt reads a whole number written in Chinese or digits (no decimals).
func (s *scan) zhInt(k, lo, hi int) (int, int, bool) {
	var v float64
	j := k
	switch {
	case s.num(k) != "":
		if len(s.num(k)) > 4 {
			return 0, k, false
		}
		n, _ := strconv.Atoi(s.num(k))
		v, j = float64(n), k+1
	case s.han(k) != 0:
		x, e, ok, str := s.zhNum(k)
		if !ok || (str && e-k > 2) {
			return 0, k, false
		}
		v, j = x, e
	default:
		return 0, k, false
	}
	if v < float64(lo) || v > float64(hi) {
		return 0, k, false
	}
	return int(v), j, true
}

// zhYear reads a year before 年: "2025", "二零二五", "25".
func (s *scan) zhYear(k int) (int, int, bool) {
	if n := s.num(k); n != "" {
		y, _ := strconv.Atoi(n)
		switch len(n) {
		case 4:
			return y, k + 1, true
		case 2:
			return 2000 + y, k + 1, true
		}
		return 0, k, false
	}
	if r, ok := s.runAt(k, false); ok && r.spoken && (len(r.digits) == 4 || len(r.digits) == 2) {
		y, _ := strconv.Atoi(r.digits)
		if len(r.digits) == 2 {
			y += 2000
		}
		return y, r.end, true
	}
	return 0, k, false
}

// zhDate recognizes Chinese dates starting at token i.
func (s *scan) zhDate(i int) (time.Time, int, bool) {
	if w, j, ok := s.hanAny(i, "大后天", "大前天", "今天", "今日", "今儿", "明天", "明日", "明儿", "后天", "昨天", "昨日", "昨儿", "前天"); ok {
		off := map[string]int{"大后天": 3, "大前天": -3, "今天": 0, "今日": 0, "今儿": 0, "明天": 1, "明日": 1, "明儿": 1, "后天": 2, "昨天": -1, "昨日": -1, "昨儿": -1, "前天": -2}[w]
		return s.days(off), j, true
	}
	// Weekdays: "下周一", "上周五", "这周三", "本周三", "星期五", "周五", "下个礼拜天".
	{
		week := 2
		k := i
		if w, j, ok := s.hanAny(i, "下下个", "下下", "下个", "下", "上上个", "上上", "上个", "上", "这个", "这", "本"); ok {
			k = j
			switch w {
			case "下下个", "下下":
				week = 3
			case "下个", "下":
				week = 1
			case "上上个", "上上":
				week = -2
			case "上个", "上":
				week = -1
			default:
				week = 0
			}
		}
		if _, j, ok := s.hanAny(k, "星期", "礼拜", "周"); ok {
			idx := -1
			if d, ok := zhWeekdays[s.han(j)]; ok && s.adj(j) {
				idx = d
			} else if n := s.num(j); len(n) == 1 && n[0] >= '1' && n[0] <= '7' {
				idx = int(n[0] - '1')
			}
			if idx >= 0 {
				if week == 3 || week == -2 {
					return s.weekday(idx, 0).AddDate(0, 0, 7*map[int]int{3: 2, -2: -2}[week]), j + 1, true
				}
				return s.weekday(idx, week), j + 1, true
			}
		}
	}
	// Month-relative day: "下个月5号".
	if w, j, ok := s.hanAny(i, "下个月", "下月", "这个月", "本月", "上个月", "上月"); ok {
		if d, k, ok := s.zhInt(j, 1, 31); ok && (s.han(k) == '号' || s.han(k) == '日') {
			off := map[string]int{"下个月": 1, "下月": 1, "这个月": 0, "本月": 0, "上个月": -1, "上月": -1}[w]
			first := time.Date(s.today.Year(), s.today.Month()+time.Month(off), 1, 0, 0, 0, 0, s.today.Location())
			t, ok := s.validDate(first.Year(), first.Month(), d)
			return t, k + 1, ok
		}
		return time.Time{}, i, false
	}
	// Year: "2025年", "二零二五年", "今年", "明年".
	year, hasYear := 0, false
	k := i
	if w, j, ok := s.hanAny(i, "今年", "明年", "去年", "后年", "前年"); ok {
		year = s.today.Year() + map[string]int{"今年": 0, "明年": 1, "去年": -1, "后年": 2, "前年": -2}[w]
		hasYear, k = true, j
	} else if y, j, ok := s.zhYear(i); ok && s.han(j) == '年' {
		year, hasYear, k = y, true, j+1
	}
	// Month and day: "11月5日", "十一月五号", "11月5".
	if m, j, ok := s.zhInt(k, 1, 12); ok && s.han(j) == '月' {
		d, j2, ok := s.zhInt(j+1, 1, 31)
		if !ok {
			return time.Time{}, i, false
		}
		end := j2
		if s.han(j2) == '日' || s.han(j2) == '号' || s.han(j2) == '號' {
			end++
		}
		if hasYear {
			t, ok := s.validDate(year, time.Month(m), d)
			return t, end, ok
		}
		t, ok := s.nearestMD(time.Month(m), d)
		return t, end, ok
	}
	if hasYear {
		return time.Time{}, i, false
	}
	// Relative: "3天后", "三天前", "两个星期以后", "一个月后".
	if n, j, ok := s.zhInt(i, 0, 3660); ok {
		days, months := 0, 0
		u := j
		if s.han(u) == '个' {
			u++
		}
		if w, e, ok := s.hanAny(u, "天", "星期", "礼拜", "周", "月"); ok && (w != "天" || u == j) {
			switch w {
			case "天":
				days = n
			case "月":
				if u == j {
					goto dayOnly
				}
				months = n
			default:
				days = 7 * n
			}
			if d, e2, ok := s.hanAny(e, "以后", "之后", "后", "以前", "之前", "前"); ok {
				sign := 1
				if d == "以前" || d == "之前" || d == "前" {
					sign = -1
				}
				return s.shift(days, months, sign), e2, true
			}
		}
	dayOnly:
		// Day of month alone: "5号", "五日".
		if (s.han(j) == '号' || s.han(j) == '號' || s.han(j) == '日') && n >= 1 && n <= 31 {
			if s.han(j) == '日' && (s.han(j+1) == '元' || s.han(j+1) == '币') {
				return time.Time{}, i, false
			}
			if !zhDayBlock[s.han(j+1)] {
				t, ok := s.nearestDay(n)
				return t, j + 1, ok
			}
		}
	}
	return time.Time{}, i, false
}
