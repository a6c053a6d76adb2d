//go:build !linux

package rtpio

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"
)

// rtpSocket is the RTP socket of an Endpoint. Outside Linux it is a
// net.UDPConn in Go's network poller, and a Leg reads it with a goroutine
// of its own (batched reads in the clock tick need recvmmsg).
type rtpSocket struct {
	conn *net.UDPConn
}

func listenRTP(ap netip.AddrPort) (*rtpSocket, error) {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(context.Background(), "udp", ap.String())
	if err != nil {
		return nil, err
	}
	return &rtpSocket{conn: pc.(*net.UDPConn)}, nil
}

func (c *rtpSocket) addr() netip.AddrPort { return c.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// batched reports that a Leg cannot read this socket in its clock tick.
func (c *rtpSocket) batched() bool { return false }

func (c *rtpSocket) writeTo(b []byte, dst netip.AddrPort) error {
	_, err := c.conn.WriteToUDPAddrPort(b, dst)
	return err
}

func (c *rtpSocket) readFrom(b []byte) (int, netip.AddrPort, error) {
	return c.conn.ReadFromUDPAddrPort(b)
}

func (c *rtpSocket) setReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

func (c *rtpSocket) recvBatch(*rxBatch) (int, error) { return 0, errors.ErrUnsupported }

func (c *rtpSocket) close() error { return c.conn.Close() }

// rxBatch is empty: there are no batched reads on this platform.
type rxBatch struct{}

func newRxBatch() *rxBatch { return &rxBatch{} }

func (rx *rxBatch) ensure(int) {}

func (rx *rxBatch) datagram(int, time.Time) ([]byte, netip.AddrPort, time.Time) {
	return nil, netip.AddrPort{}, time.Time{}
}

const rxBatchSize = 0
