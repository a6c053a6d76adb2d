//go:build linux

package rtpio

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rtpSocket is the RTP socket of an Endpoint. On Linux it is a plain
// non-blocking UDP socket outside Go's network poller: a Leg reads it in
// its clock tick with recvmmsg (Clock), so no goroutine waits for its
// packets and no poller wakes up for them, and sends are one sendto each.
// A blocking reader (Session.ReadRTP, for sessions used without a Leg) gets
// a duplicate of the descriptor in the poller, made on first use.
type rtpSocket struct {
	// mu is read-held while fd is in use and write-held to close it, so a
	// send on one goroutine never hits a descriptor number that Close freed
	// and the process reused.
	mu     sync.RWMutex
	fd     int // -1 once closed
	family int
	local  netip.AddrPort

	connMu sync.Mutex
	conn   *net.UDPConn // the poller duplicate for blocking reads, or nil
	closed bool
}

// listenRTP binds a non-blocking UDP socket on ap, with kernel receive
// timestamps. An unspecified IPv4 address binds dual-stack, as package net
// does.
func listenRTP(ap netip.AddrPort) (*rtpSocket, error) {
	addr := ap.Addr()
	family := unix.AF_INET
	if addr.Is6() || addr.IsUnspecified() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil && family == unix.AF_INET6 && addr.Is4() {
		family = unix.AF_INET // no IPv6 on this host
		fd, err = unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	}
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	c := &rtpSocket{fd: fd, family: family}
	if err := c.bind(ap); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return c, nil
}

func (c *rtpSocket) bind(ap netip.AddrPort) error {
	var sa unix.Sockaddr
	if c.family == unix.AF_INET {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	} else {
		if ap.Addr().IsUnspecified() {
			// Dual-stack, like package net for an unspecified address.
			if err := unix.SetsockoptInt(c.fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0); err != nil {
				return os.NewSyscallError("setsockopt", err)
			}
			ap = netip.AddrPortFrom(netip.IPv6Unspecified(), ap.Port())
		}
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	// Kernel receive timestamps: a packet read in a later clock tick still
	// gets the time it arrived.
	if err := unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	if err := unix.Bind(c.fd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	got, err := unix.Getsockname(c.fd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	switch sa := got.(type) {
	case *unix.SockaddrInet4:
		c.local = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		c.local = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return nil
}

// addr returns the bound address.
func (c *rtpSocket) addr() netip.AddrPort { return c.local }

// batched reports that a Leg reads this socket in its clock tick.
func (c *rtpSocket) batched() bool { return true }

// writeTo sends one datagram without blocking: a full send buffer is an
// error (EAGAIN), as a late RTP packet is worth no more than a lost one.
func (c *rtpSocket) writeTo(b []byte, dst netip.AddrPort) error {
	var sa unix.RawSockaddrInet6 // large enough for either family
	salen, err := c.sockaddr(dst, &sa)
	if err != nil {
		return err
	}
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.fd < 0 {
		return net.ErrClosed
	}
	for {
		_, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(c.fd), uintptr(p), uintptr(len(b)),
			unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&sa)), uintptr(salen))
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return os.NewSyscallError("sendto", errno)
	}
}

// sockaddr writes dst in the socket's family to sa and returns its length.
func (c *rtpSocket) sockaddr(dst netip.AddrPort, sa *unix.RawSockaddrInet6) (int, error) {
	a := dst.Addr()
	port := (*[2]byte)(unsafe.Pointer(&sa.Port))
	port[0], port[1] = byte(dst.Port()>>8), byte(dst.Port())
	if c.family == unix.AF_INET {
		a = a.Unmap()
		if !a.Is4() {
			return 0, fmt.Errorf("rtpio: send to %s from an IPv4 socket: %w", dst, unix.EAFNOSUPPORT)
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		sa4.Family = unix.AF_INET
		sa4.Addr = a.As4()
		return unix.SizeofSockaddrInet4, nil
	}
	sa.Family = unix.AF_INET6
	sa.Addr = a.As16() // IPv4 addresses as v4-mapped
	if z := a.Zone(); z != "" {
		if n, err := strconv.ParseUint(z, 10, 32); err == nil {
			sa.Scope_id = uint32(n)
		} else if ifi, err := net.InterfaceByName(z); err == nil {
			sa.Scope_id = uint32(ifi.Index)
		}
	}
	return unix.SizeofSockaddrInet6, nil
}

// recvBatch reads up to len(rx.msgs) queued datagrams into rx without
// blocking; 0 means none was queued.
func (c *rtpSocket) recvBatch(rx *rxBatch) (int, error) {
	rx.prepare()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.fd < 0 {
		return 0, net.ErrClosed
	}
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(c.fd),
			uintptr(unsafe.Pointer(&rx.msgs[0])), uintptr(len(rx.msgs)), unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
			return int(n), nil
		case unix.EAGAIN:
			return 0, nil
		case unix.EINTR:
			continue
		}
		return 0, os.NewSyscallError("recvmmsg", errno)
	}
}

// blocking returns the poller duplicate of the socket for blocking reads,
// making it on first use.
func (c *rtpSocket) blocking() (*net.UDPConn, error) {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	if c.closed {
		return nil, net.ErrClosed
	}
	if c.conn != nil {
		return c.conn, nil
	}
	c.mu.RLock()
	fd, err := unix.FcntlInt(uintptr(c.fd), unix.F_DUPFD_CLOEXEC, 0)
	c.mu.RUnlock()
	if err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(fd), "rtp")
	pc, err := net.FilePacketConn(f) // dups again: f is closed below
	f.Close()
	if err != nil {
		return nil, err
	}
	conn, ok := pc.(*net.UDPConn)
	if !ok {
		pc.Close()
		return nil, errors.New("rtpio: RTP socket is not UDP")
	}
	c.conn = conn
	return conn, nil
}

// readFrom blocks until a datagram arrives (Session.ReadRTP).
func (c *rtpSocket) readFrom(b []byte) (int, netip.AddrPort, error) {
	conn, err := c.blocking()
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return conn.ReadFromUDPAddrPort(b)
}

// setReadDeadline sets the deadline of blocking reads.
func (c *rtpSocket) setReadDeadline(t time.Time) error {
	conn, err := c.blocking()
	if err != nil {
		return err
	}
	return conn.SetReadDeadline(t)
}

// close closes the socket (and its poller duplicate, which wakes a blocked
// reader). Further calls do nothing.
func (c *rtpSocket) close() error {
	c.connMu.Lock()
	c.closed = true
	conn := c.conn
	c.connMu.Unlock()
	var err error
	if conn != nil {
		err = conn.Close()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fd >= 0 {
		err = errors.Join(err, os.NewSyscallError("close", unix.Close(c.fd)))
		c.fd = -1
	}
	return err
}

// rxBatchSize is how many datagrams one recvmmsg reads: a leg reads once
// per 20 ms tick and usually finds one packet, two when the far end's
// sending drifts across the tick, more after a stall.
const rxBatchSize = 8

// rxDefaultBuffer is the size of each datagram buffer, grown for sessions
// that accept larger packets (WithMaxPacketSize).
const rxDefaultBuffer = DefaultMaxPacketSize + 1

// rxOOBSize holds one SCM_TIMESTAMPNS control message.
var rxOOBSize = unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{})))

// rxBatch is the receive buffers of one clock worker, shared by the legs it
// ticks (one at a time): recvmmsg headers, datagram buffers, source
// addresses and control messages.
type rxBatch struct {
	msgs  [rxBatchSize]unix.Mmsghdr
	iovs  [rxBatchSize]unix.Iovec
	names [rxBatchSize]unix.RawSockaddrInet6
	oob   []byte
	bufs  [rxBatchSize][]byte
	size  int // of each buffer
}

func newRxBatch() *rxBatch {
	rx := &rxBatch{oob: make([]byte, rxBatchSize*rxOOBSize)}
	rx.ensure(rxDefaultBuffer)
	for i := range rx.msgs {
		h := &rx.msgs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&rx.names[i]))
		h.Iov = &rx.iovs[i]
		h.SetIovlen(1)
		h.Control = &rx.oob[i*rxOOBSize]
	}
	return rx
}

// ensure makes every buffer hold at least size bytes.
func (rx *rxBatch) ensure(size int) {
	if size <= rx.size {
		return
	}
	rx.size = size
	for i := range rx.bufs {
		rx.bufs[i] = make([]byte, size)
		rx.iovs[i].Base = &rx.bufs[i][0]
		rx.iovs[i].SetLen(size)
	}
}

// prepare resets the lengths the kernel overwrites.
func (rx *rxBatch) prepare() {
	for i := range rx.msgs {
		m := &rx.msgs[i]
		m.Len = 0
		m.Hdr.Namelen = unix.SizeofSockaddrInet6
		m.Hdr.SetControllen(rxOOBSize)
		m.Hdr.Flags = 0
	}
}

// datagram returns datagram i of the last recvBatch: its bytes (valid until
// the next recvBatch), source and arrival time. now is when the batch was
// read; the arrival is the kernel's receive timestamp on the same
// monotonic clock, or now without one.
func (rx *rxBatch) datagram(i int, now time.Time) ([]byte, netip.AddrPort, time.Time) {
	m := &rx.msgs[i]
	b := rx.bufs[i][:min(int(m.Len), rx.size)]
	var from netip.AddrPort
	switch sa := &rx.names[i]; sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		from = netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), netPort(sa4.Port))
	case unix.AF_INET6:
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			a = a.WithZone(strconv.FormatUint(uint64(sa.Scope_id), 10))
		}
		from = netip.AddrPortFrom(a, netPort(sa.Port))
	}
	return b, from, rx.arrival(i, now)
}

// netPort converts a port in network byte order as stored in a sockaddr.
func netPort(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// maxArrivalAge bounds a kernel timestamp's age: beyond it (the wall clock
// was stepped) the read time is used.
const maxArrivalAge = time.Second

// arrival finds the SCM_TIMESTAMPNS control message of datagram i.
func (rx *rxBatch) arrival(i int, now time.Time) time.Time {
	h := &rx.msgs[i].Hdr
	oob := rx.oob[i*rxOOBSize : i*rxOOBSize+min(int(h.Controllen), rxOOBSize)]
	for len(oob) >= unix.SizeofCmsghdr {
		cm := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(cm.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			break
		}
		if cm.Level == unix.SOL_SOCKET && cm.Type == unix.SCM_TIMESTAMPNS &&
			l >= unix.CmsgLen(int(unsafe.Sizeof(unix.Timespec{}))) {
			ts := (*unix.Timespec)(unsafe.Pointer(&oob[unix.CmsgLen(0)]))
			age := time.Duration(now.UnixNano() - ts.Nano())
			if age < 0 || age > maxArrivalAge {
				return now
			}
			return now.Add(-age)
		}
		oob = oob[min(cmsgAlign(l), len(oob)):]
	}
	return now
}

// cmsgAlign rounds n up to the alignment of control messages.
func cmsgAlign(n int) int {
	const a = int(unsafe.Sizeof(uintptr(0)))
	return (n + a - 1) &^ (a - 1)
}
