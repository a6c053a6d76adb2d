package webrtc

import (
	"fmt"
	"net"
	"time"

	pion "github.com/pion/webrtc/v4"
)

// Config configures a Server. The zero value is usable: host candidates on
// every interface but loopback, no STUN/TURN, ephemeral UDP ports.
type Config struct {
	// ICEServers are the STUN/TURN servers the server gathers candidates
	// from, and advertises to WHIP clients in Link headers (RFC 9725
	// section 4.6). Empty: host candidates only.
	ICEServers []pion.ICEServer
	// NAT1To1IPs are public IPs mapped one-to-one to the host's private IP
	// (a cloud VM behind a static NAT); they replace host candidates.
	NAT1To1IPs []string
	// UDPPortMin and UDPPortMax bound the UDP ports of ICE candidates; both
	// zero means ephemeral ports.
	UDPPortMin, UDPPortMax uint16
	// Loopback includes 127.0.0.1 host candidates (needed when the peer
	// runs on the same host: tests, a local softphone).
	Loopback bool
	// IPFilter, when set, keeps only the local IPs for which it returns
	// true (tests use it to stay on loopback).
	IPFilter func(net.IP) bool
	// MaxLegs caps concurrent legs; a call beyond it gets 503. Zero: no
	// limit.
	MaxLegs int
	// ConnectTimeout bounds how long a new leg waits for ICE and DTLS to
	// connect after the answer was sent. Default 30 s.
	ConnectTimeout time.Duration
	// GatherTimeout bounds ICE gathering before the answer is sent
	// (non-trickle). Default 10 s.
	GatherTimeout time.Duration
	// MaxQueue bounds the outbound audio a leg queues (WriteFrame beyond it
	// fails with ErrQueueFull). Default 60 s, enough for a long prompt
	// synthesized faster than real time.
	MaxQueue time.Duration
	// DTMFDedupWindow is how long a digit received on one path (RTP
	// telephone-event or the "dtmf" data channel) cancels the same digit
	// arriving on the other: the phone page sends each key both ways.
	// Default 2 s; negative disables deduplication.
	DTMFDedupWindow time.Duration
}

// Defaults of Config fields left zero.
const (
	DefaultConnectTimeout  = 30 * time.Second
	DefaultGatherTimeout   = 10 * time.Second
	DefaultMaxQueue        = 60 * time.Second
	DefaultDTMFDedupWindow = 2 * time.Second
)

// Validate reports the first bad field, by name.
func (c Config) Validate() error {
	if (c.UDPPortMin == 0) != (c.UDPPortMax == 0) {
		return fmt.Errorf("%w: UDPPortMin and UDPPortMax must both be set or both be zero", ErrConfig)
	}
	if c.UDPPortMin > c.UDPPortMax {
		return fmt.Errorf("%w: UDPPortMin %d > UDPPortMax %d", ErrConfig, c.UDPPortMin, c.UDPPortMax)
	}
	for _, ip := range c.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("%w: NAT1To1IPs: %q is not an IP address", ErrConfig, ip)
		}
	}
	for i, s := range c.ICEServers {
		if len(s.URLs) == 0 {
			return fmt.Errorf("%w: ICEServers[%d]: no URLs", ErrConfig, i)
		}
	}
	if c.MaxLegs < 0 {
		return fmt.Errorf("%w: MaxLegs %d < 0", ErrConfig, c.MaxLegs)
	}
	if c.ConnectTimeout < 0 || c.GatherTimeout < 0 || c.MaxQueue < 0 {
		return fmt.Errorf("%w: ConnectTimeout, GatherTimeout and MaxQueue must not be negative", ErrConfig)
	}
	return nil
}

func (c *Config) setDefaults() {
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.GatherTimeout == 0 {
		c.GatherTimeout = DefaultGatherTimeout
	}
	if c.MaxQueue == 0 {
		c.MaxQueue = DefaultMaxQueue
	}
	if c.DTMFDedupWindow == 0 {
		c.DTMFDedupWindow = DefaultDTMFDedupWindow
	}
}
