package sip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/sdp"
)

func testLogger() *slog.Logger {
	if os.Getenv("SIP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// checkFor polls fn until it returns nil or the deadline passes.
func checkFor(t testing.TB, d time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// blockApp serves until the leg ends or ctx is canceled.
type blockApp struct {
	mu      sync.Mutex
	started int
	ended   int
	legs    chan media.Leg
}

func newBlockApp() *blockApp { return &blockApp{legs: make(chan media.Leg, 16)} }

func (a *blockApp) Serve(ctx context.Context, l media.Leg) error {
	a.mu.Lock()
	a.started++
	a.mu.Unlock()
	a.legs <- l
	select {
	case <-ctx.Done():
	case <-l.Done():
	}
	a.mu.Lock()
	a.ended++
	a.mu.Unlock()
	return nil
}

func (a *blockApp) counts() (int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.started, a.ended
}

func (a *blockApp) leg(t *testing.T) media.Leg {
	t.Helper()
	select {
	case l := <-a.legs:
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("application not started")
		return nil
	}
}

// harness is a server under test.
type harness struct {
	srv   *Server
	media *fakeMedia
	app   *blockApp
	stop  func()
}

func newHarness(t testing.TB, mod func(*Config), opts ...Option) *harness {
	t.Helper()
	cfg := Config{
		Listen: []Listener{{Transport: "udp", Addr: "127.0.0.1:0"}, {Transport: "tcp", Addr: "127.0.0.1:0"}},
		Codecs: []string{"PCMU", "PCMA"},
	}
	if mod != nil {
		mod(&cfg)
	}
	h := &harness{media: &fakeMedia{}, app: newBlockApp()}
	router := RouterFunc(func(from, to string) (media.Application, bool) {
		if to == "nobody" {
			return nil, false
		}
		if to == "quick" {
			return media.ApplicationFunc(func(ctx context.Context, l media.Leg) error { return nil }), true
		}
		return h.app, true
	})
	srv, err := NewServer(cfg, h.media, router, testLogger(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("Serve did not return")
			}
		})
	}
	t.Cleanup(h.stop)
	checkFor(t, 2*time.Second, func() error {
		if srv.context() == nil {
			return errors.New("not serving")
		}
		return nil
	})
	return h
}

func (h *harness) uri(t testing.TB, transport, user string) sip.Uri {
	ap, ok := h.srv.Addr(transport)
	if !ok {
		t.Fatalf("no %s listener", transport)
	}
	u := sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: int(ap.Port())}
	if transport != "udp" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", transport)
	}
	return u
}

// peer is a SIP user agent on loopback playing the caller, the callee or
// the trunk.
type peer struct {
	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client
	dialog *sipgo.DialogClientCache
	addr   string
	conn   net.PacketConn

	mu       sync.Mutex
	byes     int
	notifies []string
	requests []*sip.Request
}

func newPeer(t *testing.T) *peer {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("peer"), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(testLogger())),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger())))
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{ua: ua, addr: conn.LocalAddr().String(), conn: conn}
	p.srv, _ = sipgo.NewServer(ua, sipgo.WithServerLogger(testLogger()))
	p.client, err = sipgo.NewClient(ua, sipgo.WithClientLogger(testLogger()), sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientConnectionAddr(p.addr))
	if err != nil {
		t.Fatal(err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	p.dialog = sipgo.NewDialogClientCache(p.client, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "peer", Host: "127.0.0.1", Port: port}})
	p.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		p.mu.Lock()
		p.byes++
		p.mu.Unlock()
		if err := p.dialog.ReadBye(req, tx); err != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 481, "No dialog", nil))
		}
	})
	p.srv.OnNotify(func(req *sip.Request, tx sip.ServerTransaction) {
		p.mu.Lock()
		p.notifies = append(p.notifies, strings.TrimSpace(string(req.Body())))
		p.mu.Unlock()
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	done := make(chan struct{})
	go func() { defer close(done); p.srv.ServeUDP(conn) }()
	checkFor(t, 2*time.Second, func() error {
		if len(ua.TransportLayer().ListenPorts("udp")) == 0 {
			return errors.New("peer not listening")
		}
		return nil
	})
	t.Cleanup(func() {
		conn.Close()
		<-done
		ua.Close()
	})
	return p
}

func (p *peer) byeCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byes
}

func (p *peer) notifyBodies() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.notifies...)
}

func offerSDP(t *testing.T, dir sdp.Direction, codecs ...string) []byte {
	t.Helper()
	b, err := sdp.Build(sdp.Params{Addr: mustParseAddr("127.0.0.1"), Port: 30000, Formats: sdp.OfferFormats(codecs), Direction: dir})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// invite calls the server; it returns the dialog on 2xx and the final
// response in every case.
func (p *peer) invite(ctx context.Context, t *testing.T, to sip.Uri, body []byte, contentType string) (*sipgo.DialogClientSession, *sip.Response, error) {
	t.Helper()
	var hdrs []sip.Header
	if contentType != "" {
		hdrs = append(hdrs, sip.NewHeader("Content-Type", contentType))
	}
	d, err := p.dialog.Invite(ctx, to, body, hdrs...)
	if err != nil {
		return nil, nil, err
	}
	err = d.WaitAnswer(ctx, sipgo.AnswerOptions{})
	if err != nil {
		return nil, d.InviteResponse, err
	}
	if err := d.Ack(ctx); err != nil {
		return nil, d.InviteResponse, err
	}
	return d, d.InviteResponse, nil
}

func statusOf(err error, res *sip.Response) int {
	var e *sipgo.ErrDialogResponse
	if errors.As(err, &e) {
		return e.Res.StatusCode
	}
	if res != nil {
		return res.StatusCode
	}
	return 0
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func waitCalls(t *testing.T, s *Server, n int) {
	t.Helper()
	checkFor(t, 5*time.Second, func() error {
		if got := s.Calls(); got != n {
			return fmt.Errorf("Calls() = %d, want %d", got, n)
		}
		return nil
	})
}

func TestBasicCallByeFromCaller(t *testing.T) {
	for _, tr := range []string{"udp", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			h := newHarness(t, nil)
			p := newPeer(t)
			ctx := ctxT(t)
			d, res, err := p.invite(ctx, t, h.uri(t, tr, "100"), offerSDP(t, sdp.SendRecv, "PCMA", "PCMU"), "application/sdp")
			if err != nil {
				t.Fatal(err)
			}
			ans, err := sdp.Parse(res.Body())
			if err != nil {
				t.Fatal(err)
			}
			if ans.Formats[0].Name != "PCMA" || ans.Direction != sdp.SendRecv || ans.Addr.String() != "127.0.0.1" {
				t.Errorf("answer %+v", ans)
			}
			l := h.app.leg(t)
			info := l.Info()
			if info.Kind != "sip" || info.To != "100" || info.Codec != "PCMA" || info.Remote != "127.0.0.1:30000" {
				t.Errorf("leg info %+v", info)
			}
			if ml := h.media.lastLeg(); ml.dtmfPT != sdp.DTMFPayloadType {
				t.Errorf("dtmf pt %d", ml.dtmfPT)
			}
			if h.srv.Calls() != 1 {
				t.Errorf("Calls() = %d", h.srv.Calls())
			}
			if err := d.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			select {
			case <-l.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("leg not done after BYE")
			}
			if l.Err() != nil {
				t.Errorf("leg err %v", l.Err())
			}
			waitCalls(t, h.srv, 0)
			checkFor(t, 2*time.Second, func() error {
				if _, ended := h.app.counts(); ended != 1 {
					return errors.New("application not ended")
				}
				if !h.media.lastLeg().isReleased() {
					return errors.New("media not released")
				}
				return nil
			})
		})
	}
}

func TestByeFromServerWhenAppReturns(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	ctx := ctxT(t)
	if _, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp"); err != nil {
		t.Fatal(err)
	}
	l := h.app.leg(t)
	// The application hangs up.
	if err := l.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, func() error {
		if p.byeCount() != 1 {
			return errors.New("no BYE received")
		}
		return nil
	})
	waitCalls(t, h.srv, 0)

	// An application that just returns gets a BYE too.
	h2 := newHarness(t, nil)
	p2 := newPeer(t)
	if _, _, err := p2.invite(ctx, t, h2.uri(t, "udp", "quick"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp"); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, func() error {
		if p2.byeCount() != 1 {
			return errors.New("no BYE after the application returned")
		}
		return nil
	})
	waitCalls(t, h2.srv, 0)
}

func TestCancel(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RingTime = 10 * time.Second })
	p := newPeer(t)
	ctx, cancel := context.WithCancel(ctxT(t))
	d, err := p.dialog.Invite(ctx, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	var ringing sync.Once
	rang := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- d.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
			if r.StatusCode == 180 {
				ringing.Do(func() { close(rang) })
			}
			return nil
		}})
	}()
	select {
	case <-rang:
	case <-time.After(5 * time.Second):
		t.Fatal("no 180")
	}
	cancel() // WaitAnswer sends CANCEL
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("WaitAnswer: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("CANCEL not completed")
	}
	if d.InviteResponse.StatusCode != 487 {
		t.Errorf("INVITE final response %d, want 487", d.InviteResponse.StatusCode)
	}
	waitCalls(t, h.srv, 0)
	checkFor(t, 2*time.Second, func() error {
		if h.media.closed.Load() != 1 {
			return errors.New("media endpoint not closed")
		}
		return nil
	})
	if started, _ := h.app.counts(); started != 0 {
		t.Error("application started for a canceled call")
	}
}

func TestReinviteHold(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	ctx := ctxT(t)
	d, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp")
	if err != nil {
		t.Fatal(err)
	}
	h.app.leg(t)
	ml := h.media.lastLeg()
	steps := []struct {
		offer  sdp.Direction
		answer sdp.Direction
	}{
		{sdp.SendOnly, sdp.RecvOnly},
		{sdp.Inactive, sdp.Inactive},
		{sdp.SendRecv, sdp.SendRecv},
	}
	for _, st := range steps {
		req := sip.NewRequest(sip.INVITE, d.InviteResponse.Contact().Address)
		req.SetBody(offerSDP(t, st.offer, "PCMU"))
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		res, err := d.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 {
			t.Fatalf("re-INVITE %s: %d", st.offer, res.StatusCode)
		}
		ans, err := sdp.Parse(res.Body())
		if err != nil {
			t.Fatal(err)
		}
		if ans.Direction != st.answer {
			t.Errorf("offer %s: answer %s, want %s", st.offer, ans.Direction, st.answer)
		}
		if ml.direction() != string(st.answer) {
			t.Errorf("offer %s: media direction %s", st.offer, ml.direction())
		}
		ack := sip.NewRequest(sip.ACK, d.InviteResponse.Contact().Address)
		if err := d.WriteRequest(ack); err != nil {
			t.Fatal(err)
		}
	}
	// A re-INVITE without our codec is refused; the call stays up.
	req := sip.NewRequest(sip.INVITE, d.InviteResponse.Contact().Address)
	req.SetBody(offerSDP(t, sdp.SendRecv, "PCMA"))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res, err := d.Do(ctx, req)
	if err != nil || res.StatusCode != 488 {
		t.Fatalf("re-INVITE with another codec: %v %v", res, err)
	}
	if h.srv.Calls() != 1 {
		t.Error("call dropped")
	}
	if err := d.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	waitCalls(t, h.srv, 0)
}

func TestOptions(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	req := sip.NewRequest(sip.OPTIONS, h.uri(t, "udp", ""))
	res, err := p.client.Do(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("OPTIONS: %d", res.StatusCode)
	}
	if a := res.GetHeader("Allow"); a == nil || !strings.Contains(a.Value(), "INVITE") || !strings.Contains(a.Value(), "REFER") {
		t.Errorf("Allow: %v", a)
	}
	if a := res.GetHeader("Accept"); a == nil || a.Value() != "application/sdp" {
		t.Errorf("Accept: %v", a)
	}
}

func TestInviteRejected(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	ctx := ctxT(t)
	g729 := []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n")
	tests := []struct {
		name        string
		to          string
		body        []byte
		contentType string
		want        int
	}{
		{"no common codec", "100", g729, "application/sdp", 488},
		{"bad sdp", "100", []byte("v=0\r\nthis is not sdp\r\n"), "application/sdp", 488},
		{"no sdp", "100", nil, "", 488},
		{"not sdp", "100", []byte("<xml/>"), "application/xml", 415},
		{"no route", "nobody", offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res, err := p.invite(ctx, t, h.uri(t, "udp", tt.to), tt.body, tt.contentType)
			if got := statusOf(err, res); got != tt.want {
				t.Fatalf("status %d (%v), want %d", got, err, tt.want)
			}
			waitCalls(t, h.srv, 0)
		})
	}
	if started, _ := h.app.counts(); started != 0 {
		t.Errorf("application started %d times", started)
	}
	if o, c := h.media.opened.Load(), h.media.closed.Load(); o != c {
		t.Errorf("media opened %d, closed %d", o, c)
	}
}

func TestCapacity(t *testing.T) {
	for _, code := range []int{486, 503} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.MaxCalls = 1; c.OverloadStatus = code })
			p := newPeer(t)
			ctx := ctxT(t)
			d, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp")
			if err != nil {
				t.Fatal(err)
			}
			_, res, err := p.invite(ctx, t, h.uri(t, "udp", "101"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp")
			if got := statusOf(err, res); got != code {
				t.Fatalf("second call: %d (%v), want %d", got, err, code)
			}
			if err := d.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			waitCalls(t, h.srv, 0)
			// Capacity is back.
			d, _, err = p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp")
			if err != nil {
				t.Fatal(err)
			}
			d.Bye(ctx)
		})
	}
}

func TestUnknownDialog(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	ctx := ctxT(t)
	for _, m := range []sip.RequestMethod{sip.BYE, sip.INVITE, sip.REFER, sip.NOTIFY} {
		t.Run(m.String(), func(t *testing.T) {
			req := sip.NewRequest(m, h.uri(t, "udp", "100"))
			from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "peer", Host: "127.0.0.1"}, Params: sip.NewParams()}
			from.Params.Add("tag", "abc")
			to := &sip.ToHeader{Address: h.uri(t, "udp", "100"), Params: sip.NewParams()}
			to.Params.Add("tag", "nosuchdialog")
			req.AppendHeader(from)
			req.AppendHeader(to)
			req.AppendHeader(sip.NewHeader("Contact", "<sip:peer@"+p.addr+">"))
			if m == sip.REFER {
				req.AppendHeader(sip.NewHeader("Refer-To", "<sip:200@127.0.0.1>"))
			}
			if m == sip.INVITE {
				req.SetBody(offerSDP(t, sdp.SendRecv, "PCMU"))
				req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			}
			res, err := p.client.Do(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 481 {
				t.Fatalf("%s: %d, want 481", m, res.StatusCode)
			}
		})
	}
}

func TestRTPTimeout(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	ctx := ctxT(t)
	if _, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp"); err != nil {
		t.Fatal(err)
	}
	l := h.app.leg(t)
	h.media.lastLeg().fail(media.ErrRTPTimeout)
	checkFor(t, 5*time.Second, func() error {
		if p.byeCount() != 1 {
			return errors.New("no BYE after RTP timeout")
		}
		return nil
	})
	<-l.Done()
	if !errors.Is(l.Err(), media.ErrRTPTimeout) {
		t.Errorf("leg err %v", l.Err())
	}
	waitCalls(t, h.srv, 0)
}

func TestShutdownHangsUp(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	ctx := ctxT(t)
	if _, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp"); err != nil {
		t.Fatal(err)
	}
	h.app.leg(t)
	h.stop()
	if p.byeCount() != 1 {
		t.Errorf("BYEs on shutdown: %d", p.byeCount())
	}
	if _, ended := h.app.counts(); ended != 1 {
		t.Error("application not ended")
	}
}

func TestMalformedSIP(t *testing.T) {
	h := newHarness(t, nil)
	ap, _ := h.srv.Addr("udp")
	conn, err := net.Dial("udp", ap.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	garbage := [][]byte{
		[]byte("hello"),
		{0, 1, 2, 3, 0xff, 0xfe},
		[]byte("\r\n\r\n"),
		[]byte("INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: trunc\r\nCSeq: 1 INV"),
		[]byte("INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK2\r\nContent-Length: 500\r\n\r\nv=0\r\n"),
		[]byte("SIP/2.0 200 OK\r\n\r\n"),
		[]byte(strings.Repeat("A", 4000)),
	}
	for _, g := range garbage {
		if _, err := conn.Write(g); err != nil {
			t.Fatal(err)
		}
	}
	p := newPeer(t)
	ctx := ctxT(t)
	d, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp")
	if err != nil {
		t.Fatalf("good call after garbage: %v", err)
	}
	if err := d.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	waitCalls(t, h.srv, 0)
}

func TestGoroutineLeak(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	ctx := ctxT(t)
	// Warm up: the first call creates the transport's connections.
	call := func(byeFromUs bool) {
		d, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp")
		if err != nil {
			t.Fatal(err)
		}
		l := h.app.leg(t)
		if byeFromUs {
			if err := l.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
		} else if err := d.Bye(ctx); err != nil {
			t.Fatal(err)
		}
		waitCalls(t, h.srv, 0)
	}
	call(false)
	time.Sleep(100 * time.Millisecond)
	base := runtime.NumGoroutine()
	for i := 0; i < 10; i++ {
		call(i%2 == 0)
	}
	checkFor(t, 10*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > base {
			return fmt.Errorf("goroutines: %d, baseline %d", n, base)
		}
		return nil
	})
}
