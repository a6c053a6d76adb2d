package webrtc

import (
	"testing"

	"github.com/switchboard-voice/switchboard/media/dtmf"
)

func FuzzEventDecoder(f *testing.F) {
	f.Add(uint32(0), []byte{1, 0x8a, 0, 160})
	f.Add(uint32(160), []byte{11, 0x0a, 1, 64, 0, 0})
	f.Add(uint32(1), []byte{})
	f.Fuzz(func(t *testing.T, ts uint32, b []byte) {
		d := eventDecoder{clock: 8000}
		for i := 0; i < 3; i++ {
			out, err := d.decode(ts, 0, b)
			if err == nil && len(b) < 4 {
				t.Fatal("short payload accepted")
			}
			for _, x := range out {
				if _, ok := dtmf.Code(x.Digit); !ok {
					t.Fatalf("digit %q", x.Digit)
				}
			}
		}
	})
}

func FuzzCheckOffer(f *testing.F) {
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"))
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = checkOffer(b)
	})
}

func FuzzParseSDPFrag(f *testing.F) {
	f.Add("a=ice-ufrag:x\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseSDPFrag(s, "x")
	})
}
