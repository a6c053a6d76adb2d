package rtpio

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/switchboard-voice/switchboard/media"
)

// FuzzSessionPacket feeds arbitrary datagrams to the receive path: the
// session's checks and parsing (RTP, RTCP multiplexed on the port), then the
// leg's routing to the jitter buffer and the DTMF decoder. Nothing may panic
// and bad input must only be counted.
func FuzzSessionPacket(f *testing.F) {
	seed := func(p rtp.Packet) []byte {
		b, _ := p.Marshal()
		return b
	}
	h := rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1, Timestamp: 160, SSRC: 5}
	f.Add(seed(rtp.Packet{Header: h, Payload: make([]byte, 160)}))
	hd := h
	hd.PayloadType = 101
	f.Add(seed(rtp.Packet{Header: hd, Payload: []byte{5, 0x8a, 3, 0x20}}))
	f.Add(seed(rtp.Packet{Header: hd, Payload: []byte{5}}))
	hx := h
	hx.Extension, hx.ExtensionProfile = true, 0xBEDE
	hx.Extensions = nil
	_ = hx.SetExtension(1, []byte{1, 2})
	hx.CSRC = []uint32{1, 2}
	f.Add(seed(rtp.Packet{Header: hx, Payload: []byte{1, 2, 3}, PaddingSize: 4}))
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 9, Reports: []rtcp.ReceptionReport{{SSRC: 1}}}})
	f.Add(rr)
	f.Add([]byte{0x80})
	f.Add([]byte{0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff})

	// No sockets and no goroutines: background work would make coverage
	// noisy and the fuzzer would chase it.
	sess, err := newSession(nil, 8000, WithMaxPacketSize(1500))
	if err != nil {
		f.Fatal(err)
	}
	codec, _ := media.NewCodec("PCMU")
	leg, err := newLeg(sess, codec, LegConfig{RTPTimeout: -1})
	if err != nil {
		f.Fatal(err)
	}
	from := netip.MustParseAddrPort("127.0.0.1:5004")

	f.Fuzz(func(t *testing.T, data []byte) {
		var p rtp.Packet
		if sess.handleDatagram(data, from, time.Now(), &p) {
			leg.handlePacket(&p, time.Now())
		}
		leg.playout(time.Now(), 0) // drain the jitter buffer through the decoder
	})
}
