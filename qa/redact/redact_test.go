package redact

import (
	"errors"
	"strings"
	"testing"
)

// redactCase is one text and its expected output with the default options.
type redactCase struct {
	name  string
	in    string
	want  string
	types []Type // the spans' types, in order
}

func runCases(t *testing.T, r *Redactor, cases []redactCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := r.Redact(c.in)
			checkRedaction(t, c.in, res)
			if res.Text != c.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, res.Text, c.want)
			}
			var types []Type
			for _, sp := range res.Spans {
				types = append(types, sp.Type)
			}
			if strings.Join(typeNames(types), ",") != strings.Join(typeNames(c.types), ",") {
				t.Errorf("Redact(%q) types %v, want %v", c.in, types, c.types)
			}
		})
	}
}

func typeNames(ts []Type) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

func newDefault(t testing.TB) *Redactor {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCards(t *testing.T) {
	runCases(t, newDefault(t), []redactCase{
		{"spaced", "my card number is 4111 1111 1111 1111 thanks", "my card number is **** **** **** 1111 thanks", []Type{Card}},
		{"dashed", "4539-1488-0343-6467", "****-****-****-6467", []Type{Card}},
		{"one block, no cue", "use 4539148803436467 please", "use ************6467 please", []Type{Card}},
		{"amex 4-6-5", "amex 3714 496353 98431", "amex **** ****** *8431", []Type{Card}},
		{"unionpay 19", "卡号6222021234567890128", "卡号***************0128", []Type{Card}},
		{"full-width", "卡号４１１１１１１１１１１１１１１１", "卡号************１１１１", []Type{Card}},
		{"spoken", "it's four one one one one one one one one one one one one one one one", "it's **** **** **** 1111", []Type{Card}},
		{"spoken oh", "card four five three nine one four eight eight oh three four three six four six seven",
			"card **** **** **** 6467", []Type{Card}},
		{"spoken double", "card four five three nine one four double eight oh three four three six four six seven",
			"card **** **** **** 6467", []Type{Card}},
		{"spoken pairs", "card forty-five thirty-nine fourteen eighty-eight zero three forty-three sixty-four sixty-seven",
			"card **** **** **** 6467", []Type{Card}},
		{"chinese", "卡号是四一一一一一一一一一一一一一一一", "卡号是**** **** **** 1111", []Type{Card}},
		{"chinese yao", "卡号四五三九幺四八八零三四三六四六七", "卡号**** **** **** 6467", []Type{Card}},
		{"mixed", "card 4539 one four eight eight 0343 six four six seven", "card **** **** **** 6467", []Type{Card}},
		{"spread over a sentence", "card: the first four are 4539, um, 1488 then 0343 and the last four are 6467",
			"card: the first four are ****, um, **** then **** and the last four are 6467", []Type{Card}},
		{"chinese spread", "卡号前四位是4539，然后是1488，再是0343，最后四位6467", "卡号前四位是****，然后是****，再是****，最后四位6467", []Type{Card}},
		{"fillers need a cue", "4539, um, 1488 then 0343 and 6467", "4539, um, 1488 then 0343 and 6467", nil},
		{"misheard after a cue", "my card number is 4539 1488 0343 6468", "my card number is **** **** **** 6468", []Type{Card}},
		{"partial after a cue", "the card starts 4539 1488", "the card starts **** ****", []Type{Card}},
		{"no cue, no luhn", "4539 1488 0343 6468", "4539 1488 0343 6468", nil},
		{"with cvv", "card 4111 1111 1111 1111 cvv 123", "card **** **** **** 1111 cvv ***", []Type{Card, CVV}},
		{"two cards", "4111111111111111 or 5555555555554444", "************1111 or ************4444", []Type{Card, Card}},
		{"last four only", "the card ending in 4821", "the card ending in 4821", nil},
		{"after an amount sign", "$4111111111111111", "$************1111", []Type{Card}},
		{"parcel in groups of four", "the package 9400 1000 0000 0000 0000 00 is late", "the package 9400 1000 0000 0000 0000 00 is late", nil},
		{"glued to letters", "SF4111111111111111", "SF4111111111111111", nil},
	})
}

func TestCVV(t *testing.T) {
	runCases(t, newDefault(t), []redactCase{
		{"cvv", "the cvv is 123", "the cvv is ***", []Type{CVV}},
		{"security code", "security code 4321", "security code ****", []Type{CVV}},
		{"on the back", "the three digits on the back are 987", "the three digits on the back are ***", []Type{CVV}},
		{"spoken", "cvv one two three", "cvv ***", []Type{CVV}},
		{"pin", "change my pin to 1234", "change my pin to ****", []Type{CVV}},
		{"chinese", "安全码是三四五", "安全码是***", []Type{CVV}},
		{"chinese pin", "取款密码123456", "取款密码******", []Type{CVV}},
		{"call me back", "call me back at 5 pm", "call me back at 5 pm", nil},
		{"social security is not a code", "social security 123", "social security 123", nil},
	})
}

func TestPhones(t *testing.T) {
	runCases(t, newDefault(t), []redactCase{
		{"nanp parens", "call me at (415) 555-0134", "call me at (***) ***-****", []Type{Phone}},
		{"nanp dashes", "415-555-0134", "***-***-****", []Type{Phone}},
		{"nanp dots", "it's 415.555.0134", "it's ***.***.****", []Type{Phone}},
		{"nanp block", "my number is 4155550134", "my number is **********", []Type{Phone}},
		{"nanp with 1", "1-415-555-0134", "*-***-***-****", []Type{Phone}},
		{"e164", "+1 415 555 0134", "+* *** *** ****", []Type{Phone}},
		{"e164 uk", "+44 20 7946 0958", "+** ** **** ****", []Type{Phone}},
		{"plus spoken", "plus four four two zero seven nine four six zero nine five eight", "plus ************", []Type{Phone}},
		{"spoken", "four one five five five five oh one three four", "**********", []Type{Phone}},
		{"spoken double", "four one five double five five oh one three four", "**********", []Type{Phone}},
		{"local after a cue", "call me at 555-0134", "call me at ***-****", []Type{Phone}},
		{"local without a cue", "it's 555-0134", "it's 555-0134", nil},
		{"cn mobile", "手机13800138000", "手机***********", []Type{Phone}},
		{"cn mobile grouped", "电话 138 0013 8000", "电话 *** **** ****", []Type{Phone}},
		{"cn mobile +86", "+86 138 0013 8000", "+** *** **** ****", []Type{Phone}},
		{"cn mobile 0086", "0086 13800138000", "**** ***********", []Type{Phone}},
		{"cn mobile spoken", "幺三八零零幺三八零零零", "***********", []Type{Phone}},
		{"cn mobile spoken groups", "手机 幺三八 零零幺三 八零零零", "手机 ***********", []Type{Phone}},
		{"cn landline", "座机010-62345678", "座机***-********", []Type{Phone}},
		{"cn landline 4-digit area", "(0755) 8888 6666", "(****) **** ****", []Type{Phone}},
		{"cn landline 7 digits", "0571-8765432", "****-*******", []Type{Phone}},
		{"cn landline +86", "+86 10 6234 5678", "+** ** **** ****", []Type{Phone}},
		{"cn landline spoken", "零幺零六二三四五六七八", "***********", []Type{Phone}},
		{"400", "客服电话400-820-1234", "客服电话400-820-1234", nil},
		{"400 block", "您可以打4006695566", "您可以打4006695566", nil},
		{"95", "请拨打95588查询", "请拨打95588查询", nil},
		{"95 long", "客服95105105", "客服95105105", nil},
		{"10086", "拨打10086", "拨打10086", nil},
		{"1-800", "call 1-800-555-0199", "call 1-800-555-0199", nil},
		{"888", "our toll free number is 888 555 0100", "our toll free number is 888 555 0100", nil},
		{"order number", "order number 13912345678", "order number 13912345678", nil},
		{"two numbers", "13800138000 or 13900139000", "*********** or ***********", []Type{Phone, Phone}},
		{"mobile in an english sentence", "my phone is 13800138000", "my phone is ***********", []Type{Phone}},
		{"1-800 vs 180 mobile", "1 800 555 0199", "1 800 555 0199", nil},
	})
}

func TestTollFree(t *testing.T) {
	r, err := New(WithTollFree(true))
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, r, []redactCase{
		{"400", "客服电话400-820-1234", "客服电话***-***-****", []Type{Phone}},
		{"95", "请拨打95588查询", "请拨打*****查询", []Type{Phone}},
		{"1-800", "call 1-800-555-0199", "call *-***-***-****", []Type{Phone}},
		{"personal still", "13800138000", "***********", []Type{Phone}},
	})
}

func TestEmails(t *testing.T) {
	runCases(t, newDefault(t), []redactCase{
		{"written", "mail john.smith@example.com today", "mail ****.*****@*******.*** today", []Type{Email}},
		{"plus and caps", "Mary_Jones+x@Outlook.co.uk.", "****_*****+*@*******.**.**.", []Type{Email}},
		{"chinese around", "邮箱是zhangsan@163.com谢谢", "邮箱是********@***.***谢谢", []Type{Email}},
		{"full-width at", "zhangsan＠qq.com", "********＠**.***", []Type{Email}},
		{"digits in local part", "13800138000@qq.com", "***********@**.***", []Type{Email}},
		{"spoken", "it's john dot smith at gmail dot com", "it's ****.*****@*****.***", []Type{Email}},
		{"spoken underscore", "mary underscore jones at yahoo dot com", "****_*****@*****.***", []Type{Email}},
		{"spoken two words", "my email is john smith at gmail dot com", "my email is *********@*****.***", []Type{Email}},
		{"spoken chinese", "zhangsan艾特qq点com", "********@**.***", []Type{Email}},
		{"spoken mixed", "john@gmail dot com", "****@*****.***", []Type{Email}},
		{"not an address", "I'll look at it at home", "I'll look at it at home", nil},
		{"no domain", "meet me @ noon", "meet me @ noon", nil},
		{"a website", "visit us at example dot com", "visit us at example dot com", nil},
		{"no tld", "a@b", "a@b", nil},
	})
}

func TestIDs(t *testing.T) {
	runCases(t, newDefault(t), []redactCase{
		{"cn id", "身份证号11010519491231002X", "身份证号******************", []Type{ID}},
		{"cn id no cue", "it's 110105194912310021", "it's 110105194912310021", nil}, // bad check character
		{"cn id lower x", "44030419900307123x", "******************", []Type{ID}},
		{"cn id grouped", "身份证 310115 19851120 4566", "身份证 ****** ******** ****", []Type{ID}},
		{"cn id spoken x", "身份证幺幺零幺零五幺九四九幺二三幺零零二叉", "身份证******************", []Type{ID}},
		{"cn id spoken english", "ID card one one zero one zero five one nine four nine one two three one zero zero two x",
			"ID card ******************", []Type{ID}},
		{"cn id legacy after a cue", "老身份证号是110105491231002", "老身份证号是***************", []Type{ID}},
		{"cn id legacy without a cue", "110105491231002", "110105491231002", nil},
		{"ssn", "my social is 123-45-6789", "my social is ***-**-****", []Type{ID}},
		{"ssn spaces", "123 45 6789", "*** ** ****", []Type{ID}},
		{"ssn spoken", "my social is one two three four five six seven eight nine", "my social is *********", []Type{ID}},
		{"ssn block after a cue", "SSN 123456789", "SSN *********", []Type{ID}},
		{"ssn block without a cue", "123456789", "123456789", nil},
		{"ssn area 000", "000-12-3456", "000-12-3456", nil},
		{"ssn area 666", "666-12-3456", "666-12-3456", nil},
		{"ssn area 9xx", "912-12-3456", "912-12-3456", nil},
		{"ssn group 00", "123-00-4567", "123-00-4567", nil},
		{"ssn serial 0000", "123-45-0000", "123-45-0000", nil},
		{"passport", "passport number 123456789", "passport number *********", []Type{ID}},
		{"last four of ssn", "the last four of my social are 6789", "the last four of my social are 6789", nil},
	})
}

func TestAccounts(t *testing.T) {
	runCases(t, newDefault(t), []redactCase{
		{"account", "account number 12345678", "account number ********", []Type{Account}},
		{"acct", "acct 123-456-789", "acct ***-***-***", []Type{Account}},
		{"spoken", "account number is one two three four five six seven eight", "account number is ********", []Type{Account}},
		{"chinese", "账号是 6222 0212 3456 78", "账号是 **** **** **** **", []Type{Account}},
		{"chinese spoken", "账号是幺二三四五六七八", "账号是********", []Type{Account}},
		{"policy", "保单号 422463498563", "保单号 ************", []Type{Account}},
		{"account number phrase", "账户号码是8481 0927 1361", "账户号码是**** **** ****", []Type{Account}},
		{"card number under an account cue", "账号是85077122816800", "账号是**************", []Type{Account}},
		{"too short", "account 12345", "account 12345", nil},
		{"balance", "my account balance is 12,500 dollars", "my account balance is 12,500 dollars", nil},
		{"balance zh", "账户余额125000元", "账户余额125000元", nil},
		{"year", "I opened the account in 2019", "I opened the account in 2019", nil},
		{"date", "account opened 2024-03-15", "account opened 2024-03-15", nil},
		{"ending in", "account ending in sequence 939392", "account ending in sequence 939392", nil},
		{"other clause", "my account is fine. 12345678 is my order", "my account is fine. 12345678 is my order", nil},
	})
}

func TestFalsePositives(t *testing.T) {
	r := newDefault(t)
	for _, s := range []string{
		"I paid $1,250.00 on 2024-03-15 at 10:30",
		"it costs 1,250 dollars, or 1250 dollars", "the balance is $12,345.67", "49.99",
		"it arrived on 03/15/2024", "March 15th, 2024 at 3 pm", "I ordered 3 items",
		"flight UA 857 lands at 10:45", "room 1205", "zip code 94103-1234", "version 2.3.1", "192.168.1.1",
		"order number 20240315123457", "tracking number 1Z999AA10123456784", "reference number 3345678901",
		"一共一千二百五十元", "￥1,250.00", "2024年3月15日", "二零二四年三月十五号", "下午三点半", "15:30", "第3期账单",
		"订单号20240315123458", "运单号SF1234567890123", "验证码是 384756", "工单号GD20240315001",
		"客服电话400-820-1234", "请拨打95588", "1-800-555-0199", "一二三四五六", "oh, one more thing", "one two three",
		"twenty twenty four", "I have two cards and three accounts", "it's 100% fine", "the 8:15 train",
	} {
		if res := r.Redact(s); len(res.Spans) > 0 || res.Text != s {
			t.Errorf("Redact(%q) = %q %v, want it unchanged", s, res.Text, res.Spans)
		}
	}
}

func TestOptions(t *testing.T) {
	in := "card 4111 1111 1111 1111, phone 13800138000, mail a.b@example.com, account number 12345678"
	for _, c := range []struct {
		name string
		opts []Option
		want string
	}{
		{"default", nil, "card **** **** **** 1111, phone ***********, mail *.*@*******.***, account number ********"},
		{"full card", []Option{WithStyle(Card, Full)}, "card **** **** **** ****, phone ***********, mail *.*@*******.***, account number ********"},
		{"labels", []Option{WithStyle(Card, Label), WithStyle(Phone, Label), WithStyle(Email, Label), WithStyle(Account, Label)},
			"card [CARD], phone [PHONE], mail [EMAIL], account number [ACCOUNT]"},
		{"phone last4", []Option{WithStyle(Phone, KeepLast4)}, "card **** **** **** 1111, phone *******8000, mail *.*@*******.***, account number ********"},
		{"cards off", []Option{WithType(Card, false)}, "card 4111 1111 1111 1111, phone ***********, mail *.*@*******.***, account number ********"},
		{"phones and emails off", []Option{WithType(Phone, false), WithType(Email, false)},
			"card **** **** **** 1111, phone 13800138000, mail a.b@example.com, account number ********"},
		{"accounts of 10+", []Option{WithAccountDigits(10, 12)}, "card **** **** **** 1111, phone ***********, mail *.*@*******.***, account number 12345678"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := New(c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(in); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestAccountCues(t *testing.T) {
	r, err := New(WithAccountCues("customer number", "客户编码", "Loyalty"))
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, r, []redactCase{
		{"phrase", "my customer number is 12345678", "my customer number is ********", []Type{Account}},
		{"word", "LOYALTY 87654321", "LOYALTY ********", []Type{Account}},
		{"chinese", "客户编码是55667788", "客户编码是********", []Type{Account}},
		{"half a phrase", "my number is 12345678", "my number is ********", []Type{Phone}},
		{"nothing", "the number 12345678", "the number 12345678", nil},
	})
}

func TestPatterns(t *testing.T) {
	r, err := New(WithPattern("tracking", `\bSF\d{13}\b`), WithPattern(Account, `\bP-\d{6}\b`), WithStyle("tracking", Label))
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, r, []redactCase{
		{"tracking", "运单号 SF1234567890123 到了", "运单号 [TRACKING] 到了", []Type{"tracking"}},
		{"policy", "it's P-123456 ok", "it's *-****** ok", []Type{Account}},
		{"cue first", "policy P-123456 ok", "policy P-****** ok", []Type{Account}},
		{"overlap keeps the built-in", "card 4111111111111111", "card ************1111", []Type{Card}},
	})
	for _, c := range []struct {
		name string
		opt  Option
		want string
	}{
		{"empty match", WithPattern("x", `a*`), "empty string"},
		{"syntax", WithPattern("x", `(`), "missing closing )"},
		{"too long", WithPattern("x", strings.Repeat("a", MaxPatternLen+1)), "bytes"},
		{"too large", WithPattern("x", `(?:a{1000}){1000}`), ""},
		{"no type", WithPattern("", `a`), "empty type"},
		{"unknown type", WithType("tracking", true), "not a built-in type"},
		{"bad style", WithStyle(Card, 9), "unknown style"},
		{"bad account digits", WithAccountDigits(8, 4), "min <= max"},
		{"bad cue", WithAccountCues(" "), "cue"},
		{"bad margin", WithAudioMargin(-1), "WithAudioMargin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.opt)
			if !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New: %v, want ErrOption mentioning %q", err, c.want)
			}
		})
	}
	opts := make([]Option, MaxPatterns+1)
	for i := range opts {
		opts[i] = WithPattern("x", `\bq\d+\b`)
	}
	if _, err := New(opts...); !errors.Is(err, ErrOption) {
		t.Fatalf("%d patterns: %v, want ErrOption", len(opts), err)
	}
}

func TestUnchangedTextIsNotCopied(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	r := newDefault(t)
	in := "nothing to hide here, just 3 items on 2024-03-15"
	if n := testing.AllocsPerRun(100, func() { _ = r.Redact(in) }); n != 0 {
		t.Errorf("%v allocations for a text without personal data, want 0", n)
	}
}

func TestLuhn(t *testing.T) {
	for _, c := range []struct {
		d  string
		ok bool
	}{
		{"4111111111111111", true}, {"4111111111111112", false}, {"378282246310005", true}, {"6011111111111117", true},
		{"79927398713", true}, {"79927398710", false}, {"0", false}, {"", false}, {"00", true}, {"4111-1111", false}, {"１２", false},
	} {
		if got := Luhn(c.d); got != c.ok {
			t.Errorf("Luhn(%q) = %v, want %v", c.d, got, c.ok)
		}
	}
}

func TestChineseID(t *testing.T) {
	for _, c := range []struct {
		id string
		ok bool
	}{
		{"11010519491231002X", true}, {"11010519491231002x", true}, {"440304199003071234", false},
		{"310115198511204566", true}, {"510107197805127896", true},
		{"110105194912310021", false},  // check character
		{"990105194912310028", false},  // no such province
		{"110105194902300027", false},  // 30 February
		{"11010518991231002X", false},  // born 1899 (check computed for it below)
		{"1101051949123100", false},    // short
		{"11010519491231002Y", false},  // bad check character
		{"A1010519491231002X", false},  // not digits
		{"110105200002290021", true},   // 29 February 2000
		{"110105190002290025", false},  // 1900 was not a leap year
		{"500103200512310010", true},   // Chongqing
		{"810000199001010000", true},   // Hong Kong residents' mainland ID
		{"710000199001010007", true},   // Taiwan
		{"830000199001010004", false},  // 83 is not issued
		{"11010519491231002X0", false}, // long
	} {
		if got := ChineseID(c.id); got != c.ok {
			t.Errorf("ChineseID(%q) = %v, want %v", c.id, got, c.ok)
		}
	}
	if !cnID15([]byte("110105491231002")) || cnID15([]byte("110105491331002")) || cnID15([]byte("990105491231002")) {
		t.Error("cnID15: legacy IDs")
	}
}

func TestSSN(t *testing.T) {
	for _, c := range []struct {
		d  string
		ok bool
	}{
		{"123456789", true}, {"000123456", false}, {"666123456", false}, {"900123456", false}, {"999123456", false},
		{"123004567", false}, {"123450000", false}, {"899991234", true}, {"12345678", false}, {"12345678a", false},
	} {
		if got := SSN(c.d); got != c.ok {
			t.Errorf("SSN(%q) = %v, want %v", c.d, got, c.ok)
		}
	}
}

func TestClassifyPhone(t *testing.T) {
	for _, c := range []struct {
		d         string
		intl, nan bool
		want      phoneClass
	}{
		{"13800138000", false, false, personal},
		{"12800138000", false, false, notPhone}, // 12x is not a mobile prefix, 280 is a NANP area: 1-280-013... exchange 0
		{"4155550134", false, true, personal},
		{"14155550134", false, true, personal},
		{"1155550134", false, true, notPhone},   // area code starts with 1
		{"4150550134", false, true, notPhone},   // exchange starts with 0
		{"4115550134", false, true, notPhone},   // N11 area code
		{"8005550199", false, true, business},   // toll-free
		{"18005550199", false, true, business},  // 1-800
		{"18005550199", false, false, personal}, // a 180 mobile in Chinese text
		{"4008201234", false, false, business},
		{"8008201234", false, false, business},
		{"95588", false, false, business},
		{"95105105", false, false, business},
		{"10086", false, false, business},
		{"12345", false, false, business},
		{"01062345678", false, false, personal},
		{"075588886666", false, false, personal},
		{"05718765432", false, false, personal},
		{"01012345678", false, false, notPhone}, // subscriber starts with 1
		{"0106234567", false, false, notPhone},  // Beijing numbers have 8 digits
		{"8613800138000", true, false, personal},
		{"861062345678", true, false, personal},
		{"864008201234", true, false, business},
		{"442079460958", true, false, personal},
		{"0044207946095", false, false, personal},
		{"1234567", true, false, notPhone}, // too short for E.164
		{"0123456789012345", true, false, notPhone},
	} {
		if got := classifyPhone([]byte(c.d), c.intl, c.nan); got != c.want {
			t.Errorf("classifyPhone(%s, intl %v, nanp %v) = %d, want %d", c.d, c.intl, c.nan, got, c.want)
		}
	}
}

func TestStyles(t *testing.T) {
	for _, c := range []struct {
		name string
		s    Style
	}{{"last4", KeepLast4}, {"full", Full}, {"label", Label}, {" LABEL ", Label}, {"", Full}} {
		got, err := ParseStyle(c.name)
		if err != nil || got != c.s {
			t.Errorf("ParseStyle(%q) = %v, %v; want %v", c.name, got, err, c.s)
		}
	}
	if _, err := ParseStyle("stars"); !errors.Is(err, ErrOption) {
		t.Errorf("ParseStyle(stars): %v, want ErrOption", err)
	}
	if KeepLast4.String() != "last4" || Style(0).String() != "Style(0)" {
		t.Error("Style.String")
	}
}

func TestConcurrentUse(t *testing.T) {
	r := newDefault(t)
	cases := readLabelled(t, "testdata/dev.tsv")
	done := make(chan bool)
	for w := range 4 {
		go func() {
			ok := true
			for i := w; i < len(cases); i += 2 {
				if got := r.String(cases[i].input); got != cases[i].expected {
					ok = false
				}
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("a concurrent Redact differed from the expected output")
		}
	}
}
