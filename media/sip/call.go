package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/sdp"
)

// dialog is what a call uses of sipgo's UAS and UAC dialog sessions.
type dialog interface {
	Do(ctx context.Context, req *sip.Request) (*sip.Response, error)
	Bye(ctx context.Context) error
	ReadBye(req *sip.Request, tx sip.ServerTransaction) error
	ReadRequest(req *sip.Request, tx sip.ServerTransaction) error
	Context() context.Context
}

// call is one SIP dialog with its media leg and application.
type call struct {
	s       *Server
	id      string // sipgo dialog ID
	log     *slog.Logger
	dlg     dialog
	uas     *sipgo.DialogServerSession // nil for outbound calls
	remote  sip.Uri                    // the far end's Contact (remote target)
	app     media.Application
	ep      Endpoint
	ml      MediaLeg
	info    media.LegInfo
	leg     *leg
	ctx     context.Context // the call's lifetime; canceled when it ends
	cancel  context.CancelFunc
	byeOnce sync.Once
	byeErr  error
	byeRecv atomic.Bool // the far end sent BYE

	mu        sync.Mutex
	codec     media.CodecInfo
	sessionID uint64
	version   uint64
	local     netip.AddrPort
	err       error
	notify    chan int // sipfrag status codes of our REFER's NOTIFYs

	endOnce  sync.Once
	done     chan struct{} // closed when the dialog has ended
	released chan struct{} // closed when media is released
	wg       sync.WaitGroup
}

func (s *Server) newCall(parent context.Context, id string, dlg dialog) *call {
	c := &call{
		s: s, id: id, dlg: dlg,
		done:     make(chan struct{}),
		released: make(chan struct{}),
		notify:   make(chan int, 8),
	}
	c.ctx, c.cancel = context.WithCancel(parent)
	c.leg = &leg{c: c}
	return c
}

// end marks the dialog ended, with err as the leg's error.
func (c *call) end(err error) {
	c.endOnce.Do(func() {
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
		close(c.done)
	})
}

// bye ends the dialog from our side, once.
func (c *call) bye(ctx context.Context) error {
	c.byeOnce.Do(func() {
		if c.byeRecv.Load() { // the far end hung up first
			return
		}
		c.byeErr = c.dlg.Bye(ctx)
		if c.byeErr != nil {
			c.log.Warn("sip: BYE failed", "err", c.byeErr)
		}
		c.end(nil)
	})
	return c.byeErr
}

func (c *call) readBye(req *sip.Request, tx sip.ServerTransaction) {
	if err := c.dlg.ReadBye(req, tx); err != nil {
		c.s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	c.log.Info("sip: BYE received")
	c.byeRecv.Store(true)
	c.end(nil)
}

func (c *call) readAck(req *sip.Request, tx sip.ServerTransaction) {
	if c.uas != nil {
		_ = c.uas.ReadAck(req, tx)
	}
}

// run serves the application on the leg until the call ends from either
// side, then releases everything. It owns the application's goroutine.
func (c *call) run() {
	defer c.s.wg.Done()
	defer c.s.release()
	defer c.s.removeCall(c)

	appDone := make(chan error, 1)
	go func() { appDone <- c.app.Serve(c.ctx, c.leg) }()

	appEnded := false
	select {
	case err := <-appDone:
		appEnded = true
		if err != nil && !errors.Is(err, context.Canceled) {
			c.log.Warn("sip: application failed", "err", err)
		}
	case <-c.done:
	case <-c.ml.Done():
		if err := c.ml.Err(); err != nil {
			c.log.Info("sip: media ended", "err", err)
			c.end(err)
		}
	case <-c.ctx.Done(): // server draining or caller's context
	}
	c.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	_ = c.bye(ctx)
	if err := c.ml.Hangup(ctx); err != nil {
		c.log.Debug("sip: media hangup", "err", err)
	}
	c.wg.Wait() // transfer goroutines
	close(c.released)
	if !appEnded {
		<-appDone
	}
	c.log.Info("sip: call ended")
}

// start starts media and the call's goroutine; the call must already be
// reserved and counted in s.wg.
func (c *call) start(remote netip.AddrPort, ans sdp.Answer) error {
	var dtmf uint8
	if ans.HasDTMF() {
		dtmf = ans.DTMF.PayloadType
	}
	c.mu.Lock()
	c.info.Codec = ans.Codec.Name
	c.info.Rate = ans.Codec.Rate
	c.info.Remote = remote.String()
	info := c.info
	c.mu.Unlock()
	ml, err := c.ep.Start(remote, ans.Codec, dtmf, info, c.bye)
	if err != nil {
		return err
	}
	if ans.Direction != sdp.SendRecv {
		ml.SetDirection(string(ans.Direction))
	}
	c.mu.Lock()
	c.ml = ml
	c.codec = ans.Codec
	c.mu.Unlock()
	go c.run()
	return nil
}

// onInvite handles a new INVITE or a re-INVITE.
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	// RFC 3261 21.5.6: only SIP/2.0 is spoken here, in the request line and
	// in the topmost Via.
	if v := req.Via(); req.SipVersion != "SIP/2.0" || (v != nil && (v.ProtocolName != "SIP" || v.ProtocolVersion != "2.0")) {
		s.respond(req, tx, 505, "Version Not Supported", nil)
		return
	}
	if to := req.To(); to != nil {
		if _, ok := to.Params.Get("tag"); ok {
			c := s.findCall(req)
			if c == nil {
				s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
				return
			}
			c.reinvite(req, tx)
			return
		}
	}
	if req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil || req.Contact() == nil {
		s.respond(req, tx, 400, "Bad Request", nil, s.warning("missing From, To, Call-ID, CSeq or Contact"))
		return
	}
	log := s.log.With("call_id", req.CallID().Value())
	offer, ok := s.readOffer(req, tx, log)
	if !ok {
		return
	}
	if err := s.reserve(); err != nil {
		if errors.Is(err, ErrCapacity) {
			log.Info("sip: at capacity", "max_calls", s.cfg.MaxCalls)
			if s.cfg.OverloadStatus == 503 {
				s.respond(req, tx, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "30"))
			} else {
				s.respond(req, tx, 486, "Busy Here", nil)
			}
		} else {
			s.respond(req, tx, 503, "Service Unavailable", nil)
		}
		return
	}
	reserved := true
	defer func() {
		if reserved {
			s.release()
		}
	}()
	from, to := userOf(req.From().Address), userOf(req.To().Address)
	app, found := s.router.Route(from, to)
	if !found {
		log.Info("sip: no route", "from", from, "to", to)
		s.respond(req, tx, 404, "Not Found", nil)
		return
	}
	ans, err := sdp.Negotiate(offer, s.cfg.Codecs)
	if err != nil {
		log.Info("sip: offer not acceptable", "err", err)
		s.respond(req, tx, 488, "Not Acceptable Here", nil, s.warning(err.Error()))
		return
	}
	serveCtx := s.context()
	if serveCtx == nil {
		s.respond(req, tx, 503, "Service Unavailable", nil)
		return
	}
	ep, err := s.media.Open(serveCtx)
	if err != nil {
		log.Warn("sip: media open", "err", err)
		s.respond(req, tx, 503, "Service Unavailable", nil, s.warning("no media port"))
		return
	}
	started := false
	defer func() {
		if !started {
			ep.Close()
		}
	}()
	dlgUA := s.dialogUAFor(req.Transport())
	uas, err := dlgUA.ReadInvite(req, tx)
	if err != nil {
		log.Warn("sip: read invite", "err", err)
		s.respond(req, tx, 500, "Server Internal Error", nil)
		return
	}
	defer uas.Close()
	c := s.newCall(serveCtx, uas.ID, uas)
	c.log, c.uas, c.app, c.ep = log, uas, app, ep
	c.remote = req.Contact().Address
	c.local = netip.AddrPortFrom(s.ip, ep.LocalAddr().Port())
	c.info = media.LegInfo{ID: req.CallID().Value(), Kind: "sip", From: from, To: to}
	answer, err := c.answerSDP(ans)
	if err != nil {
		log.Error("sip: build answer", "err", err)
		_ = uas.Respond(500, "Server Internal Error", nil)
		return
	}
	_ = uas.Respond(100, "Trying", nil)
	_ = uas.Respond(180, "Ringing", nil)
	if s.cfg.RingTime > 0 {
		t := time.NewTimer(s.cfg.RingTime)
		select {
		case <-t.C:
		case <-uas.Context().Done(): // CANCEL (487 sent by the transaction layer)
		case <-serveCtx.Done():
		}
		t.Stop()
	}
	if uas.Context().Err() != nil {
		log.Info("sip: canceled before answer")
		return
	}
	if serveCtx.Err() != nil {
		_ = uas.Respond(503, "Service Unavailable", nil)
		return
	}
	s.addCall(c)
	res := sip.NewSDPResponseFromRequest(uas.InviteRequest, answer)
	res.AppendHeader(sip.NewHeader("Allow", allow))
	res.AppendHeader(sip.NewHeader("Server", s.cfg.UserAgent))
	if err := uas.WriteResponse(res); err != nil {
		// CANCEL raced with the answer, or no ACK came.
		log.Info("sip: answer not confirmed", "err", err)
		s.removeCall(c)
		if uas.LoadState() >= sip.DialogStateEstablished {
			ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
			_ = uas.Bye(ctx)
			cancel()
		}
		return
	}
	log.Info("sip: call answered", "from", from, "to", to, "codec", ans.Codec.Name, "remote", ans.Remote)
	hangup := func() {
		s.removeCall(c)
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		_ = uas.Bye(ctx)
		cancel()
	}
	if !s.track() { // Serve is draining
		hangup()
		return
	}
	if err := c.start(ans.Remote, ans); err != nil {
		s.wg.Done()
		log.Error("sip: media start", "err", err)
		hangup()
		return
	}
	started, reserved = true, false // run releases both
}

// readOffer checks the INVITE body and parses the SDP offer; it responds
// and returns false when the request cannot be served.
func (s *Server) readOffer(req *sip.Request, tx sip.ServerTransaction, log *slog.Logger) (*sdp.Session, bool) {
	body := req.Body()
	if len(body) == 0 {
		s.respond(req, tx, 488, "Not Acceptable Here", nil, s.warning("INVITE without SDP offer is not supported"))
		return nil, false
	}
	if !isSDP(req) {
		s.respond(req, tx, 415, "Unsupported Media Type", nil, sip.NewHeader("Accept", "application/sdp"))
		return nil, false
	}
	offer, err := sdp.Parse(body)
	if err != nil {
		log.Info("sip: bad SDP offer", "err", err)
		s.respond(req, tx, 488, "Not Acceptable Here", nil, s.warning(err.Error()))
		return nil, false
	}
	return offer, true
}

func isSDP(m interface{ GetHeader(string) sip.Header }) bool {
	ct := m.GetHeader("Content-Type")
	if ct == nil {
		return false
	}
	v, _, _ := strings.Cut(ct.Value(), ";")
	return strings.EqualFold(strings.TrimSpace(v), "application/sdp")
}

// answerSDP renders our SDP for ans with the next o= version.
func (c *call) answerSDP(ans sdp.Answer) ([]byte, error) {
	c.mu.Lock()
	if c.sessionID == 0 {
		c.sessionID = uint64(time.Now().UnixNano()) & (1<<62 - 1)
	} else {
		c.version++
	}
	id, v := c.sessionID, c.version
	c.mu.Unlock()
	return sdp.BuildAnswer(ans, c.local, id, v)
}

// reinvite handles a re-INVITE: hold, unhold or a new media address.
func (c *call) reinvite(req *sip.Request, tx sip.ServerTransaction) {
	s := c.s
	if err := c.dlg.ReadRequest(req, tx); err != nil {
		s.respond(req, tx, 500, "Server Internal Error", nil, sip.NewHeader("Retry-After", "1"))
		return
	}
	c.mu.Lock()
	codec, ml, curRemote := c.codec, c.ml, c.info.Remote
	c.mu.Unlock()
	if ml == nil {
		s.respond(req, tx, 491, "Request Pending", nil)
		return
	}
	var ans sdp.Answer
	if len(req.Body()) == 0 {
		// Offerless re-INVITE (session refresh): offer what we use.
		ans = sdp.Answer{Codec: codec, Format: sdp.Format{PayloadType: codec.PayloadType, Name: codec.Name, ClockRate: codec.ClockRate, Channels: codec.Channels}, Direction: sdp.SendRecv, Ptime: 20}
	} else {
		offer, ok := s.readOffer(req, tx, c.log)
		if !ok {
			return
		}
		// The codec cannot change mid-call: keep ours if it is offered.
		var err error
		ans, err = sdp.Negotiate(offer, []string{codec.Name})
		if err != nil {
			c.log.Info("sip: re-INVITE not acceptable", "err", err)
			s.respond(req, tx, 488, "Not Acceptable Here", nil, s.warning(err.Error()))
			return
		}
		if ans.Remote.Addr().IsValid() && !ans.Remote.Addr().IsUnspecified() && ans.Remote.String() != curRemote {
			ml.SetRemote(ans.Remote)
			c.mu.Lock()
			c.info.Remote = ans.Remote.String()
			c.mu.Unlock()
		}
		ml.SetDirection(string(ans.Direction))
		c.log.Info("sip: re-INVITE", "direction", ans.Direction, "remote", ans.Remote)
	}
	body, err := c.answerSDP(ans)
	if err != nil {
		s.respond(req, tx, 500, "Server Internal Error", nil)
		return
	}
	res := sip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(c.s.dialogUAFor(req.Transport()).ContactHDR.Clone())
	if err := tx.Respond(res); err != nil {
		c.log.Debug("sip: re-INVITE respond", "err", err)
	}
}

// leg is the media.Leg of a call: the media leg, with Hangup sending BYE.
type leg struct{ c *call }

var _ media.Leg = (*leg)(nil)

func (l *leg) Info() media.LegInfo {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	return l.c.info
}
func (l *leg) Attach(r media.Receiver)                    { l.c.ml.Attach(r) }
func (l *leg) WriteFrame(f media.Frame) error             { return l.c.ml.WriteFrame(f) }
func (l *leg) Flush() time.Duration                       { return l.c.ml.Flush() }
func (l *leg) SendDTMF(digit rune, d time.Duration) error { return l.c.ml.SendDTMF(digit, d) }
func (l *leg) Done() <-chan struct{}                      { return l.c.done }

func (l *leg) Err() error {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	return l.c.err
}

// Hangup sends BYE and waits until the call's media is released.
func (l *leg) Hangup(ctx context.Context) error {
	err := l.c.bye(ctx)
	l.c.cancel()
	select {
	case <-l.c.released:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("sip: hangup: %w", err)
	}
	return nil
}
