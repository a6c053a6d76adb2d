package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/sdp"
)

// regHarness is a server with the registrar on (domain: its IP), the
// test users, and a log of its registration events.
type regHarness struct {
	*harness
	events *eventLog
}

func newRegHarness(t *testing.T, mod func(*RegistrarConfig)) *regHarness {
	t.Helper()
	ev := &eventLog{}
	cert, key := selfSigned(t)
	h := newHarness(t, func(c *Config) {
		c.Listen = append(c.Listen, Listener{Transport: "tls", Addr: "127.0.0.1:0", CertFile: cert, KeyFile: key})
		// SHA-256 first: sipgo's client answers the first challenge.
		c.Registrar = &RegistrarConfig{Enabled: true, RingTimeout: 5 * time.Second, Algorithms: []string{AlgorithmSHA256, AlgorithmMD5}}
		if mod != nil {
			mod(c.Registrar)
		}
	}, WithCredentials(testUsers), WithRegistrationHandler(ev.add))
	return &regHarness{harness: h, events: ev}
}

// waitEvents waits until the events rendered by eventLog.changes are
// want.
func (h *regHarness) waitEvents(t *testing.T, want ...string) {
	t.Helper()
	checkFor(t, 5*time.Second, func() error {
		if got := h.events.changes(); strings.Join(got, " ") != strings.Join(want, " ") {
			return fmt.Errorf("events %v, want %v", got, want)
		}
		return nil
	})
}

// phone is a SIP phone on loopback: it registers to the server with
// digest authentication and answers, rejects or lets ring the INVITEs it
// gets.
type phone struct {
	t         *testing.T
	user      string
	password  string
	transport string
	ua        *sipgo.UserAgent
	client    *sipgo.Client
	dialogs   *sipgo.DialogServerCache
	contact   sip.Uri // what it registers
	registrar sip.Uri
	callID    string
	cseq      uint32

	// answer is the final response to INVITEs: 200, or a failure code; 0
	// rings until CANCEL.
	answer atomic.Int32
	delay  atomic.Int64 // before answering, in nanoseconds

	stopOnce sync.Once
	stopFns  []func()

	mu       sync.Mutex
	invites  []*sip.Request
	canceled int
	byes     int
	answered []*sipgo.DialogServerSession
}

// phoneSetup says how a test phone is reached.
type phoneSetup struct {
	// transport is "udp" (default), or "tcp" or "tls": then the phone has
	// no listener, and calls must come over its connection.
	transport string
	// contactHost, when set, is the host the phone puts in its Contact
	// (an address behind NAT where nothing listens).
	contactHost string
}

func newPhone(t *testing.T, h *regHarness, user string, setup phoneSetup) *phone {
	t.Helper()
	if setup.transport == "" {
		setup.transport = "udp"
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("testphone"), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgenTLSConfig(&tls.Config{InsecureSkipVerify: true}),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(testLogger())),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger())))
	if err != nil {
		t.Fatal(err)
	}
	p := &phone{t: t, user: user, password: testUsers[user], transport: setup.transport, ua: ua,
		callID: fmt.Sprintf("reg-%s-%d", user, time.Now().UnixNano()), cseq: 1}
	p.answer.Store(200)
	// A moment between 180 and 200, as a person answering: without it the
	// two arrive together and sipgo may pass up the 200 first.
	p.delay.Store(int64(20 * time.Millisecond))
	srv, _ := sipgo.NewServer(ua, sipgo.WithServerLogger(testLogger()))
	var copts []sipgo.ClientOption
	port := 0
	done := make(chan struct{})
	if setup.transport == "udp" {
		conn, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = conn.LocalAddr().(*net.UDPAddr).Port
		copts = append(copts, sipgo.WithClientConnectionAddr(conn.LocalAddr().String()))
		go func() { defer close(done); srv.ServeUDP(conn) }()
		checkFor(t, 2*time.Second, func() error {
			if len(ua.TransportLayer().ListenPorts("udp")) == 0 {
				return errors.New("phone not listening")
			}
			return nil
		})
		p.stopFns = append(p.stopFns, func() { conn.Close(); <-done })
	} else {
		port = 5999 // nothing listens there: calls must use the connection
	}
	p.stopFns = append(p.stopFns, func() { ua.Close() })
	t.Cleanup(p.stop)
	p.client, err = sipgo.NewClient(ua, append(copts, sipgo.WithClientLogger(testLogger()), sipgo.WithClientHostname("127.0.0.1"))...)
	if err != nil {
		t.Fatal(err)
	}
	host := "127.0.0.1"
	if setup.contactHost != "" {
		host, port = setup.contactHost, 5060
	}
	p.contact = sip.Uri{Scheme: "sip", User: user, Host: host, Port: port}
	if setup.transport != "udp" {
		p.contact.UriParams = sip.NewParams()
		p.contact.UriParams.Add("transport", setup.transport)
	}
	p.registrar = h.uri(t, setup.transport, "")
	p.dialogs = sipgo.NewDialogServerCache(p.client, sip.ContactHeader{Address: p.contact})
	srv.OnInvite(p.onInvite)
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = p.dialogs.ReadAck(req, tx) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		p.mu.Lock()
		p.byes++
		p.mu.Unlock()
		if err := p.dialogs.ReadBye(req, tx); err != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		}
	})
	return p
}

// stop closes the phone's socket and user agent.
func (p *phone) stop() {
	p.stopOnce.Do(func() {
		for _, fn := range p.stopFns {
			fn()
		}
	})
}

func (p *phone) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	p.mu.Lock()
	p.invites = append(p.invites, req)
	p.mu.Unlock()
	d, err := p.dialogs.ReadInvite(req, tx)
	if err != nil {
		return
	}
	_ = d.Respond(180, "Ringing", nil)
	code := int(p.answer.Load())
	if code == 0 {
		<-d.Context().Done()
		if errors.Is(context.Cause(d.Context()), sip.ErrTransactionCanceled) {
			p.mu.Lock()
			p.canceled++
			p.mu.Unlock()
		}
		d.Close()
		return
	}
	if delay := time.Duration(p.delay.Load()); delay > 0 {
		select {
		case <-time.After(delay):
		case <-d.Context().Done():
			p.mu.Lock()
			p.canceled++
			p.mu.Unlock()
			d.Close()
			return
		}
	}
	if code != 200 {
		_ = d.Respond(code, "Rejected", nil)
		d.Close()
		return
	}
	offer, err := sdp.Parse(req.Body())
	if err != nil {
		_ = d.Respond(488, "Not Acceptable Here", nil)
		return
	}
	ans, err := sdp.Negotiate(offer, []string{"PCMU"})
	if err != nil {
		_ = d.Respond(488, "Not Acceptable Here", nil)
		return
	}
	body, _ := sdp.BuildAnswer(ans, mustParseAddrPort("127.0.0.1:40000"), 7, 1)
	if err := d.RespondSDP(body); err != nil {
		return
	}
	p.mu.Lock()
	p.answered = append(p.answered, d)
	p.mu.Unlock()
}

// counts returns the INVITEs, CANCELs and BYEs the phone got.
func (p *phone) counts() (invites, canceled, byes int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.invites), p.canceled, p.byes
}

func (p *phone) lastInvite() *sip.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.invites) == 0 {
		return nil
	}
	return p.invites[len(p.invites)-1]
}

// registerRequest builds the phone's next REGISTER.
func (p *phone) registerRequest(contact string, expires int) *sip.Request {
	req := sip.NewRequest(sip.REGISTER, p.registrar)
	req.SetTransport(strings.ToUpper(p.transport))
	aor := sip.Uri{Scheme: "sip", User: p.user, Host: p.registrar.Host}
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(8))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor})
	callID := sip.CallIDHeader(p.callID)
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: p.cseq, MethodName: sip.REGISTER})
	p.cseq++
	if contact == "" {
		contact = "<" + p.contact.String() + ">"
	}
	req.AppendHeader(sip.NewHeader("Contact", contact))
	if expires >= 0 {
		req.AppendHeader(sip.NewHeader("Expires", fmt.Sprint(expires)))
	}
	req.AppendHeader(sip.NewHeader("User-Agent", "testphone"))
	return req
}

// register sends a REGISTER (answering the challenge with its password)
// and returns the final response.
func (p *phone) register(expires int) *sip.Response {
	return p.registerContact("", expires)
}

func (p *phone) registerContact(contact string, expires int) *sip.Response {
	p.t.Helper()
	ctx := ctxT(p.t)
	req := p.registerRequest(contact, expires)
	res, err := p.client.Do(ctx, req)
	if err != nil {
		p.t.Fatal(err)
	}
	if res.StatusCode == 401 {
		res, err = p.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: p.user, Password: p.password})
		if err != nil {
			p.t.Fatal(err)
		}
		p.cseq = req.CSeq().SeqNo + 1
	}
	return res
}

// mustRegister registers and fails the test unless the answer is 200.
func (p *phone) mustRegister(expires int) {
	p.t.Helper()
	if res := p.register(expires); res.StatusCode != 200 {
		p.t.Fatalf("REGISTER %s: %d %s", p.user, res.StatusCode, res.Reason)
	}
}

func TestPhoneRegisterAndCall(t *testing.T) {
	for _, tr := range []string{"udp", "tcp", "tls"} {
		t.Run(tr, func(t *testing.T) {
			h := newRegHarness(t, nil)
			p := newPhone(t, h, "alice", phoneSetup{transport: tr})
			p.mustRegister(600)
			h.waitEvents(t, "alice:added:1")
			bs := h.srv.Bindings("alice")
			if len(bs) != 1 || bs[0].Transport != tr || bs[0].Contact != p.contact.String() || bs[0].UserAgent != "testphone" {
				t.Fatalf("bindings %+v", bs)
			}
			if got := h.srv.Registered(); len(got) != 1 || got[0] != "alice" {
				t.Errorf("Registered() = %v", got)
			}
			ctx := ctxT(t)
			var rang atomic.Int32
			leg, err := h.srv.DialUser(ctx, "alice", WithCallerID("13800138000", "Customer"),
				WithHeader("X-Switchboard-Session", "s-42"), WithRinging(func(Binding) { rang.Add(1) }))
			if err != nil {
				t.Fatal(err)
			}
			inv := p.lastInvite()
			if inv.From().Address.User != "13800138000" || inv.From().DisplayName != "Customer" ||
				inv.To().Address.User != "alice" || inv.GetHeader("X-Switchboard-Session").Value() != "s-42" ||
				inv.Recipient.String() != p.contact.String() {
				t.Errorf("INVITE:\n%s", inv)
			}
			if rang.Load() != 1 {
				t.Errorf("ringing reported %d times", rang.Load())
			}
			info := leg.Info()
			if info.To != "alice" || info.From != "13800138000" || info.Codec != "PCMU" || info.Remote != "127.0.0.1:40000" {
				t.Errorf("leg %+v", info)
			}
			if h.srv.Calls() != 1 {
				t.Errorf("Calls() = %d", h.srv.Calls())
			}
			if err := leg.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
			checkFor(t, 5*time.Second, func() error {
				if _, _, byes := p.counts(); byes != 1 {
					return fmt.Errorf("phone got %d BYEs", byes)
				}
				return nil
			})
			waitCalls(t, h.srv, 0)
			// Unregistered, the user cannot be called.
			p.mustRegister(0)
			h.waitEvents(t, "alice:added:1", "alice:removed:0")
			if _, err := h.srv.DialUser(ctx, "alice"); !errors.Is(err, ErrNotRegistered) {
				t.Fatalf("DialUser after unregister: %v", err)
			}
			// Unregister drops a user's contacts from the server's side.
			p.mustRegister(600)
			if n := h.srv.Unregister("alice"); n != 1 {
				t.Errorf("Unregister removed %d contacts", n)
			}
			h.waitEvents(t, "alice:added:1", "alice:removed:0", "alice:added:1", "alice:removed:0")
			if h.srv.Bindings("alice") != nil || len(h.srv.Registered()) != 0 {
				t.Errorf("still registered: %v", h.srv.Registered())
			}
		})
	}
}

func TestDialUserUnreachable(t *testing.T) {
	h := newRegHarness(t, nil)
	// Over TCP, without a listener: once its connection is gone the phone
	// cannot be reached (its Contact port has nothing listening).
	p := newPhone(t, h, "alice", phoneSetup{transport: "tcp"})
	p.mustRegister(600)
	src := h.srv.Bindings("alice")[0].Source.String()
	p.stop()
	checkFor(t, 5*time.Second, func() error {
		if c, err := h.srv.ua.TransportLayer().GetConnection("tcp", src); err == nil {
			c.TryClose()
			return errors.New("the server still holds the phone's connection")
		}
		return nil
	})
	_, err := h.srv.DialUser(ctxT(t), "alice")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	waitCalls(t, h.srv, 0)
}

// TestDialUserPhoneGone rings a phone that has gone without
// unregistering: no response at all. The ring time passes with
// ErrNoAnswer, and nothing waits for the INVITE's transaction to time out
// (Serve returns at once).
func TestDialUserPhoneGone(t *testing.T) {
	h := newRegHarness(t, nil)
	p := newRawPhone(t)
	bindRaw(t, h, "alice", p)
	p.conn.Close() // datagrams to it are lost
	_, err := h.srv.DialUser(ctxT(t), "alice", WithRingTimeout(200*time.Millisecond))
	if !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("err = %v, want ErrNoAnswer", err)
	}
	start := time.Now()
	h.stop()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Serve took %v to return", d)
	}
}

// TestDialUserServerStops stops the server while a phone rings: the
// ringing ends with CANCEL and DialUser with ErrNotServing.
func TestDialUserServerStops(t *testing.T) {
	h := newRegHarness(t, nil)
	p := newPhone(t, h, "alice", phoneSetup{})
	p.answer.Store(0)
	p.mustRegister(600)
	errc := make(chan error, 1)
	go func() {
		_, err := h.srv.DialUser(context.Background(), "alice")
		errc <- err
	}()
	checkFor(t, 5*time.Second, func() error {
		if inv, _, _ := p.counts(); inv != 1 {
			return errors.New("not ringing yet")
		}
		return nil
	})
	h.stop()
	if err := <-errc; !errors.Is(err, ErrNotServing) {
		t.Errorf("err = %v, want ErrNotServing", err)
	}
	if _, canceled, _ := p.counts(); canceled != 1 {
		t.Errorf("phone saw %d CANCELs", canceled)
	}
}

func TestCallOptions(t *testing.T) {
	var o callOptions
	for _, opt := range []CallOption{
		WithCallerID("+86 138\r\nVia: x", "Bad \"name\"\r\n\\"),
		WithHeader("X-Switchboard-Session", "s-1\r\nInjected: yes"),
		WithHeader("Bad Name", "dropped"),
		WithRingTimeout(-time.Second),
	} {
		opt(&o)
	}
	if o.callerUser != "+86%20138%0D%0AVia%3A%20x" || o.callerName != "Bad name" {
		t.Errorf("caller %q %q", o.callerUser, o.callerName)
	}
	if len(o.headers) != 1 || o.headers[0].Value() != "s-1Injected: yes" {
		t.Errorf("headers %v", o.headers)
	}
	if o.ringTimeout != 0 {
		t.Errorf("ring timeout %v from a negative option", o.ringTimeout)
	}
}

func TestCallUserPhoneHangsUp(t *testing.T) {
	h := newRegHarness(t, nil)
	p := newPhone(t, h, "alice", phoneSetup{})
	p.mustRegister(600)
	served := make(chan media.LegInfo, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- h.srv.CallUser(ctxT(t), "alice", media.ApplicationFunc(func(ctx context.Context, l media.Leg) error {
			served <- l.Info()
			<-l.Done()
			return errors.New("agent left")
		}))
	}()
	select {
	case info := <-served:
		if info.To != "alice" {
			t.Errorf("leg %+v", info)
		}
	case err := <-errc:
		t.Fatalf("CallUser: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("application not started")
	}
	var d *sipgo.DialogServerSession
	checkFor(t, 5*time.Second, func() error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.answered) == 0 {
			return errors.New("the phone has not seen the ACK")
		}
		d = p.answered[0]
		return nil
	})
	if err := d.Bye(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err == nil || err.Error() != "agent left" {
			t.Fatalf("CallUser returned %v, want the application's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("CallUser did not return after the phone hung up")
	}
	waitCalls(t, h.srv, 0)
}

func TestDialUserRejected(t *testing.T) {
	tests := []struct {
		code int
		want error
	}{
		{486, ErrBusy},
		{600, ErrBusy},
		{603, ErrDeclined},
		{480, ErrNoAnswer},
		{404, ErrRejected},
	}
	h := newRegHarness(t, nil)
	p := newPhone(t, h, "alice", phoneSetup{})
	p.mustRegister(600)
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			p.answer.Store(int32(tt.code))
			_, err := h.srv.DialUser(ctxT(t), "alice")
			var re *ResponseError
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrRejected) || !errors.As(err, &re) || re.Code != tt.code {
				t.Fatalf("err = %v, want %v with status %d", err, tt.want, tt.code)
			}
			for _, other := range []error{ErrBusy, ErrDeclined, ErrNoAnswer, ErrNotRegistered} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("%v also matches %v", err, other)
				}
			}
			waitCalls(t, h.srv, 0)
		})
	}
	if o, c := h.media.opened.Load(), h.media.closed.Load(); o != c {
		t.Errorf("media endpoints opened %d, closed %d", o, c)
	}
}

func TestDialUserNoAnswer(t *testing.T) {
	h := newRegHarness(t, nil)
	p := newPhone(t, h, "alice", phoneSetup{})
	p.answer.Store(0)
	p.mustRegister(600)
	start := time.Now()
	_, err := h.srv.DialUser(ctxT(t), "alice", WithRingTimeout(300*time.Millisecond))
	if !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("err = %v, want ErrNoAnswer", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 2*time.Second {
		t.Errorf("gave up after %v, want about 300ms", d)
	}
	checkFor(t, 5*time.Second, func() error {
		if _, canceled, _ := p.counts(); canceled != 1 {
			return fmt.Errorf("phone saw %d CANCELs, want 1", canceled)
		}
		return nil
	})
	// The caller giving up cancels too.
	ctx, cancel := context.WithCancel(ctxT(t))
	time.AfterFunc(200*time.Millisecond, cancel)
	if _, err := h.srv.DialUser(ctx, "alice"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	checkFor(t, 5*time.Second, func() error {
		if _, canceled, _ := p.counts(); canceled != 2 {
			return fmt.Errorf("phone saw %d CANCELs, want 2", canceled)
		}
		return nil
	})
	waitCalls(t, h.srv, 0)
	checkFor(t, 5*time.Second, func() error {
		if o, c := h.media.opened.Load(), h.media.closed.Load(); o != c {
			return fmt.Errorf("media endpoints opened %d, closed %d", o, c)
		}
		return nil
	})
}

func TestDialUserWithoutRegistration(t *testing.T) {
	h := newRegHarness(t, nil)
	if _, err := h.srv.DialUser(ctxT(t), "bob"); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("err = %v, want ErrNotRegistered", err)
	}
	plain := newHarness(t, nil)
	if _, err := plain.srv.DialUser(ctxT(t), "bob"); !errors.Is(err, ErrNoRegistrar) {
		t.Fatalf("err = %v, want ErrNoRegistrar", err)
	}
	// Without a registrar, REGISTER is not allowed.
	p := newPeer(t)
	res, err := p.client.Do(ctxT(t), sip.NewRequest(sip.REGISTER, plain.uri(t, "udp", "")))
	if err != nil || res.StatusCode != 405 {
		t.Fatalf("REGISTER without registrar: %v %v", res, err)
	}
}

func TestDialUserForks(t *testing.T) {
	h := newRegHarness(t, nil)
	desk := newPhone(t, h, "alice", phoneSetup{})
	soft := newPhone(t, h, "alice", phoneSetup{})
	desk.answer.Store(0) // rings on
	soft.delay.Store(int64(200 * time.Millisecond))
	desk.mustRegister(600)
	soft.mustRegister(600)
	h.waitEvents(t, "alice:added:1", "alice:added:2")
	leg, err := h.srv.DialUser(ctxT(t), "alice")
	if err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, func() error {
		if inv, canceled, _ := desk.counts(); inv != 1 || canceled != 1 {
			return fmt.Errorf("desk phone: %d INVITEs, %d CANCELs; want 1 and 1", inv, canceled)
		}
		return nil
	})
	if err := leg.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, _, byes := soft.counts(); byes != 1 {
		t.Errorf("softphone got %d BYEs", byes)
	}

	// Both answer at once: one call survives, the other gets ACK and BYE.
	desk.answer.Store(200)
	desk.delay.Store(0)
	soft.delay.Store(0)
	leg, err = h.srv.DialUser(ctxT(t), "alice")
	if err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, func() error {
		_, _, db := desk.counts()
		_, _, sb := soft.counts()
		if db+sb != 2 { // one earlier BYE, one for the loser
			return fmt.Errorf("BYEs: desk %d, soft %d; want one for the phone answering second", db, sb)
		}
		return nil
	})
	if n := h.srv.Calls(); n != 1 {
		t.Errorf("Calls() = %d", n)
	}
	leg.Hangup(ctxT(t))
	waitCalls(t, h.srv, 0)
	time.Sleep(100 * time.Millisecond) // no second BYE to the loser
	_, _, db := desk.counts()
	_, _, sb := soft.counts()
	if db+sb != 3 {
		t.Errorf("BYEs: desk %d, soft %d; want 3 in all", db, sb)
	}

	// Everyone declines: the most telling failure wins (603 over 486).
	desk.answer.Store(486)
	soft.answer.Store(603)
	if _, err := h.srv.DialUser(ctxT(t), "alice"); !errors.Is(err, ErrDeclined) {
		t.Fatalf("err = %v, want ErrDeclined", err)
	}
}

func TestDialUserBehindNAT(t *testing.T) {
	h := newRegHarness(t, nil)
	// The phone's Contact (and its dialog Contact) name a private address
	// nothing listens on: only the REGISTER's source address reaches it.
	p := newPhone(t, h, "alice", phoneSetup{contactHost: "192.0.2.55"})
	p.mustRegister(600)
	bs := h.srv.Bindings("alice")
	if len(bs) != 1 || !strings.Contains(bs[0].Contact, "192.0.2.55") || bs[0].Source.Addr().String() != "127.0.0.1" {
		t.Fatalf("bindings %+v", bs)
	}
	leg, err := h.srv.DialUser(ctxT(t), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := leg.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, func() error {
		if _, _, byes := p.counts(); byes != 1 {
			return fmt.Errorf("phone got %d BYEs: the BYE went to its Contact?", byes)
		}
		return nil
	})
}

// authorization builds an Authorization for req from a challenge.
func authorization(t *testing.T, chal string, req *sip.Request, user, password string, nc int) string {
	t.Helper()
	c, err := digest.ParseChallenge(chal)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(c, digest.Options{Method: "REGISTER", URI: req.Recipient.Addr(), Username: user, Password: password, Count: nc})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

func TestRegisterOverNetwork(t *testing.T) {
	h := newRegHarness(t, nil)
	ctx := ctxT(t)
	// do sends one REGISTER from p, with Authorization auth if set.
	do := func(p *phone, contact string, expires int, auth string) *sip.Response {
		t.Helper()
		req := p.registerRequest(contact, expires)
		if auth != "" {
			req.AppendHeader(sip.NewHeader("Authorization", auth))
		}
		res, err := p.client.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	realm := h.srv.reg.cfg.Realm

	alice := newPhone(t, h, "alice", phoneSetup{})
	alice.password = "guess"
	wantStatus(t, alice.register(600), 403, "Bad Credentials")
	mallory := newPhone(t, h, "alice", phoneSetup{})
	mallory.user, mallory.password = "mallory", "x"
	wantStatus(t, mallory.register(600), 403, "Bad Credentials")

	alice.password = "wonderland"
	res := alice.register(30)
	wantStatus(t, res, 423, "Interval Too Brief")
	if h := res.GetHeader("Min-Expires"); h == nil || h.Value() != "60" {
		t.Errorf("Min-Expires %v", h)
	}
	alice.mustRegister(600)

	// A stale nonce with the right password: 401 stale=true.
	old := h.srv.reg.nonces.issue(time.Now().Add(-time.Hour))
	chal := fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, realm, old)
	req := alice.registerRequest("", 600)
	res = do(alice, "", 600, authorization(t, chal, req, "alice", "wonderland", 1))
	wantStatus(t, res, 401, "Stale Nonce")
	if c := challenges(t, res); len(c) != 2 || !c[0].Stale || !c[1].Stale {
		t.Errorf("stale challenges %v", res.GetHeaders("WWW-Authenticate"))
	}

	// A replayed Authorization (same nonce and nc): 401 stale=true.
	fresh := res.GetHeaders("WWW-Authenticate")[0].Value()
	auth := authorization(t, fresh, req, "alice", "wonderland", 1)
	wantStatus(t, do(alice, "", 600, auth), 200, "OK")
	wantStatus(t, do(alice, "", 600, auth), 401, "Nonce Count Replayed")
	wantStatus(t, do(alice, "", 600, authorization(t, fresh, req, "alice", "wonderland", 2)), 200, "OK")

	// Contact: * with Expires: 0 removes every contact.
	second := fmt.Sprintf("<sip:alice@127.0.0.1:%d;line=2>", alice.contact.Port+1)
	wantStatus(t, do(alice, second, 600, authorization(t, fresh, req, "alice", "wonderland", 3)), 200, "OK")
	if n := len(h.srv.Bindings("alice")); n != 2 {
		t.Fatalf("%d bindings, want 2", n)
	}
	wantStatus(t, do(alice, "*", 0, authorization(t, fresh, req, "alice", "wonderland", 4)), 200, "OK")
	if n := len(h.srv.Bindings("alice")); n != 0 {
		t.Fatalf("%d bindings after Contact: *", n)
	}
	h.waitEvents(t, "alice:added:1", "alice:added:2", "alice:removed:0", "alice:removed:0")
}

func TestRegisterConcurrentPhones(t *testing.T) {
	h := newRegHarness(t, func(c *RegistrarConfig) { c.MaxContacts = 50 })
	const n = 20
	phones := make([]*phone, n)
	for i := range phones {
		user := []string{"alice", "bob", "1001"}[i%3]
		phones[i] = newPhone(t, h, user, phoneSetup{})
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i, p := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = p.register(600).StatusCode
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("phone %d: %d", i, c)
		}
	}
	total := 0
	for _, u := range h.srv.Registered() {
		total += len(h.srv.Bindings(u))
	}
	if total != n {
		t.Errorf("%d bindings, want %d", total, n)
	}
	checkFor(t, 5*time.Second, func() error {
		if got := len(h.events.all()); got != n {
			return fmt.Errorf("%d events, want %d", got, n)
		}
		return nil
	})
}

func TestRegistrationExpiresOnTimer(t *testing.T) {
	h := newRegHarness(t, func(c *RegistrarConfig) { c.MinExpiry = time.Second })
	p := newPhone(t, h, "alice", phoneSetup{})
	start := time.Now()
	p.mustRegister(1)
	h.waitEvents(t, "alice:added:1", "alice:expired:0")
	if d := time.Since(start); d < time.Second {
		t.Errorf("expired after %v, want 1s", d)
	}
	if len(h.srv.Bindings("alice")) != 0 {
		t.Error("expired binding still listed")
	}
	// Stopping the server reports the remaining bindings closed.
	p.mustRegister(600)
	h.stop()
	h.waitEvents(t, "alice:added:1", "alice:expired:0", "alice:added:1", "alice:closed:0")
}

func TestRegistrarGoroutineLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	func() {
		h := newRegHarness(t, nil)
		p := newPhone(t, h, "alice", phoneSetup{})
		p.mustRegister(600)
		leg, err := h.srv.DialUser(ctxT(t), "alice")
		if err != nil {
			t.Fatal(err)
		}
		if err := leg.Hangup(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		p.answer.Store(0)
		if _, err := h.srv.DialUser(ctxT(t), "alice", WithRingTimeout(100*time.Millisecond)); !errors.Is(err, ErrNoAnswer) {
			t.Fatal(err)
		}
		// A call up while the server stops.
		p.answer.Store(200)
		if _, err := h.srv.DialUser(ctxT(t), "alice"); err != nil {
			t.Fatal(err)
		}
		h.stop()
		p.stop()
	}()
	checkFor(t, 10*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > base {
			buf := make([]byte, 1<<20)
			return fmt.Errorf("goroutines: %d, baseline %d\n%s", n, base, buf[:runtime.Stack(buf, true)])
		}
		return nil
	})
}

// rawPhone is a phone written with raw UDP datagrams, for behaviour a
// sipgo user agent does not produce.
type rawPhone struct {
	t    *testing.T
	conn net.PacketConn
}

func newRawPhone(t *testing.T) *rawPhone {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawPhone{t: t, conn: conn}
}

// read returns the next request, or fails the test.
func (p *rawPhone) read() (*sip.Request, net.Addr) {
	p.t.Helper()
	buf := make([]byte, 8192)
	for {
		p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := p.conn.ReadFrom(buf)
		if err != nil {
			p.t.Fatal(err)
		}
		m, err := sip.ParseMessage(buf[:n])
		if err != nil {
			p.t.Fatalf("phone got unparsable %q: %v", buf[:n], err)
		}
		if req, ok := m.(*sip.Request); ok {
			return req, from
		}
	}
}

func (p *rawPhone) send(m sip.Message, to net.Addr) {
	p.t.Helper()
	if _, err := p.conn.WriteTo([]byte(m.String()), to); err != nil {
		p.t.Fatal(err)
	}
}

// bind registers the raw phone for user without the REGISTER dance.
func bindRaw(t *testing.T, h *regHarness, user string, p *rawPhone) {
	t.Helper()
	src := mustParseAddrPort(p.conn.LocalAddr().String())
	uri := sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: int(src.Port())}
	_, err := h.srv.reg.loc.apply(registration{user: user, callID: "raw", cseq: 1, source: src, transport: "udp",
		contacts: []contactUpdate{{key: contactKey(uri), uri: uri, expires: time.Minute}}})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDialUserAnswerCrossesCancel has a phone answer 200 OK just as the
// ring time ends: it answers the CANCEL with 200 and the INVITE with 200
// instead of 487. The answer must be ACKed and hung up with BYE.
func TestDialUserAnswerCrossesCancel(t *testing.T) {
	h := newRegHarness(t, nil)
	p := newRawPhone(t)
	bindRaw(t, h, "alice", p)
	errc := make(chan error, 1)
	go func() {
		_, err := h.srv.DialUser(ctxT(t), "alice", WithRingTimeout(300*time.Millisecond))
		errc <- err
	}()
	invite, from := p.read()
	if invite.Method != sip.INVITE {
		t.Fatalf("got %s, want INVITE", invite.Method)
	}
	ringing := sip.NewResponseFromRequest(invite, 180, "Ringing", nil)
	ringing.To().Params.Add("tag", "phone-tag")
	p.send(ringing, from)
	cancel, from := p.read()
	if cancel.Method != sip.CANCEL {
		t.Fatalf("got %s, want CANCEL", cancel.Method)
	}
	p.send(sip.NewResponseFromRequest(cancel, 200, "OK", nil), from)
	offer, _ := sdp.Parse(invite.Body())
	ans, _ := sdp.Negotiate(offer, []string{"PCMU"})
	body, _ := sdp.BuildAnswer(ans, mustParseAddrPort("127.0.0.1:40000"), 1, 1)
	ok := sip.NewResponseFromRequest(invite, 200, "OK", body)
	ok.To().Params.Add("tag", "phone-tag")
	ok.AppendHeader(sip.NewHeader("Contact", "<sip:alice@"+p.conn.LocalAddr().String()+">"))
	ok.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	p.send(ok, from)
	var methods []string
	for len(methods) < 2 {
		req, from := p.read()
		if req.Method == sip.INVITE || req.Method == sip.CANCEL {
			continue // retransmissions
		}
		methods = append(methods, req.Method.String())
		if req.Method == sip.BYE {
			p.send(sip.NewResponseFromRequest(req, 200, "OK", nil), from)
			if req.CallID().Value() != invite.CallID().Value() || req.CSeq().SeqNo != invite.CSeq().SeqNo+1 {
				t.Errorf("BYE for another dialog:\n%s", req)
			}
		}
	}
	if methods[0] != "ACK" || methods[1] != "BYE" {
		t.Errorf("after the crossing 200 the phone got %v, want ACK then BYE", methods)
	}
	if err := <-errc; !errors.Is(err, ErrNoAnswer) {
		t.Errorf("DialUser: %v, want ErrNoAnswer", err)
	}
	waitCalls(t, h.srv, 0)
}

func TestOwnHostsOnAnyAddress(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Listen = []Listener{{Transport: "udp", Addr: "0.0.0.0:0"}}
		c.PublicIP = "203.0.113.9"
		c.Registrar = &RegistrarConfig{Enabled: true}
	}, WithCredentials(testUsers))
	for _, host := range []string{"203.0.113.9", "127.0.0.1"} {
		if !h.srv.reg.hosts[host] {
			t.Errorf("%s not accepted as the domain: %v", host, h.srv.reg.hosts)
		}
	}
	if h.srv.reg.cfg.Domain != "203.0.113.9" {
		t.Errorf("domain %q, want the public IP", h.srv.reg.cfg.Domain)
	}
}
