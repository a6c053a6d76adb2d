package voicebot

import (
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// vadOnset is how much voiced audio the detector needs before it reports
// speech; the onset is back-dated by it.
const vadOnset = 60 * time.Millisecond

// TEMPORARY energy detector until media/vad lands.
type energyVAD struct{ run int }

func (v *energyVAD) Process(f media.Frame) bool {
	if media.Level(f.Samples) > -35 {
		v.run++
	} else {
		v.run = 0
	}
	return v.run >= 3
}

func defaultVAD(rate int) VAD { return &energyVAD{} }

type passAEC struct{}

func (passAEC) Reference(media.Frame)              {}
func (passAEC) Process(in media.Frame) media.Frame { return in }

func defaultEchoCanceller(rate int) EchoCanceller { return passAEC{} }
