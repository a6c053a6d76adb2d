package aec_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/aec"
)

// A bot talks (here: syllable-like bursts of noise) on a line that echoes
// it back 100 ms later at half its level.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	bot := make([]int16, 3*8000)
	for i := range bot {
		syllable := math.Max(0, math.Sin(2*math.Pi*4*float64(i)/8000)) // 4 a second
		bot[i] = int16(3000 * syllable * rng.NormFloat64())
	}
	const delay = 800 // samples: 100 ms
	c, err := aec.New(media.Rate8k)
	if err != nil {
		panic(err)
	}
	in := make([]int16, 160)
	var before, after float64
	for k := 0; (k+1)*160 <= len(bot); k++ {
		for i := range in {
			if j := k*160 + i - delay; j >= 0 {
				in[i] = bot[j] / 2
			}
		}
		c.Reference(media.Frame{Samples: bot[k*160 : (k+1)*160], Rate: media.Rate8k})
		res := c.Process(media.Frame{Samples: in, Rate: media.Rate8k, Timestamp: time.Duration(k) * media.FrameDuration})
		if k >= 100 { // the last second
			before += math.Pow(10, media.Level(in)/10)
			after += math.Pow(10, media.Level(res.Samples)/10)
		}
	}
	fmt.Println("echo delay:", c.EchoDelay().Round(time.Millisecond))
	fmt.Println("converged:", c.Converged())
	fmt.Println("linear filter cancels more than 30 dB:", c.ERLE() > 30)
	fmt.Println("echo left after suppression below -60 dB:", 10*math.Log10(after/before) < -60)
	// Output:
	// echo delay: 100ms
	// converged: true
	// linear filter cancels more than 30 dB: true
	// echo left after suppression below -60 dB: true
}
