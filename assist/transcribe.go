package assist

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/vad"
)

// Segment is a piece of the live transcript: one utterance of one
// speaker, partial while the speaker talks, then final.
type Segment struct {
	// Speaker is "caller" or "agent" (or a supervisor's ID).
	Speaker string `json:"speaker"`
	// Utterance numbers the speaker's utterances from 1; a partial and
	// the final of one utterance share it, so a screen replaces the one
	// with the other.
	Utterance int    `json:"utterance"`
	Text      string `json:"text"`
	Final     bool   `json:"final"`
	// Start and End place the utterance in the call (from the start of
	// the call's recording).
	Start      time.Duration `json:"start"`
	End        time.Duration `json:"end"`
	Confidence float64       `json:"confidence,omitempty"`
	Words      []asr.Word    `json:"words,omitempty"`
	// ASR is how long the final took after the speaker stopped.
	ASR time.Duration `json:"asr,omitempty"`
	// At is when the segment was produced (wall clock).
	At time.Time `json:"at"`
}

// TranscriberConfig configures a Transcriber.
type TranscriberConfig struct {
	Speaker    string
	Recognizer asr.Recognizer
	Language   string
	// Rate of the frames written (8000 or 16000).
	Rate int
	// CallStart is the time offsets count from.
	CallStart time.Time
	// After numbers the utterances from After+1 (a transcript resumed,
	// say after a transfer).
	After int
	// OnSegment receives partials and finals, in order, on one goroutine
	// of the transcriber's.
	OnSegment func(Segment)
	// OnActivity is told when the speaker starts and stops talking
	// (talk-over and silence alerts), on the transcriber's goroutine.
	OnActivity func(speaking bool, at time.Duration)
	// EndSilence ends an utterance (default 600 ms).
	EndSilence time.Duration
	// MaxUtterance cuts an utterance that goes on (default 30 s).
	MaxUtterance time.Duration
	Logger       *slog.Logger
}

// Transcriber transcribes one speaker's side of a call as it is spoken:
// voice activity detection cuts the audio into utterances, each streamed
// to the recogniser with a short pre-roll. WriteFrame never blocks (a
// transcriber that falls more than a second behind drops audio, counted);
// Close ends the utterance in progress, waits for its final and returns.
type Transcriber struct {
	cfg    TranscriberConfig
	frames chan media.Frame
	out    chan Segment
	done   chan struct{}
	wg     sync.WaitGroup // the loop and the utterances being finished
	emitW  sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	dropped int
	utts    int
	closed  bool
	started bool
	base    time.Duration // offset of the first frame in the call
	fed     time.Duration // audio written since
}

// Utterances returns how many utterances were started.
func (t *Transcriber) Utterances() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.utts
}

const transcribePreRoll = 300 * time.Millisecond

// NewTranscriber starts a transcriber.
func NewTranscriber(cfg TranscriberConfig) (*Transcriber, error) {
	if cfg.Recognizer == nil {
		return nil, errors.New("assist: transcriber needs a recognizer")
	}
	if cfg.Rate == 0 {
		cfg.Rate = media.Rate8k
	}
	if cfg.EndSilence <= 0 {
		cfg.EndSilence = 600 * time.Millisecond
	}
	if cfg.MaxUtterance <= 0 {
		cfg.MaxUtterance = 30 * time.Second
	}
	if cfg.CallStart.IsZero() {
		cfg.CallStart = time.Now()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	det, err := vad.New(cfg.Rate)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transcriber{cfg: cfg, frames: make(chan media.Frame, 50), out: make(chan Segment, 64), done: make(chan struct{}), ctx: ctx, cancel: cancel}
	t.wg.Add(1)
	go t.run(det)
	t.emitW.Add(1)
	go t.emit()
	return t, nil
}

// WriteFrame queues a frame of the speaker's audio.
func (t *Transcriber) WriteFrame(f media.Frame) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return media.ErrClosed
	}
	// Offsets count the audio itself from where it joined the call, so
	// they follow the recording however the frames are delivered.
	if !t.started {
		t.started, t.base = true, time.Since(t.cfg.CallStart)
	}
	at := t.base + t.fed
	if f.Rate > 0 {
		t.fed += time.Duration(len(f.Samples)) * time.Second / time.Duration(f.Rate)
	}
	cp := media.Frame{Samples: append([]int16(nil), f.Samples...), Rate: f.Rate, Timestamp: at}
	select {
	case t.frames <- cp:
	default:
		t.dropped++
	}
	return nil
}

// Close finishes the utterance in progress and stops.
func (t *Transcriber) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	close(t.done)
	t.mu.Unlock()
	t.wg.Wait()
	close(t.out)
	t.emitW.Wait()
	t.cancel()
	return nil
}

// emit hands segments to OnSegment in order.
func (t *Transcriber) emit() {
	defer t.emitW.Done()
	for s := range t.out {
		if t.cfg.OnSegment != nil {
			t.cfg.OnSegment(s)
		}
	}
}

// Dropped returns the frames dropped because the transcriber was behind.
func (t *Transcriber) Dropped() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped
}

// utterance in progress.
type liveUtt struct {
	n          int
	sess       asr.Session
	start      time.Duration
	lastVoiced time.Duration
	partial    string
	results    <-chan asr.Result
}

func (t *Transcriber) run(det *vad.Detector) {
	defer t.wg.Done()
	var (
		pre  []media.Frame
		utt  *liveUtt
		n    = t.cfg.After
		keep = int(transcribePreRoll / media.FrameDuration)
	)
	emit := func(s Segment) {
		s.Speaker, s.At = t.cfg.Speaker, time.Now()
		t.out <- s
	}
	// finish waits for an utterance's final on its own goroutine, so the
	// next utterance is heard meanwhile.
	finish := func(u *liveUtt, end time.Duration) {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			t.final(u, end, emit)
		}()
	}
	poll := func(u *liveUtt) {
		for {
			select {
			case r, ok := <-u.results:
				if !ok {
					return
				}
				if !r.Final && r.Text != "" && r.Text != u.partial {
					u.partial = r.Text
					emit(Segment{Utterance: u.n, Text: r.Text, Start: u.start, End: u.lastVoiced})
				}
			default:
				return
			}
		}
	}
	activity := func(on bool, at time.Duration) {
		if t.cfg.OnActivity != nil {
			t.cfg.OnActivity(on, at)
		}
	}
	for {
		var f media.Frame
		select {
		case f = <-t.frames:
		case <-t.done:
			if utt != nil {
				activity(false, utt.lastVoiced)
				finish(utt, utt.lastVoiced)
			}
			return
		}
		at := f.Timestamp
		f.Timestamp = 0
		ev := det.Process(f)
		if len(pre) >= keep {
			pre = pre[1:]
		}
		pre = append(pre, f)
		if utt == nil {
			if ev.Type != vad.SpeechStart {
				continue
			}
			sess, err := t.cfg.Recognizer.Stream(t.ctx, asr.Config{Language: t.cfg.Language, Rate: f.Rate})
			if err != nil {
				t.cfg.Logger.Warn("live transcription stream", "speaker", t.cfg.Speaker, "err", err)
				continue
			}
			n++
			t.mu.Lock()
			t.utts++
			t.mu.Unlock()
			start := max(0, at-time.Duration(len(pre))*media.FrameDuration)
			utt = &liveUtt{n: n, sess: sess, start: start, lastVoiced: at, results: sess.Results()}
			for _, p := range pre {
				_ = sess.WriteFrame(p)
			}
			activity(true, start)
			continue
		}
		_ = utt.sess.WriteFrame(f)
		if ev.Voiced {
			utt.lastVoiced = at
		}
		poll(utt)
		if at-utt.lastVoiced >= t.cfg.EndSilence || at-utt.start >= t.cfg.MaxUtterance {
			activity(false, utt.lastVoiced)
			finish(utt, utt.lastVoiced+media.FrameDuration)
			utt = nil
			det.Reset()
		}
	}
}

// final waits for u's final result and emits it.
func (t *Transcriber) final(u *liveUtt, end time.Duration, emit func(Segment)) {
	_ = u.sess.End()
	stop := time.Now()
	timeout := time.NewTimer(15 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case r, ok := <-u.results:
			if !ok {
				_ = u.sess.Close()
				return
			}
			if !r.Final {
				continue
			}
			_ = u.sess.Close()
			if r.Err != nil {
				t.cfg.Logger.Warn("live transcription", "speaker", t.cfg.Speaker, "err", r.Err)
			}
			if r.Text == "" && u.partial == "" {
				return
			}
			text := r.Text
			if text == "" {
				text = u.partial
			}
			emit(Segment{Utterance: u.n, Text: text, Final: true, Start: u.start, End: end,
				Confidence: r.Confidence, Words: shiftWords(r.Words, u.start), ASR: time.Since(stop)})
			return
		case <-timeout.C:
			_ = u.sess.Close()
			return
		}
	}
}

// shiftWords makes word timings call offsets.
func shiftWords(ws []asr.Word, by time.Duration) []asr.Word {
	out := make([]asr.Word, len(ws))
	for i, w := range ws {
		w.Start += by
		w.End += by
		out[i] = w
	}
	return out
}
