package sdp

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"

	psdp "github.com/pion/sdp/v3"
)

// Default dynamic payload types we offer.
const (
	// DTMFPayloadType is telephone-event/8000 in our offers.
	DTMFPayloadType = 101
	// DTMFPayloadType48k is telephone-event/48000, offered with Opus.
	DTMFPayloadType48k = 102
)

// Params describe a description to build.
type Params struct {
	// Addr is our media IP, put in o= and c=.
	Addr netip.Addr
	// Port is our RTP port.
	Port int
	// Formats in order of preference, telephone-event included.
	Formats []Format
	// Direction; empty means sendrecv.
	Direction Direction
	// Ptime in milliseconds; 0 means 20.
	Ptime int
	// SessionID and Version of the o= line. A zero SessionID is replaced
	// with a random one; increment Version for every new description of
	// the same session (RFC 3264 section 8).
	SessionID, Version uint64
	// Username of the o= line; empty means "-".
	Username string
}

// OfferFormats returns the formats we offer for the codec names (as
// media.Codecs returns them), with telephone-event at each clock rate.
func OfferFormats(codecs []string) []Format {
	var out []Format
	rates := map[int]bool{}
	for _, name := range codecs {
		info, ok := codecInfo(name)
		if !ok {
			continue
		}
		out = append(out, Format{PayloadType: info.PayloadType, Name: info.Name, ClockRate: info.ClockRate, Channels: info.Channels})
		rates[info.ClockRate] = true
	}
	if rates[8000] {
		out = append(out, Format{PayloadType: DTMFPayloadType, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: "0-16"})
	}
	if rates[48000] {
		out = append(out, Format{PayloadType: DTMFPayloadType48k, Name: "telephone-event", ClockRate: 48000, Channels: 1, Fmtp: "0-16"})
	}
	return out
}

// Build renders a session description with one audio stream.
func Build(p Params) ([]byte, error) {
	if !p.Addr.IsValid() {
		return nil, fmt.Errorf("%w: no address to build with", ErrBadAddress)
	}
	if p.Port < 0 || p.Port > 65535 {
		return nil, fmt.Errorf("%w: %d", ErrBadPort, p.Port)
	}
	if len(p.Formats) == 0 {
		return nil, fmt.Errorf("sdp: build: no formats")
	}
	if p.SessionID == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		p.SessionID = binary.BigEndian.Uint64(b[:]) >> 2 // keep it positive and short
	}
	if p.Username == "" {
		p.Username = "-"
	}
	if p.Direction == "" {
		p.Direction = SendRecv
	}
	if p.Ptime == 0 {
		p.Ptime = 20
	}
	addrType := "IP4"
	if p.Addr.Is6() && !p.Addr.Is4In6() {
		addrType = "IP6"
	}
	addr := p.Addr.Unmap().String()
	md := &psdp.MediaDescription{
		MediaName: psdp.MediaName{
			Media:  "audio",
			Port:   psdp.RangedPort{Value: p.Port},
			Protos: []string{"RTP", "AVP"},
		},
	}
	for _, f := range p.Formats {
		pt := strconv.Itoa(int(f.PayloadType))
		md.MediaName.Formats = append(md.MediaName.Formats, pt)
		md.Attributes = append(md.Attributes, psdp.NewAttribute("rtpmap", f.String()))
		if f.Fmtp != "" {
			md.Attributes = append(md.Attributes, psdp.NewAttribute("fmtp", pt+" "+f.Fmtp))
		}
	}
	md.Attributes = append(md.Attributes,
		psdp.NewAttribute("ptime", strconv.Itoa(p.Ptime)),
		psdp.NewPropertyAttribute(string(p.Direction)),
	)
	d := psdp.SessionDescription{
		Origin: psdp.Origin{
			Username:       p.Username,
			SessionID:      p.SessionID,
			SessionVersion: p.Version,
			NetworkType:    "IN",
			AddressType:    addrType,
			UnicastAddress: addr,
		},
		SessionName: "switchboard",
		ConnectionInformation: &psdp.ConnectionInformation{
			NetworkType: "IN",
			AddressType: addrType,
			Address:     &psdp.Address{Address: addr},
		},
		TimeDescriptions:  []psdp.TimeDescription{{}},
		MediaDescriptions: []*psdp.MediaDescription{md},
	}
	return d.Marshal()
}

// BuildAnswer renders the answer for a negotiated offer.
func BuildAnswer(a Answer, local netip.AddrPort, sessionID, version uint64) ([]byte, error) {
	return Build(Params{
		Addr:      local.Addr(),
		Port:      int(local.Port()),
		Formats:   a.Formats(),
		Direction: a.Direction,
		Ptime:     a.Ptime,
		SessionID: sessionID,
		Version:   version,
	})
}
