package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"time"

	pion "github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-voice/switchboard/agent"
	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/internal/config"
	"github.com/switchboard-voice/switchboard/internal/metrics"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/apps"
	"github.com/switchboard-voice/switchboard/media/rtpio"
	"github.com/switchboard-voice/switchboard/media/rtpmedia"
	"github.com/switchboard-voice/switchboard/media/sip"
	"github.com/switchboard-voice/switchboard/media/webrtc"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/voicebot"
	"github.com/switchboard-voice/switchboard/web/phone"
)

// telephony is the call side of the server: SIP, WebRTC and the dialplan.
type telephony struct {
	sip    *sip.Server
	rtc    *webrtc.Server
	routes map[string]http.Handler
	// SIPAddrs are the bound SIP addresses by transport.
	SIPAddrs map[string]netip.AddrPort
	serve    chan error
}

// voice is what voicebot routes need from the server.
type voice struct {
	conv    *conversation.Manager
	speech  voicebot.Speech
	metrics *voicebot.Metrics
	// transfer performs a handoff's transfer (set once SIP is up).
	transfer voicebot.Handoff
	// OnTurn and OnEvent, when set, observe every voicebot call (tests).
	onTurn  func(voicebot.TurnStats)
	onEvent func(voicebot.Event)
	onEnd   func(voicebot.CallStats)
	// center takes handoffs into its queues and watches calls live.
	center *center
}

// events observes voicebot calls: the tests' hooks and the live QA.
func (v *voice) events() (func(voicebot.Event), func(voicebot.CallStats)) {
	onEvent, onEnd := v.onEvent, v.onEnd
	c := v.center
	if c == nil {
		return onEvent, onEnd
	}
	return func(e voicebot.Event) {
			c.voiceEvent(e)
			if onEvent != nil {
				onEvent(e)
			}
		}, func(s voicebot.CallStats) {
			c.voiceEnd(s)
			if onEnd != nil {
				onEnd(s)
			}
		}
}

// dialplan builds the configured routes.
func dialplan(cfg config.Config, v *voice, log *slog.Logger) (*apps.Dialplan, error) {
	var routes []apps.Route
	for i, r := range cfg.Dialplan {
		var app media.Application
		switch r.App {
		case "voicebot":
			if v == nil {
				return nil, fmt.Errorf("dialplan[%d]: voicebot routes need the conversation service", i)
			}
			onEvent, onEnd := v.events()
			a, err := voicebot.New(voicebot.Config{
				Bot: r.Bot, Conversations: v.conv, Speech: v.speech, Metrics: v.metrics,
				Handoff: func(ctx context.Context, leg media.Leg, sessionID string, a dialog.Action) error {
					// A queue of our own: the caller waits for an agent
					// here. Otherwise the configured transfer target.
					_, listed := cfg.Voicebot.Transfer[a.Queue]
					_, any := cfg.Voicebot.Transfer["*"]
					if !listed && !any && v.center != nil {
						q := a.Queue
						if !v.center.hasQueue(q) && v.center.hasQueue("general") {
							q = "general"
						}
						if v.center.hasQueue(q) {
							a.Queue = q
							return v.center.handoff(ctx, leg, sessionID, a)
						}
					}
					if v.transfer == nil {
						return voicebot.ErrNoTarget
					}
					return v.transfer(ctx, leg, sessionID, a)
				},
				EndOfTurn: cfg.Voicebot.EndOfTurn, BargeIn: cfg.Voicebot.BargeIn, NoInput: cfg.Voicebot.NoInput,
				OnTurn: v.onTurn, OnEvent: onEvent, OnEnd: onEnd,
				Logger: log.With("component", "voicebot"),
			})
			if err != nil {
				return nil, fmt.Errorf("dialplan[%d]: %w", i, err)
			}
			app = a
		case "queue":
			if v == nil || v.center == nil {
				return nil, fmt.Errorf("dialplan[%d]: queue routes need the agent service", i)
			}
			app = v.center.queueApp(r.Queue)
		case "echo":
			app = apps.Echo(log, nil)
		case "playback":
			a, err := apps.Playback(r.File, log)
			if err != nil {
				return nil, fmt.Errorf("dialplan[%d].file: %w", i, err)
			}
			app = a
		}
		if cfg.Recording.Enabled {
			app = apps.Record(app, cfg.Recording.Dir, log.With("component", "recording"))
		}
		routes = append(routes, apps.Route{To: r.To, From: r.From, Name: r.App, App: app})
	}
	return apps.NewDialplan(routes)
}

// startTelephony starts the SIP endpoint (its Serve runs until ctx ends)
// and the WebRTC server, and returns the HTTP handlers to mount.
func startTelephony(ctx context.Context, cfg config.Config, m *metrics.Metrics, v *voice, log *slog.Logger) (*telephony, error) {
	if v != nil && v.metrics == nil {
		vm, err := voicebot.NewMetrics(m.Registry)
		if err != nil {
			return nil, err
		}
		v.metrics = vm
	}
	dp, err := dialplan(cfg, v, log)
	if err != nil {
		return nil, err
	}
	t := &telephony{routes: map[string]http.Handler{}, SIPAddrs: map[string]netip.AddrPort{}}
	if cfg.SIPEnabled() {
		ip, err := rtpIP(cfg)
		if err != nil {
			return nil, err
		}
		coll := rtpio.NewCollector()
		if err := m.Registry.Register(coll); err != nil {
			return nil, err
		}
		rm, err := rtpmedia.New(rtpmedia.Config{IP: ip, MinPort: cfg.SIP.RTPPorts.Min, MaxPort: cfg.SIP.RTPPorts.Max, Collector: coll, Logger: log.With("component", "rtp")})
		if err != nil {
			return nil, fmt.Errorf("sip.rtp_ports: %w", err)
		}
		sc := sip.Config{PublicIP: cfg.SIP.PublicIP, MaxCalls: cfg.SIP.MaxCalls, RTPTimeout: cfg.SIP.RTPTimeout, UserAgent: "switchboard/" + version}
		for _, l := range cfg.SIP.Listen {
			sc.Listen = append(sc.Listen, sip.Listener{Transport: l.Transport, Addr: l.Addr, CertFile: l.CertFile, KeyFile: l.KeyFile})
		}
		if tr := cfg.SIP.Trunk; tr != nil {
			sc.Trunk = &sip.Trunk{Host: tr.Host, Transport: tr.Transport, Username: tr.Username, Password: tr.Password, Register: tr.Register, RegisterExpiry: tr.RegisterExpiry}
		}
		var sipOpts []sip.Option
		if r := cfg.SIP.Registrar; r != nil && r.Enabled {
			sc.Registrar = r
			sipOpts = append(sipOpts, sip.WithCredentials(phoneCredentials(cfg)), sip.WithRegistrationHandler(func(e sip.RegistrationEvent) {
				log.Info("agent phone", "user", e.User, "change", e.Change, "contacts", e.Contacts)
			}))
		}
		t.sip, err = sip.NewServer(sc, rm, dp, log.With("component", "sip"), sipOpts...)
		if err != nil {
			return nil, fmt.Errorf("sip: %w", err)
		}
		srv := t.sip
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "switchboard_sip_calls", Help: "SIP calls up now.",
		}, func() float64 { return float64(srv.Calls()) }))
		if r := cfg.SIP.Registrar; r != nil && r.Enabled && v != nil && v.center != nil {
			srv := t.sip
			v.center.svc.SetPhones(func(ctx context.Context, endpoint string) (media.Leg, error) {
				return srv.DialUser(ctx, phoneUser(endpoint))
			})
		}
		if v != nil && v.center != nil {
			srv := t.sip
			// Agents transfer SIP callers to numbers outside with REFER: a
			// sip: URI as it is, a number at the trunk.
			v.center.svc.SetExternal(func(ctx context.Context, leg media.Leg, number string) error {
				target := number
				if !strings.HasPrefix(target, "sip:") && !strings.HasPrefix(target, "sips:") {
					tr := cfg.SIP.Trunk
					if tr == nil {
						return fmt.Errorf("%w: no sip.trunk to reach %q", agent.ErrBadRequest, number)
					}
					target = "sip:" + number + "@" + tr.Host
				}
				if leg.Info().Kind != "sip" {
					return fmt.Errorf("%w: only SIP callers can be transferred to a number", agent.ErrBadRequest)
				}
				return srv.Transfer(ctx, leg, target)
			})
		}
		if v != nil {
			srv := t.sip
			v.transfer = func(ctx context.Context, leg media.Leg, sessionID string, a dialog.Action) error {
				return transfer(ctx, cfg, srv, dp, leg, sessionID, a)
			}
		}
		t.serve = make(chan error, 1)
		go func() { t.serve <- t.sip.Serve(ctx) }()
		for _, l := range cfg.SIP.Listen {
			if a, ok := waitAddr(ctx, t.sip, l.Transport); ok {
				t.SIPAddrs[l.Transport] = a
			}
		}
	}
	if cfg.WebRTCEnabled() {
		wc := webrtc.Config{NAT1To1IPs: cfg.WebRTC.NAT1To1IPs, UDPPortMin: uint16(cfg.WebRTC.UDPPorts.Min), UDPPortMax: uint16(cfg.WebRTC.UDPPorts.Max)}
		for _, s := range cfg.WebRTC.ICEServers {
			wc.ICEServers = append(wc.ICEServers, pion.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
		}
		if host, _, err := net.SplitHostPort(cfg.HTTP.Listen); err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() || host == "localhost" {
				wc.Loopback = true // a softphone on this machine
			}
		}
		var router webrtc.Router = dp
		if v != nil && v.center != nil {
			// Agents' and supervisors' audio for their calls.
			svc := v.center.svc
			router = webrtc.RouterFunc(func(from, to string) (media.Application, bool) {
				if app, ok := svc.MediaApp(to); ok {
					return app, true
				}
				return dp.Route(from, to)
			})
		}
		t.rtc, err = webrtc.NewServer(wc, router, log.With("component", "webrtc"))
		if err != nil {
			return nil, fmt.Errorf("webrtc: %w", err)
		}
		rtc := t.rtc
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "switchboard_webrtc_legs", Help: "WebRTC calls up now.",
		}, func() float64 { return float64(rtc.Legs()) }))
		t.routes["/whip/"] = agentMediaCORS(t.rtc.Handler())
		ph := phone.Handler()
		t.routes["/phone"] = ph
		t.routes["/phone/"] = ph
	}
	return t, nil
}

// transfer carries out a voicebot handoff: the queue's target from
// voicebot.transfer, by REFER on SIP legs and through the dialplan on
// others.
func transfer(ctx context.Context, cfg config.Config, srv *sip.Server, dp *apps.Dialplan, leg media.Leg, sessionID string, a dialog.Action) error {
	target := cfg.Voicebot.Transfer[a.Queue]
	if target == "" {
		target = cfg.Voicebot.Transfer["*"]
	}
	if target == "" {
		return fmt.Errorf("%w: voicebot.transfer has no target for queue %q", voicebot.ErrNoTarget, a.Queue)
	}
	if leg.Info().Kind == "sip" && srv != nil {
		if strings.HasPrefix(target, "sip:") || strings.HasPrefix(target, "sips:") {
			target = withHandoffHeaders(target, sessionID, a)
		}
		if err := srv.Transfer(ctx, leg, target); err != nil {
			return fmt.Errorf("%w: %w", voicebot.ErrTransfer, err)
		}
		return nil
	}
	app, ok := dp.Route(leg.Info().From, target)
	if !ok {
		return fmt.Errorf("%w: no dialplan route for %q", voicebot.ErrTransfer, target)
	}
	return app.Serve(ctx, leg)
}

// agentMediaCORS lets a desktop page served by another node send an
// agent's or supervisor's audio here: WHIP requests to /whip/agent.<token>
// (the token, handed out on accept, is the authorisation) may come from
// any origin.
func agentMediaCORS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !strings.HasPrefix(r.URL.Path, "/whip/"+agent.MediaPrefix) {
			h.ServeHTTP(w, r)
			return
		}
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Add("Vary", "Origin")
		hd.Set("Access-Control-Expose-Headers", "Location, Link, ETag")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", "POST, PATCH, DELETE, OPTIONS")
			hd.Set("Access-Control-Allow-Headers", "Content-Type, If-Match")
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// phoneCredentials are the agents' SIP phone passwords: a phone registers
// as the agent's desk login with the desk password.
func phoneCredentials(cfg config.Config) sip.Credentials {
	pw := map[string]string{}
	for _, u := range cfg.Desk.Users {
		if u.Agent != "" {
			pw[u.Login] = u.Password
		}
	}
	return sip.StaticCredentials(pw)
}

// phoneUser is the user part of an agent's "sip:user@domain" endpoint.
func phoneUser(endpoint string) string {
	u := strings.TrimPrefix(strings.TrimPrefix(endpoint, "sips:"), "sip:")
	if i := strings.IndexAny(u, "@;"); i >= 0 {
		u = u[:i]
	}
	return u
}

// withHandoffHeaders adds the handoff's context to a sip: Refer-To
// target as URI headers (RFC 3261 19.1.1), which the transferee copies
// into its INVITE to the agent: X-Switchboard-Session (the conversation,
// with its transcript at /v1/sessions/{id}/transcript),
// X-Switchboard-Queue, X-Switchboard-Reason, X-Switchboard-Summary and
// X-Switchboard-Slots ("name=value;..."), each %-escaped and cut to 256
// bytes.
func withHandoffHeaders(target, sessionID string, a dialog.Action) string {
	esc := func(v string) string {
		if len(v) > 256 {
			v = v[:256]
		}
		return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
	}
	var slots []string
	for k, v := range a.Slots {
		slots = append(slots, k+"="+v)
	}
	sort.Strings(slots)
	h := []string{"X-Switchboard-Session=" + esc(sessionID)}
	for _, kv := range [][2]string{{"Queue", a.Queue}, {"Reason", a.Reason}, {"Summary", a.Summary}, {"Slots", strings.Join(slots, ";")}} {
		if kv[1] != "" {
			h = append(h, "X-Switchboard-"+kv[0]+"="+esc(kv[1]))
		}
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + strings.Join(h, "&")
}

func waitAddr(ctx context.Context, s *sip.Server, transport string) (netip.AddrPort, bool) {
	for i := 0; i < 200; i++ {
		if a, ok := s.Addr(transport); ok && a.Port() != 0 {
			return a, true
		}
		select {
		case <-ctx.Done():
			return netip.AddrPort{}, false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return netip.AddrPort{}, false
}

// rtpIP is the address RTP binds to: sip.public_ip, else the first SIP
// listener's IP.
func rtpIP(cfg config.Config) (netip.Addr, error) {
	if cfg.SIP.PublicIP != "" {
		return netip.ParseAddr(cfg.SIP.PublicIP)
	}
	host, _, err := net.SplitHostPort(cfg.SIP.Listen[0].Addr)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("sip.listen[0].addr: %w", err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.IsUnspecified() {
		return netip.Addr{}, fmt.Errorf("sip.public_ip is required when sip.listen[0].addr is %q", cfg.SIP.Listen[0].Addr)
	}
	return ip, nil
}

// stop ends every call: WebRTC legs at once, SIP calls with BYE (Serve
// returns once ctx is done and its calls have ended).
func (t *telephony) stop() {
	if t.rtc != nil {
		_ = t.rtc.Close()
	}
	if t.serve != nil {
		<-t.serve
	}
}
