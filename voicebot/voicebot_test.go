package voicebot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/media/mediatest"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/voicebot"
	"github.com/switchboard-voice/switchboard/voicebot/voicebottest"
)

type harness struct {
	t      *testing.T
	st     store.Store
	mgr    *conversation.Manager
	rec    *voicebottest.Script
	bot    *mediatest.Leg
	caller *mediatest.Leg
	heard  *ear
	mu     sync.Mutex
	events []voicebot.Event
	turns  []voicebot.TurnStats
	ends   []voicebot.CallStats
	served chan error
}

func newHarness(t *testing.T, script []string, tweak func(*voicebot.Config)) *harness {
	t.Helper()
	return newHarnessLine(t, script, tweak, mediatest.Options{})
}

// newHarnessLine is newHarness on a line with the given options (echo).
func newHarnessLine(t *testing.T, script []string, tweak func(*voicebot.Config), line mediatest.Options) *harness {
	t.Helper()
	ctx := context.Background()
	mgr, st := voicebottest.Conversations(t, voicebottest.CardsBot)
	h := &harness{t: t, st: st, mgr: mgr, rec: voicebottest.NewScript(script...), served: make(chan error, 1)}
	cfg := voicebot.Config{
		Bot: "cards", Conversations: h.mgr, Speech: voicebottest.Speech{ASR: h.rec, TTS: voicebottest.ToneTTS{}},
		NoInput: 2 * time.Second, NewVAD: func(int) voicebot.VAD { return &voicebottest.LevelVAD{} },
		NewEchoCanceller: func(int) voicebot.EchoCanceller { return voicebottest.NoEcho{} },
		OnEvent:          func(e voicebot.Event) { h.mu.Lock(); h.events = append(h.events, e); h.mu.Unlock() },
		OnTurn:           func(s voicebot.TurnStats) { h.mu.Lock(); h.turns = append(h.turns, s); h.mu.Unlock() },
		OnEnd:            func(s voicebot.CallStats) { h.mu.Lock(); h.ends = append(h.ends, s); h.mu.Unlock() },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	app, err := voicebot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.bot, h.caller = mediatest.Pipe(line)
	h.heard = &ear{}
	h.caller.Attach(h.heard)
	go func() { h.served <- app.Serve(ctx, h.bot) }()
	t.Cleanup(func() {
		_ = h.caller.Hangup(ctx)
		select {
		case <-h.served:
		case <-time.After(5 * time.Second):
			t.Error("voicebot did not return after hang-up")
		}
	})
	return h
}

// ear is the caller's receiver: it notes when the bot's audio starts and
// stops.
type ear struct {
	mu        sync.Mutex
	talking   bool
	lastAudio time.Time
	starts    int
	frames    int
}

func (e *ear) WriteFrame(f media.Frame) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if media.Level(f.Samples) > -30 {
		if !e.talking {
			e.starts++
		}
		e.talking, e.lastAudio = true, time.Now()
		e.frames++
	} else if e.talking && time.Since(e.lastAudio) > 200*time.Millisecond {
		e.talking = false
	}
	return nil
}
func (e *ear) OnDTMF(media.DTMF) {}
func (e *ear) Close() error      { return nil }

func (e *ear) state() (talking bool, starts int, last time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.talking, e.starts, e.lastAudio
}

// waitBot waits until the bot has started its n-th prompt and gone quiet.
func (h *harness) waitBot(n int) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		talking, starts, _ := h.heard.state()
		if starts >= n && !talking {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, starts, _ := h.heard.state()
	h.t.Fatalf("bot prompt %d never finished (%d started); events: %v", n, starts, h.kinds())
}

// waitTalking waits until the bot is playing its n-th prompt.
func (h *harness) waitTalking(n int) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if talking, starts, _ := h.heard.state(); talking && starts >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("bot never started prompt %d; events: %v", n, h.kinds())
}

// speak sends d of loud "speech" then returns (silence follows).
func (h *harness) speak(d time.Duration) {
	tone := audiotest.Tone(300, 8000, d, 0.4)
	for i := 0; i+160 <= len(tone); i += 160 {
		_ = h.caller.WriteFrame(media.Frame{Samples: tone[i : i+160], Rate: 8000})
	}
}

func (h *harness) kinds() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var k []string
	for _, e := range h.events {
		k = append(k, e.Kind+":"+e.Text)
	}
	return k
}

func (h *harness) waitEvent(kind string, timeout time.Duration) voicebot.Event {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		for _, e := range h.events {
			if e.Kind == kind {
				h.mu.Unlock()
				return e
			}
		}
		h.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("no %s event; events: %v", kind, h.kinds())
	return voicebot.Event{}
}

func (h *harness) waitServed() error {
	h.t.Helper()
	select {
	case err := <-h.served:
		h.served <- err
		return err
	case <-time.After(20 * time.Second):
		h.t.Fatalf("call did not end; events: %v", h.kinds())
		return nil
	}
}

func (h *harness) session() (store.Session, []store.Turn) {
	h.t.Helper()
	ctx := context.Background()
	ss, err := h.st.Sessions(ctx, store.SessionFilter{})
	if err != nil || len(ss) != 1 {
		h.t.Fatalf("sessions: %v %d", err, len(ss))
	}
	turns, err := h.st.Turns(ctx, ss[0].ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return ss[0], turns
}

func TestLostCardByVoice(t *testing.T) {
	h := newHarness(t, []string{"i lost my card", "four eight two one"}, nil)
	h.waitBot(1)
	h.speak(600 * time.Millisecond)
	h.waitBot(2)
	h.speak(800 * time.Millisecond)
	if err := h.waitServed(); err != nil {
		t.Fatal(err)
	}
	if by := h.caller.HungUpBy(); by != "a" {
		t.Errorf("hung up by %q, want the bot", by)
	}
	s, turns := h.session()
	if s.Outcome != store.OutcomeResolved {
		t.Errorf("outcome %q", s.Outcome)
	}
	var said []string
	var lastOffset int64
	for _, tr := range turns {
		said = append(said, tr.Speaker+": "+tr.Text)
		if tr.Speaker == "caller" {
			// Each caller turn is placed in the call's audio.
			off, dur := tr.Timings["offset"], tr.Timings["duration"]
			if off <= lastOffset || dur < 300_000 || tr.Timings["end_of_turn"] < 400_000 {
				t.Errorf("caller turn %q timings %v", tr.Text, tr.Timings)
			}
			lastOffset = off
		}
		if tr.Speaker == "bot" && tr.Seq > 1 {
			// Replies are placed in the call too, after what they answer.
			if off := tr.Timings["offset"]; off <= lastOffset {
				t.Errorf("bot turn %q offset %d, after a caller turn at %d", tr.Text, off, lastOffset)
			}
		}
	}
	all := strings.Join(said, "\n")
	for _, want := range []string{"caller: i lost my card", "caller: four eight two one", "ending 4821 is blocked"} {
		if !strings.Contains(all, want) {
			t.Errorf("transcript lacks %q:\n%s", want, all)
		}
	}
	// The slot prompt (four digits) asked the recogniser for exactly four.
	cfgs := h.rec.Configs()
	if len(cfgs) < 2 || cfgs[1].Grammar != asr.GrammarDigits4 {
		t.Errorf("recogniser configs %+v, want the second with the four-digit grammar", cfgs)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.turns) != 1 {
		// The last turn ends the call: its goodbye is timed too.
		if len(h.turns) != 2 {
			t.Fatalf("turn stats: %+v", h.turns)
		}
	}
	if len(h.ends) != 1 || h.ends[0].Underruns != 0 || h.ends[0].Turns != 2 {
		t.Errorf("call stats %+v, want 2 turns and no underruns", h.ends)
	}
	for _, st := range h.turns {
		if st.Total <= 0 || st.EndOfTurn <= 0 || st.Total < st.EndOfTurn || st.Overhead > st.Total {
			t.Errorf("turn stats inconsistent: %+v", st)
		}
	}
}

func TestDigitsByKeypad(t *testing.T) {
	h := newHarness(t, []string{"i lost my card"}, nil)
	h.waitBot(1)
	h.speak(600 * time.Millisecond)
	h.waitBot(2)
	for _, d := range "4821" {
		_ = h.caller.SendDTMF(d, 100*time.Millisecond)
		time.Sleep(60 * time.Millisecond)
	}
	if err := h.waitServed(); err != nil {
		t.Fatal(err)
	}
	_, turns := h.session()
	found := false
	for _, tr := range turns {
		if tr.Speaker == "caller" && tr.Text == "4821" {
			found = true
		}
	}
	if !found {
		t.Errorf("keypad digits not submitted as one turn: %+v", turns)
	}
}

func TestBargeInStopsPrompt(t *testing.T) {
	h := newHarness(t, []string{"when are you open"}, nil)
	// Interrupt the greeting (~2.8 s of audio) half a second in.
	h.waitTalking(1)
	time.Sleep(500 * time.Millisecond)
	spoke := time.Now()
	h.speak(700 * time.Millisecond)
	e := h.waitEvent("barge_in", 2*time.Second)
	// The bot's audio stops within the barge-in time plus the lead.
	time.Sleep(300 * time.Millisecond)
	_, _, last := h.heard.state()
	if d := last.Sub(spoke); d > 350*time.Millisecond {
		t.Errorf("bot audio went on %v after the caller started", d)
	}
	if e.At.Sub(spoke) > 300*time.Millisecond {
		t.Errorf("barge-in detected %v after onset", e.At.Sub(spoke))
	}
	h.waitEvent("final", 3*time.Second)
	h.waitBot(2)
	_, turns := h.session()
	if len(turns) < 3 || !strings.Contains(turns[len(turns)-1].Text, "nine to five") {
		t.Errorf("the interruption was not answered: %+v", turns)
	}
}

func TestBackchannelResumes(t *testing.T) {
	h := newHarness(t, []string{"mm-hm"}, nil)
	h.waitTalking(1)
	time.Sleep(400 * time.Millisecond)
	h.speak(300 * time.Millisecond)
	h.waitEvent("barge_in", 2*time.Second)
	h.waitEvent("resume", 3*time.Second)
	h.waitEvent("prompt_done", 6*time.Second)
	_, turns := h.session()
	for _, tr := range turns {
		if tr.Speaker == "caller" {
			t.Errorf("a backchannel became a turn: %+v", tr)
		}
	}
}

func TestShortNoiseDoesNotInterrupt(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.waitTalking(1)
	time.Sleep(300 * time.Millisecond)
	h.speak(80 * time.Millisecond) // a click: under the barge-in time
	h.waitEvent("prompt_done", 6*time.Second)
	for _, k := range h.kinds() {
		if strings.HasPrefix(k, "barge_in") {
			t.Fatalf("an 80 ms noise interrupted the bot: %v", h.kinds())
		}
	}
}

func TestNonInterruptiblePrompt(t *testing.T) {
	h := newHarness(t, []string{"i lost my card", "four eight two one"}, nil)
	h.waitBot(1)
	h.speak(600 * time.Millisecond)
	// The disclosure is playing: talk over it.
	h.waitTalking(2)
	time.Sleep(200 * time.Millisecond)
	h.speak(600 * time.Millisecond)
	if err := h.waitServed(); err != nil {
		t.Fatal(err)
	}
	for _, k := range h.kinds() {
		if strings.HasPrefix(k, "barge_in") {
			t.Fatalf("a non-interruptible prompt was cut: %v", h.kinds())
		}
	}
	// What was said over it was answered once it had played.
	s, _ := h.session()
	if s.Outcome != store.OutcomeResolved {
		t.Errorf("outcome %q; events %v", s.Outcome, h.kinds())
	}
}

func TestNoInputRepromptsThenHandsOff(t *testing.T) {
	h := newHarness(t, nil, func(c *voicebot.Config) { c.NoInput = 300 * time.Millisecond })
	if err := h.waitServed(); err != nil {
		t.Fatal(err)
	}
	s, turns := h.session()
	if s.Outcome != store.OutcomeHandedOff {
		t.Errorf("outcome %q after silence, want handed_off", s.Outcome)
	}
	reprompts := 0
	for _, tr := range turns {
		if tr.Speaker == "bot" && strings.Contains(tr.Text, "didn't catch") {
			reprompts++
		}
	}
	if reprompts != 2 {
		t.Errorf("%d reprompts before the handoff, want 2: %+v", reprompts, turns)
	}
}

func TestHandoffTransfers(t *testing.T) {
	var got dialog.Action
	h := newHarness(t, []string{"i want an agent"}, func(c *voicebot.Config) {
		c.Handoff = func(ctx context.Context, leg media.Leg, sessionID string, a dialog.Action) error {
			got = a
			return nil
		}
	})
	h.waitBot(1)
	h.speak(600 * time.Millisecond)
	if err := h.waitServed(); err != nil {
		t.Fatal(err)
	}
	if got.Queue != "general" {
		t.Errorf("handoff action %+v", got)
	}
	if by := h.caller.HungUpBy(); by != "" {
		t.Errorf("the voicebot hung up (%q) instead of leaving the caller to the transfer", by)
	}
}

func TestCallerHangsUp(t *testing.T) {
	before := runtime.NumGoroutine()
	h := newHarness(t, nil, nil)
	h.waitTalking(1)
	_ = h.caller.Hangup(context.Background())
	if err := h.waitServed(); err != nil {
		t.Fatal(err)
	}
	s, _ := h.session()
	if s.Outcome != store.OutcomeAbandoned || s.EndedAt.IsZero() {
		t.Errorf("session after hang-up: %+v", s)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("goroutines %d after the call, %d before", n, before)
	}
}

// slowTTS produces each frame after 30 ms: slower than real time.
type slowTTS struct{ voicebottest.ToneTTS }

func (s slowTTS) Synthesize(ctx context.Context, req tts.Request, sink media.Sink) error {
	return s.ToneTTS.Synthesize(ctx, req, media.SinkFunc(func(f media.Frame) error {
		time.Sleep(30 * time.Millisecond)
		return sink.WriteFrame(f)
	}))
}

func TestUnderrunsCounted(t *testing.T) {
	h := newHarness(t, nil, func(c *voicebot.Config) {
		c.Speech = voicebottest.Speech{ASR: voicebottest.NewScript(), TTS: slowTTS{}}
	})
	h.waitEvent("prompt_done", 10*time.Second)
	_ = h.caller.Hangup(context.Background())
	_ = h.waitServed()
	h.mu.Lock()
	defer h.mu.Unlock()
	// 42 frames at 30 ms each: about a third of the prompt is gaps.
	if len(h.ends) != 1 || h.ends[0].Underruns < 8 {
		t.Errorf("call stats %+v, want underruns from a synthesiser slower than real time", h.ends)
	}
}

// failing is a recogniser whose every utterance fails.
type failing struct{}

func (failing) Name() string { return "failing" }
func (failing) Stream(ctx context.Context, cfg asr.Config) (asr.Session, error) {
	return &failSession{out: make(chan asr.Result, 1)}, nil
}

type failSession struct {
	out  chan asr.Result
	once sync.Once
}

func (s *failSession) WriteFrame(media.Frame) error { return nil }
func (s *failSession) Results() <-chan asr.Result   { return s.out }
func (s *failSession) Close() error                 { return nil }
func (s *failSession) End() error {
	s.once.Do(func() {
		s.out <- asr.Result{Final: true, Provider: "failing", Err: asr.ErrTimeout}
		close(s.out)
	})
	return nil
}

// TestRecognizerFailureReprompts: when recognition fails the caller is
// asked again, never left in silence.
func TestRecognizerFailureReprompts(t *testing.T) {
	h := newHarness(t, nil, func(c *voicebot.Config) {
		c.Speech = voicebottest.Speech{ASR: failing{}, TTS: voicebottest.ToneTTS{}}
	})
	h.waitBot(1)
	h.speak(600 * time.Millisecond)
	h.waitEvent("asr_error", 5*time.Second)
	h.waitBot(2)
	_, turns := h.session()
	if len(turns) < 3 || !strings.Contains(turns[len(turns)-1].Text, "didn't catch") {
		t.Errorf("no reprompt after a failed recognition: %+v", turns)
	}
}

// noASR has no recogniser for any language.
type noASR struct{ voicebottest.Speech }

func (noASR) Recognizer(context.Context, string, int, string) (asr.Recognizer, error) {
	return nil, voicebot.ErrNoProvider
}

// TestNoRecognizerApologises: a bot whose language has no recogniser
// tells the caller and hangs up instead of leaving silence.
func TestNoRecognizerApologises(t *testing.T) {
	h := newHarness(t, nil, func(c *voicebot.Config) {
		c.Speech = noASR{voicebottest.Speech{TTS: voicebottest.ToneTTS{}}}
	})
	err := h.waitServed()
	if !errors.Is(err, voicebot.ErrNoProvider) {
		t.Errorf("Serve: %v, want ErrNoProvider", err)
	}
	if _, starts, _ := h.heard.state(); starts == 0 {
		t.Error("the caller heard nothing")
	}
	if by := h.caller.HungUpBy(); by != "a" {
		t.Errorf("hung up by %q, want the bot", by)
	}
	s, _ := h.session()
	if s.EndedAt.IsZero() {
		t.Errorf("session not ended: %+v", s)
	}
}

const slowBot = `
name: slow
languages: [en]
greeting: Hello.
fallback: Sorry?
handoff: {queue: general}
intents:
  - name: balance
    examples: [what is my balance, my balance, balance please, how much money do i have]
    flow: balance
  - name: hours
    examples: [when are you open, opening hours, what time do you close]
    answer: Nine to five.
flows:
  - name: balance
    steps:
      - id: look
        kind: webhook
        webhook: {url: /balance, timeout: 5s, save: {amount: amount}}
        next: tell
      - {id: tell, kind: say, say: "You have {{amount}} pounds."}
`

// TestFillerWhileDialogueIsSlow: a webhook that takes 2 s gets a filler
// after 1.2 s, then the answer.
func TestFillerWhileDialogueIsSlow(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Second)
		fmt.Fprint(w, `{"amount": "42"}`)
	}))
	defer hook.Close()
	ctx := context.Background()
	conv, _ := voicebottest.Conversations(t, slowBot, dialog.WithWebhookBase(hook.URL))
	var mu sync.Mutex
	var events []voicebot.Event
	app, err := voicebot.New(voicebot.Config{
		Bot: "slow", Conversations: conv,
		Speech:           voicebottest.Speech{ASR: voicebottest.NewScript("what is my balance"), TTS: voicebottest.ToneTTS{}},
		NewVAD:           func(int) voicebot.VAD { return &voicebottest.LevelVAD{} },
		NewEchoCanceller: func(int) voicebot.EchoCanceller { return voicebottest.NoEcho{} },
		OnEvent:          func(e voicebot.Event) { mu.Lock(); events = append(events, e); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	bot, callerLeg := mediatest.Pipe(mediatest.Options{})
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, bot) }()
	defer func() { _ = callerLeg.Hangup(ctx); <-done }()
	select {
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	case <-time.After(800 * time.Millisecond): // the greeting
	}
	tone := audiotest.Tone(300, 8000, 600*time.Millisecond, 0.4)
	for i := 0; i+160 <= len(tone); i += 160 {
		_ = callerLeg.WriteFrame(media.Frame{Samples: tone[i : i+160], Rate: 8000})
	}
	deadline := time.Now().Add(8 * time.Second)
	var order []string
	for time.Now().Before(deadline) {
		mu.Lock()
		order = order[:0]
		for _, e := range events {
			if e.Kind == "filler" || (e.Kind == "prompt" && strings.Contains(e.Text, "42")) {
				order = append(order, e.Kind)
			}
		}
		mu.Unlock()
		if len(order) == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Join(order, ",") != "filler,prompt" {
		var all []string
		mu.Lock()
		for _, e := range events {
			all = append(all, e.Kind+":"+e.Text)
		}
		mu.Unlock()
		t.Fatalf("want a filler, then the answer; got %v; events %v", order, all)
	}
}
