package webrtc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/switchboard-voice/switchboard/media"
)

// Router picks the application for a call from a caller to a number or
// extension (the {to} of POST /whip/{to}).
type Router interface {
	Route(from, to string) (media.Application, bool)
}

// RouterFunc adapts a function to a Router.
type RouterFunc func(from, to string) (media.Application, bool)

// Route calls fn(from, to).
func (fn RouterFunc) Route(from, to string) (media.Application, bool) { return fn(from, to) }

// maxOffer bounds the SDP offer (browsers send a few kilobytes).
const maxOffer = 64 << 10

// Server answers WHIP-style offers with WebRTC legs and runs the routed
// application on each.
type Server struct {
	cfg    Config
	router Router
	log    *slog.Logger
	api    *pion.API

	ctx    context.Context // canceled by Close; parent of applications' contexts
	cancel context.CancelFunc
	wg     sync.WaitGroup // run and application goroutines

	mu       sync.Mutex
	legs     map[string]*Leg
	reserved int // slots taken by offers being answered
	closed   bool
}

// NewServer returns a server for cfg. router picks the application per
// call; log may be nil.
func NewServer(cfg Config, router Router, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if router == nil {
		return nil, fmt.Errorf("%w: nil router", ErrConfig)
	}
	cfg.setDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	me, err := mediaEngine()
	if err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := pion.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("webrtc: RTCP reports: %w", err)
	}
	var se pion.SettingEngine
	if cfg.UDPPortMin != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.UDPPortMin, cfg.UDPPortMax); err != nil {
			return nil, fmt.Errorf("%w: UDP port range: %w", ErrConfig, err)
		}
	}
	if len(cfg.NAT1To1IPs) > 0 {
		se.SetNAT1To1IPs(cfg.NAT1To1IPs, pion.ICECandidateTypeHost)
	}
	se.SetIncludeLoopbackCandidate(cfg.Loopback)
	if cfg.IPFilter != nil {
		se.SetIPFilter(cfg.IPFilter)
	}
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4, pion.NetworkTypeUDP6})
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg:    cfg,
		router: router,
		log:    log,
		api:    pion.NewAPI(pion.WithMediaEngine(me), pion.WithSettingEngine(se), pion.WithInterceptorRegistry(ir)),
		ctx:    ctx,
		cancel: cancel,
		legs:   map[string]*Leg{},
	}, nil
}

// mediaEngine registers G.711 and telephone-event/8000 only, so that
// browsers negotiate PCMU or PCMA, and Opus only when the media package
// was built with an Opus codec.
func mediaEngine() (*pion.MediaEngine, error) {
	me := &pion.MediaEngine{}
	type reg struct {
		mime    string
		pt      uint8
		clock   uint32
		chans   uint16
		fmtp    string
		require string // codec that media.NewCodec must know
	}
	for _, c := range []reg{
		{pion.MimeTypeOpus, 111, 48000, 2, "minptime=10;useinbandfec=1", "opus"},
		{pion.MimeTypePCMU, 0, 8000, 0, "", "PCMU"},
		{pion.MimeTypePCMA, 8, 8000, 0, "", "PCMA"},
		{mimeTelephoneEvent, telephoneEventPT, 8000, 0, "0-15", ""},
	} {
		if c.require != "" {
			if _, err := media.NewCodec(c.require); err != nil {
				continue
			}
		}
		err := me.RegisterCodec(pion.RTPCodecParameters{
			RTPCodecCapability: pion.RTPCodecCapability{MimeType: c.mime, ClockRate: c.clock, Channels: c.chans, SDPFmtpLine: c.fmtp},
			PayloadType:        pion.PayloadType(c.pt),
		}, pion.RTPCodecTypeAudio)
		if err != nil {
			return nil, fmt.Errorf("webrtc: register %s: %w", c.mime, err)
		}
	}
	return me, nil
}

// Legs returns the number of legs up (including ones still connecting).
func (s *Server) Legs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.legs)
}

// Leg returns a leg by ID.
func (s *Server) Leg(id string) (*Leg, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.legs[id]
	return l, ok
}

// Close ends every leg, refuses new ones, and waits for the legs'
// goroutines and applications to return (applications must honor their
// context).
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	legs := make([]*Leg, 0, len(s.legs))
	for _, l := range s.legs {
		legs = append(legs, l)
	}
	s.mu.Unlock()
	for _, l := range legs {
		l.end(media.ErrClosed)
	}
	s.cancel()
	s.wg.Wait()
	return nil
}

// Handler serves WHIP-style signalling (RFC 9725):
//
//	POST   /whip/{to}       offer (application/sdp) -> 201 answer, Location /whip/{to}/{id}
//	PATCH  /whip/{to}/{id}  trickled candidates (application/trickle-ice-sdpfrag) -> 204
//	DELETE /whip/{to}/{id}  hang up -> 200
//	OPTIONS /whip/{to}      Accept-Post and ICE server Link headers -> 204
//
// Errors are text/plain: 415 wrong content type, 400 bad SDP or no common
// codec, 404 no route or unknown leg, 503 at capacity or closing.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /whip/{to}", s.handleOffer)
	mux.HandleFunc("OPTIONS /whip/{to}", s.handleOptions)
	mux.HandleFunc("PATCH /whip/{to}/{id}", s.handlePatch)
	mux.HandleFunc("DELETE /whip/{to}/{id}", s.handleDelete)
	return mux
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}

// statusOf maps an error to an HTTP status at the edge.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrBadOffer), errors.Is(err, media.ErrNoCodec):
		return http.StatusBadRequest
	case errors.Is(err, ErrNoRoute):
		return http.StatusNotFound
	case errors.Is(err, ErrCapacity):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func hasContentType(r *http.Request, want string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && strings.EqualFold(mt, want)
}

func (s *Server) handleOptions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Accept-Post", "application/sdp")
	s.linkICEServers(w.Header())
	w.WriteHeader(http.StatusNoContent)
}

// linkICEServers advertises the STUN/TURN servers (RFC 9725 section 4.6).
func (s *Server) linkICEServers(h http.Header) {
	for _, is := range s.cfg.ICEServers {
		for _, u := range is.URLs {
			v := "<" + u + `>; rel="ice-server"`
			if user, ok := is.Credential.(string); ok && is.Username != "" {
				v += fmt.Sprintf(`; username=%q; credential=%q; credential-type="password"`, is.Username, user)
			}
			h.Add("Link", v)
		}
	}
}

// from identifies the caller: the client's IP address.
func from(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) handleOffer(w http.ResponseWriter, r *http.Request) {
	if !hasContentType(r, "application/sdp") {
		w.Header().Set("Accept-Post", "application/sdp")
		httpError(w, http.StatusUnsupportedMediaType, "the offer must be Content-Type: application/sdp")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOffer))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, "offer too large")
			return
		}
		httpError(w, http.StatusBadRequest, "reading offer: "+err.Error())
		return
	}
	if err := checkOffer(body); err != nil {
		httpError(w, statusOf(err), err.Error())
		return
	}
	to := r.PathValue("to")
	caller := from(r)
	app, ok := s.router.Route(caller, to)
	if !ok || app == nil {
		httpError(w, http.StatusNotFound, fmt.Sprintf("%v: nothing answers %q", ErrNoRoute, to))
		return
	}
	if err := s.reserve(); err != nil {
		w.Header().Set("Retry-After", "5")
		httpError(w, statusOf(err), err.Error())
		return
	}
	leg, answer, err := s.newLeg(r.Context(), caller, to, string(body))
	if err != nil {
		s.unreserve(nil)
		s.log.Warn("webrtc offer failed", "to", to, "from", caller, "err", err)
		httpError(w, statusOf(err), err.Error())
		return
	}
	if !s.unreserve(leg) {
		leg.end(media.ErrClosed)
		leg.teardown()
		httpError(w, http.StatusServiceUnavailable, ErrCapacity.Error()+": server closing")
		return
	}
	s.wg.Add(1)
	go s.run(leg, app)

	h := w.Header()
	h.Set("Content-Type", "application/sdp")
	h.Set("Location", "/whip/"+url.PathEscape(to)+"/"+leg.id)
	h.Set("ETag", `"`+leg.id+`"`)
	s.linkICEServers(h)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

// reserve takes a slot for an offer being answered.
func (s *Server) reserve() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("%w: server closing", ErrCapacity)
	}
	if s.cfg.MaxLegs > 0 && len(s.legs)+s.reserved >= s.cfg.MaxLegs {
		return fmt.Errorf("%w: %d calls up", ErrCapacity, s.cfg.MaxLegs)
	}
	s.reserved++
	return nil
}

// unreserve releases the slot and registers l (if not nil); it reports
// false when the server closed meanwhile.
func (s *Server) unreserve(l *Leg) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reserved--
	if l == nil {
		return true
	}
	if s.closed {
		return false
	}
	s.legs[l.id] = l
	return true
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	l, ok := s.lookup(r)
	if !ok {
		httpError(w, http.StatusNotFound, "no such call")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := l.Hangup(ctx); err != nil {
		s.log.Warn("webrtc hangup", "leg_id", l.id, "err", err)
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) lookup(r *http.Request) (*Leg, bool) {
	l, ok := s.Leg(r.PathValue("id"))
	if !ok || l.to != r.PathValue("to") {
		return nil, false
	}
	return l, true
}

// handlePatch adds trickled remote candidates. Our own candidates are all
// in the answer (we gather before answering), so the response has no body.
// ICE restarts are not supported.
func (s *Server) handlePatch(w http.ResponseWriter, r *http.Request) {
	if !hasContentType(r, "application/trickle-ice-sdpfrag") {
		w.Header().Set("Accept-Patch", "application/trickle-ice-sdpfrag")
		httpError(w, http.StatusUnsupportedMediaType, "PATCH takes application/trickle-ice-sdpfrag")
		return
	}
	l, ok := s.lookup(r)
	if !ok {
		httpError(w, http.StatusNotFound, "no such call")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOffer))
	if err != nil {
		httpError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return
	}
	cands, err := parseSDPFrag(string(body), l.remoteUfrag())
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, errICERestart) {
			code = http.StatusNotImplemented
		}
		httpError(w, code, err.Error())
		return
	}
	for _, c := range cands {
		if err := l.pc.AddICECandidate(c); err != nil {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("candidate %q: %v", c.Candidate, err))
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

var errICERestart = errors.New("ICE restart is not supported")

// parseSDPFrag extracts candidates from a trickle-ice-sdpfrag (RFC 8840).
func parseSDPFrag(frag, ufrag string) ([]pion.ICECandidateInit, error) {
	var out []pion.ICECandidateInit
	var mid *string
	var idx uint16
	var mline *uint16
	for line := range strings.Lines(frag) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "a=ice-ufrag:"):
			if u := strings.TrimPrefix(line, "a=ice-ufrag:"); ufrag != "" && u != ufrag {
				return nil, errICERestart
			}
		case strings.HasPrefix(line, "m="):
			if mline != nil {
				idx++
			}
			i := idx
			mline, mid = &i, nil
		case strings.HasPrefix(line, "a=mid:"):
			m := strings.TrimPrefix(line, "a=mid:")
			mid = &m
		case strings.HasPrefix(line, "a=candidate:"):
			c := pion.ICECandidateInit{Candidate: strings.TrimPrefix(line, "a="), SDPMid: mid, SDPMLineIndex: mline}
			if mid == nil && mline == nil {
				zero := uint16(0)
				c.SDPMLineIndex = &zero
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// checkOffer parses the offer and requires an audio section with a codec
// we can decode, so that failures get a clear message.
func checkOffer(body []byte) error {
	var d sdp.SessionDescription
	if err := d.Unmarshal(body); err != nil {
		return fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	audio := false
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		audio = true
		for _, f := range m.MediaName.Formats {
			name := ""
			switch f {
			case "0":
				name = "PCMU"
			case "8":
				name = "PCMA"
			}
			for _, a := range m.Attributes {
				if a.Key != "rtpmap" {
					continue
				}
				pt, enc, ok := strings.Cut(a.Value, " ")
				if ok && pt == f {
					name, _, _ = strings.Cut(enc, "/")
				}
			}
			if _, ok := audioMime("audio/" + name); ok {
				return nil
			}
		}
	}
	if !audio {
		return fmt.Errorf("%w: the offer has no audio section", ErrBadOffer)
	}
	return fmt.Errorf("%w: offer PCMU or PCMA", media.ErrNoCodec)
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newLeg creates the PeerConnection, applies the offer and returns the
// answer with every candidate gathered.
func (s *Server) newLeg(ctx context.Context, from, to, offer string) (*Leg, string, error) {
	pc, err := s.api.NewPeerConnection(pion.Configuration{ICEServers: s.cfg.ICEServers})
	if err != nil {
		return nil, "", fmt.Errorf("webrtc: new peer connection: %w", err)
	}
	id := newID()
	l := &Leg{
		id: id, from: from, to: to, pc: pc,
		log:       s.log.With("leg_id", id, "to", to, "from", from),
		track:     &sendTrack{id: "audio", streamID: "switchboard-" + id},
		connected: make(chan struct{}),
		done:      make(chan struct{}),
		released:  make(chan struct{}),
		dedup:     dedup{window: s.cfg.DTMFDedupWindow},
	}
	var seq [6]byte
	_, _ = rand.Read(seq[:])
	l.snd = newSender(l.track, &l.stats, s.cfg.MaxQueue, uint16(seq[0])<<8|uint16(seq[1]),
		uint32(seq[2])<<24|uint32(seq[3])<<16|uint32(seq[4])<<8|uint32(seq[5]))
	fail := func(err error) (*Leg, string, error) {
		l.end(err)
		l.teardown()
		return nil, "", err
	}
	rtpSender, err := pc.AddTrack(l.track)
	if err != nil {
		return fail(fmt.Errorf("webrtc: add track: %w", err))
	}
	l.wg.Add(1)
	go func() { // drain RTCP so that the interceptors see it
		defer l.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := rtpSender.Read(buf); err != nil {
				return
			}
		}
	}()
	pc.OnConnectionStateChange(l.onState)
	pc.OnTrack(l.onTrack)
	pc.OnDataChannel(l.onDataChannel)

	if err := pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(fmt.Errorf("%w: %v", ErrBadOffer, err))
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrBadOffer, err))
	}
	gathered := pion.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(fmt.Errorf("%w: %v", ErrBadOffer, err))
	}
	timer := time.NewTimer(s.cfg.GatherTimeout)
	defer timer.Stop()
	select {
	case <-gathered:
	case <-timer.C:
		// Answer with the candidates we have.
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	codec, _, _, bound := l.track.negotiated()
	name, ok := audioMime(codec.MimeType)
	if !bound || !ok {
		return fail(fmt.Errorf("%w: no audio codec negotiated for a sendrecv audio track", media.ErrNoCodec))
	}
	enc, err := media.NewCodec(name)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", media.ErrNoCodec, err))
	}
	l.snd.start(enc)
	rate := enc.Info().Rate
	l.mu.Lock()
	l.codec, l.rate = name, rate
	l.jb = newJitterBuffer(media.SamplesPerFrame(rate))
	l.mu.Unlock()
	l.log.Info("webrtc leg answered", "codec", name)
	return l, pc.LocalDescription().SDP, nil
}

// run waits for the leg to connect, runs the application, and tears the
// leg down when it ends.
func (s *Server) run(l *Leg, app media.Application) {
	defer s.wg.Done()
	timer := time.NewTimer(s.cfg.ConnectTimeout)
	cancel := context.CancelFunc(func() {})
	select {
	case <-l.connected:
		timer.Stop()
		l.startMedia()
		var ctx context.Context
		ctx, cancel = context.WithCancel(s.ctx)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := app.Serve(ctx, l); err != nil && !errors.Is(err, context.Canceled) {
				l.log.Warn("application ended with an error", "err", err)
			}
			l.end(nil)
		}()
	case <-l.done:
		timer.Stop()
	case <-timer.C:
		l.end(ErrConnectTimeout)
	}
	<-l.done
	cancel()
	l.teardown()
	s.mu.Lock()
	delete(s.legs, l.id)
	s.mu.Unlock()
}

// remoteUfrag returns the ICE username fragment of the offer.
func (l *Leg) remoteUfrag() string {
	d := l.pc.RemoteDescription()
	if d == nil {
		return ""
	}
	for line := range strings.Lines(d.SDP) {
		if u, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "a=ice-ufrag:"); ok {
			return u
		}
	}
	return ""
}
