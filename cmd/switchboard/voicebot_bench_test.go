package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/internal/caller"
	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/tts/espeak"
	"github.com/switchboard-voice/switchboard/voicebot"
)

// The voicebot benchmarks run only when asked (they take minutes and want
// an idle machine); docs/benchmarks.md records their output:
//
//	SWITCHBOARD_BENCH_VOICEBOT=latency go test -run TestBenchVoicebotLatency -v -timeout 30m ./cmd/switchboard
//	SWITCHBOARD_BENCH_VOICEBOT=capacity SWITCHBOARD_BENCH_CALLS=10,20,40 SWITCHBOARD_BENCH_PROVIDERS=stub \
//	    go test -run TestBenchVoicebotCapacity -v -timeout 30m ./cmd/switchboard
func benchWanted(t *testing.T, what string) {
	if os.Getenv("SWITCHBOARD_BENCH_VOICEBOT") != what {
		t.Skipf("set SWITCHBOARD_BENCH_VOICEBOT=%s to run", what)
	}
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// endLog collects voicebot call figures.
type endLog struct {
	mu   sync.Mutex
	ends []voicebot.CallStats
}

// TestBenchVoicebotLatency runs scripted conversations with the embedded
// stack (pocketsphinx, espeak-ng) one at a time and prints the response
// latency by stage and the barge-in latency.
func TestBenchVoicebotLatency(t *testing.T) {
	benchWanted(t, "latency")
	rounds := 5
	if n, err := strconv.Atoi(os.Getenv("SWITCHBOARD_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	vs := startVoiceServer(t, "../../bots/banking", "", 38000)
	syn, err := espeak.New()
	if err != nil {
		t.Fatal(err)
	}
	scripts := [][]caller.Turn{
		{{Say: "I lost my card"}, {Say: "four eight two one"}, {Say: "yes please"}},
		{{Say: "what is my balance"}, {Say: "one two three four five six seven eight"}},
		{{Say: "I want to speak to an agent"}},
		{{Say: "what is my balance", BargeIn: 800 * time.Millisecond}},
		{{Say: "what is my balance", BargeIn: 1600 * time.Millisecond}},
		{{Say: "I lost my card", BargeIn: 2400 * time.Millisecond}},
	}
	var heard, bargeIn []time.Duration
	for r := 0; r < rounds; r++ {
		for _, turns := range scripts {
			res, err := caller.Call(context.Background(), caller.Config{Target: "banking@" + vs.sip, Turns: turns, Synthesizer: syn, Voice: caller.VoiceFor("en"), Timeout: 90 * time.Second})
			if err != nil {
				t.Errorf("call %+v: %v\n%+v\nserver: %s", turns, err, res, strings.Join(vs.transcript(t, vs.log.lastSession()), "\n"))
				continue
			}
			for _, l := range res.Bot() {
				if l.Latency > 0 {
					heard = append(heard, l.Latency)
				}
				if l.BargeIn > 0 {
					bargeIn = append(bargeIn, l.BargeIn)
				}
			}
		}
	}
	vs.log.mu.Lock()
	turns := append([]voicebot.TurnStats(nil), vs.log.turns...)
	vs.log.mu.Unlock()
	stage := map[string][]time.Duration{}
	for _, s := range turns {
		if s.Source != "speech" {
			continue
		}
		stage["total"] = append(stage["total"], s.Total)
		stage["end_of_turn"] = append(stage["end_of_turn"], s.EndOfTurn)
		stage["asr"] = append(stage["asr"], s.ASR)
		stage["dialog"] = append(stage["dialog"], s.Dialog)
		stage["tts"] = append(stage["tts"], s.TTS)
		stage["playout"] = append(stage["playout"], s.Playout)
		stage["overhead"] = append(stage["overhead"], s.Overhead)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "server side, %d speech turns (caller's last voiced frame -> first reply frame to the leg):\n", len(stage["total"]))
	fmt.Fprintf(&b, "  %-12s %8s %8s %8s\n", "stage", "p50", "p95", "p99")
	for _, k := range []string{"total", "end_of_turn", "asr", "dialog", "tts", "playout", "overhead"} {
		d := stage[k]
		fmt.Fprintf(&b, "  %-12s %8v %8v %8v\n", k, pct(d, 50).Round(100*time.Microsecond), pct(d, 95).Round(100*time.Microsecond), pct(d, 99).Round(100*time.Microsecond))
	}
	fmt.Fprintf(&b, "caller side, %d replies (end of the caller's audio -> first bot audio heard): p50 %v p95 %v\n",
		len(heard), pct(heard, 50).Round(time.Millisecond), pct(heard, 95).Round(time.Millisecond))
	fmt.Fprintf(&b, "barge-in, %d (caller's onset -> last bot audio heard): p50 %v p95 %v max %v\n",
		len(bargeIn), pct(bargeIn, 50).Round(time.Millisecond), pct(bargeIn, 95).Round(time.Millisecond), pct(bargeIn, 100).Round(time.Millisecond))
	t.Log("\n" + b.String())
}

// tonePCM is d of a 440 Hz tone at 24 kHz, as PCM16 little-endian: the
// stub speech endpoint's audio.
func tonePCM(d time.Duration) []byte {
	n := int(d.Seconds() * 24000)
	out := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/24000))
		binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
	}
	return out
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// metricValue reads one counter from /metrics.
func metricValue(t *testing.T, base, name string) float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, name+" ") {
			v, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return v
		}
	}
	return 0
}

// TestBenchVoicebotCapacity runs N concurrent conversations for each N in
// SWITCHBOARD_BENCH_CALLS and prints, per level: calls completed, playout
// gaps and dropped frames on the bot side, frames the server concealed
// for late or missing RTP, CPU (whole process, callers included) and heap
// per call. SWITCHBOARD_BENCH_PROVIDERS=stub replaces ASR and TTS with
// the in-process OpenAI-compatible test server (our own cost only);
// embedded uses pocketsphinx and espeak-ng.
func TestBenchVoicebotCapacity(t *testing.T) {
	benchWanted(t, "capacity")
	levels := []int{10, 20, 40}
	if v := os.Getenv("SWITCHBOARD_BENCH_CALLS"); v != "" {
		levels = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				t.Fatalf("SWITCHBOARD_BENCH_CALLS: %q", v)
			}
			levels = append(levels, n)
		}
	}
	rate := 10.0 // new calls a second
	if v, err := strconv.ParseFloat(os.Getenv("SWITCHBOARD_BENCH_RATE"), 64); err == nil && v > 0 {
		rate = v
	}
	providers := os.Getenv("SWITCHBOARD_BENCH_PROVIDERS")
	extra := ""
	turns := []caller.Turn{{Say: "what is my balance"}, {Say: "one two three four five six seven eight"}, {Say: "I want to speak to an agent"}}
	if providers == "stub" {
		oa := openaitest.New(t)
		// Every transcription hears the FAQ question; every sentence is
		// spoken as 1.5 s of tone.
		oa.SetDefault(openaitest.Reply{Text: "when are you open", Audio: tonePCM(1500 * time.Millisecond)})
		extra = fmt.Sprintf("speech: {asr: {en: [openai]}, tts: {en: openai}, openai: {base_url: %q, api_key: test}}\n", oa.URL())
		turns = []caller.Turn{{Say: "when are you open"}, {Say: "when are you open"}, {Say: "when are you open"}}
	} else {
		providers = "embedded"
	}
	el := &endLog{}
	vs := startVoiceServerHook(t, "../../bots/banking", extra, 50000, func(v *voice) {
		v.onEnd = func(s voicebot.CallStats) { el.mu.Lock(); el.ends = append(el.ends, s); el.mu.Unlock() }
	})
	syn, err := espeak.New()
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	fmt.Fprintf(&report, "providers: %s, %d CPUs (callers run in the same process)\n%6s %5s %9s %9s %8s %10s %10s %12s %7s\n", providers, runtime.NumCPU(),
		"calls", "peak", "completed", "gaps(fr)", "dropped", "concealed", "cpu/call", "heap/call", "cores")
	for _, n := range levels {
		el.mu.Lock()
		el.ends = nil
		el.mu.Unlock()
		runtime.GC()
		var m0 runtime.MemStats
		runtime.ReadMemStats(&m0)
		concealed0 := metricValue(t, vs.base, "switchboard_rtp_concealed_frames_total")
		cpu0, wall0 := cpuTime(), time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		var peakHeap uint64
		completed := 0
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(500 * time.Millisecond):
				}
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				mu.Lock()
				peakHeap = max(peakHeap, ms.HeapInuse)
				mu.Unlock()
			}
		}()
		live, peak := 0, 0
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				time.Sleep(time.Duration(float64(i) / rate * float64(time.Second)))
				mu.Lock()
				live++
				peak = max(peak, live)
				mu.Unlock()
				defer func() { mu.Lock(); live--; mu.Unlock() }()
				res, err := caller.Call(context.Background(), caller.Config{
					Target: "banking@" + vs.sip, Turns: turns, Synthesizer: syn, Voice: caller.VoiceFor("en"), Timeout: 3 * time.Minute,
					RTPPorts: [2]int{40000 + 4*(i%2400), 40000 + 4*(i%2400) + 3},
				})
				if err == nil && len(res.Bot()) >= len(turns) {
					mu.Lock()
					completed++
					mu.Unlock()
				} else {
					t.Logf("call %d: %v %+v", i, err, res)
				}
			}(i)
		}
		wg.Wait()
		close(stop)
		cpu, wall := cpuTime()-cpu0, time.Since(wall0)
		time.Sleep(time.Second)
		el.mu.Lock()
		gaps, dropped := 0, 0
		var callTime time.Duration
		for _, e := range el.ends {
			gaps += e.Underruns
			dropped += e.Dropped
			callTime += e.Duration
		}
		el.mu.Unlock()
		concealed := metricValue(t, vs.base, "switchboard_rtp_concealed_frames_total") - concealed0
		heap := float64(peakHeap) - float64(m0.HeapInuse)
		// CPU per call: the process's CPU over the calls' summed
		// durations (cores one call keeps busy); heap per call: the peak
		// heap growth over the peak number of calls at once.
		fmt.Fprintf(&report, "%6d %5d %9d %9d %8d %10.0f %10.4f %9.0f KB %7.1f\n", n, peak, completed, gaps, dropped, concealed,
			cpu.Seconds()/callTime.Seconds(), heap/float64(max(1, peak))/1024, cpu.Seconds()/wall.Seconds())
	}
	t.Log("\n" + report.String())
	for _, l := range vs.logLines("", func(l map[string]any) bool { return l["level"] == "ERROR" || l["level"] == "WARN" }) {
		t.Logf("server: %v", l)
	}
}
