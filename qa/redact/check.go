package redact

// Luhn reports whether the digit string d passes the Luhn (mod 10) check
// that payment card numbers carry in their last digit. Any byte that is
// not an ASCII digit makes it false.
func Luhn(d string) bool { return luhn([]byte(d)) }

func luhn(d []byte) bool {
	if len(d) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		c := d[i]
		if c < '0' || c > '9' {
			return false
		}
		v := int(c - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// cnIDWeights are the ISO 7064 MOD 11-2 weights of a resident ID's first
// 17 characters (2^(17-i) mod 11).
var cnIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// cnIDCheck maps the weighted sum mod 11 to the check character.
const cnIDCheck = "10X98765432"

// ChineseID reports whether id is a valid 18-character Chinese resident
// identity number: a known province code, a real date of birth from 1900
// on, and the ISO 7064 MOD 11-2 check character (a digit or X, either case).
func ChineseID(id string) bool { return cnID18([]byte(id)) }

func cnID18(d []byte) bool {
	if len(d) != 18 {
		return false
	}
	sum := 0
	for i := range 17 {
		c := d[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * cnIDWeights[i]
	}
	c := d[17]
	if c == 'x' {
		c = 'X'
	}
	if c != cnIDCheck[sum%11] {
		return false
	}
	return cnProvince(d) && validDate(num(d[6:10]), num(d[10:12]), num(d[12:14]), 1900, 2100)
}

// cnID15 reports a plausible legacy 15-digit resident ID (before 1999):
// province code and a 19YY date of birth; it has no check digit.
func cnID15(d []byte) bool {
	if len(d) != 15 || !allDigits(d) {
		return false
	}
	return cnProvince(d) && validDate(1900+num(d[6:8]), num(d[8:10]), num(d[10:12]), 1900, 1999)
}

// cnProvince reports whether the first two digits are a province-level
// code of GB/T 2260 (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81-82).
func cnProvince(d []byte) bool {
	p := num(d[0:2])
	switch {
	case p >= 11 && p <= 15, p >= 21 && p <= 23, p >= 31 && p <= 37, p >= 41 && p <= 46,
		p >= 50 && p <= 54, p >= 61 && p <= 65, p == 71, p == 81, p == 82:
		return true
	}
	return false
}

// SSN reports whether d (nine digits, separators removed) can be a US
// Social Security number: area not 000, 666 or 900-999, group not 00,
// serial not 0000.
func SSN(d string) bool { return ssn([]byte(d)) }

func ssn(d []byte) bool {
	if len(d) != 9 || !allDigits(d) {
		return false
	}
	area, group, serial := num(d[0:3]), num(d[3:5]), num(d[5:9])
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

// validDate reports a real calendar date with lo <= y <= hi.
func validDate(y, m, d, lo, hi int) bool {
	if y < lo || y > hi || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// num is the value of a short ASCII digit string.
func num(d []byte) int {
	v := 0
	for _, c := range d {
		v = v*10 + int(c-'0')
	}
	return v
}

func allDigits(d []byte) bool {
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// phoneClass is what a digit string is as a phone number.
type phoneClass uint8

const (
	notPhone phoneClass = iota
	personal            // a subscriber's number: PII
	business            // a company's service number (400, 800, 95xxx, toll-free)
)

// nanp classifies ten North American digits: area code and exchange start
// with 2-9 and are not N11; 8XX toll-free and 900 are business numbers.
func nanp(d []byte) phoneClass {
	if len(d) != 10 || d[0] < '2' || d[3] < '2' || (d[1] == '1' && d[2] == '1') || (d[4] == '1' && d[5] == '1') {
		return notPhone
	}
	switch string(d[0:3]) {
	case "800", "833", "844", "855", "866", "877", "888", "900":
		return business
	}
	return personal
}

// cnNational classifies a Chinese number without the country code:
// mobiles 1[3-9] + 9 digits; landlines 0 + area code (10, 2X, or three
// digits from 3-9) + a 7- or 8-digit subscriber number; 400/800 numbers.
// withZero says whether the trunk 0 of a landline is in d.
func cnNational(d []byte, withZero bool) phoneClass {
	n := len(d)
	if n == 11 && d[0] == '1' && d[1] >= '3' {
		return personal
	}
	if n == 10 && (string(d[0:3]) == "400" || string(d[0:3]) == "800") {
		return business
	}
	if !withZero {
		// "+86 10 1234 5678": the landline without its trunk 0.
		if n < 9 || n > 11 {
			return notPhone
		}
		var buf [12]byte
		buf[0] = '0'
		copy(buf[1:], d)
		n++
		d = buf[:n]
	}
	if n < 10 || n > 12 || d[0] != '0' {
		return notPhone
	}
	var sub []byte
	switch {
	case d[1] == '1' && d[2] == '0', d[1] == '2':
		sub = d[3:]
		if len(sub) != 8 {
			return notPhone
		}
	case d[1] >= '3':
		sub = d[4:]
		if len(sub) != 7 && len(sub) != 8 {
			return notPhone
		}
	default:
		return notPhone
	}
	if sub[0] < '2' {
		return notPhone
	}
	return personal
}

// classifyPhone classifies a digit string as a phone number. intl says a
// "+" (or "plus") came before it; digits starting 00 are international too.
// nanpFirst prefers the North American reading of 1 + 10 digits.
func classifyPhone(d []byte, intl, nanpFirst bool) phoneClass {
	if !intl && len(d) > 2 && d[0] == '0' && d[1] == '0' {
		d, intl = d[2:], true
	}
	n := len(d)
	if intl {
		switch {
		case n < 8 || n > 15 || d[0] == '0':
			return notPhone
		case d[0] == '8' && d[1] == '6':
			return cnNational(d[2:], false)
		case d[0] == '1':
			if n != 11 {
				return notPhone
			}
			return nanp(d[1:])
		}
		return personal
	}
	if c := shortService(d); c != notPhone {
		return c
	}
	switch {
	case n == 13 && d[0] == '8' && d[1] == '6':
		return cnNational(d[2:], false)
	case n == 11 && d[0] == '1':
		// "18005550199" is a Chinese mobile and 1-800 toll-free: nanpFirst
		// (written "1-800-...", or English text) picks the reading.
		if nanpFirst {
			if c := nanp(d[1:]); c != notPhone {
				return c
			}
		}
		if d[1] >= '3' {
			return personal
		}
		return nanp(d[1:])
	case n == 10 && d[0] != '0':
		if c := cnNational(d, true); c == business {
			return c
		}
		return nanp(d)
	case d[0] == '0':
		return cnNational(d, true)
	}
	return notPhone
}

// shortService reports a Chinese company service number: 95 + 3-6 digits
// (95588), 10 + 3 digits (10086), 12 + 3 digits (12345), 96 + 3-4 digits.
func shortService(d []byte) phoneClass {
	n := len(d)
	switch {
	case n >= 5 && n <= 8 && d[0] == '9' && d[1] == '5',
		n == 5 && d[0] == '1' && (d[1] == '0' || d[1] == '2'),
		n >= 5 && n <= 6 && d[0] == '9' && d[1] == '6':
		return business
	}
	return notPhone
}
