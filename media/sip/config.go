package sip

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-voice/switchboard/media"
)

// Errors of the package.
var (
	// ErrNoTrunk: an outbound call or transfer needs Config.Trunk.
	ErrNoTrunk = errors.New("sip: no trunk configured")
	// ErrNotServing: Call or Transfer before Serve or after it returned.
	ErrNotServing = errors.New("sip: server not serving")
	// ErrCapacity: MaxCalls calls are up.
	ErrCapacity = errors.New("sip: at capacity")
	// ErrUnknownLeg: Transfer got a leg this server did not create.
	ErrUnknownLeg = errors.New("sip: leg is not a SIP leg of this server")
	// ErrRejected: the far end answered a request with a failure response;
	// the error message carries the status.
	ErrRejected = errors.New("sip: request rejected")
	// ErrTransferFailed: the transfer target did not answer (the NOTIFY
	// carried a failure) or the far end refused the REFER.
	ErrTransferFailed = errors.New("sip: transfer failed")

	// ErrNoRegistrar: DialUser or CallUser without Config.Registrar.
	ErrNoRegistrar = errors.New("sip: registrar not enabled")
	// ErrNotRegistered: the user has no registered contact.
	ErrNotRegistered = errors.New("sip: user not registered")
	// ErrBusy: the phone answered 486 Busy Here or 600 Busy Everywhere.
	ErrBusy = errors.New("sip: busy")
	// ErrDeclined: the phone answered 603 Decline (the agent rejected).
	ErrDeclined = errors.New("sip: declined")
	// ErrNoAnswer: nobody answered within the ring time (CANCEL was
	// sent), or the phone gave up itself (408, 480).
	ErrNoAnswer = errors.New("sip: no answer")
	// ErrUnreachable: no registered contact could be sent the INVITE, or
	// none answered it at all (a phone unplugged, a closed connection).
	ErrUnreachable = errors.New("sip: unreachable")
)

// ResponseError is a failure response of the far end to a request we
// sent. errors.Is matches ErrRejected for every code, and by code ErrBusy
// (486, 600), ErrDeclined (603) and ErrNoAnswer (408, 480).
type ResponseError struct {
	// Method is the request's method ("INVITE").
	Method string
	// Target is the request's URI.
	Target string
	// Code and Reason are the response's status.
	Code   int
	Reason string
}

func responseError(target string, res *sip.Response) *ResponseError {
	return &ResponseError{Method: "INVITE", Target: target, Code: res.StatusCode, Reason: res.Reason}
}

// Error says what was rejected, with the status.
func (e *ResponseError) Error() string {
	return fmt.Sprintf("%v: %s %s: %d %s", ErrRejected, e.Method, e.Target, e.Code, e.Reason)
}

// StatusCode returns the SIP status code.
func (e *ResponseError) StatusCode() int { return e.Code }

// Is matches the sentinel errors the code stands for.
func (e *ResponseError) Is(target error) bool {
	switch target {
	case ErrRejected:
		return true
	case ErrBusy:
		return e.Code == 486 || e.Code == 600
	case ErrDeclined:
		return e.Code == 603
	case ErrNoAnswer:
		return e.Code == 408 || e.Code == 480
	}
	return false
}

// Listener is one SIP listening socket.
type Listener struct {
	// Transport is "udp", "tcp" or "tls".
	Transport string `yaml:"transport"`
	// Addr is host:port to listen on, such as "0.0.0.0:5060"; port 0 picks
	// a free port (see Server.Addr).
	Addr string `yaml:"addr"`
	// CertFile and KeyFile are the PEM certificate and key for "tls".
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Trunk is the outbound SIP trunk (an ITSP or a PBX).
type Trunk struct {
	// Host is the trunk's host[:port].
	Host string `yaml:"host"`
	// Transport is "udp" (default), "tcp" or "tls".
	Transport string `yaml:"transport"`
	// Username and Password for digest authentication (401/407); empty
	// means no authentication.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// Realm is the domain in our From and REGISTER URIs (default: Host).
	Realm string `yaml:"realm"`
	// Register makes the server REGISTER to the trunk.
	Register bool `yaml:"register"`
	// RegisterExpiry is the requested registration lifetime (default 1h);
	// the server refreshes it before it expires.
	RegisterExpiry time.Duration `yaml:"register_expiry"`
}

// Config configures a Server.
type Config struct {
	// Listen are the SIP sockets (at least one).
	Listen []Listener `yaml:"listen"`
	// PublicIP is the address put in SDP and Contact (default: the first
	// listener's IP; required when that is 0.0.0.0 or ::).
	PublicIP string `yaml:"public_ip"`
	// MaxCalls is the limit of concurrent calls, inbound and outbound
	// (0: no limit). An INVITE beyond it gets OverloadStatus.
	MaxCalls int `yaml:"max_calls"`
	// OverloadStatus is the response at capacity: 486 Busy Here (default)
	// or 503 Service Unavailable.
	OverloadStatus int `yaml:"overload_status"`
	// RTPTimeout is how long a call may go without RTP before it is hung
	// up (default 30s). The media side detects it (the server passes it to
	// a Media implementing SetRTPTimeout); the server sends the BYE when a
	// media leg ends with media.ErrRTPTimeout.
	RTPTimeout time.Duration `yaml:"rtp_timeout"`
	// RingTime is how long inbound calls ring (180) before the answer
	// (default 0: answer at once).
	RingTime time.Duration `yaml:"ring_time"`
	// UserAgent is the User-Agent/Server header (default "switchboard").
	UserAgent string `yaml:"user_agent"`
	// Trunk is the optional outbound trunk.
	Trunk *Trunk `yaml:"trunk"`
	// Codecs are the codec names we accept, in order of preference
	// (default media.Codecs()).
	Codecs []string `yaml:"codecs"`
	// Registrar, when set and enabled, accepts REGISTER from SIP phones
	// (agents' desk phones and softphones) so that Server.DialUser and
	// Server.CallUser can ring them. It needs WithCredentials.
	Registrar *RegistrarConfig `yaml:"registrar"`

	// OnRefer, when set, handles a REFER (blind transfer) received on leg:
	// it returns nil when target answered. When nil, the server places a
	// call to target through the trunk and runs the application the
	// dialplan routes for it (or the leg's application) on it.
	OnRefer func(ctx context.Context, leg media.Leg, target string) error `yaml:"-"`
}

// withDefaults returns a copy of c with defaults filled in.
func (c Config) withDefaults() Config {
	if c.OverloadStatus == 0 {
		c.OverloadStatus = 486
	}
	if c.RTPTimeout == 0 {
		c.RTPTimeout = 30 * time.Second
	}
	if c.UserAgent == "" {
		c.UserAgent = "switchboard"
	}
	if len(c.Codecs) == 0 {
		c.Codecs = media.Codecs()
	}
	if c.Trunk != nil {
		t := *c.Trunk
		if t.Transport == "" {
			t.Transport = "udp"
		}
		if t.RegisterExpiry == 0 {
			t.RegisterExpiry = time.Hour
		}
		if t.Realm == "" {
			t.Realm = hostOnly(t.Host)
		}
		c.Trunk = &t
	}
	if c.Registrar != nil {
		r := c.Registrar.withDefaults(c.PublicIP, c.Listen)
		c.Registrar = &r
	}
	return c
}

// Validate checks the configuration and names the bad key.
func (c Config) Validate() error {
	if len(c.Listen) == 0 {
		return errors.New("sip: listen: at least one listener is required")
	}
	for i, l := range c.Listen {
		switch strings.ToLower(l.Transport) {
		case "udp", "tcp":
		case "tls":
			if l.CertFile == "" || l.KeyFile == "" {
				return fmt.Errorf("sip: listen[%d]: tls needs cert_file and key_file", i)
			}
		default:
			return fmt.Errorf("sip: listen[%d].transport: %q is not udp, tcp or tls", i, l.Transport)
		}
		if _, err := netip.ParseAddrPort(l.Addr); err != nil {
			return fmt.Errorf("sip: listen[%d].addr: %w", i, err)
		}
	}
	if c.PublicIP != "" {
		if _, err := netip.ParseAddr(c.PublicIP); err != nil {
			return fmt.Errorf("sip: public_ip: %w", err)
		}
	} else if ap, _ := netip.ParseAddrPort(c.Listen[0].Addr); ap.Addr().IsUnspecified() {
		return fmt.Errorf("sip: public_ip: required when listen[0].addr is %s", ap.Addr())
	}
	if c.MaxCalls < 0 {
		return fmt.Errorf("sip: max_calls: %d is negative", c.MaxCalls)
	}
	if c.OverloadStatus != 0 && c.OverloadStatus != 486 && c.OverloadStatus != 503 {
		return fmt.Errorf("sip: overload_status: %d is not 486 or 503", c.OverloadStatus)
	}
	if c.RTPTimeout < 0 {
		return fmt.Errorf("sip: rtp_timeout: %v is negative", c.RTPTimeout)
	}
	if t := c.Trunk; t != nil {
		if t.Host == "" {
			return errors.New("sip: trunk.host: required")
		}
		switch strings.ToLower(t.Transport) {
		case "", "udp", "tcp", "tls":
		default:
			return fmt.Errorf("sip: trunk.transport: %q is not udp, tcp or tls", t.Transport)
		}
		if t.RegisterExpiry < 0 {
			return fmt.Errorf("sip: trunk.register_expiry: %v is negative", t.RegisterExpiry)
		}
	}
	if c.Registrar != nil {
		if err := c.Registrar.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func hostOnly(hostport string) string {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap.Addr().String()
	}
	if i := strings.LastIndexByte(hostport, ':'); i > 0 && !strings.Contains(hostport[:i], ":") {
		return hostport[:i]
	}
	return hostport
}

// RegistrarConfig configures the registrar: SIP phones REGISTER to
// Switchboard's own domain with a username and password (HTTP digest,
// RFC 8760), and the server rings them directly (Server.DialUser).
//
// In switchboard.yaml it sits under sip.registrar; durations are Go
// durations ("60s", "1h").
type RegistrarConfig struct {
	// Enabled turns the registrar on; when off, REGISTER gets 405 Method
	// Not Allowed.
	Enabled bool `yaml:"enabled"`
	// Domain is the SIP domain phones register to: the host of their
	// address of record (sip:agent42@Domain). REGISTERs are also accepted
	// for the server's own addresses (public_ip, the listeners' IPs, and
	// every interface's for a listener on 0.0.0.0) and for Aliases; others
	// get 404 Domain Not Served. Default: public_ip, else the first
	// listener's IP.
	Domain string `yaml:"domain"`
	// Aliases are more host names or IPs accepted as the domain (a DNS
	// name and the IP phones are configured with, say).
	Aliases []string `yaml:"aliases"`
	// Realm is the digest authentication realm (default: Domain). Phones
	// show it when asking for a password; changing it invalidates stored
	// HA1 hashes.
	Realm string `yaml:"realm"`
	// Algorithms are the digest algorithms offered, most preferred first:
	// "SHA-256" and "MD5" (RFC 8760); each gets its own WWW-Authenticate
	// header. Default: MD5 only, because some phones fail on a 401 that
	// offers anything else at all (baresip 1.0 with libre 1.1, as Debian
	// ships it: "Register: Function not implemented"). Set
	// [SHA-256, MD5] when every phone handles RFC 8760.
	Algorithms []string `yaml:"algorithms"`
	// NonceTTL is how long a nonce stays valid; a request with an older
	// one is challenged again with stale=true, and the phone retries
	// without asking for the password. Default 5m.
	NonceTTL time.Duration `yaml:"nonce_ttl"`
	// MinExpiry is the shortest registration accepted; shorter ones get
	// 423 Interval Too Brief with Min-Expires. Default 60s.
	MinExpiry time.Duration `yaml:"min_expiry"`
	// MaxExpiry caps the registration lifetime a phone asks for. Default
	// 10m: registrations live in memory, so after a restart phones are
	// back within this time; short refreshes also keep NAT mappings open.
	MaxExpiry time.Duration `yaml:"max_expiry"`
	// DefaultExpiry applies when a REGISTER names no expiry (RFC 3261
	// says 3600s), capped by MaxExpiry. Default 1h.
	DefaultExpiry time.Duration `yaml:"default_expiry"`
	// MaxContacts bounds the contacts one user may register (desk phone,
	// softphone, mobile). A new contact beyond it replaces the one that
	// would expire first. Default 10.
	MaxContacts int `yaml:"max_contacts"`
	// RingTimeout is how long DialUser rings a user's phones before it
	// gives up with ErrNoAnswer and sends CANCEL (WithRingTimeout
	// overrides it per call). Default 30s.
	RingTimeout time.Duration `yaml:"ring_timeout"`
}

// Digest algorithms the registrar offers.
const (
	AlgorithmMD5    = "MD5"
	AlgorithmSHA256 = "SHA-256"
)

// withDefaults fills in the defaults; publicIP and listen give the
// default domain.
func (r RegistrarConfig) withDefaults(publicIP string, listen []Listener) RegistrarConfig {
	if r.Domain == "" {
		r.Domain = publicIP
		if r.Domain == "" && len(listen) > 0 {
			if ap, err := netip.ParseAddrPort(listen[0].Addr); err == nil {
				r.Domain = ap.Addr().String()
			}
		}
	}
	r.Domain = strings.ToLower(r.Domain)
	if r.Realm == "" {
		r.Realm = r.Domain
	}
	if len(r.Algorithms) == 0 {
		r.Algorithms = []string{AlgorithmMD5}
	}
	r.Algorithms = slices.Clone(r.Algorithms)
	r.Aliases = slices.Clone(r.Aliases)
	for i, a := range r.Algorithms {
		r.Algorithms[i] = strings.ToUpper(a)
	}
	if r.NonceTTL == 0 {
		r.NonceTTL = 5 * time.Minute
	}
	if r.MinExpiry == 0 {
		r.MinExpiry = time.Minute
	}
	if r.MaxExpiry == 0 {
		r.MaxExpiry = 10 * time.Minute
	}
	if r.DefaultExpiry == 0 {
		r.DefaultExpiry = time.Hour
	}
	if r.MaxContacts == 0 {
		r.MaxContacts = 10
	}
	if r.RingTimeout == 0 {
		r.RingTimeout = 30 * time.Second
	}
	return r
}

// Validate checks the registrar configuration and names the bad key.
func (r RegistrarConfig) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("sip: registrar.%s: %s", key, fmt.Sprintf(format, args...))
	}
	if r.Domain != "" && !validHost(r.Domain) {
		return bad("domain", "%q is not a host name or IP address", r.Domain)
	}
	for i, a := range r.Aliases {
		if !validHost(a) {
			return bad(fmt.Sprintf("aliases[%d]", i), "%q is not a host name or IP address", a)
		}
	}
	if strings.ContainsAny(r.Realm, "\"\\\r\n") {
		return bad("realm", "%q has a quote, backslash or line break", r.Realm)
	}
	seen := map[string]bool{}
	for i, a := range r.Algorithms {
		u := strings.ToUpper(a)
		if u != AlgorithmMD5 && u != AlgorithmSHA256 {
			return bad(fmt.Sprintf("algorithms[%d]", i), "%q is not MD5 or SHA-256", a)
		}
		if seen[u] {
			return bad(fmt.Sprintf("algorithms[%d]", i), "%s is listed twice", u)
		}
		seen[u] = true
	}
	durations := []struct {
		key string
		d   time.Duration
	}{
		{"nonce_ttl", r.NonceTTL}, {"min_expiry", r.MinExpiry}, {"max_expiry", r.MaxExpiry},
		{"default_expiry", r.DefaultExpiry}, {"ring_timeout", r.RingTimeout},
	}
	for _, d := range durations {
		if d.d < 0 {
			return bad(d.key, "%v is negative", d.d)
		}
		if d.d%time.Second != 0 {
			return bad(d.key, "%v is not a whole number of seconds", d.d)
		}
	}
	if r.NonceTTL != 0 && r.NonceTTL < 10*time.Second {
		return bad("nonce_ttl", "%v is shorter than 10s: phones could not answer a challenge in time", r.NonceTTL)
	}
	minE, maxE := r.MinExpiry, r.MaxExpiry
	if minE == 0 {
		minE = time.Minute
	}
	if maxE == 0 {
		maxE = 10 * time.Minute
	}
	if maxE < minE {
		return bad("max_expiry", "%v is shorter than min_expiry %v", maxE, minE)
	}
	if maxE > math.MaxUint32*time.Second {
		return bad("max_expiry", "%v is longer than 2^32-1 seconds", maxE)
	}
	if r.MaxContacts < 0 {
		return bad("max_contacts", "%d is negative", r.MaxContacts)
	}
	return nil
}

// validHost reports whether h is an IP address or a DNS name (no port, no
// scheme).
func validHost(h string) bool {
	if _, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
