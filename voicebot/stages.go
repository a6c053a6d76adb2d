package voicebot

import (
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/aec"
	"github.com/switchboard-voice/switchboard/media/vad"
)

// vadOnset is how much speech media/vad hears before it reports an
// utterance (its default onset); the utterance is back-dated by it and
// it counts toward the barge-in time.
const vadOnset = 80 * time.Millisecond

// detector adapts media/vad to VAD.
type detector struct{ d *vad.Detector }

func (v detector) Process(f media.Frame) Activity {
	ev := v.d.Process(f)
	return Activity{Start: ev.Type == vad.SpeechStart, Voiced: ev.Voiced}
}

// defaultVAD is media/vad with its defaults, which adapt to the line's
// noise floor.
func defaultVAD(rate int) VAD {
	d, err := vad.New(rate)
	if err != nil {
		// Rates media/vad does not take (none of 8k/16k/48k): fall back
		// to a level gate.
		return &levelGate{}
	}
	return detector{d}
}

// defaultEchoCanceller is media/aec with its defaults; legs at rates it
// does not take get no echo cancellation.
func defaultEchoCanceller(rate int) EchoCanceller {
	c, err := aec.New(rate)
	if err != nil {
		return passAEC{}
	}
	return c
}

// levelGate is a fixed-threshold detector, the fallback.
type levelGate struct{ run int }

func (g *levelGate) Process(f media.Frame) Activity {
	voiced := media.Level(f.Samples) > -35
	if voiced {
		g.run++
	} else {
		g.run = 0
	}
	return Activity{Start: g.run == 4, Voiced: voiced}
}

type passAEC struct{}

func (passAEC) Reference(media.Frame)              {}
func (passAEC) Process(in media.Frame) media.Frame { return in }
