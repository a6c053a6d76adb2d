package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// eventLog records registration events.
type eventLog struct {
	mu     sync.Mutex
	events []RegistrationEvent
	flush  func() // delivers queued events first, when set
}

func (l *eventLog) add(e RegistrationEvent) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) all() []RegistrationEvent {
	if l.flush != nil {
		l.flush()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]RegistrationEvent(nil), l.events...)
}

// changes renders the events as "user:change:contacts" for comparisons.
func (l *eventLog) changes() []string {
	var out []string
	for _, e := range l.all() {
		out = append(out, fmt.Sprintf("%s:%s:%d", e.User, e.Change, e.Contacts))
	}
	return out
}

// regFixture is a registrar without a network, on a fake clock, whose
// events are delivered synchronously.
type regFixture struct {
	r      *registrar
	clock  *fakeClock
	events *eventLog
}

var testUsers = StaticCredentials{"alice": "wonderland", "bob": "builder", "1001": "s3cret"}

func newRegFixture(t testing.TB, mod func(*RegistrarConfig)) *regFixture {
	t.Helper()
	cfg := RegistrarConfig{Enabled: true, Domain: "sb.test", Algorithms: []string{AlgorithmSHA256, AlgorithmMD5}}
	if mod != nil {
		mod(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg = cfg.withDefaults("", nil)
	f := &regFixture{clock: newFakeClock(), events: &eventLog{}}
	f.r = newRegistrar(cfg, testUsers, f.events.add, []string{"192.0.2.1"}, "test", testLogger())
	f.r.now = f.clock.now
	// Events are delivered on the test's goroutine, when it looks.
	f.events.flush = func() { f.r.loc.events.deliver() }
	return f
}

// regReq describes a REGISTER to build.
type regReq struct {
	ruri      string   // default "sip:sb.test"
	to        string   // default "<sip:alice@sb.test>"
	callID    string   // default "call-1"
	cseq      int      // default 1
	contacts  []string // Contact values
	expires   string   // Expires header; none when empty
	auth      []string // Authorization values
	extra     []string // more header lines
	source    string   // default "198.51.100.7:5062"
	transport string   // default "UDP"
}

func (q regReq) request(t testing.TB) *sip.Request {
	t.Helper()
	if q.ruri == "" {
		q.ruri = "sip:sb.test"
	}
	if q.to == "" {
		q.to = "<sip:alice@sb.test>"
	}
	if q.callID == "" {
		q.callID = "call-1"
	}
	if q.cseq == 0 {
		q.cseq = 1
	}
	if q.source == "" {
		q.source = "198.51.100.7:5062"
	}
	if q.transport == "" {
		q.transport = "UDP"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "REGISTER %s SIP/2.0\r\n", q.ruri)
	fmt.Fprintf(&b, "Via: SIP/2.0/%s 10.0.0.5:5062;branch=z9hG4bK%d;rport\r\n", q.transport, q.cseq)
	fmt.Fprintf(&b, "From: %s;tag=f1\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d REGISTER\r\nMax-Forwards: 70\r\n", q.to, q.to, q.callID, q.cseq)
	for _, c := range q.contacts {
		fmt.Fprintf(&b, "Contact: %s\r\n", c)
	}
	if q.expires != "" {
		fmt.Fprintf(&b, "Expires: %s\r\n", q.expires)
	}
	for _, a := range q.auth {
		fmt.Fprintf(&b, "Authorization: %s\r\n", a)
	}
	for _, e := range q.extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("User-Agent: testphone/1.0\r\nContent-Length: 0\r\n\r\n")
	m, err := sip.ParseMessage([]byte(b.String()))
	if err != nil {
		t.Fatalf("parse %q: %v", b.String(), err)
	}
	req := m.(*sip.Request)
	req.SetSource(q.source)
	req.SetTransport(q.transport)
	return req
}

// do sends q to the registrar.
func (f *regFixture) do(t testing.TB, q regReq) *sip.Response {
	t.Helper()
	return f.r.handle(context.Background(), q.request(t))
}

// challenges returns the WWW-Authenticate challenges of a 401.
func challenges(t testing.TB, res *sip.Response) []*digest.Challenge {
	t.Helper()
	var out []*digest.Challenge
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		c, err := digest.ParseChallenge(h.Value())
		if err != nil {
			t.Fatalf("challenge %q: %v", h.Value(), err)
		}
		out = append(out, c)
	}
	return out
}

// answer computes an Authorization for q from a 401 (with icholy/digest,
// an implementation independent of ours), using the challenge of alg.
func answer(t testing.TB, res *sip.Response, q regReq, user, password, alg string, nc int) string {
	t.Helper()
	if res.StatusCode != 401 {
		t.Fatalf("want a 401 to answer, got %d %s", res.StatusCode, res.Reason)
	}
	for _, c := range challenges(t, res) {
		if c.Algorithm != alg {
			continue
		}
		ruri := q.ruri
		if ruri == "" {
			ruri = "sip:sb.test"
		}
		cred, err := digest.Digest(c, digest.Options{Method: "REGISTER", URI: ruri, Username: user, Password: password, Count: nc, Cnonce: "0a4f113b"})
		if err != nil {
			t.Fatal(err)
		}
		return cred.String()
	}
	t.Fatalf("no %s challenge in %v", alg, res.GetHeaders("WWW-Authenticate"))
	return ""
}

// register authenticates q as user and returns the final response.
func (f *regFixture) register(t testing.TB, q regReq, user, password string) *sip.Response {
	t.Helper()
	res := f.do(t, q)
	if res.StatusCode != 401 {
		return res
	}
	q.auth = []string{answer(t, res, q, user, password, AlgorithmMD5, 1)}
	q.cseq++
	return f.do(t, q)
}

func wantStatus(t testing.TB, res *sip.Response, code int, reason string) {
	t.Helper()
	if res.StatusCode != code || !strings.Contains(res.Reason, reason) {
		t.Fatalf("got %d %q, want %d with %q", res.StatusCode, res.Reason, code, reason)
	}
}

func contactValues(res *sip.Response) []string {
	var out []string
	for _, h := range res.GetHeaders("Contact") {
		out = append(out, h.Value())
	}
	return out
}

func TestRegisterDigest(t *testing.T) {
	for _, alg := range []string{AlgorithmSHA256, AlgorithmMD5} {
		t.Run(alg, func(t *testing.T) {
			f := newRegFixture(t, nil)
			q := regReq{contacts: []string{"<sip:alice@10.0.0.5:5062;transport=udp>"}, expires: "600"}
			res := f.do(t, q)
			wantStatus(t, res, 401, "Unauthorized")
			ch := challenges(t, res)
			if len(ch) != 2 || ch[0].Algorithm != AlgorithmSHA256 || ch[1].Algorithm != AlgorithmMD5 {
				t.Fatalf("challenges %v, want SHA-256 then MD5", res.GetHeaders("WWW-Authenticate"))
			}
			for _, c := range ch {
				if c.Realm != "sb.test" || !c.SupportsQOP("auth") || c.Stale {
					t.Errorf("challenge %+v", c)
				}
			}
			q.auth = []string{answer(t, res, q, "alice", "wonderland", alg, 1)}
			q.cseq = 2
			res = f.do(t, q)
			wantStatus(t, res, 200, "OK")
			if got := contactValues(res); len(got) != 1 || got[0] != "<sip:alice@10.0.0.5:5062;transport=udp>;expires=600" {
				t.Errorf("200 contacts %q", got)
			}
			if res.GetHeader("Date") == nil {
				t.Error("no Date header")
			}
			bs := f.r.loc.bindings("alice")
			if len(bs) != 1 {
				t.Fatalf("bindings %+v", bs)
			}
			b := bs[0]
			if b.Source.String() != "198.51.100.7:5062" || b.Transport != "udp" || b.UserAgent != "testphone/1.0" ||
				b.Q != 1 || !b.Expires.Equal(f.clock.now().Add(600*time.Second)) {
				t.Errorf("binding %+v", b)
			}
			if got := f.events.changes(); len(got) != 1 || got[0] != "alice:added:1" {
				t.Errorf("events %v", got)
			}
		})
	}
}

func TestRegisterRejected(t *testing.T) {
	contact := []string{"<sip:alice@10.0.0.5:5062>"}
	// authorized answers the challenge of a first REGISTER, then edits
	// the Authorization.
	authorized := func(user, password string, edit func(string) string) func(*testing.T, *regFixture) regReq {
		return func(t *testing.T, f *regFixture) regReq {
			q := regReq{contacts: contact}
			a := answer(t, f.do(t, q), q, user, password, AlgorithmMD5, 1)
			if edit != nil {
				a = edit(a)
			}
			q.auth, q.cseq = []string{a}, 2
			return q
		}
	}
	plain := func(q regReq) func(*testing.T, *regFixture) regReq {
		return func(*testing.T, *regFixture) regReq { return q }
	}
	replace := func(old, new string) func(string) string {
		return func(a string) string { return strings.Replace(a, old, new, 1) }
	}
	tests := []struct {
		name   string
		req    func(*testing.T, *regFixture) regReq
		code   int
		reason string
	}{
		{"unknown user", authorized("mallory", "x", nil), 403, "Bad Credentials"},
		{"wrong password", authorized("alice", "guess", nil), 403, "Bad Credentials"},
		{"another user's AOR", authorized("bob", "builder", nil), 403, "Not Your Address of Record"},
		{"foreign domain in Request-URI", plain(regReq{ruri: "sip:example.com", contacts: contact}), 404, "Domain Not Served"},
		{"foreign domain in To", plain(regReq{to: "<sip:alice@example.com>", contacts: contact}), 404, "Domain Not Served"},
		{"own IP as domain", plain(regReq{ruri: "sip:192.0.2.1:5060", to: "<sip:alice@192.0.2.1>", contacts: contact}), 401, "Unauthorized"},
		{"no user in To", plain(regReq{to: "<sip:sb.test>", contacts: contact}), 400, "No User"},
		{"Require", plain(regReq{contacts: contact, extra: []string{"Require: gruu"}}), 420, "Bad Extension"},
		{"Basic scheme", plain(regReq{contacts: contact, auth: []string{`Basic YWxpY2U6d29uZGVybGFuZA==`}}), 400, "not Digest"},
		{"missing nonce", plain(regReq{contacts: contact, auth: []string{`Digest username="alice", realm="sb.test", uri="sip:sb.test", response="00"`}}), 400, "missing nonce"},
		{"unterminated quote", plain(regReq{contacts: contact, auth: []string{`Digest username="alice`}}), 400, "unterminated"},
		{"duplicate parameter", plain(regReq{contacts: contact, auth: []string{`Digest username="a", username="b"`}}), 400, "twice"},
		{"algorithm not offered", authorized("alice", "wonderland", replace("algorithm=MD5", "algorithm=SHA-512-256")), 400, "algorithm SHA-512-256 not offered"},
		{"qop auth-int", authorized("alice", "wonderland", replace("qop=auth", "qop=auth-int")), 400, "qop auth-int not offered"},
		{"bad nc", authorized("alice", "wonderland", replace("nc=00000001", "nc=zz")), 400, "nc"},
		{"uri of another resource", authorized("alice", "wonderland", replace(`uri="sip:sb.test"`, `uri="sip:other.test"`)), 400, "uri does not match"},
		{"Contact * with Expires 600", plain(regReq{contacts: []string{"*"}, expires: "600"}), 401, "Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRegFixture(t, nil)
			res := f.do(t, tt.req(t, f))
			wantStatus(t, res, tt.code, tt.reason)
			if len(f.r.loc.users()) != 0 || len(f.events.all()) != 0 {
				t.Errorf("registered %v, events %v", f.r.loc.users(), f.events.changes())
			}
		})
	}
}

func TestRegisterCredentialsStoreDown(t *testing.T) {
	f := newRegFixture(t, nil)
	f.r.creds = CredentialsFunc(func(ctx context.Context, user string) (string, bool, error) {
		return "", false, errors.New("database is away")
	})
	q := regReq{contacts: []string{"<sip:alice@10.0.0.5>"}}
	q.auth, q.cseq = []string{answer(t, f.do(t, q), q, "alice", "wonderland", AlgorithmMD5, 1)}, 2
	res := f.do(t, q)
	wantStatus(t, res, 503, "Credentials Lookup Failed")
	if h := res.GetHeader("Retry-After"); h == nil {
		t.Error("503 without Retry-After")
	}
}

func TestNonceStaleAndReplay(t *testing.T) {
	contact := []string{"<sip:alice@10.0.0.5:5062>"}
	staleChallenge := func(t *testing.T, res *sip.Response, reason string) {
		t.Helper()
		wantStatus(t, res, 401, reason)
		for _, c := range challenges(t, res) {
			if !c.Stale {
				t.Errorf("challenge without stale=true: %+v", c)
			}
		}
	}
	t.Run("stale", func(t *testing.T) {
		f := newRegFixture(t, nil)
		q := regReq{contacts: contact}
		first := f.do(t, q)
		f.clock.advance(5*time.Minute + time.Second) // past the nonce TTL
		q.auth, q.cseq = []string{answer(t, first, q, "alice", "wonderland", AlgorithmMD5, 1)}, 2
		res := f.do(t, q)
		staleChallenge(t, res, "Stale Nonce")
		// The phone retries with the new nonce, without the user.
		q.auth, q.cseq = []string{answer(t, res, q, "alice", "wonderland", AlgorithmMD5, 1)}, 3
		wantStatus(t, f.do(t, q), 200, "OK")
	})
	t.Run("stale with a wrong password", func(t *testing.T) {
		f := newRegFixture(t, nil)
		q := regReq{contacts: contact}
		first := f.do(t, q)
		f.clock.advance(10 * time.Minute)
		q.auth, q.cseq = []string{answer(t, first, q, "alice", "nope", AlgorithmMD5, 1)}, 2
		wantStatus(t, f.do(t, q), 403, "Bad Credentials")
	})
	t.Run("replayed and backwards nonce count", func(t *testing.T) {
		f := newRegFixture(t, nil)
		q := regReq{contacts: contact}
		chal := f.do(t, q)
		q.auth, q.cseq = []string{answer(t, chal, q, "alice", "wonderland", AlgorithmSHA256, 1)}, 2
		wantStatus(t, f.do(t, q), 200, "OK")
		// The same request again (a replay, even with a higher CSeq).
		q.cseq = 3
		staleChallenge(t, f.do(t, q), "Nonce Count Replayed")
		q.auth, q.cseq = []string{answer(t, chal, q, "alice", "wonderland", AlgorithmSHA256, 3)}, 4
		wantStatus(t, f.do(t, q), 200, "OK")
		// The count goes backwards.
		q.auth, q.cseq = []string{answer(t, chal, q, "alice", "wonderland", AlgorithmSHA256, 2)}, 5
		staleChallenge(t, f.do(t, q), "Nonce Count Replayed")
	})
	t.Run("nonce not ours", func(t *testing.T) {
		f := newRegFixture(t, nil)
		q := regReq{contacts: contact}
		chal := f.do(t, q)
		other := newRegFixture(t, nil) // another key: a restart
		a := answer(t, other.do(t, q), q, "alice", "wonderland", AlgorithmMD5, 1)
		q.auth, q.cseq = []string{a}, 2
		res := f.do(t, q)
		staleChallenge(t, res, "Unknown Nonce")
		if challenges(t, res)[0].Nonce == challenges(t, chal)[0].Nonce {
			t.Error("same nonce issued twice")
		}
	})
	t.Run("without qop a nonce is single use", func(t *testing.T) {
		f := newRegFixture(t, nil)
		q := regReq{contacts: contact}
		chal := challenges(t, f.do(t, q))[1] // MD5
		chal.QOP = nil                       // answer as an RFC 2069 client
		cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:sb.test", Username: "alice", Password: "wonderland"})
		if err != nil {
			t.Fatal(err)
		}
		q.auth, q.cseq = []string{cred.String()}, 2
		wantStatus(t, f.do(t, q), 200, "OK")
		q.cseq = 3
		staleChallenge(t, f.do(t, q), "Nonce Count Replayed")
	})
}

func TestRegisterExpiry(t *testing.T) {
	tests := []struct {
		name     string
		contact  string
		expires  string
		code     int
		reason   string
		lifetime time.Duration
	}{
		{"header", "<sip:alice@10.0.0.5>", "120", 200, "OK", 120 * time.Second},
		{"contact parameter wins", "<sip:alice@10.0.0.5>;expires=300", "120", 200, "OK", 300 * time.Second},
		{"none: default, capped", "<sip:alice@10.0.0.5>", "", 200, "OK", 10 * time.Minute},
		{"capped at max", "<sip:alice@10.0.0.5>", "86400", 200, "OK", 10 * time.Minute},
		{"beyond 2^32-1", "<sip:alice@10.0.0.5>", "99999999999", 200, "OK", 10 * time.Minute},
		{"too brief", "<sip:alice@10.0.0.5>", "30", 423, "Interval Too Brief", 0},
		{"too brief parameter", "<sip:alice@10.0.0.5>;expires=1", "3600", 423, "Interval Too Brief", 0},
		{"bad header", "<sip:alice@10.0.0.5>", "soon", 400, "Bad Expires Header", 0},
		{"bad parameter", "<sip:alice@10.0.0.5>;expires=-5", "", 400, "Bad Contact Expires", 0},
		{"bad q", "<sip:alice@10.0.0.5>;q=1.5", "", 400, "Bad Contact q-value", 0},
		{"tel contact", "<tel:+8613800000000>", "", 400, "Unsupported Contact URI Scheme", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRegFixture(t, nil)
			res := f.register(t, regReq{contacts: []string{tt.contact}, expires: tt.expires}, "alice", "wonderland")
			wantStatus(t, res, tt.code, tt.reason)
			bs := f.r.loc.bindings("alice")
			if tt.code != 200 {
				if len(bs) != 0 {
					t.Errorf("bindings after %d: %+v", tt.code, bs)
				}
				if tt.code == 423 {
					if h := res.GetHeader("Min-Expires"); h == nil || h.Value() != "60" {
						t.Errorf("Min-Expires %v", h)
					}
				}
				return
			}
			if len(bs) != 1 || bs[0].Expires.Sub(f.clock.now()) != tt.lifetime {
				t.Fatalf("bindings %+v, want lifetime %v", bs, tt.lifetime)
			}
			want := ";expires=" + strconv.Itoa(int(tt.lifetime/time.Second))
			if got := contactValues(res); len(got) != 1 || !strings.HasSuffix(got[0], want) {
				t.Errorf("contacts %q, want ...%s", got, want)
			}
		})
	}
}

// registered registers contacts for alice (one REGISTER, Call-ID call-1)
// and returns the next CSeq.
func (f *regFixture) registered(t *testing.T, contacts ...string) int {
	t.Helper()
	res := f.register(t, regReq{contacts: contacts, expires: "600"}, "alice", "wonderland")
	wantStatus(t, res, 200, "OK")
	return 3
}

// again sends q authenticated with a fresh challenge, from Call-ID
// call-1 and CSeq cseq.
func (f *regFixture) again(t *testing.T, q regReq, cseq int) *sip.Response {
	t.Helper()
	q.cseq = cseq
	chal := f.do(t, q)
	q.auth = []string{answer(t, chal, q, "alice", "wonderland", AlgorithmMD5, 1)}
	return f.do(t, q)
}

func TestRegisterUnregister(t *testing.T) {
	two := []string{"<sip:alice@10.0.0.5:5062>;q=0.5", "<sip:alice@10.0.0.6:5062>;q=0.9"}
	t.Run("Contact * with Expires 0", func(t *testing.T) {
		f := newRegFixture(t, nil)
		cseq := f.registered(t, two...)
		res := f.again(t, regReq{contacts: []string{"*"}, expires: "0"}, cseq)
		wantStatus(t, res, 200, "OK")
		if len(contactValues(res)) != 0 || len(f.r.loc.users()) != 0 {
			t.Errorf("still registered: %q %v", contactValues(res), f.r.loc.users())
		}
		want := []string{"alice:added:2", "alice:added:2", "alice:removed:0", "alice:removed:0"}
		if got := f.events.changes(); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("events %v, want %v", got, want)
		}
	})
	t.Run("one contact with expires=0", func(t *testing.T) {
		f := newRegFixture(t, nil)
		cseq := f.registered(t, two...)
		res := f.again(t, regReq{contacts: []string{"<sip:alice@10.0.0.5:5062>;expires=0"}}, cseq)
		wantStatus(t, res, 200, "OK")
		if got := contactValues(res); len(got) != 1 || !strings.Contains(got[0], "10.0.0.6") || !strings.Contains(got[0], "q=0.9") {
			t.Errorf("contacts %q", got)
		}
	})
	for _, bad := range []struct {
		name, contact, extra, expires, reason string
	}{
		{"* without Expires", "*", "", "", "Needs Expires: 0"},
		{"* with Expires 60", "*", "", "60", "Needs Expires: 0"},
		{"* with another contact", "*", "<sip:alice@10.0.0.7>", "0", "Must Be Alone"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			f := newRegFixture(t, nil)
			cseq := f.registered(t, two...)
			q := regReq{contacts: []string{bad.contact}, expires: bad.expires}
			if bad.extra != "" {
				q.contacts = append(q.contacts, bad.extra)
			}
			wantStatus(t, f.again(t, q, cseq), 400, bad.reason)
			if n := len(f.r.loc.bindings("alice")); n != 2 {
				t.Errorf("%d bindings left, want 2", n)
			}
		})
	}
}

func TestRegisterCallIDAndCSeq(t *testing.T) {
	f := newRegFixture(t, nil)
	f.registered(t, "<sip:alice@10.0.0.5:5062>")
	before := f.r.loc.bindings("alice")[0]
	// A delayed REGISTER of the same Call-ID: not applied.
	res := f.again(t, regReq{contacts: []string{"<sip:alice@10.0.0.5:5062>"}, expires: "0"}, 1)
	wantStatus(t, res, 400, "CSeq Out of Order")
	if bs := f.r.loc.bindings("alice"); len(bs) != 1 || bs[0] != before {
		t.Fatalf("bindings changed: %+v", bs)
	}
	f.clock.advance(time.Minute)
	// Another Call-ID (the phone rebooted) may use any CSeq.
	q := regReq{callID: "call-2", contacts: []string{"<sip:alice@10.0.0.5:5062>"}, expires: "480", source: "198.51.100.8:4000"}
	wantStatus(t, f.again(t, q, 1), 200, "OK")
	bs := f.r.loc.bindings("alice")
	if len(bs) != 1 || bs[0].Source.String() != "198.51.100.8:4000" || !bs[0].Registered.Equal(before.Registered) ||
		!bs[0].Expires.Equal(f.clock.now().Add(480*time.Second)) {
		t.Fatalf("refreshed binding %+v (was %+v)", bs[0], before)
	}
	if got := f.events.changes(); len(got) != 1 {
		t.Errorf("a refresh made events: %v", got)
	}
}

func TestRegisterManyContacts(t *testing.T) {
	f := newRegFixture(t, func(c *RegistrarConfig) { c.MaxContacts = 2 })
	cseq := f.registered(t, "<sip:alice@10.0.0.5>;q=0.2", "<sip:alice@10.0.0.6>;q=1.0")
	bs := f.r.loc.bindings("alice")
	if len(bs) != 2 || bs[0].Q != 1 || bs[1].Q != 0.2 {
		t.Fatalf("bindings not by q: %+v", bs)
	}
	// A query (no Contact) lists them.
	res := f.again(t, regReq{}, cseq)
	wantStatus(t, res, 200, "OK")
	if n := len(contactValues(res)); n != 2 {
		t.Errorf("query listed %d contacts", n)
	}
	// A third contact replaces the one expiring first.
	f.clock.advance(time.Minute)
	res = f.again(t, regReq{contacts: []string{"<sip:alice@10.0.0.7>"}, expires: "600"}, cseq+1)
	wantStatus(t, res, 200, "OK")
	if n := len(contactValues(res)); n != 2 {
		t.Errorf("%d contacts, want 2: %q", n, contactValues(res))
	}
	want := "alice:added:2 alice:added:2 alice:evicted:2 alice:added:2"
	if got := strings.Join(f.events.changes(), " "); got != want {
		t.Errorf("events %s, want %s", got, want)
	}
	// The same +sip.instance on a new address replaces its binding.
	inst := `;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"`
	f.again(t, regReq{contacts: []string{"<sip:alice@10.0.0.8>" + inst}, expires: "600"}, cseq+2)
	before := len(f.events.all())
	f.again(t, regReq{contacts: []string{"<sip:alice@10.0.0.9>" + inst}, expires: "600"}, cseq+3)
	var hosts []string
	for _, b := range f.r.loc.bindings("alice") {
		hosts = append(hosts, b.Contact)
	}
	if strings.Contains(strings.Join(hosts, " "), "10.0.0.8") || !strings.Contains(strings.Join(hosts, " "), "10.0.0.9") {
		t.Errorf("instance not replaced: %v", hosts)
	}
	if len(f.events.all()) != before {
		t.Errorf("moving an instance made events: %v", f.events.changes()[before:])
	}
}

func TestLocationExpire(t *testing.T) {
	f := newRegFixture(t, nil)
	f.registered(t, "<sip:alice@10.0.0.5>")
	f.register(t, regReq{to: "<sip:bob@sb.test>", callID: "b", contacts: []string{"<sip:bob@10.0.0.6>"}, expires: "120"}, "bob", "builder")
	f.clock.advance(119 * time.Second)
	if next := f.r.loc.expire(); !next.Equal(f.clock.now().Add(time.Second)) {
		t.Errorf("next expiry %v, want in 1s", next)
	}
	f.clock.advance(time.Second)
	f.r.loc.expire()
	if got := f.r.loc.users(); len(got) != 1 || got[0] != "alice" {
		t.Fatalf("users %v, want alice", got)
	}
	evs := f.events.all()
	last := evs[len(evs)-1]
	if last.User != "bob" || last.Change != BindingExpired || last.Contacts != 0 || last.Binding.Contact != "sip:bob@10.0.0.6" {
		t.Errorf("event %+v", last)
	}
	// A binding refreshed in time does not expire at its old time.
	f.again(t, regReq{contacts: []string{"<sip:alice@10.0.0.5>"}, expires: "600"}, 3)
	f.clock.advance(500 * time.Second)
	f.r.loc.expire()
	if len(f.r.loc.bindings("alice")) != 1 {
		t.Error("refreshed binding expired")
	}
	f.r.loc.close()
	if got := f.events.all(); got[len(got)-1].Change != BindingClosed {
		t.Errorf("no closed event: %v", f.events.changes())
	}
}

func TestRegisterConcurrent(t *testing.T) {
	f := newRegFixture(t, func(c *RegistrarConfig) { c.MaxContacts = 100 })
	const workers, each = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user, pw := "alice", "wonderland"
			if w%2 == 1 {
				user, pw = "bob", "builder"
			}
			for i := range each {
				q := regReq{to: "<sip:" + user + "@sb.test>", callID: fmt.Sprintf("c-%d-%d", w, i),
					contacts: []string{fmt.Sprintf("<sip:%s@10.1.%d.%d>", user, w, i)}, expires: "600"}
				res := f.register(t, q, user, pw)
				if res.StatusCode != 200 {
					errs <- fmt.Errorf("%s: %d %s", user, res.StatusCode, res.Reason)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if n := len(f.r.loc.bindings(u)); n != workers/2*each {
			t.Errorf("%s: %d bindings, want %d", u, n, workers/2*each)
		}
	}
	if n := len(f.events.all()); n != workers*each {
		t.Errorf("%d events, want %d", n, workers*each)
	}
}

func TestRegistrarConfigValidate(t *testing.T) {
	tests := []struct {
		cfg RegistrarConfig
		key string
	}{
		{RegistrarConfig{Domain: "sb test"}, "registrar.domain"},
		{RegistrarConfig{Aliases: []string{"ok.test", "-bad"}}, "registrar.aliases[1]"},
		{RegistrarConfig{Realm: `a"b`}, "registrar.realm"},
		{RegistrarConfig{Algorithms: []string{"MD5", "SHA-1"}}, "registrar.algorithms[1]"},
		{RegistrarConfig{Algorithms: []string{"md5", "MD5"}}, "registrar.algorithms[1]"},
		{RegistrarConfig{NonceTTL: time.Second}, "registrar.nonce_ttl"},
		{RegistrarConfig{MinExpiry: 1500 * time.Millisecond}, "registrar.min_expiry"},
		{RegistrarConfig{MinExpiry: 20 * time.Minute}, "registrar.max_expiry"},
		{RegistrarConfig{MaxExpiry: -time.Second}, "registrar.max_expiry"},
		{RegistrarConfig{MaxContacts: -1}, "registrar.max_contacts"},
		{RegistrarConfig{RingTimeout: -time.Second}, "registrar.ring_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			err := tt.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("err = %v, want mention of %s", err, tt.key)
			}
			cfg := Config{Listen: []Listener{{Transport: "udp", Addr: "127.0.0.1:5060"}}, Registrar: &tt.cfg}
			if err := cfg.Validate(); err == nil {
				t.Error("Config.Validate accepted it")
			}
		})
	}
	ok := RegistrarConfig{Enabled: true, Domain: "pbx.example.com", Aliases: []string{"10.0.0.1", "::1"}, Algorithms: []string{"md5"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	d := ok.withDefaults("", []Listener{{Transport: "udp", Addr: "10.0.0.1:5060"}})
	if d.Realm != "pbx.example.com" || d.Algorithms[0] != "MD5" || d.MinExpiry != time.Minute || d.MaxExpiry != 10*time.Minute || d.RingTimeout != 30*time.Second {
		t.Errorf("defaults %+v", d)
	}
	if ok.Algorithms[0] != "md5" {
		t.Error("withDefaults changed the caller's slice")
	}
	if d := (RegistrarConfig{}).withDefaults("10.0.0.1", nil); len(d.Algorithms) != 1 || d.Algorithms[0] != AlgorithmMD5 {
		t.Errorf("default algorithms %v, want MD5 only", d.Algorithms)
	}
	if d := (RegistrarConfig{}).withDefaults("", []Listener{{Transport: "udp", Addr: "10.0.0.1:5060"}}); d.Domain != "10.0.0.1" || d.Realm != "10.0.0.1" {
		t.Errorf("default domain %q realm %q", d.Domain, d.Realm)
	}
}
