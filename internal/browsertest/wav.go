package browsertest

import (
	"encoding/binary"
	"math"
	"time"
)

// ToneWAV returns a mono 16-bit PCM WAV file of a sine at freq Hz, half
// of full scale, rate samples per second, lasting d.
func ToneWAV(freq float64, rate int, d time.Duration) []byte {
	n := int(d.Seconds() * float64(rate))
	data := make([]byte, 0, 2*n)
	for i := range n {
		v := int16(0.5 * 32767 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		data = binary.LittleEndian.AppendUint16(data, uint16(v))
	}
	h := []byte("RIFF")
	h = binary.LittleEndian.AppendUint32(h, uint32(36+len(data)))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1) // PCM
	h = binary.LittleEndian.AppendUint16(h, 1) // mono
	h = binary.LittleEndian.AppendUint32(h, uint32(rate))
	h = binary.LittleEndian.AppendUint32(h, uint32(2*rate)) // bytes per second
	h = binary.LittleEndian.AppendUint16(h, 2)              // bytes per frame
	h = binary.LittleEndian.AppendUint16(h, 16)             // bits per sample
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(data)))
	return append(h, data...)
}
