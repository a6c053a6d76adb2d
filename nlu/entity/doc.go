// Package entity extracts typed values — numbers, digit strings, money,
// dates, times, phone numbers, email addresses, yes/no answers and order
// ids — from what callers say, in English and Mandarin Chinese. The
// dialogue manager uses it to fill slots.
//
// Input usually comes from speech recognition, so numbers are often words
// ("three hundred and fifty", "三百五十", "four five six one", "幺三五"),
// and the package never fails on odd input: empty text, very long text and
// invalid UTF-8 (bad bytes are skipped) all simply yield what can be found.
//
// # Building an extractor
//
// New takes functional options for the bot's own types and reports every
// bad one in its error (wrapping ErrBadList or ErrBadPattern):
//
//	e, err := entity.New(
//		entity.WithList("card_type", map[string][]string{
//			"visa":       {"visa card"},
//			"mastercard": {"master card", "万事达"},
//		}),
//		entity.WithPattern("zip", `\b\d{5}\b`),
//		entity.WithIDPattern(`[a-z]{2,4}\d{6,14}`),
//	)
//
// An Extractor is immutable and safe for concurrent use.
//
// # Extract: everything in an utterance
//
// Extract returns all entities in text order, without overlaps. When
// readings overlap the longest wins, then the more specific type (custom >
// email > phone > id > money > date > time > digits > number > yesno), so
// "13800138000" is a phone number and not also a number, and "350 dollars"
// is money. Each Entity carries the canonical Value, the matched Text and
// its byte offsets (Text == text[Start:End]).
//
//	for _, x := range e.Extract("pay 350 dollars next monday at 3pm", now) {
//		fmt.Println(x.Type, x.Value) // money 350.00 USD, date 2026-11-30, time 15:00
//	}
//
// # Parse: one slot value
//
// Parse(typ, text, now) returns the best value of one type, for an ask
// step that expects it. It first takes what Extract would find (the
// longest match; for yesno the last answer, so "yes... no, sorry, no" is
// no), then falls back to looser readings: spoken digits as a phone number
// or an id ("sf 1234 5678 90" -> SF1234567890), "three thirty" as a time,
// a bare amount as money in the default currency (CNY when the text is
// Chinese, USD otherwise), "3pm" as the number 3. Digits are read
// specially: the longest run of spoken or written digits wins ("the last
// four digits are four five six one" -> 4561).
//
// # Canonical values
//
//	number  "350", "12.5"           words, digits, "1,200", "3万", "一万二"
//	digits  "4561", "007"           "four five six one", "double five", "幺三五", "0123"
//	money   "25.50 USD"             "$25.50", "25 dollars and 50 cents", "5块5", "人民币200"
//	date    "2026-11-26"            "tomorrow", "next monday", "11/05", "下周一", "十一月五号"
//	time    "15:30"                 "3:30 pm", "half past three", "下午三点半"
//	phone   "+8613800138000"        "+86 138 0013 8000", "(555) 123-4567", "400-820-8820", "95555"
//	email   "john.smith@example.com" also "john dot smith at example dot com"
//	yesno   "yes" / "no"            "yeah that's right", "not correct", "好的", "不对"
//	id      "SF1234567890"          2-4 letters then 6-14 digits, "ORD-20231234"
//
// # Resolution rules
//
// Dates resolve against now, in now's location. A bare weekday ("friday",
// "周五") is the next one strictly after today; "this/next/last X" and
// "这/下/上周X" use calendar weeks starting on Monday. A month and day
// without a year ("november 5th", "11月5日") and a day alone ("the 5th",
// "5号") take the occurrence nearest to today. Numeric dates are
// month/day unless the first part cannot be a month.
//
// Times are 24-hour "HH:MM". An hour from 1 to 7 with no am/pm or part of
// the day ("half past three", "三点半", "at 5", "3:30") is taken as pm,
// since calls about 3 am are rare; "03:30" with a leading zero is kept.
// "一点" alone is not a time ("快一点" means "a bit faster").
//
// Yes/no handles negation ("not correct", "that's not right" -> no; "不对"
// -> no, not yes because of 对) and ignores phrases that only look like
// answers ("I'm not sure", "right now", "不好意思", "可以吗", "对面").
// Chinese yes words count only at the start of a clause, so "我是张三" has
// no yes in it.
//
// # Known gaps
//
// Ranges ("3 to 5 pm"), durations, recurring dates, holidays, years alone,
// fractions ("one and a half"), negative numbers, ordinals as numbers
// ("the third one"), spelled-out email local parts ("j o h n") and spoken
// Chinese email addresses are not recognised. "pounds" is always money.
package entity
