package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/sdp"
)

// Call places a call to "to" (a number or user at the trunk, or a full
// sip: URI) through the trunk, answering digest challenges (401/407),
// and runs app on the leg. It returns when the call has ended, with the
// application's error; canceling ctx cancels the call (CANCEL while it
// rings, BYE once answered).
func (s *Server) Call(ctx context.Context, to string, app media.Application) error {
	return untilEnd(ctx)(s.dial(ctx, to, app))
}

// untilEnd returns a function that waits for a call set up by dial or
// ringUser to end (canceling ctx hangs it up) and returns the
// application's error, or the setup's error.
func untilEnd(ctx context.Context) func(*call, <-chan error, error) error {
	return func(c *call, appErr <-chan error, err error) error {
		if err != nil {
			return err
		}
		stop := context.AfterFunc(ctx, c.cancel)
		defer stop()
		<-c.released
		return <-appErr
	}
}

// dial sets up an outbound call and starts app on it; it returns once the
// call is answered. The application's result arrives on the channel.
func (s *Server) dial(ctx context.Context, to string, app media.Application) (*call, <-chan error, error) {
	t := s.cfg.Trunk
	if t == nil {
		return nil, nil, ErrNoTrunk
	}
	serveCtx := s.context()
	if serveCtx == nil {
		return nil, nil, ErrNotServing
	}
	recipient, err := s.targetURI(to)
	if err != nil {
		return nil, nil, err
	}
	om, err := s.reserveOutbound(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer om.abort()
	transport := strings.ToLower(t.Transport)
	dlgUA := s.dialogUAFor(transport)
	user := t.Username
	if user == "" {
		user = "switchboard"
	}
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: t.Realm}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	toHdr := &sip.ToHeader{Address: recipient}
	uac, err := dlgUA.Invite(ctx, recipient, om.offer,
		from, toHdr,
		sip.NewHeader("Content-Type", "application/sdp"),
		sip.NewHeader("Allow", allow),
		sip.NewHeader("User-Agent", s.cfg.UserAgent),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("sip: INVITE %s: %w", recipient.String(), err)
	}
	log := s.log.With("call_id", uac.InviteRequest.CallID().Value())
	err = uac.WaitAnswer(ctx, sipgo.AnswerOptions{Username: t.Username, Password: t.Password})
	if err != nil {
		uac.Close()
		var rej *sipgo.ErrDialogResponse
		if errors.As(err, &rej) {
			return nil, nil, responseError(recipient.String(), rej.Res)
		}
		return nil, nil, fmt.Errorf("sip: INVITE %s: %w", recipient.String(), err)
	}
	info := media.LegInfo{ID: uac.InviteRequest.CallID().Value(), Kind: "sip", From: user, To: to}
	c, appErr, err := s.establish(serveCtx, om, uac, app, info, log)
	if err != nil {
		return nil, nil, err
	}
	log.Info("sip: outbound call answered", "to", to, "codec", c.leg.Info().Codec)
	return c, appErr, nil
}

// outboundMedia is what a call we place holds before its INVITE: a call
// slot (MaxCalls), an RTP endpoint and the SDP offer.
type outboundMedia struct {
	s         *Server
	ep        Endpoint
	local     netip.AddrPort
	sessionID uint64
	offer     []byte
	taken     bool // a call owns the slot and endpoint
}

// reserveOutbound reserves a call slot and an RTP endpoint and builds the
// offer; abort releases them unless a call took them over.
func (s *Server) reserveOutbound(ctx context.Context) (*outboundMedia, error) {
	if err := s.reserve(); err != nil {
		return nil, err
	}
	ep, err := s.media.Open(ctx)
	if err != nil {
		s.release()
		return nil, fmt.Errorf("sip: media open: %w", err)
	}
	om := &outboundMedia{s: s, ep: ep, local: netip.AddrPortFrom(s.ip, ep.LocalAddr().Port())}
	om.sessionID = uint64(time.Now().UnixNano()) & (1<<62 - 1)
	om.offer, err = sdp.Build(sdp.Params{Addr: om.local.Addr(), Port: int(om.local.Port()), Formats: sdp.OfferFormats(s.cfg.Codecs), SessionID: om.sessionID})
	if err != nil {
		om.abort()
		return nil, err
	}
	return om, nil
}

func (om *outboundMedia) abort() {
	if !om.taken {
		om.taken = true
		om.ep.Close()
		om.s.release()
	}
}

// establish turns an INVITE the far end answered into a call: it sends
// the ACK, negotiates the answer, starts media and runs app. On failure it
// hangs up (BYE) and leaves om to the caller's abort.
func (s *Server) establish(serveCtx context.Context, om *outboundMedia, uac *sipgo.DialogClientSession, app media.Application, info media.LegInfo, log *slog.Logger) (*call, <-chan error, error) {
	c := s.newCall(serveCtx, uac.ID, uac)
	c.log, c.ep, c.local, c.sessionID, c.info = log, om.ep, om.local, om.sessionID, info
	if ct := uac.InviteResponse.Contact(); ct != nil {
		c.remote = ct.Address
	}
	fail := func(err error) (*call, <-chan error, error) {
		bctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		defer cancel()
		_ = uac.Bye(bctx)
		return nil, nil, err
	}
	if err := uac.Ack(context.Background()); err != nil {
		return fail(fmt.Errorf("sip: ACK: %w", err))
	}
	answer, err := sdp.Parse(uac.InviteResponse.Body())
	if err != nil {
		return fail(fmt.Errorf("sip: answer: %w", err))
	}
	// The answer lists the chosen codec first; Negotiate reads it back.
	ans, err := sdp.Negotiate(answer, s.cfg.Codecs)
	if err != nil {
		return fail(fmt.Errorf("sip: answer: %w", err))
	}
	ans.Direction = answer.Direction.Reverse()
	if answer.Hold() && ans.Direction == sdp.SendRecv {
		ans.Direction = sdp.RecvOnly
	}
	if !s.track() {
		return fail(ErrNotServing)
	}
	s.addCall(c)
	appErr := make(chan error, 1)
	c.app = media.ApplicationFunc(func(ctx context.Context, l media.Leg) error {
		err := app.Serve(ctx, l)
		appErr <- err
		return err
	})
	if err := c.start(ans.Remote, ans); err != nil {
		s.wg.Done()
		s.removeCall(c)
		return fail(fmt.Errorf("sip: media start: %w", err))
	}
	om.taken = true
	return c, appErr, nil
}

// targetURI makes the Request-URI for to: a sip: URI as is, else to at
// the trunk.
func (s *Server) targetURI(to string) (sip.Uri, error) {
	var u sip.Uri
	to = strings.TrimSpace(strings.Trim(strings.TrimSpace(to), "<>"))
	if strings.HasPrefix(to, "sip:") || strings.HasPrefix(to, "sips:") {
		if err := sip.ParseUri(to, &u); err != nil {
			return u, fmt.Errorf("sip: target %q: %w", to, err)
		}
		return u, nil
	}
	if to == "" {
		return u, errors.New("sip: empty target")
	}
	t := s.cfg.Trunk
	host, port := t.Host, 0
	if h, p, err := sip.ParseAddr(t.Host); err == nil && p > 0 {
		host, port = h, p
	}
	u = sip.Uri{Scheme: "sip", User: to, Host: host, Port: port}
	if tr := strings.ToLower(t.Transport); tr != "udp" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", tr)
	}
	return u, nil
}

// registerLoop keeps us registered to the trunk until ctx is done, then
// unregisters.
func (s *Server) registerLoop(ctx context.Context) {
	t := s.cfg.Trunk
	log := s.log.With("trunk", t.Host)
	registered := false
	for {
		expires, err := s.register(ctx, t.RegisterExpiry)
		wait := 30 * time.Second
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			log.Warn("sip: REGISTER failed", "err", err)
			registered = false
			if t.RegisterExpiry < 2*wait {
				wait = t.RegisterExpiry / 2
			}
		} else {
			if !registered {
				log.Info("sip: registered", "expires", expires)
			}
			registered = true
			// Refresh at 80% of the granted lifetime.
			wait = expires * 8 / 10
		}
		wait = max(wait, 500*time.Millisecond)
		tm := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
		case <-tm.C:
			continue
		}
		break
	}
	if registered {
		uctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := s.register(uctx, 0); err != nil {
			log.Debug("sip: unregister", "err", err)
		}
	}
}

// register sends one REGISTER (expiry 0 unregisters) and returns the
// lifetime the registrar granted.
func (s *Server) register(ctx context.Context, expiry time.Duration) (time.Duration, error) {
	t := s.cfg.Trunk
	transport := strings.ToLower(t.Transport)
	user := t.Username
	if user == "" {
		user = "switchboard"
	}
	aor := sip.Uri{Scheme: "sip", User: user, Host: t.Realm}
	host, port := t.Host, 0
	if h, p, err := sip.ParseAddr(t.Host); err == nil && p > 0 {
		host, port = h, p
	}
	recipient := sip.Uri{Scheme: "sip", Host: host, Port: port}
	if transport != "udp" {
		recipient.UriParams = sip.NewParams()
		recipient.UriParams.Add("transport", transport)
	}
	req := sip.NewRequest(sip.REGISTER, recipient)
	req.SetTransport(strings.ToUpper(transport))
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor})
	req.AppendHeader(s.dialogUAFor(transport).ContactHDR.Clone())
	exp := sip.ExpiresHeader(uint32(expiry / time.Second))
	req.AppendHeader(&exp)
	req.AppendHeader(sip.NewHeader("User-Agent", s.cfg.UserAgent))
	req.SetBody(nil)

	res, err := s.client.Do(ctx, req)
	if err != nil {
		return 0, err
	}
	if (res.StatusCode == 401 || res.StatusCode == 407) && t.Password != "" {
		res, err = s.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: t.Username, Password: t.Password})
		if err != nil {
			return 0, err
		}
	}
	if !res.IsSuccess() {
		return 0, fmt.Errorf("%w: REGISTER: %d %s", ErrRejected, res.StatusCode, res.Reason)
	}
	granted := expiry
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil {
			granted = time.Duration(n) * time.Second
		}
	}
	if ct := res.Contact(); ct != nil {
		if v, ok := ct.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				granted = time.Duration(n) * time.Second
			}
		}
	}
	if granted <= 0 {
		granted = expiry
	}
	return granted, nil
}
