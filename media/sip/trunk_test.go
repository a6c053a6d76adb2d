package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/sdp"
)

// trunk is an in-process ITSP: it challenges INVITE and REGISTER with 401
// and answers authorized requests.
type trunk struct {
	addr    string
	dialogs *sipgo.DialogServerCache

	mu        sync.Mutex
	challenge int
	registers []string // Expires of authorized REGISTERs
	invites   []string // Request-URI users of answered INVITEs
	byes      int
	answer    int // status for authorized INVITEs (200 unless set)
}

const trunkUser, trunkPass = "bot", "secret"

func newTrunk(t *testing.T) *trunk {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ua, _ := sipgo.NewUA(sipgo.WithUserAgent("trunk"),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(testLogger())),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger())))
	srv, _ := sipgo.NewServer(ua, sipgo.WithServerLogger(testLogger()))
	cl, _ := sipgo.NewClient(ua, sipgo.WithClientLogger(testLogger()), sipgo.WithClientConnectionAddr(conn.LocalAddr().String()))
	tr := &trunk{addr: conn.LocalAddr().String(), answer: 200}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	tr.dialogs = sipgo.NewDialogServerCache(cl, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "trunk", Host: "127.0.0.1", Port: port}})
	chal := &digest.Challenge{Realm: "trunk.test", Nonce: "n0nce", Opaque: "op", Algorithm: "MD5", QOP: []string{"auth"}}
	authorized := func(req *sip.Request, tx sip.ServerTransaction) bool {
		h := req.GetHeader("Authorization")
		if h != nil {
			creds, err := digest.ParseCredentials(h.Value())
			if err == nil {
				want, err := digest.Digest(chal, digest.Options{Method: req.Method.String(), URI: creds.URI, Username: trunkUser, Password: trunkPass, Cnonce: creds.Cnonce, Count: creds.Nc})
				if err == nil && creds.Username == trunkUser && creds.Response == want.Response {
					return true
				}
			}
		}
		tr.mu.Lock()
		tr.challenge++
		tr.mu.Unlock()
		res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
		tx.Respond(res)
		return false
	}
	srv.OnRegister(func(req *sip.Request, tx sip.ServerTransaction) {
		if !authorized(req, tx) {
			return
		}
		exp := "3600"
		if h := req.GetHeader("Expires"); h != nil {
			exp = h.Value()
		}
		tr.mu.Lock()
		tr.registers = append(tr.registers, exp)
		tr.mu.Unlock()
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		res.AppendHeader(sip.NewHeader("Expires", exp))
		tx.Respond(res)
	})
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		if !authorized(req, tx) {
			return
		}
		d, err := tr.dialogs.ReadInvite(req, tx)
		if err != nil {
			return
		}
		defer d.Close()
		tr.mu.Lock()
		code := tr.answer
		tr.invites = append(tr.invites, req.Recipient.User)
		tr.mu.Unlock()
		if code != 200 {
			d.Respond(code, "Busy Here", nil)
			return
		}
		offer, err := sdp.Parse(req.Body())
		if err != nil {
			d.Respond(488, "Not Acceptable Here", nil)
			return
		}
		ans, err := sdp.Negotiate(offer, []string{"PCMA", "PCMU"})
		if err != nil {
			d.Respond(488, "Not Acceptable Here", nil)
			return
		}
		body, _ := sdp.BuildAnswer(ans, mustParseAddrPort("127.0.0.1:31000"), 5, 1)
		d.Respond(180, "Ringing", nil)
		d.RespondSDP(body)
	})
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { tr.dialogs.ReadAck(req, tx) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		tr.mu.Lock()
		tr.byes++
		tr.mu.Unlock()
		if err := tr.dialogs.ReadBye(req, tx); err != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 481, "No dialog", nil))
		}
	})
	done := make(chan struct{})
	go func() { defer close(done); srv.ServeUDP(conn) }()
	t.Cleanup(func() { conn.Close(); <-done; ua.Close() })
	return tr
}

func (tr *trunk) snapshot() (challenges int, registers, invites []string, byes int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.challenge, append([]string(nil), tr.registers...), append([]string(nil), tr.invites...), tr.byes
}

func withTrunk(tr *trunk, register bool) func(*Config) {
	return func(c *Config) {
		c.Trunk = &Trunk{Host: tr.addr, Username: trunkUser, Password: trunkPass, Register: register, RegisterExpiry: 2 * time.Second}
	}
}

func TestOutboundCallDigestAuth(t *testing.T) {
	tr := newTrunk(t)
	h := newHarness(t, withTrunk(tr, false))
	ctx := ctxT(t)
	got := make(chan media.LegInfo, 1)
	app := media.ApplicationFunc(func(ctx context.Context, l media.Leg) error {
		got <- l.Info()
		return nil // hang up at once
	})
	if err := h.srv.Call(ctx, "5551234", app); err != nil {
		t.Fatal(err)
	}
	info := <-got
	if info.To != "5551234" || info.Codec != "PCMU" || info.Remote != "127.0.0.1:31000" {
		t.Errorf("leg info %+v", info)
	}
	checkFor(t, 5*time.Second, func() error {
		ch, _, inv, byes := tr.snapshot()
		if ch < 1 || len(inv) != 1 || inv[0] != "5551234" || byes != 1 {
			return fmt.Errorf("trunk saw challenges=%d invites=%v byes=%d", ch, inv, byes)
		}
		return nil
	})
	waitCalls(t, h.srv, 0)

	// A failure response is reported.
	tr.mu.Lock()
	tr.answer = 486
	tr.mu.Unlock()
	err := h.srv.Call(ctx, "5550000", app)
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "486") {
		t.Fatalf("busy callee: %v", err)
	}
	waitCalls(t, h.srv, 0)
	if o, c := h.media.opened.Load(), h.media.closed.Load(); o != c+1 { // one Start, one Close
		t.Errorf("media opened %d closed %d", o, c)
	}
}

func TestCallWithoutTrunk(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.srv.Call(ctxT(t), "1", media.ApplicationFunc(func(context.Context, media.Leg) error { return nil })); !errors.Is(err, ErrNoTrunk) {
		t.Fatalf("err = %v", err)
	}
}

func TestRegister(t *testing.T) {
	tr := newTrunk(t)
	h := newHarness(t, withTrunk(tr, true))
	// Registered, then refreshed before the 2s expiry.
	checkFor(t, 5*time.Second, func() error {
		ch, regs, _, _ := tr.snapshot()
		if ch < 1 || len(regs) < 2 {
			return fmt.Errorf("challenges=%d registers=%v", ch, regs)
		}
		return nil
	})
	h.stop()
	_, regs, _, _ := tr.snapshot()
	if regs[len(regs)-1] != "0" {
		t.Errorf("no unregister on shutdown: %v", regs)
	}
}

// referPeer calls the server, then sends REFER in the dialog.
func referInDialog(t *testing.T, ctx context.Context, d *sipgo.DialogClientSession, target string) *sip.Response {
	t.Helper()
	req := sip.NewRequest(sip.REFER, d.InviteResponse.Contact().Address)
	req.AppendHeader(sip.NewHeader("Refer-To", "<"+target+">"))
	res, err := d.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestReferInbound(t *testing.T) {
	tests := []struct {
		name   string
		refer  func(ctx context.Context, l media.Leg, target string) error
		trunk  bool
		final  string
		target string
	}{
		{"callback ok", func(ctx context.Context, l media.Leg, target string) error { return nil }, false, "SIP/2.0 200 OK", "sip:agent@127.0.0.1"},
		{"callback fails", func(ctx context.Context, l media.Leg, target string) error { return errors.New("no agent") }, false, "SIP/2.0 503 Service Unavailable", "sip:agent@127.0.0.1"},
		{"through trunk", nil, true, "SIP/2.0 200 OK", "sip:6000@pbx.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr *trunk
			var targets []string
			var mu sync.Mutex
			h := newHarness(t, func(c *Config) {
				if tt.refer != nil {
					c.OnRefer = func(ctx context.Context, l media.Leg, target string) error {
						mu.Lock()
						targets = append(targets, target)
						mu.Unlock()
						return tt.refer(ctx, l, target)
					}
				}
				if tt.trunk {
					tr = newTrunk(t)
					withTrunk(tr, false)(c)
				}
			})
			p := newPeer(t)
			ctx := ctxT(t)
			d, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp")
			if err != nil {
				t.Fatal(err)
			}
			h.app.leg(t)
			res := referInDialog(t, ctx, d, tt.target)
			if res.StatusCode != 202 {
				t.Fatalf("REFER: %d", res.StatusCode)
			}
			checkFor(t, 5*time.Second, func() error {
				n := p.notifyBodies()
				if len(n) < 2 {
					return fmt.Errorf("NOTIFYs: %q", n)
				}
				if n[0] != "SIP/2.0 100 Trying" || n[len(n)-1] != tt.final {
					return fmt.Errorf("NOTIFYs: %q, want 100 then %q", n, tt.final)
				}
				return nil
			})
			if tt.refer != nil {
				mu.Lock()
				if len(targets) != 1 || targets[0] != tt.target {
					t.Errorf("OnRefer targets %v", targets)
				}
				mu.Unlock()
			}
			if tt.trunk {
				_, _, inv, _ := tr.snapshot()
				if len(inv) != 1 || inv[0] != "6000" {
					t.Errorf("trunk invites %v", inv)
				}
				waitCalls(t, h.srv, 2)
			}
			if err := d.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			h.stop()
			if n := h.srv.Calls(); n != 0 {
				t.Errorf("calls after stop: %d", n)
			}
		})
	}
}

func TestTransfer(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	ctx := ctxT(t)
	var mu sync.Mutex
	var referTo string
	// The peer accepts the REFER and reports progress, like a phone.
	p.srv.OnRefer(func(req *sip.Request, tx sip.ServerTransaction) {
		mu.Lock()
		referTo = req.GetHeader("Refer-To").Value()
		mu.Unlock()
		tx.Respond(sip.NewResponseFromRequest(req, 202, "Accepted", nil))
		d, err := p.dialog.MatchRequestDialog(req)
		if err != nil {
			return
		}
		go func() {
			for _, frag := range []string{"SIP/2.0 100 Trying", "SIP/2.0 200 OK"} {
				n := sip.NewRequest(sip.NOTIFY, d.InviteResponse.Contact().Address)
				n.AppendHeader(sip.NewHeader("Event", "refer"))
				n.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
				n.SetBody([]byte(frag + "\r\n"))
				d.Do(ctx, n)
			}
		}()
	})
	if _, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp"); err != nil {
		t.Fatal(err)
	}
	l := h.app.leg(t)
	if err := h.srv.Transfer(ctx, l, "sip:agent@127.0.0.1:5099"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if referTo != "<sip:agent@127.0.0.1:5099>" {
		t.Errorf("Refer-To %q", referTo)
	}
	mu.Unlock()
	// A successful blind transfer hangs our leg up.
	checkFor(t, 5*time.Second, func() error {
		if p.byeCount() != 1 {
			return errors.New("no BYE after transfer")
		}
		return nil
	})
	waitCalls(t, h.srv, 0)

	if err := h.srv.Transfer(ctx, fakeLegOnly{}, "x"); !errors.Is(err, ErrUnknownLeg) {
		t.Errorf("foreign leg: %v", err)
	}
}

func TestTransferRefused(t *testing.T) {
	h := newHarness(t, nil)
	p := newPeer(t)
	ctx := ctxT(t)
	p.srv.OnRefer(func(req *sip.Request, tx sip.ServerTransaction) {
		tx.Respond(sip.NewResponseFromRequest(req, 603, "Decline", nil))
	})
	d, _, err := p.invite(ctx, t, h.uri(t, "udp", "100"), offerSDP(t, sdp.SendRecv, "PCMU"), "application/sdp")
	if err != nil {
		t.Fatal(err)
	}
	l := h.app.leg(t)
	if err := h.srv.Transfer(ctx, l, "sip:agent@127.0.0.1"); !errors.Is(err, ErrTransferFailed) {
		t.Fatalf("err = %v", err)
	}
	if h.srv.Calls() != 1 {
		t.Error("leg hung up after a refused transfer")
	}
	d.Bye(ctx)
	waitCalls(t, h.srv, 0)
}

type fakeLegOnly struct{ media.Leg }
