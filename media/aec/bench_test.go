package aec

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/vad"
)

// benchFrames returns the bot's frames and the echoing line's at rate.
func benchFrames(b *testing.B, rate int) (refs, ins []media.Frame) {
	bot := loadSpeech(b, "demo-moreinfo")
	in := call(b, line{delay: 120 * time.Millisecond, gain: 0.5, g711: true}, bot, nil)
	bot, in = upsample(b, bot, rate), upsample(b, in, rate)
	nf := len(bot) / media.SamplesPerFrame(rate)
	refs, ins = make([]media.Frame, nf), make([]media.Frame, nf)
	for k := range nf {
		refs[k], ins[k] = frameOf(bot, k, rate), frameOf(in, k, rate)
	}
	return refs, ins
}

// BenchmarkProcess measures one 20 ms frame per iteration, Reference
// plus Process, at each rate: "echo" while the bot talks on an echoing
// line (after convergence: the filter runs), "silent" while it does not
// (the input passes through).
func BenchmarkProcess(b *testing.B) {
	for _, rate := range []int{media.Rate8k, media.Rate16k, media.Rate48k} {
		for _, mode := range []string{"echo", "silent"} {
			b.Run(fmt.Sprintf("%d/%s", rate, mode), func(b *testing.B) {
				refs, ins := benchFrames(b, rate)
				c, err := New(rate)
				if err != nil {
					b.Fatal(err)
				}
				for k := range refs { // converge
					c.Reference(refs[k])
					c.Process(ins[k])
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					k := i % len(refs)
					if mode == "echo" {
						c.Reference(refs[k])
						c.Process(ins[k])
					} else {
						c.Process(refs[k])
					}
				}
			})
		}
	}
}

// BenchmarkPipeline is the receive path of a voicebot at 8 kHz: the
// canceller, then a VAD on its output, per frame.
func BenchmarkPipeline(b *testing.B) {
	refs, ins := benchFrames(b, media.Rate8k)
	c, _ := New(media.Rate8k)
	d, _ := vad.New(media.Rate8k)
	for k := range refs {
		c.Reference(refs[k])
		d.Process(c.Process(ins[k]))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % len(refs)
		c.Reference(refs[k])
		d.Process(c.Process(ins[k]))
	}
}

func upsample(t testing.TB, s []int16, rate int) []int16 {
	if rate == media.Rate8k {
		return s
	}
	r, err := media.NewResampler(media.Rate8k, rate)
	if err != nil {
		t.Fatal(err)
	}
	return r.Resample(nil, s)
}
