package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/internal/browsertest"
	"github.com/switchboard-voice/switchboard/internal/caller"
	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/tts/espeak"
	"github.com/switchboard-voice/switchboard/voicebot"
)

// voiceLog collects what the server's voicebot calls report.
type voiceLog struct {
	mu     sync.Mutex
	events []voicebot.Event
	turns  []voicebot.TurnStats
}

func (v *voiceLog) hook(vc *voice) {
	vc.onEvent = func(e voicebot.Event) { v.mu.Lock(); v.events = append(v.events, e); v.mu.Unlock() }
	vc.onTurn = func(s voicebot.TurnStats) { v.mu.Lock(); v.turns = append(v.turns, s); v.mu.Unlock() }
}

// session returns the events of the call with the session ID.
func (v *voiceLog) session(id string) []voicebot.Event {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []voicebot.Event
	for _, e := range v.events {
		if e.SessionID == id {
			out = append(out, e)
		}
	}
	return out
}

// lastSession is the session ID of the newest call.
func (v *voiceLog) lastSession() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i := len(v.events) - 1; i >= 0; i-- {
		if v.events[i].SessionID != "" {
			return v.events[i].SessionID
		}
	}
	return ""
}

func (v *voiceLog) turnsOf(id string) []voicebot.TurnStats {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []voicebot.TurnStats
	for _, t := range v.turns {
		if t.SessionID == id {
			out = append(out, t)
		}
	}
	return out
}

// voiceServer runs serve with the sample bots on SIP and WebRTC, a
// transfer target for the general queue, and speech as configured by
// extra YAML.
type voiceServer struct {
	*serveProc
	base, sip string
	log       *voiceLog
}

func startVoiceServer(t *testing.T, bots, extra string, rtpMin int) *voiceServer {
	t.Helper()
	return startVoiceServerHook(t, bots, extra, rtpMin, nil)
}

// startVoiceServerHook is startVoiceServer with another hook on the
// voicebot calls.
func startVoiceServerHook(t *testing.T, bots, extra string, rtpMin int, hook func(*voice)) *voiceServer {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "switchboard.yaml")
	yaml := fmt.Sprintf("data_dir: %s\nhttp: {listen: %q}\nbots: {dirs: [%s]}\nlog: {level: info, format: json}\n"+
		"sip: {listen: [{transport: udp, addr: '127.0.0.1:0'}], rtp_ports: {min: %d, max: %d}}\n"+
		"voicebot: {transfer: {general: 'sip:agents@127.0.0.1:5999', cards: 'sip:cards@127.0.0.1:5999', '*': 'sip:agents@127.0.0.1:5999'}}\n"+
		"recording: {enabled: true, dir: %s}\n%s",
		filepath.Join(dir, "data"), addr, bots, rtpMin, rtpMin+rtpSpan(rtpMin)-1, filepath.Join(dir, "rec"), extra)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	vl := &voiceLog{}
	srv := startServeEnv(t, cfg, addr, func(v *voice) {
		vl.hook(v)
		if hook != nil {
			hook(v)
		}
	})
	vs := &voiceServer{serveProc: srv, base: "http://" + addr, log: vl}
	for _, line := range strings.Split(srv.out.String(), "\n") {
		if i := strings.Index(line, "sip:echo@"); i >= 0 && strings.Contains(line, "transport=udp") {
			vs.sip = strings.TrimSuffix(strings.Fields(line[i+len("sip:echo@"):])[0], ";transport=udp")
		}
	}
	if vs.sip == "" {
		t.Fatalf("no SIP address in:\n%s", srv.out.String())
	}
	return vs
}

// rtpSpan is how many RTP ports a test server gets: 1,000, and 6,000 from
// 50000 for the capacity benchmark.
func rtpSpan(min int) int {
	if min >= 50000 {
		return 6000
	}
	return 1000
}

// transcript returns the stored turns of a session as "speaker: text".
func (v *voiceServer) transcript(t *testing.T, id string) []string {
	t.Helper()
	resp, err := http.Get(v.base + "/v1/sessions/" + id + "/transcript")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Turns []struct{ Speaker, Text string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tr := range body.Turns {
		out = append(out, tr.Speaker+": "+tr.Text)
	}
	return out
}

func (v *voiceServer) call(t *testing.T, to string, turns ...caller.Turn) caller.Result {
	t.Helper()
	syn, err := espeak.New()
	if err != nil {
		t.Fatal(err)
	}
	res, err := caller.Call(context.Background(), caller.Config{
		Target: to + "@" + v.sip, Turns: turns, Synthesizer: syn, Voice: caller.VoiceFor("en"), Timeout: 90 * time.Second,
	})
	if err != nil {
		t.Fatalf("call: %v\n%+v", err, res)
	}
	return res
}

func has(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l), strings.ToLower(sub)) {
			return true
		}
	}
	return false
}

// TestVoicebotEndToEnd calls bots/banking over SIP with synthesised
// speech through the real embedded recogniser and synthesiser.
func TestVoicebotEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end calls take a minute")
	}
	vs := startVoiceServer(t, "../../bots/banking", "", 35000)

	t.Run("lost card by voice", func(t *testing.T) {
		res := vs.call(t, "banking", caller.Turn{Say: "I lost my card"}, caller.Turn{Say: "four eight two one"}, caller.Turn{Say: "yes please"})
		id := vs.log.lastSession()
		tr := vs.transcript(t, id)
		if !has(tr, "bot: Done. The card ending 4821 is now blocked") {
			t.Fatalf("no confirmation in the transcript:\n%s\ncaller heard: %+v", strings.Join(tr, "\n"), res.Lines)
		}
		// The call's stereo recording is linked to the session.
		resp, err := http.Get(vs.base + "/v1/sessions/" + id + "/recording")
		if err != nil {
			t.Fatal(err)
		}
		pcm, rate, ch, err := media.ReadWAV(resp.Body)
		resp.Body.Close()
		if err != nil || ch != 2 || rate != 8000 || len(pcm) < 2*8000*10 {
			t.Errorf("recording: %v, %d channels at %d Hz, %d samples", err, ch, rate, len(pcm))
		} else {
			var left, right float64
			for i := 0; i+1 < len(pcm); i += 2 {
				left += math.Abs(float64(pcm[i]))
				right += math.Abs(float64(pcm[i+1]))
			}
			if left == 0 || right == 0 {
				t.Errorf("recording has a silent channel (caller %v, bot %v)", left, right)
			}
		}
		// The caller heard the confirmation: a bot line after the last turn.
		if b := res.Bot(); len(b) < 4 || b[len(b)-1].Latency <= 0 {
			t.Errorf("caller did not hear the confirmation: %+v", res.Lines)
		}
	})

	t.Run("lost card by keypad", func(t *testing.T) {
		res := vs.call(t, "banking", caller.Turn{Say: "I lost my card"}, caller.Turn{DTMF: "4821#"}, caller.Turn{Say: "yes please"})
		tr := vs.transcript(t, vs.log.lastSession())
		if !has(tr, "caller: 4821") || !has(tr, "card ending 4821 is now blocked") {
			t.Fatalf("keypad digits not used:\n%s\ncaller: %+v", strings.Join(tr, "\n"), res.Lines)
		}
	})

	t.Run("asks for a human", func(t *testing.T) {
		res := vs.call(t, "banking", caller.Turn{Say: "I want to speak to an agent"})
		if !strings.Contains(res.Transferred, "agents@127.0.0.1:5999") {
			t.Fatalf("not transferred: %+v\n%s\nserver: %v", res, strings.Join(vs.transcript(t, vs.log.lastSession()), "\n"),
				vs.logLines("", func(l map[string]any) bool { return l["level"] == "ERROR" || l["level"] == "WARN" }))
		}
		// The REFER carries the conversation to whoever takes the call.
		id := vs.log.lastSession()
		for _, h := range []string{"X-Switchboard-Session=" + id, "X-Switchboard-Queue=", "X-Switchboard-Summary="} {
			if !strings.Contains(res.Transferred, h) {
				t.Errorf("Refer-To %q lacks %s", res.Transferred, h)
			}
		}
	})

	t.Run("barge-in", func(t *testing.T) {
		// Cut into the greeting one second in.
		res := vs.call(t, "banking", caller.Turn{Say: "what is my balance", BargeIn: time.Second})
		id := vs.log.lastSession()
		var kinds []string
		for _, e := range vs.log.session(id) {
			kinds = append(kinds, e.Kind)
		}
		if !strings.Contains(strings.Join(kinds, ","), "barge_in") {
			t.Fatalf("no barge-in: %v", kinds)
		}
		greeting := res.Bot()[0]
		if greeting.BargeIn <= 0 || greeting.BargeIn > 400*time.Millisecond {
			t.Errorf("greeting went on %v after the caller cut in", greeting.BargeIn)
		}
		tr := vs.transcript(t, id)
		if len(tr) < 3 || !strings.HasPrefix(tr[1], "caller: ") {
			t.Errorf("the interruption was not answered:\n%s", strings.Join(tr, "\n"))
		}
	})

	t.Run("echoing peer", func(t *testing.T) {
		// sipp echoes every RTP packet the bot sends straight back, at
		// full level: the bot must not take its own greeting for a caller.
		sipp, err := exec.LookPath("sipp")
		if err != nil {
			if os.Getenv("SWITCHBOARD_REQUIRE_SIPP") == "1" {
				t.Fatal("sipp is required (SWITCHBOARD_REQUIRE_SIPP=1) but not installed")
			}
			t.Skip("sipp not installed")
		}
		before := vs.log.lastSession()
		cmd := exec.Command(sipp, vs.sip, "-sn", "uac", "-s", "banking", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", "0",
			"-m", "1", "-rtp_echo", "-d", "6000", "-timeout", "30s", "-timeout_error", "-nostdin")
		cmd.Dir = t.TempDir()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sipp: %v\n%s\nserver log:\n%s", err, out, vs.errOut.String())
		}
		id := vs.log.lastSession()
		if id == before {
			t.Fatal("no voicebot session for the sipp call")
		}
		var kinds []string
		for _, e := range vs.log.session(id) {
			kinds = append(kinds, e.Kind)
		}
		all := strings.Join(kinds, ",")
		if !strings.Contains(all, "prompt_done") {
			t.Fatalf("the greeting did not play to the end: %v\nserver log:\n%s", kinds, vs.errOut.String())
		}
		if strings.Contains(all, "barge_in") || strings.Contains(all, "speech_start") {
			t.Errorf("the bot heard its own echo: %v\nserver log:\n%s", kinds, vs.errOut.String())
		}
	})

	// Latency over the conversations above, for the log.
	var total []time.Duration
	vs.log.mu.Lock()
	for _, s := range vs.log.turns {
		if s.Source == "speech" {
			total = append(total, s.Total)
		}
	}
	vs.log.mu.Unlock()
	sort.Slice(total, func(i, j int) bool { return total[i] < total[j] })
	if len(total) > 0 {
		t.Logf("speech turns: %d, latency p50 %v max %v", len(total), total[len(total)/2], total[len(total)-1])
	}
}

// TestVoicebotMandarin calls bots/logistics-zh over SIP in Mandarin
// (espeak-ng's cmn voice on both sides). No embedded Chinese acoustic
// model is packaged in Debian, so Chinese recognition goes through the
// OpenAI-compatible provider, here the in-process test server: the test
// checks the audio it receives and scripts the transcripts.
func TestVoicebotMandarin(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end calls take a while")
	}
	oa := openaitest.New(t)
	oa.Enqueue(openaitest.Reply{Text: "帮我查一下快递"}, openaitest.Reply{Text: "SF1234567890"})
	oa.SetDefault(openaitest.Reply{Text: ""})
	vs := startVoiceServer(t, "../../bots/logistics-zh",
		fmt.Sprintf("speech: {asr: {zh: [openai]}, openai: {base_url: %q, api_key: test}}\n", oa.URL()), 36000)
	syn, err := espeak.New()
	if err != nil {
		t.Fatal(err)
	}
	res, err := caller.Call(context.Background(), caller.Config{
		Target: "4008001234@" + vs.sip, Synthesizer: syn, Language: "zh", Timeout: 90 * time.Second,
		Turns: []caller.Turn{{Say: "帮我查一下快递"}, {Say: "SF1234567890"}},
	})
	if err != nil {
		t.Fatalf("call: %v\n%+v", err, res)
	}
	tr := vs.transcript(t, vs.log.lastSession())
	if !has(tr, "预计送达") {
		t.Fatalf("no parcel status in the transcript:\n%s\ncaller: %+v", strings.Join(tr, "\n"), res.Lines)
	}
	reqs := oa.Requests()
	if len(reqs) < 2 {
		t.Fatalf("%d transcription requests", len(reqs))
	}
	for _, r := range reqs[:2] {
		tq := r.Transcription
		if tq == nil || tq.Language != "zh" || len(tq.File) < 8000 {
			t.Errorf("transcription request %+v: want zh and at least half a second of audio", tq)
		}
	}
	if b := res.Bot(); len(b) < 3 {
		t.Errorf("caller heard %d bot prompts, want the greeting, the question and the status: %+v", len(b), res.Lines)
	}
}

// speechWAV synthesises text with espeak-ng into a 48 kHz mono WAV with
// lead seconds of silence before it and tail after it: a fake microphone
// for Chromium.
func speechWAV(t *testing.T, text string, lead, tail time.Duration) []byte {
	t.Helper()
	syn, err := espeak.New()
	if err != nil {
		t.Fatal(err)
	}
	const rate = 48000
	pcm := make([]int16, int(lead.Seconds()*rate))
	err = syn.Synthesize(context.Background(), tts.Request{Text: text, Language: "en", Voice: caller.VoiceFor("en"), Rate: rate}, media.SinkFunc(func(f media.Frame) error {
		pcm = append(pcm, f.Samples...)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	pcm = append(pcm, make([]int16, int(tail.Seconds()*rate))...)
	path := filepath.Join(t.TempDir(), "mic.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := media.NewWAVWriter(f, rate, 1)
	if err == nil {
		err = w.WritePCM(pcm)
	}
	if err == nil {
		err = w.Close()
	}
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// browserQuestion is what the browser caller asks.
const browserQuestion = "what is my balance"

// TestVoicebotBrowser talks to the banking bot from the /phone page in
// headless Chromium: the fake microphone is silent through the greeting,
// then asks a question; the bot recognises it and answers over WebRTC.
func TestVoicebotBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end calls take a while")
	}
	if _, err := browsertest.Find(); err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_BROWSER") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	vs := startVoiceServer(t, "../../bots/banking", "", 37000)
	mic := speechWAV(t, browserQuestion, 6*time.Second, 20*time.Second)
	b := browsertest.Start(t, browsertest.WithFakeMic(mic),
		browsertest.WithReport("window.phone.state", "window.phone.error", "JSON.stringify(window.phone.stats)"))
	b.Navigate(vs.base + "/phone?to=banking")
	b.WaitVisible("#call")
	if got := b.Eval("document.querySelector('#number').value"); got != "banking" {
		t.Fatalf("number field %q, want banking from ?to=", got)
	}
	b.Click("#call")
	b.Poll("in call", 20*time.Second, func() bool { return b.Eval("window.phone.state") == "incall" })
	var id string
	b.Poll("the bot answers the question", 30*time.Second, func() bool {
		id = vs.log.lastSession()
		for _, e := range vs.log.session(id) {
			if e.Kind == "final" && e.Text != "" {
				return len(vs.log.turnsOf(id)) > 0
			}
		}
		return false
	})
	tr := vs.transcript(t, id)
	if len(tr) < 3 || !strings.HasPrefix(tr[1], "caller: ") {
		t.Fatalf("transcript:\n%s", strings.Join(tr, "\n"))
	}
	t.Logf("browser conversation:\n%s", strings.Join(tr, "\n"))
	if n := b.EvalFloat("window.phone.stats.packetsReceived"); n < 100 {
		t.Errorf("page received %v packets of the bot's speech", n)
	}
	b.Click("#hangup")
	b.Poll("page ended", 5*time.Second, func() bool { return b.Eval("window.phone.state") == "ended" })
}
