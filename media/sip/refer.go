package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-voice/switchboard/media"
)

// referTimeout bounds a transfer we perform for a received REFER.
const referTimeout = 60 * time.Second

// onRefer handles a REFER in a dialog (blind transfer, RFC 3515): 202,
// then NOTIFYs with sipfrag progress while the transfer is attempted.
func (s *Server) onRefer(req *sip.Request, tx sip.ServerTransaction) {
	c := s.findCall(req)
	if c == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	h := req.GetHeader("Refer-To")
	if h == nil {
		s.respond(req, tx, 400, "Bad Request", nil, s.warning("missing Refer-To"))
		return
	}
	target := referTarget(h.Value())
	if target == "" {
		s.respond(req, tx, 400, "Bad Request", nil, s.warning("bad Refer-To"))
		return
	}
	if s.cfg.OnRefer == nil && s.cfg.Trunk == nil {
		s.respond(req, tx, 603, "Decline", nil, s.warning("no trunk to transfer to"))
		return
	}
	if err := c.dlg.ReadRequest(req, tx); err != nil {
		s.respond(req, tx, 500, "Server Internal Error", nil)
		return
	}
	select {
	case <-c.ctx.Done():
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	default:
	}
	c.wg.Add(1)
	s.respond(req, tx, 202, "Accepted", nil)
	c.log.Info("sip: REFER", "target", target)
	go func() {
		defer c.wg.Done()
		c.transferFor(target)
	}()
}

// transferFor performs a transfer asked by the far end and reports its
// progress with NOTIFYs.
func (c *call) transferFor(target string) {
	ctx, cancel := context.WithTimeout(c.ctx, referTimeout)
	defer cancel()
	c.sendNotify(ctx, 100, "Trying", false)
	var err error
	if fn := c.s.cfg.OnRefer; fn != nil {
		err = fn(ctx, c.leg, target)
	} else {
		app := c.app
		if a, ok := c.s.router.Route(c.info.To, userOfTarget(target)); ok {
			app = a
		}
		// The new call goes through the trunk to the target's user part.
		_, _, err = c.s.dial(ctx, userOfTarget(target), app)
	}
	code, reason := 200, "OK"
	if err != nil {
		c.log.Info("sip: transfer failed", "target", target, "err", err)
		code, reason = 503, "Service Unavailable"
		var re *ResponseError
		var se interface{ StatusCode() int }
		if errors.As(err, &re) {
			code, reason = re.Code, re.Reason
		} else if errors.As(err, &se) {
			code = se.StatusCode()
		} else if n := statusIn(err); n >= 300 {
			code, reason = n, "Failed"
		}
	}
	c.sendNotify(context.WithoutCancel(ctx), code, reason, true)
}

// statusIn finds a SIP status code in a "...: 486 Busy Here" error.
func statusIn(err error) int {
	msg := err.Error()
	for _, f := range strings.Fields(msg) {
		if n, e := strconv.Atoi(f); e == nil && n >= 300 && n < 700 {
			return n
		}
	}
	return 0
}

// sendNotify sends a refer NOTIFY with a sipfrag body.
func (c *call) sendNotify(ctx context.Context, code int, reason string, final bool) {
	req := sip.NewRequest(sip.NOTIFY, c.remote)
	req.AppendHeader(sip.NewHeader("Event", "refer"))
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(sip.NewHeader("Subscription-State", state))
	req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.SetBody([]byte(fmt.Sprintf("SIP/2.0 %d %s\r\n", code, reason)))
	ctx, cancel := context.WithTimeout(ctx, byeTimeout)
	defer cancel()
	res, err := c.dlg.Do(ctx, req)
	if err != nil {
		c.log.Debug("sip: NOTIFY", "err", err)
		return
	}
	if !res.IsSuccess() {
		c.log.Debug("sip: NOTIFY rejected", "code", res.StatusCode)
	}
}

// onNotify takes the NOTIFYs of a REFER we sent.
func (s *Server) onNotify(req *sip.Request, tx sip.ServerTransaction) {
	c := s.findCall(req)
	if c == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	if ev := req.GetHeader("Event"); ev == nil || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ev.Value())), "refer") {
		s.respond(req, tx, 489, "Bad Event", nil)
		return
	}
	s.respond(req, tx, 200, "OK", nil)
	code := sipfragStatus(req.Body())
	if code == 0 {
		if st := req.GetHeader("Subscription-State"); st != nil && strings.HasPrefix(st.Value(), "terminated") {
			code = 487
		} else {
			return
		}
	}
	select {
	case c.notify <- code:
	default:
	}
}

// sipfragStatus reads the status code of a "SIP/2.0 200 OK" sipfrag.
func sipfragStatus(b []byte) int {
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "SIP/") {
		return 0
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 100 || n > 699 {
		return 0
	}
	return n
}

// Transfer blind-transfers the far end of leg to target (a number at the
// trunk or a sip: URI) with REFER, and follows the NOTIFYs. When the far
// end reports that target answered, Transfer hangs the leg up and returns
// nil; otherwise the error wraps ErrTransferFailed and the leg stays up.
func (s *Server) Transfer(ctx context.Context, l media.Leg, target string) error {
	// Decorators (a recording) wrap the leg: transfer the leg itself.
	for {
		u, ok := l.(interface{ Unwrap() media.Leg })
		if !ok {
			break
		}
		l = u.Unwrap()
	}
	sl, ok := l.(*leg)
	if !ok || sl.c.s != s {
		return ErrUnknownLeg
	}
	c := sl.c
	uri := target
	if !strings.HasPrefix(target, "sip:") && !strings.HasPrefix(target, "sips:") {
		if s.cfg.Trunk == nil {
			u := sip.Uri{Scheme: "sip", User: target, Host: c.remote.Host, Port: c.remote.Port}
			uri = u.String()
		} else {
			u, err := s.targetURI(target)
			if err != nil {
				return err
			}
			uri = u.String()
		}
	}
	// Drain stale progress from an earlier transfer.
	for len(c.notify) > 0 {
		<-c.notify
	}
	req := sip.NewRequest(sip.REFER, c.remote)
	req.AppendHeader(sip.NewHeader("Refer-To", "<"+uri+">"))
	req.AppendHeader(sip.NewHeader("Referred-By", "<"+s.dialogUAFor("udp").ContactHDR.Address.String()+">"))
	res, err := c.dlg.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("%w: REFER: %w", ErrTransferFailed, err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("%w: REFER: %d %s", ErrTransferFailed, res.StatusCode, res.Reason)
	}
	for {
		select {
		case code := <-c.notify:
			if code < 200 {
				continue
			}
			if code >= 300 {
				return fmt.Errorf("%w: target answered %d", ErrTransferFailed, code)
			}
			c.log.Info("sip: transferred", "target", uri)
			return l.Hangup(ctx)
		case <-c.done:
			// The far end hung up: RFC 5589 allows BYE before the final
			// NOTIFY once the REFER is accepted.
			return nil
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrTransferFailed, ctx.Err())
		}
	}
}

// referTarget extracts the URI of a Refer-To value.
func referTarget(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
		return ""
	}
	v, _, _ = strings.Cut(v, ";")
	return strings.TrimSpace(v)
}

// userOfTarget returns the user part of a sip: URI, or the target itself.
func userOfTarget(target string) string {
	var u sip.Uri
	if err := sip.ParseUri(target, &u); err == nil && u.User != "" {
		return u.User
	}
	return target
}
