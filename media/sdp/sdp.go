package sdp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	psdp "github.com/pion/sdp/v3"
)

// Errors of the package; Parse and Negotiate wrap them with details.
var (
	// ErrMalformed: the description does not follow the SDP grammar.
	ErrMalformed = errors.New("sdp: malformed")
	// ErrNoAudio: no usable m=audio line.
	ErrNoAudio = errors.New("sdp: no audio m-line")
	// ErrBadPort: the audio port is out of range.
	ErrBadPort = errors.New("sdp: bad port")
	// ErrBadAddress: the connection address is missing or not an IP.
	ErrBadAddress = errors.New("sdp: bad connection address")
	// ErrProfile: the transport profile is not plain RTP (RTP/AVP,
	// RTP/AVPF). Secure profiles belong to the WebRTC side.
	ErrProfile = errors.New("sdp: unsupported transport profile")
)

// Direction is a stream's media direction attribute (RFC 3264).
type Direction string

// Directions.
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

// Reverse returns the direction an answerer uses for an offered direction.
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	}
	return SendRecv
}

func parseDirection(s string) (Direction, bool) {
	switch d := Direction(s); d {
	case SendRecv, SendOnly, RecvOnly, Inactive:
		return d, true
	}
	return "", false
}

// Format is one payload format of the audio m-line with its rtpmap and fmtp.
type Format struct {
	// PayloadType is the RTP payload type of the m-line.
	PayloadType uint8
	// Name is the encoding name ("PCMU", "telephone-event", "opus"), empty
	// for a dynamic type without rtpmap.
	Name string
	// ClockRate is the RTP clock rate.
	ClockRate int
	// Channels is 1 unless the rtpmap says otherwise.
	Channels int
	// Fmtp is the format parameters ("0-16", "useinbandfec=1"), if any.
	Fmtp string
}

// Is reports whether the format has the encoding name (case-insensitive).
func (f Format) Is(name string) bool { return strings.EqualFold(f.Name, name) }

// String renders the format as in an rtpmap line.
func (f Format) String() string {
	s := fmt.Sprintf("%d %s/%d", f.PayloadType, f.Name, f.ClockRate)
	if f.Channels > 1 {
		s += "/" + strconv.Itoa(f.Channels)
	}
	return s
}

// static are the RFC 3551 static audio payload types usable without rtpmap.
var static = map[uint8]Format{
	0:  {PayloadType: 0, Name: "PCMU", ClockRate: 8000, Channels: 1},
	3:  {PayloadType: 3, Name: "GSM", ClockRate: 8000, Channels: 1},
	4:  {PayloadType: 4, Name: "G723", ClockRate: 8000, Channels: 1},
	8:  {PayloadType: 8, Name: "PCMA", ClockRate: 8000, Channels: 1},
	9:  {PayloadType: 9, Name: "G722", ClockRate: 8000, Channels: 1},
	13: {PayloadType: 13, Name: "CN", ClockRate: 8000, Channels: 1},
	18: {PayloadType: 18, Name: "G729", ClockRate: 8000, Channels: 1},
}

// Origin is the o= line.
type Origin struct {
	Username       string
	SessionID      uint64
	SessionVersion uint64
	Address        string
}

// Session is the audio part of a session description: what a SIP call
// needs from an offer or an answer.
type Session struct {
	// Origin is the o= line.
	Origin Origin
	// Addr is the connection address of the audio stream (media-level c=
	// over session-level). 0.0.0.0 is RFC 2543 hold.
	Addr netip.Addr
	// Port is the audio port; 0 means the stream is rejected or disabled.
	Port int
	// Proto is the transport profile ("RTP/AVP").
	Proto string
	// Direction of the audio stream (media level over session level,
	// sendrecv when absent).
	Direction Direction
	// Formats in the order of the m-line (the sender's preference).
	Formats []Format
	// Ptime is the packet time in milliseconds (0 when absent).
	Ptime int
	// ICE is true when the description carries ICE credentials: then
	// c=0.0.0.0 is the ICE placeholder, not hold.
	ICE bool
}

// Remote returns the audio address and port.
func (s *Session) Remote() netip.AddrPort { return netip.AddrPortFrom(s.Addr, uint16(s.Port)) }

// Hold reports whether the peer puts the call on hold: sendonly or
// inactive, or the RFC 2543 connection address 0.0.0.0.
func (s *Session) Hold() bool {
	return s.Direction == SendOnly || s.Direction == Inactive || s.oldHold()
}

// oldHold reports the RFC 2543 hold: connection address 0.0.0.0 without ICE.
func (s *Session) oldHold() bool { return s.Addr.IsUnspecified() && !s.ICE }

// Format returns the format with payload type pt.
func (s *Session) Format(pt uint8) (Format, bool) {
	for _, f := range s.Formats {
		if f.PayloadType == pt {
			return f, true
		}
	}
	return Format{}, false
}

// Parse reads a session description and returns its first audio stream
// with a non-zero port (or the first audio stream when all are disabled).
func Parse(b []byte) (*Session, error) {
	text, err := checkLines(b)
	if err != nil {
		return nil, err
	}
	var d psdp.SessionDescription
	if err := d.UnmarshalString(text); err != nil {
		return nil, locate(text, err)
	}
	var md *psdp.MediaDescription
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		if md == nil || (md.MediaName.Port.Value == 0 && m.MediaName.Port.Value != 0) {
			md = m
		}
	}
	if md == nil {
		return nil, ErrNoAudio
	}
	s := &Session{
		Origin: Origin{
			Username:       d.Origin.Username,
			SessionID:      d.Origin.SessionID,
			SessionVersion: d.Origin.SessionVersion,
			Address:        d.Origin.UnicastAddress,
		},
		Port:      md.MediaName.Port.Value,
		Proto:     strings.Join(md.MediaName.Protos, "/"),
		Direction: SendRecv,
	}
	if s.Port < 0 || s.Port > 65535 {
		return nil, fmt.Errorf("%w: %d", ErrBadPort, s.Port)
	}
	conn := md.ConnectionInformation
	if conn == nil {
		conn = d.ConnectionInformation
	}
	if s.Addr, err = connAddr(conn); err != nil && s.Port != 0 {
		return nil, err
	}
	for _, a := range d.Attributes {
		s.attr(a)
	}
	// Media-level attributes override session-level ones.
	rtpmap := map[uint8]Format{}
	fmtp := map[uint8]string{}
	for _, a := range md.Attributes {
		s.attr(a)
		switch a.Key {
		case "rtpmap":
			if f, ok := parseRtpmap(a.Value); ok {
				rtpmap[f.PayloadType] = f
			}
		case "fmtp":
			pt, params, _ := strings.Cut(a.Value, " ")
			if n, err := strconv.ParseUint(pt, 10, 7); err == nil {
				fmtp[uint8(n)] = strings.TrimSpace(params)
			}
		}
	}
	for _, ft := range md.MediaName.Formats {
		n, err := strconv.ParseUint(ft, 10, 7)
		if err != nil {
			// Not an RTP payload type (for example "*" or a name); skip.
			continue
		}
		pt := uint8(n)
		f, ok := rtpmap[pt]
		if !ok {
			f, ok = static[pt]
			if !ok {
				f = Format{PayloadType: pt}
			}
		}
		f.Fmtp = fmtp[pt]
		s.Formats = append(s.Formats, f)
	}
	return s, nil
}

func (s *Session) attr(a psdp.Attribute) {
	if d, ok := parseDirection(a.Key); ok && a.Value == "" {
		s.Direction = d
		return
	}
	if a.Key == "ice-ufrag" {
		s.ICE = true
	}
	if a.Key == "ptime" {
		if n, err := strconv.Atoi(strings.TrimSpace(a.Value)); err == nil && n > 0 && n <= 1000 {
			s.Ptime = n
		}
	}
}

func connAddr(c *psdp.ConnectionInformation) (netip.Addr, error) {
	if c == nil || c.Address == nil {
		return netip.Addr{}, fmt.Errorf("%w: no c= line for the audio stream", ErrBadAddress)
	}
	if c.NetworkType != "IN" {
		return netip.Addr{}, fmt.Errorf("%w: network type %q", ErrBadAddress, c.NetworkType)
	}
	a, err := netip.ParseAddr(c.Address.Address)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %q is not an IP address", ErrBadAddress, c.Address.Address)
	}
	if (c.AddressType == "IP4") != a.Is4() {
		return netip.Addr{}, fmt.Errorf("%w: %s address %s", ErrBadAddress, c.AddressType, a)
	}
	return a, nil
}

// parseRtpmap reads "<pt> <name>/<rate>[/<channels>]".
func parseRtpmap(v string) (Format, bool) {
	pt, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return Format{}, false
	}
	n, err := strconv.ParseUint(pt, 10, 7)
	if err != nil {
		return Format{}, false
	}
	parts := strings.Split(strings.TrimSpace(rest), "/")
	if len(parts) < 2 || parts[0] == "" {
		return Format{}, false
	}
	rate, err := strconv.Atoi(parts[1])
	if err != nil || rate <= 0 {
		return Format{}, false
	}
	f := Format{PayloadType: uint8(n), Name: parts[0], ClockRate: rate, Channels: 1}
	if len(parts) > 2 {
		if ch, err := strconv.Atoi(parts[2]); err == nil && ch > 0 {
			f.Channels = ch
		}
	}
	return f, true
}

// checkLines normalises line endings and checks that every line has the
// form "<letter>=<value>", so that errors can name the line.
func checkLines(b []byte) (string, error) {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.TrimRight(b, "\n \t")
	if len(b) == 0 {
		return "", fmt.Errorf("%w: empty description", ErrMalformed)
	}
	lines := bytes.Split(b, []byte("\n"))
	var out strings.Builder
	for i, l := range lines {
		if len(l) < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z' {
			return "", fmt.Errorf("%w: line %d: %q", ErrMalformed, i+1, trunc(l))
		}
		out.Write(l)
		out.WriteString("\r\n")
	}
	return out.String(), nil
}

// locate turns a pion/sdp error into one that names the line.
func locate(text string, err error) error {
	msg := err.Error()
	sentinel := ErrMalformed
	if strings.Contains(msg, "port") {
		sentinel = ErrBadPort
	}
	if i := strings.IndexByte(msg, '`'); i >= 0 {
		if j := strings.IndexByte(msg[i+1:], '`'); j > 0 {
			frag := msg[i+1 : i+1+j]
			for n, l := range strings.Split(text, "\r\n") {
				if frag != "" && strings.Contains(l, frag) {
					return fmt.Errorf("%w: line %d: %q: %v", sentinel, n+1, trunc([]byte(l)), err)
				}
			}
		}
	}
	return fmt.Errorf("%w: %v", sentinel, err)
}

func trunc(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}
