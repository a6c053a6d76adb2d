package rtpio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// Errors of the package. Wrapped errors are checked with errors.Is.
var (
	// ErrPoolExhausted: every RTP/RTCP port pair of the pool's range is in use.
	ErrPoolExhausted = errors.New("rtpio: no free RTP port pair")
	// ErrNotSending: the media direction (hold) does not allow sending.
	ErrNotSending = errors.New("rtpio: media direction does not allow sending")
	// ErrQueueFull: too many DTMF digits are waiting to be sent.
	ErrQueueFull = errors.New("rtpio: DTMF queue full")
)

// Pool hands out UDP port pairs from a configured range on one local IP: RTP
// on an even port, RTCP on the next (odd) port, as RFC 3550 section 11
// recommends and most SIP peers assume. A pair is back in the pool when its
// Endpoint is closed. Pool is safe for concurrent use.
type Pool struct {
	ip       netip.Addr
	min, max int // even first RTP port, last RTP port of the range

	mu   sync.Mutex
	used map[int]bool // RTP ports handed out
	next int          // where the next search starts (round robin)
}

// NewPool returns a pool of the even ports in [minPort, maxPort] (each with
// its odd neighbour) on ip. The range must hold at least one pair.
func NewPool(ip netip.Addr, minPort, maxPort int) (*Pool, error) {
	if !ip.IsValid() {
		return nil, errors.New("rtpio: pool: invalid IP address")
	}
	if minPort < 1 || maxPort > 65535 || minPort > maxPort {
		return nil, fmt.Errorf("rtpio: pool: bad port range %d-%d", minPort, maxPort)
	}
	first := minPort + minPort%2 // round up to even
	last := maxPort - 1          // RTCP = RTP+1 must fit
	last -= last % 2
	if first > last {
		return nil, fmt.Errorf("rtpio: pool: port range %d-%d holds no even/odd pair", minPort, maxPort)
	}
	return &Pool{ip: ip.Unmap(), min: first, max: last, used: map[int]bool{}, next: first}, nil
}

// Size returns how many port pairs the pool holds.
func (p *Pool) Size() int { return (p.max-p.min)/2 + 1 }

// InUse returns how many pairs are handed out.
func (p *Pool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.used)
}

// Open binds the next free port pair. Ports that another process holds are
// skipped. It returns an error wrapping ErrPoolExhausted when no pair is
// free, or ctx's error.
func (p *Pool) Open(ctx context.Context) (*Endpoint, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var lc net.ListenConfig
	port := p.next
	for range p.Size() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cur := port
		port += 2
		if port > p.max {
			port = p.min
		}
		if p.used[cur] {
			continue
		}
		rtpSock, err := listenRTP(netip.AddrPortFrom(p.ip, uint16(cur)))
		if err != nil {
			continue // taken by someone else
		}
		rtcpConn, err := listen(ctx, &lc, netip.AddrPortFrom(p.ip, uint16(cur+1)))
		if err != nil {
			rtpSock.close()
			continue
		}
		p.used[cur] = true
		p.next = port
		return &Endpoint{rtp: rtpSock, rtcp: rtcpConn, pool: p, port: cur}, nil
	}
	return nil, fmt.Errorf("%w in %s:%d-%d (%d pairs)", ErrPoolExhausted, p.ip, p.min, p.max+1, p.Size())
}

func listen(ctx context.Context, lc *net.ListenConfig, ap netip.AddrPort) (*net.UDPConn, error) {
	pc, err := lc.ListenPacket(ctx, "udp", ap.String())
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

func (p *Pool) release(port int) {
	p.mu.Lock()
	delete(p.used, port)
	p.mu.Unlock()
}

// Endpoint is a bound RTP/RTCP socket pair. On Linux the RTP socket is
// outside Go's network poller: a Leg reads it in its clock tick (see
// Clock); the RTCP socket is an ordinary net.UDPConn.
type Endpoint struct {
	rtp  *rtpSocket
	rtcp *net.UDPConn // on RTP's port + 1

	pool *Pool
	port int
	once sync.Once
}

// Port returns the RTP port (the one to put in SDP's m= line).
func (e *Endpoint) Port() int { return e.port }

// Addr returns the local RTP address.
func (e *Endpoint) Addr() netip.AddrPort { return e.rtp.addr() }

// RTCPAddr returns the local RTCP address.
func (e *Endpoint) RTCPAddr() netip.AddrPort { return e.rtcp.LocalAddr().(*net.UDPAddr).AddrPort() }

// Close closes both sockets and returns the pair to its pool. Further calls
// do nothing.
func (e *Endpoint) Close() error {
	var err error
	e.once.Do(func() {
		err = errors.Join(e.rtp.close(), e.rtcp.Close())
		if e.pool != nil {
			e.pool.release(e.port)
		}
	})
	return err
}
