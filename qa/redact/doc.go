// Package redact masks personal data in what Switchboard keeps of a call:
// transcripts, search results, alert payloads, logs and recordings. It
// reads English and Chinese as speech recognition writes them: digits
// written ("4111 1111 1111 1111"), spoken ("four one one one ... oh",
// "double five", "forty-five"), in Chinese ("四五六一", "幺三八") or mixed,
// and spread over a sentence ("the first four are 4561, um, 2612 ...").
//
// # Text
//
// New builds a Redactor (immutable, safe for concurrent use, a few
// microseconds per utterance); Redact returns the masked text and the
// spans it masked, as byte offsets in the original text with their Type:
//
//	r, _ := redact.New()
//	res := r.Redact("my card number is 4111 1111 1111 1111, call me on 13800138000")
//	// res.Text:  "my card number is **** **** **** 1111, call me on ***********"
//	// res.Spans: [{card 18 37} {phone 50 61}]
//
// The types, each on by default (WithType turns one off):
//
//   - Card: 13-19 digits passing the Luhn check, anywhere; after a card cue
//     ("card number", "visa", "卡号", "信用卡") 7-19 digits even when the
//     check fails, since a misheard digit breaks it. Masked to the last
//     four digits by default: PCI DSS allows at most the first six and last
//     four digits of a PAN to be displayed (requirement 3.4.1) and a PAN
//     truncated that far may be stored (3.5.1); showing the last four only
//     stays within both. Partial numbers are masked whole. WithStyle(Card,
//     Full) masks every digit.
//   - CVV: a card security code or PIN after its cue ("CVV", "security
//     code", "the three digits on the back", "PIN", "安全码", "密码"). PCI DSS
//     forbids keeping these at all after authorisation (3.3.1), so they are
//     always masked whole, in the recording too.
//   - Phone: E.164 ("+44 20 7946 0958"), North American ("(415) 555-0134",
//     with area code and exchange checked), Chinese mobiles (1[3-9] and 9
//     more digits) and landlines with their area code ("010-62345678",
//     "0755 8888 6666"); a local number only after a phone cue. Company
//     service numbers are kept: Chinese 400 and 800 numbers, 95xxx and
//     96xxx short numbers, hotlines like 10086 and 12345, North American
//     toll-free (8XX) and 900 numbers. They name a company, not a person,
//     and "call 95588" must stay readable; WithTollFree masks them too.
//   - Email: written ("john.smith@example.com", "zhangsan＠qq.com") and
//     spoken ("john dot smith at gmail dot com", "zhangsan艾特qq点com").
//   - ID: Chinese resident IDs (18 characters with the ISO 7064 MOD 11-2
//     check, X allowed, a real birth date and province; 15-digit legacy
//     IDs after an ID cue), US Social Security numbers (123-45-6789 or
//     after "social"/"SSN"; areas 000, 666 and 900-999, group 00 and serial
//     0000 are not numbers), and 8-18 digits after an ID or passport cue.
//   - Account: a digit run of 6-20 digits (WithAccountDigits) after an
//     account cue (account, acct, member, policy, 账号, 账户, 卡号, 会员号,
//     and WithAccountCues).
//   - Patterns: WithPattern adds regular expressions (bounded in number and
//     size), masked as their own type ("tracking") or a built-in one.
//
// Ordinary numbers survive: amounts ("$1,250.00", "1250元", "一千二百五十"),
// dates and times, counts, percentages, flight and room numbers, order,
// tracking and reference numbers (an "order number" cue keeps a number
// that would otherwise read as a phone), 400/95 numbers, "the card ending
// in 4821". The one exception is deliberate: any standalone 13-19 digit
// number passing the Luhn check is masked as a card, cue or not, since
// leaking a card number costs more than hiding an order number (one in
// ten such numbers passes the check by chance).
//
// Masks keep the text's shape: written digits are masked in place
// ("***-***-****"); spoken ones are replaced by their masked digits
// ("**** **** **** 1111"). WithStyle picks KeepLast4, Full or Label
// ("[PHONE]") per type. A Span never carries the value.
//
// # Structured data
//
// Turn masks a qa.Turn's Text and its Words and places the spans in the
// recording; Call does a whole qa.Call, slots and handoff reason included.
// JSON and Value redact every string of a JSON document or decoded value
// (alert payloads, slots), reading each key as a cue, so {"account":
// "12345678"} is masked though "12345678" alone is not. NewHandler wraps a
// slog.Handler so that messages and attributes are masked before they are
// written. Config is the qa.redaction section of the configuration file.
//
// # Audio
//
// Ranges maps a turn's spans to stretches of the call: from the words
// that overlap a span when there are word timings, in proportion within
// the turn otherwise (with a wider margin). SilenceWAV streams a redacted
// copy of a 16-bit PCM recording, mono or stereo, with those stretches set
// to silence on one channel or both, every other sample bit for bit, in
// bounded memory however long the call.
package redact
