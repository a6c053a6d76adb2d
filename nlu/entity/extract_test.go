package entity

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// brief renders entities as "type=value" for compact comparisons.
func brief(es []Entity) string {
	parts := make([]string, len(es))
	for i, x := range es {
		parts[i] = x.Type + "=" + x.Value
	}
	return strings.Join(parts, " ")
}

// checkSpans verifies the invariants every Extract result must hold.
func checkSpans(t testing.TB, text string, es []Entity) {
	t.Helper()
	prev := 0
	for _, x := range es {
		if x.Start < prev || x.End <= x.Start || x.End > len(text) {
			t.Fatalf("bad span %d:%d after %d in %q (len %d)", x.Start, x.End, prev, text, len(text))
		}
		if text[x.Start:x.End] != x.Text {
			t.Fatalf("Text %q != text[%d:%d] %q", x.Text, x.Start, x.End, text[x.Start:x.End])
		}
		prev = x.End
	}
}

var extractCases = []struct {
	text, want string
}{
	{"", ""},
	{"I'd like to pay 350 dollars on November 5th at 3pm", "money=350.00 USD date=2026-11-05 time=15:00"},
	{"call me at +86 138 0013 8000 tomorrow", "phone=+8613800138000 date=2026-11-26"},
	{"my number is (555) 123-4567", "phone=5551234567"},
	{"13800138000", "phone=13800138000"},
	{"拨打400-820-8820或者95555", "phone=4008208820 phone=95555"},
	{"the total is $25.50", "money=25.50 USD"},
	{"£100 and €20", "money=100.00 GBP money=20.00 EUR"},
	{"1,200 and 12.5", "number=1200 number=12.5"},
	{"twenty-one people", "number=21"},
	{"my card ends in four five six one", "digits=4561"},
	{"4 5 6 1", "digits=4561"},
	{"PIN 0123", "digits=0123"},
	{"1234 5678 9012 3456", "digits=1234567890123456"},
	{"double five triple 0", "digits=55000"},
	{"幺三五", "digits=135"},
	{"我要三百五十元的那个", "money=350.00 CNY"},
	{"明天下午三点", "date=2026-11-26 time=15:00"},
	{"下周一上午十点十五分可以", "date=2026-11-30 time=10:15"},
	{"2025年11月5日晚上8点", "date=2025-11-05 time=20:00"},
	{"三天前买的两千块的手机", "date=2026-11-22 money=2000.00 CNY"},
	{"email john.smith@example.com please", "email=john.smith@example.com"},
	{"it's john dot smith at example dot com", "email=john.smith@example.com"},
	{"order SF1234567890 arrived", "id=SF1234567890"},
	{"运单号SF1234567890", "id=SF1234567890"},
	{"ORD-20231234", "id=ORD20231234"},
	{"yeah that's right", "yesno=yes yesno=yes"},
	{"no, that's not right", "yesno=no yesno=no"},
	{"好的，谢谢", "yesno=yes"},
	{"我是张三", ""},
	{"等一下", ""},
	{"便宜一点", ""},
	{"行李到了吗", ""},
	{"the 5th floor", "number=5"},
	{"5号线", "number=5"},
	{"this one please", ""},
	{"sure, the second one", "yesno=yes"},
	{"不对，是明天", "yesno=no date=2026-11-26"},
	{"是的，周五", "yesno=yes date=2026-11-27"},
	{"2025-11-05", "date=2025-11-05"},
	{"11/05 at 15:30", "date=2026-11-05 time=15:30"},
	{"三点五", "number=3.5"},
	{"十点十五到十一点", "time=10:15 time=11:00"},
}

func TestExtract(t *testing.T) {
	e := mustNew(t)
	for _, c := range extractCases {
		t.Run(c.text, func(t *testing.T) {
			got := e.Extract(c.text, refNow)
			checkSpans(t, c.text, got)
			if b := brief(got); b != c.want {
				t.Fatalf("Extract(%q)\n got: %s\nwant: %s", c.text, b, c.want)
			}
		})
	}
}

// TestOverlaps checks that a span is reported once, as its most specific
// type: a phone number is not also a number, an amount is not also a
// number.
func TestOverlaps(t *testing.T) {
	e := mustNew(t)
	for _, c := range []struct {
		text, typ, value, text2 string
	}{
		{"call 13800138000 now", TypePhone, "13800138000", "13800138000"},
		{"+86 138 0013 8000", TypePhone, "+8613800138000", "+86 138 0013 8000"},
		{"555-123-4567", TypePhone, "5551234567", "555-123-4567"},
		{"$25.50", TypeMoney, "25.50 USD", "$25.50"},
		{"三百五十元", TypeMoney, "350.00 CNY", "三百五十元"},
		{"2025-11-05", TypeDate, "2025-11-05", "2025-11-05"},
		{"3pm", TypeTime, "15:00", "3pm"},
		{"SF1234567890", TypeID, "SF1234567890", "SF1234567890"},
		{"abc123@qq.com", TypeEmail, "abc123@qq.com", "abc123@qq.com"},
		{"four five six one", TypeDigits, "4561", "four five six one"},
		{"下午三点半", TypeTime, "15:30", "下午三点半"},
	} {
		got := e.Extract(c.text, refNow)
		checkSpans(t, c.text, got)
		if len(got) != 1 || got[0].Type != c.typ || got[0].Value != c.value || got[0].Text != c.text2 {
			t.Errorf("Extract(%q) = %s, want only %s=%s", c.text, brief(got), c.typ, c.value)
		}
	}
}

func TestNum(t *testing.T) {
	e := mustNew(t)
	for _, c := range []struct {
		typ, text string
		want      float64
	}{
		{TypeNumber, "three hundred and fifty", 350},
		{TypeNumber, "一万二", 12000},
		{TypeMoney, "25 dollars and 50 cents", 25.5},
		{TypeMoney, "5块5", 5.5},
		{TypeDigits, "four five six one", 4561},
	} {
		got, ok := e.Parse(c.typ, c.text, refNow)
		if !ok || got.Num != c.want {
			t.Errorf("Parse(%q, %q).Num = %v, want %v", c.typ, c.text, got.Num, c.want)
		}
	}
}

func TestCustomList(t *testing.T) {
	e := mustNew(t,
		WithList("card_type", map[string][]string{
			"visa":       {"visa card", "维萨"},
			"mastercard": {"master card", "MC", "万事达"},
		}),
		WithList("plan", map[string][]string{"premium": {"gold plan"}}),
	)
	for _, c := range []struct{ text, want string }{
		{"I have a Visa Card", "card_type=visa"},
		{"MASTER CARD please", "card_type=mastercard"},
		{"mastercard", "card_type=mastercard"},
		{"visas are accepted", ""}, // whole words only
		{"mcdonalds", ""},
		{"我用万事达卡", "card_type=mastercard"},
		{"维萨", "card_type=visa"},
		{"upgrade to the gold plan", "plan=premium"},
	} {
		got := e.Extract(c.text, refNow)
		checkSpans(t, c.text, got)
		if b := brief(got); b != c.want {
			t.Errorf("Extract(%q) = %s, want %s", c.text, b, c.want)
		}
	}
	got, ok := e.Parse("card_type", "it's the master card", refNow)
	if !ok || got.Value != "mastercard" || got.Text != "master card" {
		t.Errorf("Parse(card_type) = %+v, %v", got, ok)
	}
}

func TestCustomPattern(t *testing.T) {
	e := mustNew(t,
		WithPattern("zip", `\b\d{5}\b`),
		WithPattern("ticket", `(?i)\bticket\s+#?(\w+)`),
	)
	got := e.Extract("ship to 94107, ticket #AB12", refNow)
	if b := brief(got); b != "zip=94107 ticket=AB12" {
		t.Errorf("got %s", b)
	}
	if x, ok := e.Parse("zip", "zip code 10001 please", refNow); !ok || x.Value != "10001" {
		t.Errorf("Parse(zip) = %+v, %v", x, ok)
	}
}

func TestIDPattern(t *testing.T) {
	e := mustNew(t, WithIDPattern(`[a-z]{3}\d{8}`))
	if b := brief(e.Extract("ref abc12345678 ok", refNow)); b != "id=ABC12345678 yesno=yes" {
		t.Errorf("Extract = %s", b)
	}
	for _, c := range []struct{ text, want string }{
		{"abc 1234 5678", "ABC12345678"},
		{"a b c one two three four five six seven eight", "ABC12345678"},
		{"SF1234567890", ""},
	} {
		got, ok := e.Parse(TypeID, c.text, refNow)
		if got.Value != c.want || ok != (c.want != "") {
			t.Errorf("Parse(id, %q) = %q, %v; want %q", c.text, got.Value, ok, c.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  Option
		is   error
		says string
	}{
		{"bad regexp", WithPattern("zip", `(\d`), ErrBadPattern, `"zip"`},
		{"bad id regexp", WithIDPattern(`[`), ErrBadPattern, "id pattern"},
		{"empty list", WithList("colour", nil), ErrBadList, `"colour"`},
		{"empty synonym", WithList("colour", map[string][]string{"red": {""}}), ErrBadList, `"colour"`},
		{"ambiguous", WithList("colour", map[string][]string{"red": {"crimson"}, "pink": {"Crimson"}}), ErrBadList, "crimson"},
		{"built-in name", WithList("date", map[string][]string{"x": nil}), nil, `"date"`},
		{"empty name", WithPattern("", `x`), nil, "empty name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.opt)
			if err == nil {
				t.Fatal("New succeeded")
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not name %s", err, c.says)
			}
		})
	}
	if _, err := New(WithPattern("a", "x"), WithList("a", map[string][]string{"x": nil})); err == nil {
		t.Error("duplicate name accepted")
	}
}

func TestTypes(t *testing.T) {
	got := Types()
	if len(got) != 9 || got[0] != TypeNumber {
		t.Fatalf("Types() = %v", got)
	}
	got[0] = "changed"
	if Types()[0] != TypeNumber {
		t.Error("Types returned shared slice")
	}
}

func TestRobustInput(t *testing.T) {
	e := mustNew(t, WithList("c", map[string][]string{"红色": nil, "red": nil}))
	inputs := []string{
		"",
		" ",
		"\xff\xfe\xfd",
		"three \xff hundred",
		"十\xff五",
		"\xe4\xb8", // truncated 三
		"$",
		"@",
		"+",
		"a@b",
		"@@@.com",
		"ｆｏｏ　１２３４５",
		"\u00a0\u3000",
		strings.Repeat("9", 200),
		strings.Repeat("一", 300),
		strings.Repeat("double ", 50),
		strings.Repeat("+(", 100),
		"�",
	}
	for _, in := range inputs {
		got := e.Extract(in, refNow)
		checkSpans(t, in, got)
		for _, typ := range append(Types(), "c", "unknown") {
			x, ok := e.Parse(typ, in, refNow)
			if ok && (x.Start < 0 || x.End > len(in) || in[x.Start:x.End] != x.Text) {
				t.Errorf("Parse(%q, %q) bad span %+v", typ, in, x)
			}
		}
	}
	// Invalid bytes are skipped, not fatal: entities around them survive.
	got := e.Extract("call \xff 13800138000 \xfe tomorrow", refNow)
	if b := brief(got); b != "phone=13800138000 date=2026-11-26" {
		t.Errorf("with invalid bytes: %s", b)
	}
}

func longInput() string {
	parts := []string{
		"I'd like to pay 350 dollars on November 5th at 3pm. ",
		"我的手机是13800138000，明天下午三点半送到，运单号SF1234567890。",
		"my card ends in four five six one, yes that's right. ",
		"email john dot smith at example dot com or jane@example.org ",
	}
	var b strings.Builder
	for b.Len() < 10000 {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	return b.String()[:10000]
}

func TestLongInputIsFast(t *testing.T) {
	e := mustNew(t)
	in := longInput()
	e.Extract(in, refNow) // warm up
	const runs = 5
	start := time.Now()
	var got []Entity
	for range runs {
		got = e.Extract(in, refNow)
	}
	per := time.Since(start) / runs
	checkSpans(t, in, got)
	if len(got) < 100 {
		t.Errorf("only %d entities in long input", len(got))
	}
	limit := 10 * time.Millisecond
	if raceEnabled {
		limit *= 20
	}
	if per > limit {
		t.Errorf("Extract of %d bytes took %v, want < %v", len(in), per, limit)
	}
}

func TestConcurrent(t *testing.T) {
	e := mustNew(t, WithList("card", map[string][]string{"visa": nil}))
	want := brief(e.Extract(extractCases[1].text, refNow))
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if b := brief(e.Extract(extractCases[1].text, refNow)); b != want {
					errs <- fmt.Sprintf("goroutine %d run %d: %s", g, i, b)
					return
				}
				e.Parse(TypeDigits, "four five six one", refNow)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkExtract(b *testing.B) {
	e, _ := New()
	const utterance = "yes, I'd like to move my delivery SF1234567890 to next monday at 3:30 pm, my number is 138 0013 8000"
	b.ReportAllocs()
	for b.Loop() {
		e.Extract(utterance, refNow)
	}
}

func BenchmarkExtractChinese(b *testing.B) {
	e, _ := New()
	const utterance = "好的，运单号SF1234567890，改到下周一下午三点半，付三百五十块，电话13800138000"
	b.ReportAllocs()
	for b.Loop() {
		e.Extract(utterance, refNow)
	}
}

func BenchmarkExtractLong(b *testing.B) {
	e, _ := New()
	in := longInput()
	b.ReportAllocs()
	for b.Loop() {
		e.Extract(in, refNow)
	}
}
