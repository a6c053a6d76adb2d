package sip

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

func TestParseAuthorization(t *testing.T) {
	full := `Digest username="alice", realm="sb.test", nonce="abc", uri="sip:sb.test", response="0123abcd", algorithm=SHA-256, cnonce="xyz", qop=auth, nc=00000001, opaque="op"`
	p, err := parseAuthorization(full)
	if err != nil {
		t.Fatal(err)
	}
	want := authParams{username: "alice", realm: "sb.test", nonce: "abc", uri: "sip:sb.test", response: "0123abcd",
		algorithm: "SHA-256", cnonce: "xyz", qop: "auth", nc: "00000001", opaque: "op"}
	if p != want {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
	// Escapes, odd spacing and case, unknown parameters.
	p, err = parseAuthorization("digest   USERNAME = \"a\\\"b\" ,realm=\"r\",nonce=n,uri=\"sip:x\",response=\"f\",  future=\"ok\",")
	if err != nil || p.username != `a"b` || p.nonce != "n" {
		t.Errorf("got %+v, %v", p, err)
	}
	bad := map[string]string{
		"":                                  "empty",
		"Basic abc":                         "not Digest",
		`Digest username="a`:                "unterminated",
		`Digest username`:                   "no value",
		`Digest username=`:                  "empty value",
		`Digest username="a" realm="r"`:     "missing comma",
		`Digest user@name="a"`:              "bad parameter name",
		`Digest username="a", username="b"`: "twice",
		`Digest realm="r", nonce="n", uri="u", response="x"`:                         "missing username",
		`Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth`: "qop without cnonce",
		"Digest username=\"a\x01\"":                                                  "control character",
		`Digest username*=UTF-8''a`:                                                  "username*",
		"Digest " + strings.Repeat("x", maxAuthLen):                                  "longer than",
	}
	for in, msg := range bad {
		_, err := parseAuthorization(in)
		var ae *authError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%.40q: err %v, want one about %q", in, err, msg)
		}
	}
}

func TestDigestResponseMatchesClient(t *testing.T) {
	// Our expected response must be what an independent client computes,
	// with and without qop, for both algorithms.
	for _, alg := range []string{AlgorithmMD5, AlgorithmSHA256} {
		for _, qop := range [][]string{{"auth"}, nil} {
			chal := &digest.Challenge{Realm: "sb.test", Nonce: "nonce-1", Algorithm: alg, QOP: qop}
			cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:sb.test", Username: "alice", Password: "wonderland", Count: 7, Cnonce: "c"})
			if err != nil {
				t.Fatal(err)
			}
			p, err := parseAuthorization(cred.String())
			if err != nil {
				t.Fatal(err)
			}
			got := digestAlgs[alg].response(p, "wonderland", "REGISTER")
			if !equalResponse(cred.Response, got) || !equalResponse(strings.ToUpper(cred.Response), got) {
				t.Errorf("%s qop=%v: client %s, ours %s", alg, qop, cred.Response, got)
			}
			if equalResponse(cred.Response, digestAlgs[alg].response(p, "wonderland!", "REGISTER")) {
				t.Errorf("%s: another password gives the same response", alg)
			}
		}
	}
}

func TestNonces(t *testing.T) {
	n := newNonces(5 * time.Minute)
	now := time.Now()
	a, b := n.issue(now), n.issue(now)
	if a == b || len(a) != 43 {
		t.Fatalf("nonces %q %q", a, b)
	}
	flip := "A"
	if a[10] == 'A' {
		flip = "B"
	}
	tests := []struct {
		name  string
		nonce string
		at    time.Time
		want  nonceState
	}{
		{"fresh", a, now.Add(time.Minute), nonceValid},
		{"stale", a, now.Add(6 * time.Minute), nonceStale},
		{"from the future", a, now.Add(-time.Minute), nonceInvalid},
		{"tampered", a[:10] + flip + a[11:], now, nonceInvalid},
		{"another key", newNonces(time.Minute).issue(now), now, nonceInvalid},
		{"garbage", "not-a-nonce", now, nonceInvalid},
		{"empty", "", now, nonceInvalid},
	}
	for _, tt := range tests {
		if got := n.check(tt.nonce, tt.at); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	for i, step := range []struct {
		nc   uint64
		want bool
	}{{1, true}, {1, false}, {3, true}, {2, false}, {4, true}} {
		if got := n.use(a, step.nc, now); got != step.want {
			t.Errorf("step %d: use(nc=%d) = %v, want %v", i, step.nc, got, step.want)
		}
	}
	n.sweep(now.Add(time.Hour))
	if len(n.used) != 0 {
		t.Errorf("%d nonce counts kept after they expired", len(n.used))
	}
}

func TestParseQAndExpiry(t *testing.T) {
	for in, want := range map[string]float64{"0": 0, "1": 1, "0.5": 0.5, "0.125": 0.125, "1.000": 1, "1.": 1} {
		if got, err := parseQ(in); err != nil || got != want {
			t.Errorf("parseQ(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "2", "1.5", "0.1234", "-0.5", ".5", "0,5", "1e-1", "0.x"} {
		if _, err := parseQ(in); err == nil {
			t.Errorf("parseQ(%q) accepted", in)
		}
	}
	for in, want := range map[string]uint64{"0": 0, "3600": 3600, " 60 ": 60, "4294967296": 4294967295, "99999999999999999999999": 4294967295} {
		if got, err := parseExpiry(in); err != nil || got != want {
			t.Errorf("parseExpiry(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-1", "1h", "0x10", "6 0"} {
		if _, err := parseExpiry(in); err == nil {
			t.Errorf("parseExpiry(%q) accepted", in)
		}
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add(`Digest username="alice", realm="sb.test", nonce="abc", uri="sip:sb.test", response="0123", algorithm=MD5, cnonce="x", qop=auth, nc=00000001`)
	f.Add(`Digest username="a\"b", realm=r, nonce=n, uri=u, response=x`)
	f.Add(`Digest username="`)
	f.Add(`Basic Zm9vOmJhcg==`)
	f.Add(`Digest ,,, =, "a", username==`)
	f.Fuzz(func(t *testing.T, v string) {
		p, err := parseAuthorization(v)
		if err != nil {
			var ae *authError
			if !errors.As(err, &ae) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if strings.ContainsAny(reasonOf(err), "\r\n") {
				t.Fatalf("reason with a line break: %q", reasonOf(err))
			}
			return
		}
		if p.username == "" || p.realm == "" || p.nonce == "" || p.uri == "" || p.response == "" {
			t.Fatalf("accepted without a required parameter: %+v", p)
		}
	})
}

// FuzzRegister sends the registrar REGISTERs whose Authorization,
// Contact and Expires values are fuzzed: it must answer every request
// that parses with one of its documented responses, well-formed.
func FuzzRegister(f *testing.F) {
	fx := newRegFixture(f, nil)
	valid := regReq{contacts: []string{"<sip:alice@10.0.0.5>"}}
	chal := fx.do(f, valid)
	f.Add(answer(f, chal, valid, "alice", "wonderland", AlgorithmMD5, 1), "<sip:alice@10.0.0.5>;q=0.5", "600")
	f.Add(answer(f, chal, valid, "alice", "wonderland", AlgorithmSHA256, 2), "*", "0")
	f.Add(`Digest username="alice", realm="sb.test", nonce="x", uri="sip:sb.test", response="y"`, "<sip:alice@h>;expires=abc", "")
	f.Add("", "<sip:alice@h>, <sip:alice@i>;q=2", "30")
	f.Add(`Digest username="bob", realm="sb.test"`, "<tel:123>", "99999999999")
	allowed := map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true, 420: true, 423: true, 503: true}
	var cseq int
	f.Fuzz(func(t *testing.T, auth, contact, expires string) {
		var b strings.Builder
		cseq++
		fmt.Fprintf(&b, "REGISTER sip:sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK%d\r\n", cseq)
		fmt.Fprintf(&b, "From: <sip:alice@sb.test>;tag=1\r\nTo: <sip:alice@sb.test>\r\nCall-ID: fuzz\r\nCSeq: %d REGISTER\r\n", cseq)
		if auth != "" {
			b.WriteString("Authorization: " + auth + "\r\n")
		}
		if contact != "" {
			b.WriteString("Contact: " + contact + "\r\n")
		}
		if expires != "" {
			b.WriteString("Expires: " + expires + "\r\n")
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		m, err := sip.ParseMessage([]byte(b.String()))
		if err != nil {
			return // the transport drops what does not parse
		}
		req, ok := m.(*sip.Request)
		if !ok || req.Method != sip.REGISTER {
			return
		}
		req.SetSource("198.51.100.7:5062")
		res := fx.r.handle(t.Context(), req)
		if !allowed[res.StatusCode] {
			t.Fatalf("status %d %q", res.StatusCode, res.Reason)
		}
		if res.Reason == "" || strings.ContainsAny(res.Reason, "\r\n") {
			t.Fatalf("reason %q", res.Reason)
		}
		if _, err := sip.ParseMessage([]byte(res.String())); err != nil {
			t.Fatalf("response does not parse: %v\n%s", err, res)
		}
	})
}
