package sdp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/media"
)

func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(strings.TrimLeft(s, "\n"), "\n", "\r\n"))
}

var (
	asterisk = crlf(`
v=0
o=- 1718191215 1718191215 IN IP4 192.0.2.10
s=Asterisk
c=IN IP4 192.0.2.10
t=0 0
m=audio 14350 RTP/AVP 8 0 3 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:3 GSM/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendrecv
`)
	freeswitch = crlf(`
v=0
o=FreeSWITCH 1718170000 1718170001 IN IP4 198.51.100.7
s=FreeSWITCH
c=IN IP4 198.51.100.7
t=0 0
m=audio 24680 RTP/AVP 9 0 8 102 101 13
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:102 telephone-event/16000
a=fmtp:102 0-16
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=rtpmap:13 CN/8000
a=ptime:20
`)
	baresip = crlf(`
v=0
o=- 1957345302 1093522154 IN IP4 10.0.0.5
s=-
c=IN IP4 10.0.0.5
t=0 0
m=audio 10630 RTP/AVP 96 0 8 101
b=AS:64
a=rtpmap:96 opus/48000/2
a=fmtp:96 stereo=1;sprop-stereo=1
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
a=label:1
a=rtcp-rsize
a=ssrc:1264327473 cname:8f0a2b@10.0.0.5
`)
	sipp = crlf(`
v=0
o=user1 53655765 2353687637 IN IP4 127.0.1.1
s=-
c=IN IP4 127.0.1.1
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
`)
	chrome = crlf(`
v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0
a=extmap-allow-mixed
a=msid-semantic: WMS
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=ice-ufrag:abcd
a=ice-pwd:abcdefghijklmnopqrstuvwx
a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF
a=setup:actpass
a=mid:0
a=sendrecv
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
`)
	// Chrome-like offer over plain RTP (what a SIP gateway in front of a
	// browser sends).
	chromePlain  = []byte(strings.Replace(string(chrome), "UDP/TLS/RTP/SAVPF", "RTP/AVPF", 1))
	holdSendonly = crlf(`
v=0
o=- 1718191215 1718191216 IN IP4 192.0.2.10
s=Asterisk
c=IN IP4 192.0.2.10
t=0 0
m=audio 14350 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendonly
`)
	holdOldStyle = crlf(`
v=0
o=- 1 2 IN IP4 192.0.2.10
s=-
c=IN IP4 0.0.0.0
t=0 0
m=audio 14350 RTP/AVP 0
a=rtpmap:0 PCMU/8000
`)
	inactiveSession = crlf(`
v=0
o=- 1 2 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
a=inactive
m=audio 14350 RTP/AVP 0
`)
	g729Only = crlf(`
v=0
o=- 1 2 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 14350 RTP/AVP 18 101
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:101 telephone-event/8000
`)
)

var g711 = []string{"PCMU", "PCMA"}
var withOpus = []string{"opus", "PCMU", "PCMA"}

func TestParse(t *testing.T) {
	s, err := Parse(freeswitch)
	if err != nil {
		t.Fatal(err)
	}
	if s.Origin.Username != "FreeSWITCH" || s.Origin.SessionVersion != 1718170001 {
		t.Errorf("origin %+v", s.Origin)
	}
	if got, want := s.Remote(), netip.MustParseAddrPort("198.51.100.7:24680"); got != want {
		t.Errorf("remote %v, want %v", got, want)
	}
	if s.Direction != SendRecv || s.Ptime != 20 || s.Proto != "RTP/AVP" {
		t.Errorf("direction %q ptime %d proto %q", s.Direction, s.Ptime, s.Proto)
	}
	var names []string
	for _, f := range s.Formats {
		names = append(names, f.String())
	}
	want := "9 G722/8000,0 PCMU/8000,8 PCMA/8000,102 telephone-event/16000,101 telephone-event/8000,13 CN/8000"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("formats\n got %s\nwant %s", got, want)
	}
	if f, _ := s.Format(101); f.Fmtp != "0-16" {
		t.Errorf("fmtp %q", f.Fmtp)
	}

	b, err := Parse(baresip)
	if err != nil {
		t.Fatal(err)
	}
	if f := b.Formats[0]; f.Name != "opus" || f.ClockRate != 48000 || f.Channels != 2 || f.Fmtp != "stereo=1;sprop-stereo=1" {
		t.Errorf("opus format %+v", f)
	}

	// Static payload type without rtpmap; LF-only line endings.
	s, err = Parse([]byte("v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\nm=audio 4000 RTP/AVP 8\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Formats[0].Name != "PCMA" {
		t.Errorf("static PCMA: %+v", s.Formats)
	}

	// Media-level c= and direction override session level; IPv6.
	s, err = Parse(crlf(`
v=0
o=- 1 1 IN IP6 2001:db8::1
s=-
c=IN IP6 2001:db8::1
t=0 0
a=sendonly
m=video 5000 RTP/AVP 96
m=audio 4000 RTP/AVP 0
c=IN IP6 2001:db8::2
a=recvonly
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr != netip.MustParseAddr("2001:db8::2") || s.Direction != RecvOnly {
		t.Errorf("addr %v direction %q", s.Addr, s.Direction)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		sdp  string
		want error
		msg  string
	}{
		{"empty", "", ErrMalformed, "empty"},
		{"garbage line", "v=0\no=- 1 1 IN IP4 1.2.3.4\nhello\n", ErrMalformed, "line 3"},
		{"no audio", "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\nt=0 0\nm=video 5000 RTP/AVP 96\n", ErrNoAudio, ""},
		{"no m-line", "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\nt=0 0\n", ErrNoAudio, ""},
		{"bad port", "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\nt=0 0\nm=audio 70000 RTP/AVP 0\n", ErrBadPort, "line 6"},
		{"port not a number", "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\nt=0 0\nm=audio abc RTP/AVP 0\n", ErrBadPort, ""},
		{"no c= line", "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n", ErrBadAddress, "no c= line"},
		{"hostname", "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 pbx.example.com\nt=0 0\nm=audio 4000 RTP/AVP 0\n", ErrBadAddress, "pbx.example.com"},
		{"ip6 as ip4", "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 ::1\nt=0 0\nm=audio 4000 RTP/AVP 0\n", ErrBadAddress, ""},
		{"bad version", "v=1\no=- 1 1 IN IP4 1.2.3.4\ns=-\nt=0 0\n", ErrMalformed, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.sdp))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name      string
		offer     []byte
		supported []string
		codec     string
		pt        uint8
		dtmf      int // telephone-event payload type, -1 for none
		dir       Direction
		remote    string
		err       error
	}{
		{"asterisk prefers PCMA", asterisk, g711, "PCMA", 8, 101, SendRecv, "192.0.2.10:14350", nil},
		{"freeswitch G722 first", freeswitch, g711, "PCMU", 0, 101, SendRecv, "198.51.100.7:24680", nil},
		{"baresip opus", baresip, withOpus, "opus", 96, -1, SendRecv, "10.0.0.5:10630", nil},
		{"baresip without opus", baresip, g711, "PCMU", 0, 101, SendRecv, "10.0.0.5:10630", nil},
		{"sipp default", sipp, g711, "PCMU", 0, -1, SendRecv, "127.0.1.1:6000", nil},
		{"chrome plain opus", chromePlain, withOpus, "opus", 111, 110, SendRecv, "0.0.0.0:9", nil},
		{"chrome plain g711", chromePlain, g711, "PCMU", 0, 126, SendRecv, "0.0.0.0:9", nil},
		{"chrome dtls", chrome, withOpus, "", 0, -1, "", "", ErrProfile},
		{"hold sendonly", holdSendonly, g711, "PCMU", 0, 101, RecvOnly, "192.0.2.10:14350", nil},
		{"hold 0.0.0.0", holdOldStyle, g711, "PCMU", 0, -1, RecvOnly, "0.0.0.0:14350", nil},
		{"inactive at session level", inactiveSession, g711, "PCMU", 0, -1, Inactive, "192.0.2.10:14350", nil},
		{"no common codec", g729Only, g711, "", 0, -1, "", "", media.ErrNoCodec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offer, err := Parse(tt.offer)
			if err != nil {
				t.Fatal(err)
			}
			ans, err := Negotiate(offer, tt.supported)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ans.Codec.Name != tt.codec || ans.Codec.PayloadType != tt.pt {
				t.Errorf("codec %s/%d, want %s/%d", ans.Codec.Name, ans.Codec.PayloadType, tt.codec, tt.pt)
			}
			if tt.dtmf < 0 && ans.HasDTMF() || tt.dtmf >= 0 && (!ans.HasDTMF() || int(ans.DTMF.PayloadType) != tt.dtmf) {
				t.Errorf("dtmf %+v, want pt %d", ans.DTMF, tt.dtmf)
			}
			if ans.Direction != tt.dir {
				t.Errorf("direction %q, want %q", ans.Direction, tt.dir)
			}
			if ans.Remote.String() != tt.remote {
				t.Errorf("remote %v, want %s", ans.Remote, tt.remote)
			}
			if ans.Ptime != 20 {
				t.Errorf("ptime %d", ans.Ptime)
			}
		})
	}
}

func TestNegotiateDisabledStream(t *testing.T) {
	offer, err := Parse([]byte("v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\nt=0 0\nm=audio 0 RTP/AVP 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Negotiate(offer, g711); !errors.Is(err, ErrNoAudio) {
		t.Fatalf("err = %v", err)
	}
}

func TestBuildRoundTrip(t *testing.T) {
	local := netip.MustParseAddrPort("127.0.0.1:40000")
	for _, dir := range []Direction{SendRecv, SendOnly, RecvOnly, Inactive} {
		t.Run("offer "+string(dir), func(t *testing.T) {
			b, err := Build(Params{Addr: local.Addr(), Port: int(local.Port()), Formats: OfferFormats(withOpus), Direction: dir, SessionID: 42, Version: 7})
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(b)
			if err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if s.Remote() != local || s.Direction != dir || s.Ptime != 20 || s.Origin.SessionID != 42 || s.Origin.SessionVersion != 7 {
				t.Errorf("round trip: %+v\n%s", s, b)
			}
			want := []string{"111 opus/48000/2", "0 PCMU/8000", "8 PCMA/8000", "101 telephone-event/8000", "102 telephone-event/48000"}
			if len(s.Formats) != len(want) {
				t.Fatalf("formats %v", s.Formats)
			}
			for i, f := range s.Formats {
				if f.String() != want[i] {
					t.Errorf("format %d = %s, want %s", i, f, want[i])
				}
			}
			if f, _ := s.Format(101); f.Fmtp != "0-16" {
				t.Errorf("telephone-event fmtp %q", f.Fmtp)
			}
			// Our own offer negotiates against our own codecs.
			ans, err := Negotiate(s, g711)
			if err != nil || ans.Codec.Name != "PCMU" || ans.DTMF.PayloadType != 101 || ans.Direction != dir.Reverse() {
				t.Errorf("negotiate own offer: %+v, %v", ans, err)
			}
		})
	}
	t.Run("answer", func(t *testing.T) {
		offer, _ := Parse(holdSendonly)
		ans, err := Negotiate(offer, g711)
		if err != nil {
			t.Fatal(err)
		}
		b, err := BuildAnswer(ans, local, 9, 1)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if s.Direction != RecvOnly || len(s.Formats) != 2 || s.Formats[0].Name != "PCMU" || s.Formats[1].PayloadType != 101 {
			t.Errorf("answer %+v\n%s", s, b)
		}
		if !strings.Contains(string(b), "\r\nc=IN IP4 127.0.0.1\r\n") {
			t.Errorf("no c= line:\n%s", b)
		}
	})
	t.Run("ipv6", func(t *testing.T) {
		b, err := Build(Params{Addr: netip.MustParseAddr("::1"), Port: 5004, Formats: OfferFormats(g711)})
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(b)
		if err != nil || s.Addr.String() != "::1" {
			t.Fatalf("%v %v\n%s", s, err, b)
		}
	})
	t.Run("errors", func(t *testing.T) {
		if _, err := Build(Params{Port: 1, Formats: OfferFormats(g711)}); !errors.Is(err, ErrBadAddress) {
			t.Errorf("no address: %v", err)
		}
		if _, err := Build(Params{Addr: local.Addr(), Port: 1}); err == nil {
			t.Error("no formats: no error")
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range [][]byte{asterisk, freeswitch, baresip, sipp, chrome, holdSendonly, holdOldStyle, inactiveSession, g729Only} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		// Whatever parses negotiates and rebuilds without panicking.
		if ans, err := Negotiate(s, withOpus); err == nil && s.Addr.IsValid() {
			if _, err := BuildAnswer(ans, netip.MustParseAddrPort("127.0.0.1:4000"), 1, 1); err != nil {
				t.Fatalf("build answer: %v", err)
			}
		}
	})
}
