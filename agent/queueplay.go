package agent

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
)

// What callers hear from the queue, in English and Chinese.
type message int

const (
	msgWelcome message = iota
	msgWelcomeCallback
	msgPosition
	msgWait
	msgWaitUnknown
	msgCallbackHint
	msgCallback
	msgTimedOut
	msgConnecting
)

var messages = map[string]map[message]string{
	"en": {
		msgWelcome:         "Thank you for waiting. An agent will be with you shortly.",
		msgWelcomeCallback: "Thank you for waiting. An agent will be with you shortly. To be called back instead, press 1.",
		msgPosition:        "You are number %d in the queue.",
		msgWait:            "The expected wait is about %s.",
		msgWaitUnknown:     "All our agents are busy at the moment.",
		msgCallbackHint:    "To be called back instead, press 1.",
		msgCallback:        "Thank you. We will call you back at the number you are calling from. Goodbye.",
		msgTimedOut:        "We are sorry, all our agents are still busy. Please call again later. Goodbye.",
		msgConnecting:      "Connecting you to an agent now.",
	},
	"zh": {
		msgWelcome:         "感谢您的耐心等待，人工客服马上为您服务。",
		msgWelcomeCallback: "感谢您的耐心等待，人工客服马上为您服务。如需回电，请按1。",
		msgPosition:        "您前面还有%d位客户。",
		msgWait:            "预计等待约%s。",
		msgWaitUnknown:     "坐席正忙，请稍候。",
		msgCallbackHint:    "如需回电，请按1。",
		msgCallback:        "好的，我们会尽快按您的来电号码给您回电，再见。",
		msgTimedOut:        "抱歉，坐席仍然繁忙，请稍后再拨。再见。",
		msgConnecting:      "正在为您转接人工客服。",
	},
}

func lang2(l string) string {
	if strings.HasPrefix(strings.ToLower(l), "zh") {
		return "zh"
	}
	return "en"
}

func (c *call) text(m message, args ...any) string {
	t := messages[lang2(c.in.Language)][m]
	if len(args) > 0 {
		return fmt.Sprintf(t, args...)
	}
	return t
}

// minutes says a wait in words.
func minutes(d time.Duration, lang string) string {
	m := int(math.Ceil(d.Minutes()))
	if lang2(lang) == "zh" {
		if m <= 1 {
			return "1分钟"
		}
		return fmt.Sprintf("%d分钟", m)
	}
	if m <= 1 {
		return "one minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

// announcement says where the caller stands.
func (c *call) announcement(q acd.Queue, st acd.WaitStatus) string {
	var parts []string
	lang := c.in.Language
	if q.Announce.Position && st.Position > 0 {
		n := st.Position
		if lang2(lang) == "zh" {
			n-- // "还有 N 位" counts those ahead
		}
		if n > 0 || lang2(lang) == "en" {
			parts = append(parts, c.text(msgPosition, n))
		}
	}
	if q.Announce.WaitTime {
		if st.EWTKnown {
			if st.EWT > 0 {
				parts = append(parts, c.text(msgWait, minutes(st.EWT, lang)))
			}
		} else {
			parts = append(parts, c.text(msgWaitUnknown))
		}
	}
	if len(parts) > 0 && q.Callback {
		parts = append(parts, c.text(msgCallbackHint))
	}
	sep := " "
	if lang2(lang) == "zh" {
		sep = ""
	}
	return strings.Join(parts, sep)
}

// synth renders text at 8 kHz (nil when there is no synthesiser).
func (c *call) synth(ctx context.Context, text string) []int16 {
	if text == "" || c.s.cfg.Speech == nil {
		return nil
	}
	syn, err := c.s.cfg.Speech.Synthesizer(ctx, c.in.Bot, c.in.Language)
	if err != nil || syn == nil {
		c.log.Warn("queue announcement: no synthesiser", "err", err)
		return nil
	}
	var pcm []int16
	err = syn.Synthesize(ctx, tts.Request{Text: text, Language: c.in.Language, Rate: media.Rate8k}, media.SinkFunc(func(f media.Frame) error {
		pcm = append(pcm, f.Samples...)
		return nil
	}))
	if err != nil {
		c.log.Warn("queue announcement", "err", err)
	}
	return pcm
}

// say plays a message to the caller and waits for it to end.
func (c *call) say(ctx context.Context, m message) {
	pcm := c.synth(ctx, c.text(m))
	if len(pcm) == 0 {
		return
	}
	play(ctx, c.in.Leg, pcm)
}

// play sends pcm (8 kHz) to the leg in real time.
func play(ctx context.Context, leg media.Leg, pcm []int16) {
	n := media.SamplesPerFrame(media.Rate8k)
	start := time.Now()
	for i, k := 0, 0; i < len(pcm); i, k = i+n, k+1 {
		f := make([]int16, n)
		copy(f, pcm[i:min(i+n, len(pcm))])
		if leg.WriteFrame(media.Frame{Samples: f, Rate: media.Rate8k}) != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-leg.Done():
			return
		case <-time.After(time.Until(start.Add(time.Duration(k-1) * media.FrameDuration))):
		}
	}
	select {
	case <-ctx.Done():
	case <-leg.Done():
	case <-time.After(3 * media.FrameDuration):
	}
}

// queuePlayer plays music on hold to a waiting caller, with the welcome
// and periodic announcements over it.
type queuePlayer struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newQueuePlayer(c *call, q acd.Queue) *queuePlayer {
	ctx, cancel := context.WithCancel(c.s.ctx)
	p := &queuePlayer{cancel: cancel}
	speech := make(chan []int16, 1)
	p.wg.Add(2)
	go func() {
		// Announcements are synthesised off the playout path.
		defer p.wg.Done()
		welcome := msgWelcome
		if q.Callback && c.in.CallerID != "" {
			welcome = msgWelcomeCallback
		}
		send := func(pcm []int16) {
			if len(pcm) == 0 {
				return
			}
			select {
			case speech <- pcm:
			case <-ctx.Done():
			}
		}
		send(c.synth(ctx, c.text(welcome)))
		if !q.Announce.Position && !q.Announce.WaitTime {
			return
		}
		every := q.Announce.Interval
		if every <= 0 {
			every = 45 * time.Second
		}
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			c.mu.Lock()
			t := c.ticket
			c.mu.Unlock()
			if t == nil {
				continue
			}
			st := t.Status()
			if !st.Waiting || st.OfferedTo != "" {
				continue
			}
			send(c.synth(ctx, c.announcement(t.Queue(), st)))
		}
	}()
	go func() {
		defer p.wg.Done()
		music := c.s.music()
		n := media.SamplesPerFrame(media.Rate8k)
		var talk []int16
		leg := c.in.Leg
		start := time.Now()
		for k := 0; ; k++ {
			var f []int16
			if len(talk) == 0 {
				select {
				case talk = <-speech:
				default:
				}
			}
			if len(talk) > 0 {
				f = make([]int16, n)
				m := copy(f, talk)
				talk = talk[m:]
			} else {
				f = music.Next().Samples
			}
			if leg.WriteFrame(media.Frame{Samples: f, Rate: media.Rate8k}) != nil {
				return
			}
			select {
			case <-ctx.Done():
				leg.Flush()
				return
			case <-leg.Done():
				return
			case <-time.After(time.Until(start.Add(time.Duration(k) * media.FrameDuration))):
			}
		}
	}()
	return p
}

func (p *queuePlayer) stop() {
	p.cancel()
	p.wg.Wait()
}

// defaultMusic is a soft arpeggio (8 kHz, 4 s), for queues without their
// own music on hold.
func defaultMusic() []int16 {
	const rate = 8000
	notes := []float64{261.63, 329.63, 392.00, 523.25, 392.00, 329.63, 293.66, 349.23}
	per := rate / 2
	out := make([]int16, 0, per*len(notes))
	for _, f := range notes {
		for i := range per {
			env := math.Min(1, float64(i)/400) * math.Exp(-float64(i)/float64(per)*2.5)
			v := 0.12 * env * (math.Sin(2*math.Pi*f*float64(i)/rate) + 0.3*math.Sin(4*math.Pi*f*float64(i)/rate))
			out = append(out, int16(v*32767))
		}
	}
	return out
}
