package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// ErrJSON is wrapped by JSON's error for a document that is not JSON.
var ErrJSON = errors.New("redact: not a JSON document")

// keyWords are the words of a key that name personal data. Stricter than
// the cues in text: a "call_id" or a "text" field says nothing about the
// numbers in it.
var keyWords = func() map[string]cue {
	m := map[string]cue{}
	for c, ws := range map[cue]string{
		cueCard:    "card cards credit debit pan cardnumber cc",
		cueCVV:     "cvv cvc cvv2 cvc2 cvn csc pin",
		cuePhone:   "phone telephone tel mobile cell cellphone fax msisdn landline callback",
		cueAccount: "account acct iban member membership policy",
		cueID:      "identity passport license licence",
		cueSSN:     "ssn social",
		cueNeg:     "order tracking invoice reference ref confirmation ticket case parcel package shipment waybill receipt serial sku zip postcode",
	} {
		for _, w := range strings.Fields(ws) {
			m[w] |= c
		}
	}
	return m
}()

// keyCue returns the cues a key gives the value stored under it:
// "card_number", "cardNumber", "phone", "账号". Words are split at
// non-letters and lower-to-upper case changes. A plain "id" is no cue
// (session_id, call_id); "id_card", "id_number" and "national_id" are.
func keyCue(key string) cue {
	if key == "" {
		return 0
	}
	var c cue
	var parts [8]string
	n := 0
	start := -1
	prevLower := false
	flush := func(end int) {
		if start >= 0 && n < len(parts) {
			parts[n] = strings.ToLower(key[start:end])
			n++
		}
		start = -1
	}
	for i, r := range key {
		letter := r < 0x80 && unicode.IsLetter(r)
		if !letter {
			flush(i)
			prevLower = false
			continue
		}
		if start >= 0 && prevLower && unicode.IsUpper(r) {
			flush(i)
		}
		if start < 0 {
			start = i
		}
		prevLower = unicode.IsLower(r)
	}
	flush(len(key))
	for k := range n {
		p := parts[k]
		if p == "id" {
			next, prev := "", ""
			if k+1 < n {
				next = parts[k+1]
			}
			if k > 0 {
				prev = parts[k-1]
			}
			if next == "card" || next == "number" || next == "no" || prev == "national" || prev == "identity" {
				c |= cueID
			}
			continue
		}
		if p == "card" && k > 0 && parts[k-1] == "id" {
			continue
		}
		c |= keyWords[p]
	}
	c |= hanCueOf(key)
	if c&cueNeg != 0 {
		return cueNeg
	}
	return c
}

// JSON redacts every string value of a JSON document (object keys too),
// using each key as a cue for the value under it, so {"account":
// "12345678"} is masked though the value alone would not be. An integer
// that would be masked as a string (a card number sent as a number) is
// replaced by the masked string. Key order is kept; the output is compact.
// A document that is not JSON gives an error wrapping ErrJSON.
func (r *Redactor) JSON(doc []byte) ([]byte, error) { return r.json(doc, 0) }

// json redacts a document whose top-level value is read with cue top.
func (r *Redactor) json(doc []byte, top cue) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var out bytes.Buffer
	out.Grow(len(doc))
	type frame struct {
		obj  bool
		n    int // tokens written in it (keys and values)
		hint cue // the cue of the key this container is under
		key  cue // in an object: the cue of the last key
	}
	stack := make([]frame, 0, 8)
	done := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !done {
				return nil, fmt.Errorf("%w: empty document", ErrJSON)
			}
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrJSON, err)
		}
		if done {
			return nil, fmt.Errorf("%w: more than one value (at byte %d)", ErrJSON, dec.InputOffset())
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			out.WriteByte(byte(d))
			done = len(stack) == 0
			continue
		}
		// The separator before this token, and the cue it is read with.
		hint := top
		isKey := false
		if len(stack) > 0 {
			f := &stack[len(stack)-1]
			switch {
			case f.obj && f.n%2 == 0:
				isKey = true
				if f.n > 0 {
					out.WriteByte(',')
				}
			case f.obj:
				out.WriteByte(':')
				hint = f.key
				if hint == 0 {
					hint = f.hint
				}
			default:
				if f.n > 0 {
					out.WriteByte(',')
				}
				hint = f.hint
			}
			f.n++
		}
		switch v := tok.(type) {
		case json.Delim:
			stack = append(stack, frame{obj: v == '{', hint: hint})
			out.WriteByte(byte(v))
			continue
		case string:
			if isKey {
				stack[len(stack)-1].key = keyCue(v)
			}
			writeJSONString(&out, r.redact(v, hint).Text)
		case json.Number:
			s := v.String()
			if len(s) >= 7 && allDigits([]byte(s)) {
				if res := r.redact(s, hint); len(res.Spans) > 0 {
					writeJSONString(&out, res.Text)
					break
				}
			}
			out.WriteString(s)
		case bool:
			if v {
				out.WriteString("true")
			} else {
				out.WriteString("false")
			}
		case nil:
			out.WriteString("null")
		}
		done = len(stack) == 0
	}
}

// writeJSONString writes s as a JSON string.
func writeJSONString(out *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	out.Write(enc)
}

// Value returns a redacted copy of a decoded JSON value or a slot map:
// strings are redacted with the key they are under as a cue; maps
// (map[string]any, map[string]string) and slices ([]any, []string) are
// copied with their elements redacted; json.Number integers as in JSON.
// Other values are returned as they are.
func (r *Redactor) Value(v any) any { return r.value(v, 0) }

func (r *Redactor) value(v any, hint cue) any {
	under := func(k string) cue {
		if c := keyCue(k); c != 0 {
			return c
		}
		return hint
	}
	switch x := v.(type) {
	case string:
		return r.redact(x, hint).Text
	case json.Number:
		s := x.String()
		if len(s) >= 7 && allDigits([]byte(s)) {
			if res := r.redact(s, hint); len(res.Spans) > 0 {
				return res.Text
			}
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[r.redact(k, 0).Text] = r.value(e, under(k))
		}
		return out
	case map[string]string:
		return r.Slots(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.value(e, hint)
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = r.redact(e, hint).Text
		}
		return out
	}
	return v
}

// Slots returns a redacted copy of a slot map (name → value), each value
// read with its name as a cue: {"account": "12345678"} is masked. Nil
// stays nil.
func (r *Redactor) Slots(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = r.redact(v, keyCue(k)).Text
	}
	return out
}
