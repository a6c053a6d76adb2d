// Package caller is a scripted telephone caller: it dials a SIP target,
// waits for the bot to finish each prompt, speaks the next caller turn
// (synthesised text, a WAV file, or keypad digits), records everything,
// transcribes what the bot said, and reports the conversation with the
// latencies a caller feels (end of the caller's speech to the first audio
// of the bot's reply; the caller's onset to the bot falling silent on a
// barge-in). `switchboard call` and the end-to-end tests use it.
package caller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/rtpmedia"
	"github.com/switchboard-voice/switchboard/media/sip"
	"github.com/switchboard-voice/switchboard/tts"
)

// Turn is one thing the caller does.
type Turn struct {
	// Say is text to synthesise and speak.
	Say string `json:"say,omitempty"`
	// WAV is a file to play instead.
	WAV string `json:"wav,omitempty"`
	// DTMF is keypad digits to send.
	DTMF string `json:"dtmf,omitempty"`
	// BargeIn starts the turn this long after the bot starts its prompt,
	// instead of waiting for the prompt to end.
	BargeIn time.Duration `json:"barge_in,omitempty"`
	// Await, when set, starts the turn once it is closed instead of when
	// the bot's prompt ends (a human agent has picked up, say, over
	// music that never pauses).
	Await <-chan struct{} `json:"-"`
}

// Config configures a call.
type Config struct {
	// Target is where to call: "user@host:port" or "sip:user@host:port".
	Target string
	// Turns are the caller's turns, in order.
	Turns []Turn
	// Synthesizer speaks Say turns (required when a turn has Say).
	Synthesizer tts.Synthesizer
	// Language of the caller's speech and of the bot's (for
	// transcription).
	Language string
	// Voice of the caller's speech ("" for the synthesizer's default;
	// with espeak-ng, VoiceFor picks one the embedded recogniser hears
	// well).
	Voice string
	// Recognizer, when set, transcribes the bot's prompts.
	Recognizer asr.Recognizer
	// Codec to offer: "PCMU" (default) or "PCMA".
	Codec string
	// Quiet is the silence after which the bot's prompt is over
	// (default 900ms).
	Quiet time.Duration
	// Timeout bounds the whole call (default 2m).
	Timeout time.Duration
	// Linger is how long to wait, after the last turn, for the bot's reply
	// before hanging up if the bot does not (default 20s).
	Linger time.Duration
	// Stay, when set, replaces Linger: after the last turn the caller
	// stays on the line until the far end hangs up, or hangs up itself
	// after Stay (a call with a human agent).
	Stay time.Duration
	// Record, when set, writes the call as a stereo WAV: caller left, bot
	// right.
	Record string
	// RTPPorts is the range of local RTP ports (default 42000-42999).
	RTPPorts [2]int
	// Logger for SIP and RTP.
	Logger *slog.Logger
}

// Line is one thing heard or done on the call.
type Line struct {
	// Who: "bot", "caller" or "event".
	Who string `json:"who"`
	// Text said (the transcript for the bot when a Recognizer is set),
	// the digits sent, or what happened ("transferred to ...").
	Text string `json:"text"`
	// Start and End since the call was answered.
	Start time.Duration `json:"start"`
	End   time.Duration `json:"end"`
	// Latency of a bot line: from the end of the caller's previous turn
	// to the bot's first audio.
	Latency time.Duration `json:"latency,omitempty"`
	// BargeIn of a bot line the caller interrupted: from the caller's
	// onset to the bot's last audio.
	BargeIn time.Duration `json:"barge_in,omitempty"`
}

// Result is the conversation.
type Result struct {
	Lines []Line `json:"lines"`
	// Transferred is the REFER target when the bot transferred the call.
	Transferred string `json:"transferred,omitempty"`
	// HungUpBy is "bot" or "caller".
	HungUpBy string `json:"hung_up_by"`
}

// Bot returns the bot's lines.
func (r Result) Bot() []Line {
	var out []Line
	for _, l := range r.Lines {
		if l.Who == "bot" {
			out = append(out, l)
		}
	}
	return out
}

// VoiceFor returns the espeak-ng voice the scripted caller uses for a
// language: for English a variant ("klatt") that pocketsphinx's en-us
// acoustic model recognises far better than espeak-ng's default en-us
// voice (measured on telephone-band G.711: "I lost my card" and "I want
// to speak to an agent" come through word for word, where the default
// voice gives "got my card" and "i want to be going through to it");
// also unlike the bot's own voice, as a caller is.
func VoiceFor(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return "en-us+klatt"
	}
	return ""
}

// Errors.
var (
	ErrTarget = errors.New("caller: bad target")
	ErrNoTTS  = errors.New("caller: a Say turn needs a synthesizer")
)

func (c Config) withDefaults() Config {
	if c.Codec == "" {
		c.Codec = "PCMU"
	}
	if c.Quiet <= 0 {
		c.Quiet = 900 * time.Millisecond
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Minute
	}
	if c.Linger <= 0 {
		c.Linger = 20 * time.Second
	}
	if c.Language == "" {
		c.Language = "en"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RTPPorts[0] == 0 {
		c.RTPPorts = [2]int{42000, 42999}
	}
	return c
}

// splitTarget returns the trunk host:port and the user to call.
func splitTarget(t string) (host, user string, err error) {
	t = strings.TrimPrefix(strings.TrimPrefix(t, "sip:"), "sips:")
	user, host, ok := strings.Cut(t, "@")
	if !ok {
		host, user = t, ""
	}
	if _, err := netip.ParseAddrPort(host); err != nil {
		if !strings.Contains(host, ":") {
			host += ":5060"
		}
	}
	if host == "" || strings.HasPrefix(host, ":") {
		return "", "", fmt.Errorf("%w: %q (want user@host:port)", ErrTarget, t)
	}
	return host, user, nil
}

// Call places the call and runs the script.
func Call(ctx context.Context, cfg Config) (Result, error) {
	cfg = cfg.withDefaults()
	host, user, err := splitTarget(cfg.Target)
	if err != nil {
		return Result{}, err
	}
	for _, t := range cfg.Turns {
		if t.Say != "" && cfg.Synthesizer == nil {
			return Result{}, ErrNoTTS
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	m, err := rtpmedia.New(rtpmedia.Config{IP: netip.MustParseAddr("127.0.0.1"), MinPort: cfg.RTPPorts[0], MaxPort: cfg.RTPPorts[1], Logger: cfg.Logger})
	if err != nil {
		return Result{}, err
	}
	s := &script{cfg: cfg, ctx: ctx}
	sc := sip.Config{
		Listen: []sip.Listener{{Transport: "udp", Addr: "127.0.0.1:0"}},
		Trunk:  &sip.Trunk{Host: host},
		Codecs: []string{cfg.Codec, "telephone-event"},
		OnRefer: func(ctx context.Context, leg media.Leg, target string) error {
			s.transferred(target)
			return nil
		},
	}
	noRoute := sip.RouterFunc(func(from, to string) (media.Application, bool) { return nil, false })
	srv, err := sip.NewServer(sc, m, noRoute, cfg.Logger)
	if err != nil {
		return Result{}, err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx) }()
	defer func() {
		stop()
		<-served
	}()
	for i := 0; ; i++ {
		// Serve starts in its goroutine: retry until it has.
		err = srv.Call(ctx, user, media.ApplicationFunc(s.serve))
		if !errors.Is(err, sip.ErrNotServing) || i == 400 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	res := s.result()
	if cfg.Record != "" {
		if werr := s.writeRecording(cfg.Record); werr != nil && err == nil {
			err = werr
		}
	}
	return res, err
}

// script runs on the answered leg.
type script struct {
	cfg Config
	ctx context.Context
	leg media.Leg

	mu     sync.Mutex
	start  time.Time
	rate   int
	lines  []Line
	bot    *botLine // the bot's prompt being heard
	quiet  time.Time
	heard  []int16 // the bot's audio, for the recording
	said   []int16 // ours
	xfer   string
	byBot  bool
	asr    asr.Session
	finals sync.WaitGroup
	spoke  time.Time // end of our last turn (latency reference)
	onset  time.Time // start of our last turn (barge-in reference)
	doneAt time.Time // the bot's last prompt ended
	prompt chan struct{}
}

type botLine struct {
	idx     int // in lines
	first   time.Time
	last    time.Time
	cutStop time.Time // the last loud frame before the bot went quiet for our barge-in
}

// botLevel is the level above which a received frame is the bot talking.
const botLevel = -45.0

func (s *script) serve(ctx context.Context, leg media.Leg) error {
	s.mu.Lock()
	s.leg, s.start, s.rate = leg, time.Now(), leg.Info().Rate
	s.prompt = make(chan struct{}, 16)
	s.mu.Unlock()
	leg.Attach(s)
	defer func() {
		leg.Attach(nil)
		_ = s.Close() // an open bot line ends with the call
	}()
	for i, t := range s.cfg.Turns {
		if t.Await != nil {
			select {
			case <-t.Await:
			case <-leg.Done():
				return s.ended(errHungUp)
			case <-ctx.Done():
				return s.ended(ctx.Err())
			}
		} else if err := s.waitBot(ctx, leg, t.BargeIn, i == 0); err != nil {
			return s.ended(err)
		}
		if err := s.do(ctx, leg, t); err != nil {
			return s.ended(err)
		}
	}
	if s.cfg.Stay > 0 {
		select {
		case <-leg.Done():
			return s.ended(errHungUp)
		case <-ctx.Done():
			return s.ended(ctx.Err())
		case <-time.After(s.cfg.Stay):
		}
		return leg.Hangup(ctx)
	}
	// Hear the bot's answer to the last turn, then hang up if it has not.
	lctx, cancel := context.WithTimeout(ctx, s.cfg.Linger)
	defer cancel()
	if err := s.waitBot(lctx, leg, 0, false); err != nil {
		return s.ended(err)
	}
	select {
	case <-leg.Done():
		return s.ended(errHungUp)
	case <-time.After(1500 * time.Millisecond):
	}
	err := leg.Hangup(ctx)
	select {
	case <-leg.Done():
		return nil // hung up; an error is the call's context ending with it
	case <-time.After(time.Second):
		return err
	}
}

var errHungUp = errors.New("hung up")

func (s *script) ended(err error) error {
	if errors.Is(err, context.Canceled) {
		// The call's context ends with the call: if the bot hung up, that
		// is what happened.
		select {
		case <-s.leg.Done():
			err = errHungUp
		case <-time.After(time.Second):
		}
	}
	if errors.Is(err, errHungUp) {
		s.mu.Lock()
		s.byBot = true
		s.mu.Unlock()
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("caller: the bot did not answer in time: %w", err)
	}
	return err
}

// waitBot waits until the bot has finished a prompt it started after
// our last turn (or, with barge > 0, until such a prompt has been playing
// for barge).
func (s *script) waitBot(ctx context.Context, leg media.Leg, barge time.Duration, first bool) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	s.mu.Lock()
	since := s.spoke
	s.mu.Unlock()
	for {
		select {
		case <-leg.Done():
			return errHungUp
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		s.mu.Lock()
		b, done := s.bot, s.doneAt
		s.mu.Unlock()
		if barge > 0 {
			if b != nil && b.first.After(since) && time.Since(b.first) >= barge {
				return nil
			}
			continue
		}
		if b == nil && done.After(since) {
			return nil
		}
	}
}

// do carries out one caller turn.
func (s *script) do(ctx context.Context, leg media.Leg, t Turn) error {
	var pcm []int16
	rate := s.rate
	text := t.Say
	switch {
	case t.DTMF != "":
		s.mark(t.DTMF, "dtmf")
		for i, d := range t.DTMF {
			if err := leg.SendDTMF(d, 120*time.Millisecond); err != nil {
				return err
			}
			if i == len(t.DTMF)-1 {
				break
			}
			select {
			case <-time.After(250 * time.Millisecond):
			case <-leg.Done():
				return errHungUp
			}
		}
		s.finishTurn()
		return nil
	case t.WAV != "":
		f, err := os.Open(t.WAV)
		if err != nil {
			return fmt.Errorf("caller: %w", err)
		}
		var ch int
		pcm, rate, ch, err = media.ReadWAV(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("caller: %s: %w", t.WAV, err)
		}
		if ch != 1 {
			return fmt.Errorf("caller: %s: %d channels, want mono", t.WAV, ch)
		}
		text = "[" + t.WAV + "]"
	default:
		var sink collect
		if err := s.cfg.Synthesizer.Synthesize(ctx, tts.Request{Text: t.Say, Language: s.cfg.Language, Voice: s.cfg.Voice, Rate: s.rate}, &sink); err != nil {
			return fmt.Errorf("caller: synthesise %q: %w", t.Say, err)
		}
		pcm = sink.pcm
	}
	if rate != s.rate {
		r, err := media.NewResampler(rate, s.rate)
		if err != nil {
			return fmt.Errorf("caller: %w", err)
		}
		pcm = r.Resample(nil, pcm)
	}
	s.mark(text, "caller")
	n := media.SamplesPerFrame(s.rate)
	begin := time.Now()
	for i, k := 0, 0; i < len(pcm); i, k = i+n, k+1 {
		frame := make([]int16, n)
		copy(frame, pcm[i:min(i+n, len(pcm))])
		if err := leg.WriteFrame(media.Frame{Samples: frame, Rate: s.rate}); err != nil {
			return err
		}
		s.mu.Lock()
		// Keep our channel of the recording in time with the bot's.
		if at := int(time.Since(s.start).Seconds() * float64(s.rate)); len(s.said) < at {
			s.said = append(s.said, make([]int16, at-len(s.said))...)
		}
		s.said = append(s.said, frame...)
		s.mu.Unlock()
		// One frame ahead of real time: the leg paces the sending.
		select {
		case <-leg.Done():
			return errHungUp
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(begin.Add(time.Duration(k) * media.FrameDuration))):
		}
	}
	// The last frame leaves about one frame later.
	time.Sleep(2 * media.FrameDuration)
	s.finishTurn()
	return nil
}

// mark starts a caller line.
func (s *script) mark(text, kind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.onset = now
	who := "caller"
	if kind == "dtmf" {
		text = "dtmf " + text
	}
	s.lines = append(s.lines, Line{Who: who, Text: text, Start: now.Sub(s.start)})
}

func (s *script) finishTurn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.spoke = now
	for i := len(s.lines) - 1; i >= 0; i-- {
		if s.lines[i].Who == "caller" {
			s.lines[i].End = now.Sub(s.start)
			break
		}
	}
}

func (s *script) transferred(target string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.xfer = target
	now := time.Now()
	s.lines = append(s.lines, Line{Who: "event", Text: "transferred to " + target, Start: now.Sub(s.start), End: now.Sub(s.start)})
}

func (s *script) result() Result {
	s.finals.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := Result{Lines: append([]Line(nil), s.lines...), Transferred: s.xfer, HungUpBy: "caller"}
	if s.byBot {
		r.HungUpBy = "bot"
	}
	return r
}

// collect gathers synthesised frames.
type collect struct{ pcm []int16 }

func (c *collect) WriteFrame(f media.Frame) error { c.pcm = append(c.pcm, f.Samples...); return nil }
func (c *collect) Close() error                   { return nil }
