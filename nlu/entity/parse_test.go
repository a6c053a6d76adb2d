package entity

import (
	"testing"
	"time"
)

// refNow is Wednesday 25 November 2026, 10:00 UTC.
var refNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func mustNew(t testing.TB, opts ...Option) *Extractor {
	t.Helper()
	e, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type parseCase struct {
	typ, text, want string // want "" means no value
}

// parseCases are the slot-filling readings the dialogue manager relies on.
var parseCases = []parseCase{
	// number, English
	{TypeNumber, "three hundred and fifty", "350"},
	{TypeNumber, "twenty-one", "21"},
	{TypeNumber, "twenty one", "21"},
	{TypeNumber, "1,200", "1200"},
	{TypeNumber, "12.5", "12.5"},
	{TypeNumber, "a dozen", "12"},
	{TypeNumber, "two dozen", "24"},
	{TypeNumber, "one hundred and one", "101"},
	{TypeNumber, "two thousand three hundred", "2300"},
	{TypeNumber, "twelve hundred", "1200"},
	{TypeNumber, "1.5 million", "1500000"},
	{TypeNumber, "3 thousand", "3000"},
	{TypeNumber, "twelve point five", "12.5"},
	{TypeNumber, "a hundred", "100"},
	{TypeNumber, "zero", "0"},
	{TypeNumber, "ninety nine", "99"},
	{TypeNumber, "I need 350", "350"},
	{TypeNumber, "3pm", "3"},
	{TypeNumber, "nothing here", ""},
	// number, Chinese
	{TypeNumber, "三百五十", "350"},
	{TypeNumber, "两千", "2000"},
	{TypeNumber, "一万二", "12000"},
	{TypeNumber, "十五", "15"},
	{TypeNumber, "3万", "30000"},
	{TypeNumber, "二十", "20"},
	{TypeNumber, "一百零五", "105"},
	{TypeNumber, "三千五", "3500"},
	{TypeNumber, "两百五", "250"},
	{TypeNumber, "1.5万", "15000"},
	{TypeNumber, "一亿", "100000000"},
	{TypeNumber, "五万三千", "53000"},
	{TypeNumber, "三点五", "3.5"},
	{TypeNumber, "我要三个", "3"},
	{TypeNumber, "零", "0"},
	// digits
	{TypeDigits, "it's four five six one", "4561"},
	{TypeDigits, "four five six one", "4561"},
	{TypeDigits, "4 5 6 1", "4561"},
	{TypeDigits, "4561", "4561"},
	{TypeDigits, "oh one two", "012"},
	{TypeDigits, "double five", "55"},
	{TypeDigits, "triple 0", "000"},
	{TypeDigits, "two double five eight", "2558"},
	{TypeDigits, "the last four digits are four five six one", "4561"},
	{TypeDigits, "forty five sixty one", "4561"},
	{TypeDigits, "four-five-six-one", "4561"},
	{TypeDigits, "three hundred twelve", "312"},
	{TypeDigits, "幺三五", "135"},
	{TypeDigits, "一三五八", "1358"},
	{TypeDigits, "零", "0"},
	{TypeDigits, "尾号是四五六一", "4561"},
	{TypeDigits, "尾号4561", "4561"},
	{TypeDigits, "幺三八零零幺三八零零零", "13800138000"},
	{TypeDigits, "no digits", ""},
	// money
	{TypeMoney, "$25.50", "25.50 USD"},
	{TypeMoney, "25 dollars and 50 cents", "25.50 USD"},
	{TypeMoney, "twenty five dollars fifty", "25.50 USD"},
	{TypeMoney, "£100", "100.00 GBP"},
	{TypeMoney, "€20", "20.00 EUR"},
	{TypeMoney, "twenty euros", "20.00 EUR"},
	{TypeMoney, "200 bucks", "200.00 USD"},
	{TypeMoney, "a hundred bucks", "100.00 USD"},
	{TypeMoney, "50 cents", "0.50 USD"},
	{TypeMoney, "100 canadian dollars", "100.00 CAD"},
	{TypeMoney, "HK$100", "100.00 HKD"},
	{TypeMoney, "300 rmb", "300.00 CNY"},
	{TypeMoney, "USD 25", "25.00 USD"},
	{TypeMoney, "two hundred", "200.00 USD"},
	{TypeMoney, "三百五十元", "350.00 CNY"},
	{TypeMoney, "三百五十块", "350.00 CNY"},
	{TypeMoney, "三百五十块钱", "350.00 CNY"},
	{TypeMoney, "5块5", "5.50 CNY"},
	{TypeMoney, "两块五", "2.50 CNY"},
	{TypeMoney, "3块5毛", "3.50 CNY"},
	{TypeMoney, "5毛", "0.50 CNY"},
	{TypeMoney, "人民币200", "200.00 CNY"},
	{TypeMoney, "200人民币", "200.00 CNY"},
	{TypeMoney, "一百美元", "100.00 USD"},
	{TypeMoney, "五十欧元", "50.00 EUR"},
	{TypeMoney, "¥200", "200.00 CNY"},
	{TypeMoney, "1.5万元", "15000.00 CNY"},
	{TypeMoney, "两百", "200.00 CNY"},
	// date, English
	{TypeDate, "today", "2026-11-25"},
	{TypeDate, "tomorrow", "2026-11-26"},
	{TypeDate, "yesterday", "2026-11-24"},
	{TypeDate, "the day after tomorrow", "2026-11-27"},
	{TypeDate, "the day before yesterday", "2026-11-23"},
	{TypeDate, "next monday", "2026-11-30"},
	{TypeDate, "last friday", "2026-11-20"},
	{TypeDate, "on friday", "2026-11-27"},
	{TypeDate, "wednesday", "2026-12-02"},
	{TypeDate, "this friday", "2026-11-27"},
	{TypeDate, "monday next week", "2026-11-30"},
	{TypeDate, "in 3 days", "2026-11-28"},
	{TypeDate, "in three days", "2026-11-28"},
	{TypeDate, "in two weeks", "2026-12-09"},
	{TypeDate, "3 days ago", "2026-11-22"},
	{TypeDate, "a week ago", "2026-11-18"},
	{TypeDate, "november 5th", "2026-11-05"},
	{TypeDate, "November 5", "2026-11-05"},
	{TypeDate, "5 November 2025", "2025-11-05"},
	{TypeDate, "the 3rd of january", "2027-01-03"},
	{TypeDate, "march twenty first 2027", "2027-03-21"},
	{TypeDate, "december 25th, twenty twenty six", "2026-12-25"},
	{TypeDate, "11/05", "2026-11-05"},
	{TypeDate, "12/25/2026", "2026-12-25"},
	{TypeDate, "2025-11-05", "2025-11-05"},
	{TypeDate, "on the 5th", "2026-12-05"},
	{TypeDate, "the 20th", "2026-11-20"},
	{TypeDate, "february 30th", ""},
	// date, Chinese
	{TypeDate, "今天", "2026-11-25"},
	{TypeDate, "明天", "2026-11-26"},
	{TypeDate, "后天", "2026-11-27"},
	{TypeDate, "大后天", "2026-11-28"},
	{TypeDate, "昨天", "2026-11-24"},
	{TypeDate, "前天", "2026-11-23"},
	{TypeDate, "下周一", "2026-11-30"},
	{TypeDate, "上周五", "2026-11-20"},
	{TypeDate, "这周三", "2026-11-25"},
	{TypeDate, "本周三", "2026-11-25"},
	{TypeDate, "星期五", "2026-11-27"},
	{TypeDate, "周五", "2026-11-27"},
	{TypeDate, "下个礼拜天", "2026-12-06"},
	{TypeDate, "11月5日", "2026-11-05"},
	{TypeDate, "十一月五号", "2026-11-05"},
	{TypeDate, "2025年11月5日", "2025-11-05"},
	{TypeDate, "明年3月1日", "2027-03-01"},
	{TypeDate, "3天后", "2026-11-28"},
	{TypeDate, "三天前", "2026-11-22"},
	{TypeDate, "两周后", "2026-12-09"},
	{TypeDate, "下个月5号", "2026-12-05"},
	{TypeDate, "我想28号去", "2026-11-28"},
	// time
	{TypeTime, "3pm", "15:00"},
	{TypeTime, "3:30 pm", "15:30"},
	{TypeTime, "3:30 p.m.", "15:30"},
	{TypeTime, "15:30", "15:30"},
	{TypeTime, "7:45am", "07:45"},
	{TypeTime, "10 am", "10:00"},
	{TypeTime, "12am", "00:00"},
	{TypeTime, "noon", "12:00"},
	{TypeTime, "midnight", "00:00"},
	{TypeTime, "half past three", "15:30"},
	{TypeTime, "quarter to four", "15:45"},
	{TypeTime, "ten past six", "18:10"},
	{TypeTime, "three o'clock", "15:00"},
	{TypeTime, "at 5", "17:00"},
	{TypeTime, "9 in the morning", "09:00"},
	{TypeTime, "three thirty", "15:30"},
	{TypeTime, "eleven fifteen", "11:15"},
	{TypeTime, "下午三点", "15:00"},
	{TypeTime, "三点半", "15:30"},
	{TypeTime, "上午十点十五分", "10:15"},
	{TypeTime, "晚上8点", "20:00"},
	{TypeTime, "中午12点", "12:00"},
	{TypeTime, "凌晨两点", "02:00"},
	{TypeTime, "下午3:30", "15:30"},
	{TypeTime, "九点一刻", "09:15"},
	{TypeTime, "三点零五分", "15:05"},
	{TypeTime, "8点整", "08:00"},
	{TypeTime, "十点十五", "10:15"},
	// phone
	{TypePhone, "+86 138 0013 8000", "+8613800138000"},
	{TypePhone, "(555) 123-4567", "5551234567"},
	{TypePhone, "+1 (555) 123-4567", "+15551234567"},
	{TypePhone, "555-123-4567", "5551234567"},
	{TypePhone, "555.123.4567", "5551234567"},
	{TypePhone, "13800138000", "13800138000"},
	{TypePhone, "138-0013-8000", "13800138000"},
	{TypePhone, "400-820-8820", "4008208820"},
	{TypePhone, "95555", "95555"},
	{TypePhone, "010-12345678", "01012345678"},
	{TypePhone, "my number is five five five one two three four five six seven", "5551234567"},
	{TypePhone, "plus eight six one three eight zero zero one three eight zero zero zero", "+8613800138000"},
	{TypePhone, "我的手机是幺三八零零幺三八零零零", "13800138000"},
	{TypePhone, "one two three", ""},
	// email
	{TypeEmail, "john.smith@example.com", "john.smith@example.com"},
	{TypeEmail, "John.Smith@Example.COM", "john.smith@example.com"},
	{TypeEmail, "user+tag@mail.co.uk", "user+tag@mail.co.uk"},
	{TypeEmail, "邮箱是abc123@qq.com谢谢", "abc123@qq.com"},
	{TypeEmail, "john dot smith at example dot com", "john.smith@example.com"},
	{TypeEmail, "it's jane underscore doe at gmail dot com", "jane_doe@gmail.com"},
	{TypeEmail, "I'm at home dot com", ""},
	{TypeEmail, "not an email @ all", ""},
	// yesno, English
	{TypeYesNo, "yeah that's right", "yes"},
	{TypeYesNo, "yes", "yes"},
	{TypeYesNo, "yep", "yes"},
	{TypeYesNo, "sure", "yes"},
	{TypeYesNo, "correct", "yes"},
	{TypeYesNo, "right", "yes"},
	{TypeYesNo, "okay", "yes"},
	{TypeYesNo, "affirmative", "yes"},
	{TypeYesNo, "please do", "yes"},
	{TypeYesNo, "no problem", "yes"},
	{TypeYesNo, "no", "no"},
	{TypeYesNo, "nope", "no"},
	{TypeYesNo, "nah", "no"},
	{TypeYesNo, "not really", "no"},
	{TypeYesNo, "incorrect", "no"},
	{TypeYesNo, "that's wrong", "no"},
	{TypeYesNo, "don't", "no"},
	{TypeYesNo, "not correct", "no"},
	{TypeYesNo, "that's not right", "no"},
	{TypeYesNo, "that is not correct", "no"},
	{TypeYesNo, "I don't think so", "no"},
	{TypeYesNo, "no, that's not right", "no"},
	{TypeYesNo, "I'm not sure", ""},
	{TypeYesNo, "I don't know", ""},
	{TypeYesNo, "right now", ""},
	// yesno, Chinese
	{TypeYesNo, "是", "yes"},
	{TypeYesNo, "是的", "yes"},
	{TypeYesNo, "对", "yes"},
	{TypeYesNo, "对的", "yes"},
	{TypeYesNo, "好", "yes"},
	{TypeYesNo, "好的", "yes"},
	{TypeYesNo, "可以", "yes"},
	{TypeYesNo, "没错", "yes"},
	{TypeYesNo, "嗯", "yes"},
	{TypeYesNo, "嗯，好的", "yes"},
	{TypeYesNo, "不是", "no"},
	{TypeYesNo, "不对", "no"},
	{TypeYesNo, "不", "no"},
	{TypeYesNo, "不要", "no"},
	{TypeYesNo, "不用", "no"},
	{TypeYesNo, "没有", "no"},
	{TypeYesNo, "错了", "no"},
	{TypeYesNo, "嗯，不对", "no"},
	{TypeYesNo, "不好意思", ""},
	{TypeYesNo, "可以吗", ""},
	{TypeYesNo, "对面那家", ""},
	{TypeYesNo, "我不知道", ""},
	// id
	{TypeID, "SF1234567890", "SF1234567890"},
	{TypeID, "ORD-20231234", "ORD20231234"},
	{TypeID, "sf 1234 5678 90", "SF1234567890"},
	{TypeID, "运单号SF1234567890", "SF1234567890"},
	{TypeID, "s f one two three four five six seven eight", "SF12345678"},
	{TypeID, "my order number is 1234567890", "1234567890"},
	{TypeID, "it is 12345", ""},
	// unknown type
	{"colour", "red", ""},
}

func TestParse(t *testing.T) {
	e := mustNew(t)
	for _, c := range parseCases {
		t.Run(c.typ+"/"+c.text, func(t *testing.T) {
			got, ok := e.Parse(c.typ, c.text, refNow)
			if c.want == "" {
				if ok {
					t.Fatalf("Parse(%q, %q) = %q (%q), want nothing", c.typ, c.text, got.Value, got.Text)
				}
				return
			}
			if !ok || got.Value != c.want {
				t.Fatalf("Parse(%q, %q) = %q, %v; want %q", c.typ, c.text, got.Value, ok, c.want)
			}
			if got.Type != c.typ {
				t.Errorf("Type = %q, want %q", got.Type, c.typ)
			}
			if got.Start < 0 || got.End > len(c.text) || got.Start >= got.End || c.text[got.Start:got.End] != got.Text {
				t.Errorf("bad span %d:%d %q", got.Start, got.End, got.Text)
			}
		})
	}
}
