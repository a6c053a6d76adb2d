package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-voice/switchboard/media"
)

// Media is the RTP side, implemented elsewhere (media/rtpio); the server
// asks it for an endpoint per call.
type Media interface {
	// Open reserves a local RTP port for a call.
	Open(ctx context.Context) (Endpoint, error)
}

// Endpoint is one call's RTP port.
type Endpoint interface {
	LocalAddr() netip.AddrPort
	// Start begins media with the negotiated remote address and codec; it
	// returns the call's Leg (audio, DTMF, stats).
	Start(remote netip.AddrPort, codec media.CodecInfo, dtmfPT uint8, info media.LegInfo, hangup func(ctx context.Context) error) (MediaLeg, error)
	// Close releases the port if Start was never called.
	Close() error
}

// MediaLeg is the media side of a Leg; the server wraps it into a
// media.Leg whose Hangup sends BYE.
type MediaLeg interface {
	media.Leg
	// SetRemote changes the far end's address (re-INVITE).
	SetRemote(remote netip.AddrPort)
	// SetDirection applies hold/unhold: "sendrecv", "sendonly",
	// "recvonly", "inactive".
	SetDirection(dir string)
}

// Router is the dialplan.
type Router interface {
	// Route returns the application for a call from -> to; false means
	// no route (404).
	Route(from, to string) (media.Application, bool)
}

// RouterFunc adapts a function to a Router.
type RouterFunc func(from, to string) (media.Application, bool)

// Route calls fn(from, to).
func (fn RouterFunc) Route(from, to string) (media.Application, bool) { return fn(from, to) }

// allow lists the methods we handle in calls, for Allow headers.
const allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY"

// allowed lists every method the server handles: allow, and REGISTER
// when the registrar is on.
func (s *Server) allowed() string {
	if s.reg != nil {
		return allow + ", REGISTER"
	}
	return allow
}

// Option configures NewServer.
type Option func(*options)

type options struct {
	creds   Credentials
	onEvent func(RegistrationEvent)
}

// WithCredentials gives the registrar (Config.Registrar) the users'
// passwords; it is required when the registrar is enabled.
func WithCredentials(c Credentials) Option { return func(o *options) { o.creds = c } }

// WithRegistrationHandler has fn called for every change of the
// registered contacts: a phone registering, unregistering or expiring,
// and every binding when the server stops. Calls come in order from one
// goroutine the server owns (fn may call the server's methods, but should
// not block for long: later events wait); Serve returns after the last.
func WithRegistrationHandler(fn func(RegistrationEvent)) Option {
	return func(o *options) { o.onEvent = fn }
}

// byeTimeout bounds the BYE of a call ending on our side.
const byeTimeout = 5 * time.Second

// Server is a SIP user agent that answers calls routed by the dialplan,
// places calls through the trunk and keeps registered to it.
type Server struct {
	cfg    Config
	media  Media
	router Router
	log    *slog.Logger
	ip     netip.Addr

	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client // for the trunk
	plain  *sipgo.Client
	// dialogUA per transport ("udp", "tcp", "tls"), with our Contact.
	dialogUA map[string]*sipgo.DialogUA
	// phoneUA per transport, for calls to registered phones: in-dialog
	// requests go to where the phone's responses came from (NAT).
	phoneUA map[string]*sipgo.DialogUA
	reg     *registrar // nil without a registrar

	udp   []net.PacketConn
	tcp   []net.Listener // tcp and tls
	addrs map[string]netip.AddrPort

	strays strayAnswers

	mu       sync.Mutex
	calls    map[string]*call // by dialog ID
	active   int              // calls counted against MaxCalls
	serveCtx context.Context  // nil until Serve, Done when draining
	closed   bool

	wg sync.WaitGroup // call goroutines
}

// NewServer binds the listeners of cfg and returns a server; Serve runs
// it. With cfg.Registrar enabled it needs WithCredentials.
func NewServer(cfg Config, m Media, router Router, log *slog.Logger, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if m == nil || router == nil {
		return nil, errors.New("sip: media and router are required")
	}
	if log == nil {
		log = slog.Default()
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg = cfg.withDefaults()
	if cfg.Registrar != nil && cfg.Registrar.Enabled && o.creds == nil {
		return nil, errors.New("sip: registrar.enabled needs credentials (WithCredentials)")
	}
	if t, ok := m.(interface{ SetRTPTimeout(time.Duration) }); ok {
		t.SetRTPTimeout(cfg.RTPTimeout)
	}
	s := &Server{
		cfg: cfg, media: m, router: router, log: log,
		calls:    map[string]*call{},
		dialogUA: map[string]*sipgo.DialogUA{},
		phoneUA:  map[string]*sipgo.DialogUA{},
		addrs:    map[string]netip.AddrPort{},
	}
	if cfg.PublicIP != "" {
		s.ip = netip.MustParseAddr(cfg.PublicIP)
	} else {
		s.ip = netip.MustParseAddrPort(cfg.Listen[0].Addr).Addr()
	}
	if err := s.listen(); err != nil {
		s.closeListeners()
		return nil, err
	}

	var err error
	s.ua, err = sipgo.NewUA(
		sipgo.WithUserAgent(cfg.UserAgent),
		sipgo.WithUserAgentHostname(s.ip.String()),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(log),
			sip.WithTransactionLayerUnhandledResponseHandler(s.onStrayResponse)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(log)),
	)
	if err != nil {
		s.closeListeners()
		return nil, fmt.Errorf("sip: user agent: %w", err)
	}
	s.srv, err = sipgo.NewServer(s.ua, sipgo.WithServerLogger(log))
	if err != nil {
		s.close()
		return nil, fmt.Errorf("sip: server: %w", err)
	}
	copts := []sipgo.ClientOption{sipgo.WithClientLogger(log), sipgo.WithClientHostname(s.ip.String())}
	if t := cfg.Trunk; t != nil {
		// Send trunk requests from our listening socket so that responses
		// and in-dialog requests come back to it.
		if ap, ok := s.addrs[strings.ToLower(t.Transport)]; ok && strings.EqualFold(t.Transport, "udp") {
			copts = append(copts, sipgo.WithClientConnectionAddr(ap.String()))
		}
	}
	s.client, err = sipgo.NewClient(s.ua, copts...)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("sip: client: %w", err)
	}
	for tr, ap := range s.addrs {
		contact := sip.ContactHeader{Address: sip.Uri{
			Scheme: "sip", User: "switchboard", Host: s.ip.String(), Port: int(ap.Port()),
		}}
		if tr != "udp" {
			contact.Address.UriParams = sip.NewParams()
			contact.Address.UriParams.Add("transport", tr)
		}
		s.dialogUA[tr] = &sipgo.DialogUA{Client: s.client, ContactHDR: contact}
	}
	// The plain client sends where each request says (no forced local
	// address): calls to phones and the ACK/BYE of stray answers.
	s.plain, err = sipgo.NewClient(s.ua, sipgo.WithClientLogger(log), sipgo.WithClientHostname(s.ip.String()))
	if err != nil {
		s.close()
		return nil, fmt.Errorf("sip: client: %w", err)
	}
	if r := cfg.Registrar; r != nil && r.Enabled {
		for tr, d := range s.dialogUA {
			s.phoneUA[tr] = &sipgo.DialogUA{Client: s.plain, ContactHDR: d.ContactHDR, RewriteContact: true}
		}
		s.reg = newRegistrar(*r, o.creds, o.onEvent, s.ownHosts(), cfg.UserAgent, log)
		s.srv.OnRegister(s.onRegister)
	}
	s.srv.OnInvite(s.onInvite)
	s.srv.OnAck(s.onAck)
	s.srv.OnBye(s.onBye)
	s.srv.OnCancel(s.onCancel)
	s.srv.OnOptions(s.onOptions)
	s.srv.OnRefer(s.onRefer)
	s.srv.OnNotify(s.onNotify)
	s.srv.OnNoRoute(s.onNoRoute)
	return s, nil
}

func (s *Server) listen() error {
	for _, l := range s.cfg.Listen {
		tr := strings.ToLower(l.Transport)
		if _, dup := s.addrs[tr]; dup {
			return fmt.Errorf("sip: listen: more than one %s listener", tr)
		}
		switch tr {
		case "udp":
			c, err := net.ListenPacket("udp", l.Addr)
			if err != nil {
				return fmt.Errorf("sip: listen udp %s: %w", l.Addr, err)
			}
			s.udp = append(s.udp, c)
			s.addrs[tr] = c.LocalAddr().(*net.UDPAddr).AddrPort()
		case "tcp", "tls":
			ln, err := net.Listen("tcp", l.Addr)
			if err != nil {
				return fmt.Errorf("sip: listen %s %s: %w", tr, l.Addr, err)
			}
			s.addrs[tr] = ln.Addr().(*net.TCPAddr).AddrPort()
			if tr == "tls" {
				cert, err := tls.LoadX509KeyPair(l.CertFile, l.KeyFile)
				if err != nil {
					ln.Close()
					return fmt.Errorf("sip: listen tls: %w", err)
				}
				ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
			}
			s.tcp = append(s.tcp, ln)
		}
	}
	return nil
}

// Addr returns the bound address of the transport's listener ("udp",
// "tcp", "tls"), useful with port 0.
func (s *Server) Addr(transport string) (netip.AddrPort, bool) {
	ap, ok := s.addrs[strings.ToLower(transport)]
	return ap, ok
}

// Calls returns the number of calls up or being set up.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Serve serves SIP until ctx is done; then it hangs up every call (BYE),
// unregisters from the trunk, closes the listeners and returns. It
// returns early with an error if a listener fails.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	if s.serveCtx != nil || s.closed {
		s.mu.Unlock()
		return errors.New("sip: Serve called twice")
	}
	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	// Calls are taken from now on: the listeners were bound by NewServer,
	// and responses go back on the transactions' own transports.
	s.serveCtx = serveCtx
	s.mu.Unlock()

	var lwg sync.WaitGroup
	errc := make(chan error, len(s.udp)+len(s.tcp))
	serve := func(f func() error) {
		lwg.Add(1)
		go func() {
			defer lwg.Done()
			if err := f(); err != nil && !errors.Is(err, net.ErrClosed) {
				errc <- err
			}
		}()
	}
	for _, c := range s.udp {
		serve(func() error { return s.srv.ServeUDP(c) })
	}
	for _, ln := range s.tcp {
		if _, ok := ln.(*net.TCPListener); ok {
			serve(func() error { return s.srv.ServeTCP(ln) })
		} else {
			serve(func() error { return s.srv.ServeTLS(ln) })
		}
	}
	// Outbound requests use the listening sockets: wait until the
	// transport layer has them.
	tp := s.ua.TransportLayer()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		ready := true
		for tr := range s.addrs {
			if len(tp.ListenPorts(tr)) == 0 {
				ready = false
			}
		}
		if ready {
			break
		}
	}
	stopRegistrar := s.startRegistrar()
	var rwg sync.WaitGroup
	if t := s.cfg.Trunk; t != nil && t.Register {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			s.registerLoop(serveCtx)
		}()
	}

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("sip: listener: %w", err)
	}
	// Under s.mu, so that no call starts (track) after the Wait below
	// began.
	s.mu.Lock()
	stop() // calls see serveCtx done and hang up
	s.mu.Unlock()
	s.log.Info("sip: draining", "calls", s.Calls())
	s.wg.Wait()
	rwg.Wait()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.close()
	lwg.Wait()
	stopRegistrar()
	return err
}

// ownHosts returns the server's addresses, which phones may register to
// as well as the domain: the public IP and the listeners' IPs (every
// interface's address for a listener on 0.0.0.0 or ::).
func (s *Server) ownHosts() []string {
	hosts := []string{s.ip.String()}
	for _, ap := range s.addrs {
		if !ap.Addr().IsUnspecified() {
			hosts = append(hosts, ap.Addr().String())
			continue
		}
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			s.log.Warn("sip: interface addresses", "err", err)
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				hosts = append(hosts, ipn.IP.String())
			}
		}
	}
	return hosts
}

// startRegistrar starts the registrar's expiry timer and event delivery;
// the function it returns reports every binding closed, delivers the
// last events and waits for both goroutines.
func (s *Server) startRegistrar() (stop func()) {
	if s.reg == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.reg.loc.run(ctx, time.Minute, func() { s.reg.nonces.sweep(s.reg.now()) })
	}()
	go func() {
		defer wg.Done()
		s.reg.loc.events.run(ctx)
	}()
	return func() {
		s.reg.loc.close()
		cancel()
		wg.Wait()
	}
}

// track counts a goroutine of the server (s.wg) unless the server is
// draining; Serve waits for the goroutines it counted.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.serveCtx == nil || s.serveCtx.Err() != nil {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Server) close() {
	s.closeListeners()
	if s.ua != nil {
		s.ua.Close()
	}
}

func (s *Server) closeListeners() {
	for _, c := range s.udp {
		c.Close()
	}
	for _, ln := range s.tcp {
		ln.Close()
	}
}

// context returns the serving context, or nil when not serving.
func (s *Server) context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.serveCtx == nil || s.serveCtx.Err() != nil {
		return nil
	}
	return s.serveCtx
}

// reserve counts a new call against MaxCalls.
func (s *Server) reserve() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.serveCtx == nil || s.serveCtx.Err() != nil {
		return ErrNotServing
	}
	if s.cfg.MaxCalls > 0 && s.active >= s.cfg.MaxCalls {
		return ErrCapacity
	}
	s.active++
	return nil
}

func (s *Server) release() {
	s.mu.Lock()
	s.active--
	s.mu.Unlock()
}

func (s *Server) addCall(c *call) {
	s.mu.Lock()
	s.calls[c.id] = c
	s.mu.Unlock()
}

func (s *Server) removeCall(c *call) {
	s.mu.Lock()
	if s.calls[c.id] == c {
		delete(s.calls, c.id)
	}
	s.mu.Unlock()
}

// hasCall reports whether a call with dialog ID id is up.
func (s *Server) hasCall(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.calls[id]
	return ok
}

// findCall returns the call of an in-dialog request, as UAS or as UAC.
func (s *Server) findCall(req *sip.Request) *call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, err := sip.DialogIDFromRequestUAS(req); err == nil {
		if c, ok := s.calls[id]; ok {
			return c
		}
	}
	if id, err := sip.DialogIDFromRequestUAC(req); err == nil {
		if c, ok := s.calls[id]; ok {
			return c
		}
	}
	return nil
}

func (s *Server) dialogUAFor(transport string) *sipgo.DialogUA {
	if d, ok := s.dialogUA[strings.ToLower(transport)]; ok {
		return d
	}
	for _, tr := range []string{"udp", "tcp", "tls"} {
		if d, ok := s.dialogUA[tr]; ok {
			return d
		}
	}
	return nil
}

// respond sends a response and logs a failure to send it.
func (s *Server) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, body []byte, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	res.AppendHeader(sip.NewHeader("Server", s.cfg.UserAgent))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip: respond", "code", code, "method", req.Method, "err", err)
	}
}

func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	s.respond(req, tx, 200, "OK", nil,
		sip.NewHeader("Allow", s.allowed()),
		sip.NewHeader("Accept", "application/sdp"),
		sip.NewHeader("Supported", "replaces, norefersub"))
}

func (s *Server) onNoRoute(req *sip.Request, tx sip.ServerTransaction) {
	s.respond(req, tx, 405, "Method Not Allowed", nil, sip.NewHeader("Allow", s.allowed()))
}

// onCancel answers a CANCEL that matched no INVITE transaction (the
// transaction layer answers the others: 200, then 487 for the INVITE).
func (s *Server) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
}

func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if c := s.findCall(req); c != nil {
		c.readAck(req, tx)
	}
}

func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := s.findCall(req)
	if c == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	c.readBye(req, tx)
}

// onRegister answers a REGISTER with the registrar.
func (s *Server) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	ctx := s.context()
	if ctx == nil {
		s.respond(req, tx, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "5"))
		return
	}
	if err := tx.Respond(s.reg.handle(ctx, req)); err != nil {
		s.log.Debug("sip: respond", "method", req.Method, "err", err)
	}
}

// userOf returns the user part of a From/To address, or its host.
func userOf(u sip.Uri) string {
	if u.User != "" {
		return u.User
	}
	return u.Host
}

// warning makes a Warning header (RFC 3261 section 20.43) with code 399.
func (s *Server) warning(text string) sip.Header {
	text = strings.ReplaceAll(text, `"`, `'`)
	return sip.NewHeader("Warning", "399 "+s.ip.String()+" "+strconv.Quote(text))
}
