package voicebot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/tts"
)

// frameRing is how many received frames may wait for the call loop; the
// receiver drops frames beyond it rather than block the media path.
const frameRing = 64

// preRoll is how much audio before the detected onset goes to the
// recogniser (the detector needs a few frames to decide).
const preRoll = 300 * time.Millisecond

// call is one voicebot call; run owns all its fields.
type call struct {
	cfg  Config
	leg  media.Leg
	info media.LegInfo
	log  *slog.Logger
	conv *conversation.Manager
	rate int

	rec  asr.Recognizer
	syn  tts.Synthesizer
	vad  VAD
	aec  EchoCanceller
	lang string
	sid  string

	// receiver side
	frames chan inFrame
	digits chan media.DTMF
	// shift: the leg's playout delay change not yet attached to a frame
	// (OnDelayChange, then WriteFrame, on the leg's goroutine).
	shift  atomic.Int64
	ring   [frameRing][]int16
	ringAt int
	dropMu sync.Mutex
	drops  int

	// playout
	play    *player
	refHold int // frames of silence owed to the echo reference (echoReference)
	wake    chan struct{}
	synth   context.CancelFunc // cancels the reply's synthesis
	synthW  sync.WaitGroup
	after   dialog.Action // the reply's final action, done when it has played
	reqAt   time.Time     // synthesis of the reply requested

	// listening
	pre        [][]int16 // recent residual frames, for the pre-roll
	utt        *utterance
	ending     *utterance // ended, waiting for its final transcript
	voiced     bool
	quietSince time.Time // no input timer starts when a prompt ends
	waiting    bool      // the bot waits for the caller to speak
	expect     dialog.Expectation
	deferred   string // said over a non-interruptible prompt
	deferredU  *utterance

	// keypad
	keys    strings.Builder
	keyLast time.Time

	// dialogue
	turns   chan turnResult
	busy    bool // a turn is with the dialogue manager
	busyAt  time.Time
	filled  bool // the filler was said for this turn
	pending *TurnStats
	done    bool // the dialogue ended; hang up when the reply has played
	wg      sync.WaitGroup
	stats   CallStats
	began   time.Time
}

// utterance is a caller's turn being recognised.
type utterance struct {
	sess        asr.Session
	start       time.Time // first voiced frame (back-dated onset)
	lastVoiced  time.Time
	speech      time.Duration // voiced time so far
	interrupted bool          // it paused the bot's prompt
	partial     string
	partialAt   time.Time // when partial arrived
	endedAt     time.Time
	eotWait     time.Duration
}

type turnResult struct {
	turn  conversation.Turn
	err   error
	stats TurnStats
}

func newCall(ctx context.Context, cfg Config, leg media.Leg) (*call, error) {
	info := leg.Info()
	rate := info.Rate
	if rate == 0 {
		rate = media.Rate8k
	}
	c := &call{
		cfg: cfg, leg: leg, info: info, rate: rate, conv: cfg.Conversations,
		log:    cfg.Logger.With("call_id", info.ID, "app", "voicebot", "bot", cfg.Bot),
		frames: make(chan inFrame, frameRing-8),
		digits: make(chan media.DTMF, 32),
		wake:   make(chan struct{}, 1),
		turns:  make(chan turnResult, 1),
		vad:    cfg.NewVAD(rate),
		aec:    cfg.NewEchoCanceller(rate),
	}
	c.play = newPlayer(leg, rate, cfg.Lead)
	return c, nil
}

// run is the call loop.
func (c *call) run(ctx context.Context) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	c.began = time.Now()
	defer func() {
		cancel()
		if c.synth != nil {
			c.synth()
		}
		c.closeUtterances()
		c.synthW.Wait()
		c.wg.Wait()
		if c.cfg.OnEnd != nil {
			c.dropMu.Lock()
			c.stats.Dropped = c.drops
			c.dropMu.Unlock()
			c.stats.CallID, c.stats.SessionID = c.info.ID, c.sid
			c.stats.Underruns = int(c.play.gap / media.FrameDuration)
			c.stats.Duration = time.Since(c.began)
			c.cfg.OnEnd(c.stats)
		}
	}()
	greet, err := c.conv.Start(ctx, c.cfg.Bot, dialog.Info{CallerID: c.info.From, Channel: c.info.Kind, CallID: c.info.ID})
	if err != nil {
		return fmt.Errorf("voicebot: start %s: %w", c.cfg.Bot, err)
	}
	c.sid = greet.SessionID
	c.log = c.log.With("session_id", c.sid)
	live, _ := c.conv.Live(c.sid)
	if live != nil {
		c.lang = live.Record.Language
	}
	version := 0
	if live != nil {
		version = live.Record.BotVersion
	}
	defer func() {
		if !c.done {
			_ = c.conv.Hangup(context.WithoutCancel(ctx), c.sid)
			c.event("hangup", "")
		}
	}()
	if c.syn, err = c.cfg.Speech.Synthesizer(ctx, c.cfg.Bot, c.lang); err != nil {
		return fmt.Errorf("voicebot: tts for %q: %w", c.lang, err)
	}
	var asrErr error
	if c.rec, asrErr = c.cfg.Speech.Recognizer(ctx, c.cfg.Bot, version, c.lang); asrErr != nil {
		// Nothing can be understood: say so rather than leave the caller
		// in silence, and end the call.
		c.log.Error("voicebot: no speech recognition, ending the call", "lang", c.lang, "err", asrErr)
		c.rec, c.done = nil, true
		greet.Reply = dialog.Reply{Actions: []dialog.Action{{Kind: dialog.ActEnd, Text: unavailable(c.lang), Outcome: "abandoned"}}}
		defer func() {
			_ = c.conv.Hangup(context.WithoutCancel(ctx), c.sid)
			if err == nil {
				err = fmt.Errorf("voicebot: asr for %q: %w", c.lang, asrErr)
			}
		}()
	}
	c.log.Info("voicebot answered", "from", c.info.From, "to", c.info.To, "codec", c.info.Codec, "rate", c.rate)
	c.leg.Attach(c)
	defer c.leg.Attach(nil)
	c.speak(ctx, greet.Reply)

	tick := time.NewTicker(media.FrameDuration)
	defer tick.Stop()
	for {
		var results <-chan asr.Result
		switch {
		case c.ending != nil:
			results = c.ending.sess.Results()
		case c.utt != nil:
			results = c.utt.sess.Results()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.leg.Done():
			return nil
		case f := <-c.frames:
			now := time.Now()
			c.onFrame(ctx, f.Frame, c.echoReference(f.shift, now), now)
		case d := <-c.digits:
			c.onDigit(ctx, d, time.Now())
		case r, ok := <-results:
			c.onResult(ctx, r, ok)
		case t := <-c.turns:
			if stop := c.onTurn(ctx, t); stop {
				return nil
			}
		case <-c.wake:
		case <-tick.C:
		}
		now := time.Now()
		if c.pumpAndCheck(ctx, now) {
			return c.finish(ctx)
		}
		c.checkTimers(ctx, now)
	}
}

// WriteFrame is the leg's receiver: it copies the frame into the ring and
// hands it to the loop without blocking.
func (c *call) WriteFrame(f media.Frame) error {
	buf := c.ring[c.ringAt%frameRing]
	c.ringAt++
	buf = append(buf[:0], f.Samples...)
	c.ring[(c.ringAt-1)%frameRing] = buf
	f.Samples = buf
	in := inFrame{Frame: f, shift: time.Duration(c.shift.Swap(0))}
	select {
	case c.frames <- in:
	default:
		c.shift.Add(int64(in.shift)) // for the next frame that gets through
		c.dropMu.Lock()
		c.drops++
		c.dropMu.Unlock()
	}
	return nil
}

// inFrame is a caller frame for the loop, with the change of the leg's
// playout delay that takes effect at it.
type inFrame struct {
	media.Frame
	shift time.Duration
}

// OnDelayChange is told when the leg's jitter buffer grows or shrinks its
// delay (media.DelayObserver): the echo moves by as much, and the echo
// reference must move with it.
func (c *call) OnDelayChange(d time.Duration) { c.shift.Add(int64(d)) }

// OnDTMF is the leg's digit receiver.
func (c *call) OnDTMF(d media.DTMF) {
	select {
	case c.digits <- d:
	default:
	}
}

// Close is called when the leg ends.
func (c *call) Close() error { return nil }

func (c *call) event(kind, text string) {
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(Event{Kind: kind, CallID: c.info.ID, SessionID: c.sid, Text: text, At: time.Now()})
	}
}

// echoReference returns what the bot sent in the tick that delivered the
// caller's frame being processed, for the echo canceller. shift is the
// leg's playout delay change at that frame: when its jitter buffer
// inserts a frame (shift > 0), what the caller's side sends, the echo
// included, is heard a frame later, so the reference waits a frame too
// (silence); when it drops one, the reference drops the frame whose echo
// the buffer dropped. Without this the canceller sees the echo path jump
// by 20 ms in the middle of a prompt and lets echo through until it has
// found the new delay (a few hundred ms).
func (c *call) echoReference(shift time.Duration, now time.Time) media.Frame {
	switch n := int(shift / media.FrameDuration); {
	case n > 0:
		c.refHold += n
	case n < 0:
		k := -n
		held := min(k, c.refHold)
		c.refHold -= held
		for range k - held {
			c.play.reference(now)
		}
	}
	if c.refHold > 0 {
		c.refHold--
		return c.play.silence
	}
	return c.play.reference(now)
}

// onFrame runs the caller's audio through echo cancellation and voice
// activity detection, and the recogniser while the caller speaks.
func (c *call) onFrame(ctx context.Context, f, ref media.Frame, now time.Time) {
	c.aec.Reference(ref)
	res := c.aec.Process(f)
	act := c.vad.Process(res)
	voiced := act.Voiced
	// Keep the pre-roll (copies: res may be the canceller's buffer).
	n := int(preRoll / media.FrameDuration)
	var keep []int16
	if len(c.pre) >= n {
		keep = c.pre[0]
		c.pre = c.pre[1:]
	}
	keep = append(keep[:0], res.Samples...)
	c.pre = append(c.pre, keep)

	started := false
	switch {
	case act.Start && c.utt == nil:
		c.startUtterance(ctx, now)
		started = true // its onset already counts this frame
	case c.utt != nil:
		if err := c.utt.sess.WriteFrame(res); err != nil {
			c.log.Warn("asr write", "err", err)
		}
	}
	u := c.utt
	if u == nil {
		return
	}
	if voiced {
		if !started {
			u.speech += media.FrameDuration
		}
		u.lastVoiced = now
		if !u.interrupted && c.play.active() && !c.play.paused && c.play.interruptible() && u.speech >= c.cfg.BargeIn {
			c.play.pause()
			u.interrupted = true
			c.stats.BargeIns++
			c.cfg.Metrics.bargeIn(now.Sub(u.start))
			c.event("barge_in", "")
		}
		return
	}
	silence := now.Sub(u.lastVoiced)
	wait := c.endWait(u)
	if silence >= wait || now.Sub(u.start) >= c.cfg.MaxUtterance {
		c.endUtterance(now)
	}
}

// endWait is the silence that ends u, from its partial transcript. A
// partial older than the caller's last words may lack them ("what is my"
// of "what is my balance"): it can shorten the wait (what it has is
// already a complete answer) but not lengthen it.
func (c *call) endWait(u *utterance) time.Duration {
	switch judge(c.expect, u.partial) {
	case complete:
		return c.cfg.EndOfTurnComplete
	case incomplete:
		if u.partialAt.After(u.lastVoiced) {
			return c.cfg.EndOfTurnIncomplete
		}
	}
	return c.cfg.EndOfTurn
}

func (c *call) startUtterance(ctx context.Context, now time.Time) {
	if c.rec == nil {
		return
	}
	sess, err := c.rec.Stream(ctx, asr.Config{Language: c.lang, Rate: c.rate, Grammar: grammarFor(c.expect), Phrases: c.expect.Values})
	if err != nil {
		c.log.Warn("asr stream", "err", err)
		c.event("asr_error", err.Error())
		return
	}
	c.waiting = false
	// The detector needs a few voiced frames before it says so: count
	// them toward the barge-in time.
	u := &utterance{sess: sess, start: now.Add(-vadOnset), lastVoiced: now, speech: vadOnset}
	c.utt = u
	for _, s := range c.pre {
		_ = sess.WriteFrame(media.Frame{Samples: s, Rate: c.rate})
	}
	c.event("speech_start", "")
}

func (c *call) endUtterance(now time.Time) {
	u := c.utt
	c.utt = nil
	// The wait actually spent: the configured silence, rounded up to the
	// frame that showed it.
	u.endedAt, u.eotWait = now, now.Sub(u.lastVoiced)
	if c.ending != nil {
		// An earlier turn is still being recognised: drop it, the caller
		// has gone on speaking.
		_ = c.ending.sess.Close()
	}
	c.ending = u
	if err := u.sess.End(); err != nil {
		c.log.Warn("asr end", "err", err)
	}
	c.event("speech_end", "")
}

func (c *call) closeUtterances() {
	for _, u := range []*utterance{c.utt, c.ending} {
		if u != nil {
			_ = u.sess.Close()
		}
	}
	c.utt, c.ending = nil, nil
}

// onResult takes a partial or final transcript.
func (c *call) onResult(ctx context.Context, r asr.Result, ok bool) {
	u := c.ending
	if u == nil {
		u = c.utt
	}
	if u == nil {
		return
	}
	if !ok {
		// Closed without a final: treat as nothing recognised.
		r = asr.Result{Final: true}
	}
	if !r.Final {
		u.partial, u.partialAt = r.Text, time.Now()
		c.event("partial", r.Text)
		return
	}
	if u == c.ending {
		c.ending = nil
	} else {
		c.utt = nil
	}
	_ = u.sess.Close()
	if r.Err != nil {
		c.log.Warn("asr failed", "err", r.Err, "provider", r.Provider)
		c.event("asr_error", r.Err.Error())
	}
	c.event("final", r.Text)
	text := strings.TrimSpace(r.Text)
	if u.interrupted && c.play.paused && isBackchannel(text) && r.Err == nil {
		// A false interruption: carry on with the prompt.
		c.play.resume(c.cfg.ResumeBackup)
		c.stats.Resumes++
		c.event("resume", text)
		return
	}
	if !u.interrupted && c.play.active() && isBackchannel(text) {
		return // "mm-hm" while the bot talks: nothing to answer
	}
	if text != "" && c.play.active() && !c.play.paused && !c.play.interruptible() {
		// The caller spoke over a prompt that must be heard in full:
		// answer once it has played.
		c.deferred = text
		c.deferredU = u
		return
	}
	if text == "" {
		if r.Err != nil && !c.busy {
			// The provider failed: ask again rather than leave silence.
			c.submit(ctx, "", "speech", r.Provider, u, time.Since(u.endedAt))
		}
		if !c.play.active() && !c.busy {
			c.waiting, c.quietSince = true, time.Now()
		}
		return
	}
	c.submit(ctx, text, "speech", r.Provider, u, time.Since(u.endedAt))
}

// onDigit collects keypad input for digit slots, ends it on '#', at the
// slot's length, or after DigitTimeout.
func (c *call) onDigit(ctx context.Context, d media.DTMF, now time.Time) {
	c.event("dtmf", string(d.Digit))
	if c.play.active() && c.play.interruptible() {
		c.play.stop()
	}
	c.waiting = false
	switch d.Digit {
	case '#':
		c.submitKeys(ctx)
		return
	case '*':
		c.keys.Reset()
		return
	}
	if c.expect.Type == "yesno" && c.keys.Len() == 0 && (d.Digit == '1' || d.Digit == '2') {
		ans := map[rune]string{'1': "yes", '2': "no"}[d.Digit]
		c.submit(ctx, ans, "dtmf", "", nil, 0)
		return
	}
	c.keys.WriteRune(d.Digit)
	c.keyLast = now
	if c.expect.Length > 0 && c.keys.Len() >= c.expect.Length {
		c.submitKeys(ctx)
	}
}

func (c *call) submitKeys(ctx context.Context) {
	if c.keys.Len() == 0 {
		return
	}
	text := c.keys.String()
	c.keys.Reset()
	c.submit(ctx, text, "dtmf", "", nil, 0)
}

// submit gives the caller's turn to the dialogue manager in a goroutine.
func (c *call) submit(ctx context.Context, text, source, provider string, u *utterance, asrTook time.Duration) {
	if c.done {
		return
	}
	if c.busy {
		c.log.Debug("turn dropped: dialogue busy", "text", text)
		return
	}
	c.play.stop()
	c.cancelSynth()
	c.busy, c.waiting = true, false
	c.busyAt, c.filled = time.Now(), false
	st := TurnStats{CallID: c.info.ID, SessionID: c.sid, Text: text, Source: source, Provider: provider, ASR: asrTook}
	st.from = time.Now()
	if u != nil {
		st.EndOfTurn = u.eotWait
		st.from = u.lastVoiced
	}
	// Where the turn lies in the call (and its recording).
	meta := conversation.Meta{Timings: map[string]time.Duration{}, CallStart: c.began}
	if u != nil {
		meta.Offset, meta.Duration = u.start.Sub(c.began), u.lastVoiced.Sub(u.start)
		meta.Timings["end_of_turn"], meta.Timings["asr"] = u.eotWait, asrTook
	} else {
		meta.Offset = st.from.Sub(c.began)
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t0 := time.Now()
		t, err := c.conv.SayWith(ctx, c.sid, text, meta)
		st.Dialog = time.Since(t0)
		select {
		case c.turns <- turnResult{turn: t, err: err, stats: st}:
		case <-ctx.Done():
		}
	}()
}

// onTurn speaks the dialogue manager's reply. It returns true when the
// call must stop at once (the dialogue could not continue).
func (c *call) onTurn(ctx context.Context, t turnResult) bool {
	c.busy = false
	if t.err != nil {
		c.log.Error("dialogue turn", "err", t.err)
		if errors.Is(t.err, conversation.ErrNoSession) {
			return true
		}
		return false
	}
	st := t.stats
	c.stats.Turns++
	st.Intent = t.turn.Reply.Trace.Intent
	c.pending = &st
	if t.turn.Done {
		c.done = true
	}
	c.speak(ctx, t.turn.Reply)
	return false
}

// speak starts synthesising and playing a reply.
func (c *call) speak(ctx context.Context, r dialog.Reply) {
	segs := []*segment{}
	c.after = dialog.Action{Kind: dialog.ActSay}
	for _, a := range r.Actions {
		if a.Text != "" {
			segs = append(segs, &segment{text: a.Text, interruptible: a.Interruptible})
			c.event("prompt", a.Text)
		}
		if a.Kind != dialog.ActSay {
			c.after = a
		}
	}
	if x, ok := c.conv.Expecting(c.sid); ok {
		c.expect = x
	}
	c.speakSegments(ctx, segs)
}

// speakSegments synthesises and plays segs, replacing what plays.
func (c *call) speakSegments(ctx context.Context, segs []*segment) {
	c.cancelSynth()
	c.play.start(segs)
	sctx, cancel := context.WithCancel(ctx)
	c.synth = cancel
	c.reqAt = time.Now()
	c.synthW.Add(1)
	go func() {
		defer c.synthW.Done()
		synthesize(sctx, c.syn, c.lang, c.rate, segs, c.wake)
	}()
}

func (c *call) cancelSynth() {
	if c.synth != nil {
		c.synth()
		c.synth = nil
	}
}

// pumpAndCheck feeds playout and reports whether the call is over (the
// last reply of an ended dialogue has played).
func (c *call) pumpAndCheck(ctx context.Context, now time.Time) bool {
	if !c.play.active() {
		return c.done && !c.busy
	}
	before := c.play.written
	finished := c.play.pump(now)
	if before == 0 && c.play.written > 0 && c.pending != nil {
		c.turnPlayed(now)
	}
	if !finished {
		return false
	}
	for _, s := range c.play.segs {
		if s.err != nil && !errors.Is(s.err, context.Canceled) {
			c.log.Warn("tts failed", "err", s.err)
			c.event("tts_error", s.err.Error())
		}
	}
	c.play.stop()
	c.event("prompt_done", "")
	if c.done || c.after.Kind == dialog.ActHandoff || c.after.Kind == dialog.ActEnd {
		c.done = true
		return !c.busy
	}
	c.waiting, c.quietSince = true, now
	if c.deferred != "" {
		text, u := c.deferred, c.deferredU
		c.deferred, c.deferredU = "", nil
		c.submit(ctx, text, "speech", "", u, 0)
	}
	return false
}

// turnPlayed completes the pending turn's timings when its first frame
// reaches the leg.
func (c *call) turnPlayed(now time.Time) {
	st := *c.pending
	c.pending = nil
	if len(c.play.segs) > 0 {
		s := c.play.segs[0]
		s.mu.Lock()
		first := s.first
		s.mu.Unlock()
		if !first.IsZero() {
			st.TTS = first.Sub(c.reqAt)
			st.Playout = now.Sub(first)
		}
	}
	st.Total = now.Sub(st.from)
	st.Overhead = st.Total - st.EndOfTurn - st.ASR - st.TTS
	if st.Overhead < 0 {
		st.Overhead = 0
	}
	c.cfg.Metrics.turn(st)
	if c.cfg.OnTurn != nil {
		c.cfg.OnTurn(st)
	}
	c.log.Debug("turn", "text", st.Text, "intent", st.Intent, "total", st.Total, "eot", st.EndOfTurn, "asr", st.ASR, "dialog", st.Dialog, "tts", st.TTS)
}

// checkTimers runs the keypad, filler and no-input timeouts.
func (c *call) checkTimers(ctx context.Context, now time.Time) {
	if c.busy && !c.filled && c.cfg.Filler > 0 && now.Sub(c.busyAt) >= c.cfg.Filler && !c.play.active() {
		// The dialogue is slow (a webhook, an LLM): say something.
		c.filled = true
		c.sayFiller(ctx)
	}
	if c.keys.Len() > 0 && now.Sub(c.keyLast) >= c.cfg.DigitTimeout {
		c.submitKeys(ctx)
	}
	if c.waiting && !c.busy && c.utt == nil && c.ending == nil && c.keys.Len() == 0 && now.Sub(c.quietSince) >= c.cfg.NoInput {
		c.waiting = false
		c.submit(ctx, "", "timeout", "", nil, 0)
	}
}

// finish carries out the reply's final action once it has played.
func (c *call) finish(ctx context.Context) error {
	c.leg.Attach(nil)
	c.closeUtterances()
	if c.after.Kind == dialog.ActHandoff {
		c.event("handoff", c.after.Queue)
		if c.cfg.Handoff != nil {
			err := c.cfg.Handoff(ctx, c.leg, c.sid, c.after)
			if err == nil {
				return nil
			}
			if !errors.Is(err, ErrNoTarget) {
				c.log.Error("handoff failed", "queue", c.after.Queue, "err", err)
				_ = c.leg.Hangup(ctx)
				return err
			}
			c.log.Info("handoff: no transfer target, ending the call", "queue", c.after.Queue)
		}
	}
	c.event("end", c.after.Outcome)
	// Let the last frames leave before the caller is hung up.
	select {
	case <-time.After(c.cfg.Lead + 2*media.FrameDuration):
	case <-c.leg.Done():
	case <-ctx.Done():
	}
	return c.leg.Hangup(ctx)
}

// unavailable is what the caller hears when the bot cannot listen.
func unavailable(lang string) string {
	if strings.HasPrefix(lang, "zh") {
		return "抱歉，语音服务暂时不可用，请稍后再拨。"
	}
	return "Sorry, this line can't take calls right now. Please try again later."
}

// fillers are said while a turn takes long.
var fillers = map[string]string{"en": "One moment, please.", "zh": "请稍等。"}

// sayFiller plays a short filler; the reply replaces it when it comes.
func (c *call) sayFiller(ctx context.Context) {
	text := fillers["en"]
	if strings.HasPrefix(c.lang, "zh") {
		text = fillers["zh"]
	}
	after := c.after
	c.speakSegments(ctx, []*segment{{text: text, interruptible: true}})
	c.after = after
	c.event("filler", text)
}
