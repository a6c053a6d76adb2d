package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-voice/switchboard/media"
)

// This file calls SIP phones registered to the server: DialUser and
// CallUser ring every contact of a user at once and keep the first that
// answers.

// CallOption configures DialUser and CallUser.
type CallOption func(*callOptions)

type callOptions struct {
	ringTimeout time.Duration
	callerUser  string
	callerName  string
	headers     []sip.Header
	onRinging   func(Binding)
}

// WithRingTimeout sets how long the phones ring before the call gives up
// with ErrNoAnswer and CANCEL (default, and for d <= 0,
// RegistrarConfig.RingTimeout).
func WithRingTimeout(d time.Duration) CallOption {
	return func(o *callOptions) {
		if d > 0 {
			o.ringTimeout = d
		}
	}
}

// WithCallerID sets who the phone shows as calling: the user part of the
// From URI (a number, say) and a display name; either may be empty. They
// often come from the caller's own INVITE, so characters that could break
// the header are escaped (user) or dropped (name).
func WithCallerID(user, displayName string) CallOption {
	return func(o *callOptions) {
		if user != "" {
			o.callerUser = escapeUser(user)
		}
		o.callerName = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
				return -1
			}
			return r
		}, displayName)
	}
}

// WithHeader adds a header to the INVITE: an X-Switchboard-Session for
// the agent desktop, or Call-Info "<sip:host>;answer-after=0" to ask a
// phone to answer by itself. Line breaks and other control characters in
// value are dropped.
func WithHeader(name, value string) CallOption {
	return func(o *callOptions) {
		if !isToken(name) {
			return
		}
		value = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' || r == 0x7f {
				return -1
			}
			return r
		}, value)
		o.headers = append(o.headers, sip.NewHeader(name, value))
	}
}

// escapeUser percent-encodes what may not stand in the user part of a SIP
// URI (RFC 3261 section 25.1: unreserved, user-unreserved and escaped).
func escapeUser(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()&=+$,;?/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// WithRinging has fn called when a phone starts ringing (its first 180
// or 183), from the goroutine ringing that contact.
func WithRinging(fn func(Binding)) CallOption {
	return func(o *callOptions) { o.onRinging = fn }
}

// Bindings returns the contacts user has registered, most preferred
// first; nil when the user has none or the registrar is off.
func (s *Server) Bindings(user string) []Binding {
	if s.reg == nil {
		return nil
	}
	return s.reg.loc.bindings(user)
}

// Registered returns the users with at least one registered contact,
// sorted.
func (s *Server) Registered() []string {
	if s.reg == nil {
		return nil
	}
	return s.reg.loc.users()
}

// Unregister removes every contact of user (an agent disabled, a password
// changed) with BindingRemoved events, and returns how many there were.
// The phone's next REGISTER is authenticated anew.
func (s *Server) Unregister(user string) int {
	if s.reg == nil {
		return 0
	}
	return s.reg.loc.remove(user, BindingRemoved)
}

// DialUser rings every registered contact of user at once and returns
// the leg of the first to answer; the others get CANCEL (or BYE when they
// answered too). ctx bounds the ringing only: once answered, the leg
// lives until leg.Hangup, the phone hangs up, or Serve returns. Errors:
// ErrNotRegistered (no contact), ErrBusy (486, 600), ErrDeclined (603),
// ErrNoAnswer (the ring time passed and CANCEL was sent, or 408/480),
// ErrUnreachable (no contact could be reached), ErrCapacity,
// ErrNotServing, ErrNoRegistrar, or ctx's error after CANCEL. A
// *ResponseError carries the status of a rejection.
func (s *Server) DialUser(ctx context.Context, user string, opts ...CallOption) (media.Leg, error) {
	hold := media.ApplicationFunc(func(ctx context.Context, l media.Leg) error {
		select {
		case <-ctx.Done():
		case <-l.Done():
		}
		return nil
	})
	c, _, err := s.ringUser(ctx, user, hold, opts)
	if err != nil {
		return nil, err
	}
	return c.leg, nil
}

// CallUser rings user like DialUser and runs app on the call once
// answered; it returns when the call has ended, with the application's
// error. Canceling ctx cancels the call (CANCEL while ringing, BYE once
// answered).
func (s *Server) CallUser(ctx context.Context, user string, app media.Application, opts ...CallOption) error {
	return untilEnd(ctx)(s.ringUser(ctx, user, app, opts))
}

// errRingTimeout is the cause of the ringing's context when the ring time
// passed.
var errRingTimeout = errors.New("ring timeout")

// branch is the outcome of ringing one contact.
type branch struct {
	b   binding
	uac *sipgo.DialogClientSession // the answered dialog, for the winner
	err error
}

// ringUser forks an INVITE to every contact of user and sets up the call
// with the first that answers.
func (s *Server) ringUser(ctx context.Context, user string, app media.Application, opts []CallOption) (*call, <-chan error, error) {
	if s.reg == nil {
		return nil, nil, ErrNoRegistrar
	}
	o := callOptions{ringTimeout: s.reg.cfg.RingTimeout, callerUser: "switchboard"}
	for _, opt := range opts {
		opt(&o)
	}
	serveCtx := s.context()
	if serveCtx == nil {
		return nil, nil, ErrNotServing
	}
	contacts := s.reg.loc.lookup(user)
	if len(contacts) == 0 {
		return nil, nil, fmt.Errorf("%w: %s", ErrNotRegistered, user)
	}
	om, err := s.reserveOutbound(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer om.abort()
	ringCtx, cancelRing := context.WithTimeoutCause(ctx, o.ringTimeout, errRingTimeout)
	defer cancelRing()
	stopDrain := context.AfterFunc(serveCtx, cancelRing) // Serve returning stops the ringing
	defer stopDrain()

	// Exactly one party claims the outcome: the first branch answered, or
	// this function giving up. Branches answered after it hang up.
	var claimed atomic.Bool
	results := make(chan branch, len(contacts))
	started := 0
	for _, b := range contacts {
		if !s.track() {
			break
		}
		started++
		go func() {
			defer s.wg.Done()
			results <- s.ringContact(ringCtx, b, user, om.offer, &o, &claimed)
		}()
	}
	if started == 0 {
		return nil, nil, ErrNotServing
	}
	var failed []branch
	for range started {
		var r branch
		select {
		case r = <-results:
		case <-ringCtx.Done():
			if claimed.CompareAndSwap(false, true) {
				switch {
				case errors.Is(context.Cause(ringCtx), errRingTimeout):
					s.log.Info("sip: no answer", "user", user, "ring_timeout", o.ringTimeout)
					return nil, nil, fmt.Errorf("%w: %s did not answer in %v", ErrNoAnswer, user, o.ringTimeout)
				case ctx.Err() != nil:
					return nil, nil, fmt.Errorf("sip: calling %s: %w", user, ctx.Err())
				default:
					return nil, nil, ErrNotServing
				}
			}
			// A branch claimed the call just now: its result is coming.
			for r = range results {
				if r.uac != nil {
					break
				}
			}
		}
		if r.uac == nil {
			failed = append(failed, r)
			continue
		}
		cancelRing() // CANCEL the other phones
		log := s.log.With("call_id", r.uac.InviteRequest.CallID().Value())
		info := media.LegInfo{ID: r.uac.InviteRequest.CallID().Value(), Kind: "sip", From: o.callerUser, To: user}
		c, appErr, err := s.establish(serveCtx, om, r.uac, app, info, log)
		if err != nil {
			return nil, nil, err
		}
		log.Info("sip: phone answered", "user", user, "contact", r.b.Contact, "codec", c.leg.Info().Codec)
		return c, appErr, nil
	}
	return nil, nil, fmt.Errorf("sip: calling %s: %w", user, worstFailure(failed))
}

// ringContact sends the INVITE to one contact and waits for the answer.
// An answer it may not claim (another phone answered first, or the ring
// time passed) is hung up at once.
func (s *Server) ringContact(ctx context.Context, b binding, user string, offer []byte, o *callOptions, claimed *atomic.Bool) branch {
	log := s.log.With("user", user, "contact", b.Contact)
	req := s.phoneInvite(b, user, offer, o)
	dlgUA := s.phoneUA[b.Transport]
	if dlgUA == nil {
		return branch{b: b, err: fmt.Errorf("%w: %s: no %s listener", ErrUnreachable, b.Contact, b.Transport)}
	}
	uac, err := dlgUA.WriteInvite(ctx, req)
	if err != nil {
		log.Info("sip: INVITE to phone failed", "err", err)
		return branch{b: b, err: fmt.Errorf("%w: %s: %w", ErrUnreachable, b.Contact, err)}
	}
	// Giving up: CANCEL once the phone has sent a provisional response;
	// before that RFC 3261 section 9.1 allows no CANCEL (the phone may be
	// gone), so stop waiting at once (a late answer reaches
	// onStrayResponse).
	var provisional atomic.Bool
	waitCtx, cancelWait := context.WithCancelCause(context.Background())
	defer cancelWait(nil)
	stop := context.AfterFunc(ctx, func() {
		if provisional.Load() {
			cancelWait(context.Canceled)
		} else {
			cancelWait(sipgo.WaitAnswerForceCancelErr)
		}
	})
	defer stop()
	var ringing sync.Once
	err = uac.WaitAnswer(waitCtx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
		if res.IsProvisional() {
			provisional.Store(true)
		}
		if (res.StatusCode == 180 || res.StatusCode == 183) && o.onRinging != nil {
			ringing.Do(func() { o.onRinging(b.Binding) })
		}
		return nil
	}})
	if err == nil {
		if claimed.CompareAndSwap(false, true) {
			return branch{b: b, uac: uac}
		}
		s.hangUpStray(uac.InviteResponse)
		uac.Close()
		return branch{b: b, err: errors.New("answered after another phone")}
	}
	if res := uac.InviteResponse; res != nil && res.IsSuccess() {
		// The phone answered as the CANCEL went out (a later 2xx reaches
		// onStrayResponse).
		s.hangUpStray(res)
	}
	uac.Close()
	var rej *sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &rej):
		log.Info("sip: phone rejected the call", "code", rej.Res.StatusCode, "reason", rej.Res.Reason)
		return branch{b: b, err: responseError(b.Contact, rej.Res)}
	case ctx.Err() != nil:
		return branch{b: b, err: ctx.Err()}
	default:
		log.Info("sip: phone did not answer the INVITE", "err", err)
		return branch{b: b, err: fmt.Errorf("%w: %s: %w", ErrUnreachable, b.Contact, err)}
	}
}

// phoneInvite builds the INVITE to a registered contact. It is sent to
// where the contact's REGISTER came from, over the same transport: for
// UDP from our listening socket (the NAT mapping the phone opened), for
// TCP and TLS over the phone's connection while it is open (else to the
// Contact itself).
func (s *Server) phoneInvite(b binding, user string, offer []byte, o *callOptions) *sip.Request {
	req := sip.NewRequest(sip.INVITE, b.uri)
	req.SetTransport(strings.ToUpper(b.Transport))
	if b.Source.IsValid() {
		src := b.Source.String()
		switch b.Transport {
		case "udp":
			req.SetDestination(src)
			if ap, ok := s.addrs["udp"]; ok {
				req.Laddr = sip.Addr{IP: net.IP(ap.Addr().AsSlice()), Port: int(ap.Port()), Hostname: ap.Addr().String()}
			}
		default:
			if conn, err := s.ua.TransportLayer().GetConnection(b.Transport, src); err == nil {
				conn.TryClose() // GetConnection took a reference
				req.SetDestination(src)
			}
		}
	}
	domain := s.reg.cfg.Domain
	from := &sip.FromHeader{DisplayName: o.callerName, Address: sip.Uri{Scheme: "sip", User: o.callerUser, Host: domain}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: domain}})
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(sip.NewHeader("Allow", allow))
	req.AppendHeader(sip.NewHeader("User-Agent", s.cfg.UserAgent))
	for _, h := range o.headers {
		req.AppendHeader(sip.HeaderClone(h))
	}
	req.SetBody(offer)
	return req
}

// worstFailure picks the error that best describes why every contact
// failed, after RFC 3261 section 16.7 step 6: a 6xx (the user declined
// everywhere), then busy, then another rejection, then unreachable.
func worstFailure(failed []branch) error {
	rank := func(err error) int {
		var re *ResponseError
		switch {
		case errors.As(err, &re) && re.Code >= 600:
			return 0
		case errors.Is(err, ErrBusy):
			return 1
		case errors.As(err, &re):
			return 2
		default:
			return 3
		}
	}
	var best error
	for _, f := range failed {
		if best == nil || rank(f.err) < rank(best) {
			best = f.err
		}
	}
	if best == nil {
		best = ErrUnreachable
	}
	return best
}
