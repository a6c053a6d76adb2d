package sip

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

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
)

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
