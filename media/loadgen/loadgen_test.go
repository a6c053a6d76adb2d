package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/apps"
	"github.com/switchboard-voice/switchboard/media/sip"
)

// TestRun places a few real calls on loopback to the in-process echo
// server and checks the report.
func TestRun(t *testing.T) {
	tests := []struct {
		name          string
		cfg           Config
		completed     int
		failures      map[string]int
		wantEcho      bool
		wantProcessFi bool
	}{
		{
			name:      "echo",
			cfg:       Config{Calls: 5, Rate: 20, Duration: 2 * time.Second},
			completed: 5, wantEcho: true, wantProcessFi: true,
		},
		{
			name:     "no route",
			cfg:      Config{To: "nobody", Calls: 2, Rate: 20, Duration: 200 * time.Millisecond},
			failures: map[string]int{"404": 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := Run(ctx, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var table bytes.Buffer
			if err := res.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", table.String())
			if res.Completed != tt.completed || res.Failed != tt.cfg.Calls-tt.completed {
				t.Errorf("completed %d failed %d, want %d and %d", res.Completed, res.Failed, tt.completed, tt.cfg.Calls-tt.completed)
			}
			for k, v := range tt.failures {
				if res.Failures[k] != v {
					t.Errorf("failures[%q] = %d, want %d (all: %v)", k, res.Failures[k], v, res.Failures)
				}
			}
			if !res.InProcess || res.Server == nil || res.Generator == nil {
				t.Fatalf("in-process run without both sides: %+v", res)
			}
			if !tt.wantEcho {
				return
			}
			if res.EchoOK != tt.cfg.Calls {
				t.Errorf("echo_ok = %d, want %d", res.EchoOK, tt.cfg.Calls)
			}
			if res.SetupP50Ms <= 0 || res.SetupP99Ms < res.SetupP50Ms || res.SetupMaxMs < res.SetupP99Ms {
				t.Errorf("set-up p50 %v p99 %v max %v", res.SetupP50Ms, res.SetupP99Ms, res.SetupMaxMs)
			}
			if res.Server.Legs != tt.cfg.Calls || res.Server.PacketsIn == 0 || res.Generator.PacketsIn == 0 {
				t.Errorf("server legs %d, packets in: server %d generator %d",
					res.Server.Legs, res.Server.PacketsIn, res.Generator.PacketsIn)
			}
			if tt.wantProcessFi && (res.SteadyS <= 0 || res.GoroutinesPerCall <= 0) {
				t.Errorf("no steady-state figures: steady %v s, goroutines per call %v", res.SteadyS, res.GoroutinesPerCall)
			}
			if tt.wantProcessFi {
				// The window counts the packets sent in it, not since the
				// calls began: one per leg per 20 ms of the window.
				w := res.Server.Steady
				want := float64(tt.cfg.Calls) * res.SteadyS / 0.020
				if w == nil || float64(w.Packets) < 0.8*want || float64(w.Packets) > 1.2*want {
					t.Errorf("steady window: %+v, want about %.0f packets (%d legs, %.2f s)", w, want, tt.cfg.Calls, res.SteadyS)
				} else if w.SendP99Ms < w.SendP50Ms || w.SendMaxMs < w.SendP999Ms || res.SendJitterP99Ms != w.SendP99Ms {
					t.Errorf("steady send quantiles out of order or not reported: %+v, result p99 %v", w, res.SendJitterP99Ms)
				}
			}
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"calls", "completed", "failed", "setup_p50_ms", "setup_p99_ms",
				"cpu_per_call_ms_per_s", "heap_per_call_kb", "goroutines_per_call", "late_frames_pct",
				"lost_packets", "send_jitter_p50_ms", "send_jitter_p99_ms", "send_jitter_p999_ms",
				"legs_send_jitter_p99_ms", "steady_late_frames_pct", "echo_ok"} {
				if !strings.Contains(string(b), `"`+k+`":`) {
					t.Errorf("JSON has no %q: %s", k, b)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{Calls: -1}, "calls"},
		{Config{Rate: -2}, "rate"},
		{Config{Codec: "opus"}, "codec"},
		{Config{Target: "example.com"}, "target"},
		{Config{ToneHz: 5000}, "tone"},
	} {
		err := tt.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %q", tt.cfg, err, tt.want)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{context.DeadlineExceeded, "timeout"},
		{nil, "error"},
	} {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestRunTarget calls an echo server that Run did not start: only the
// generator is measured.
func TestRunTarget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dp, err := apps.NewDialplan([]apps.Route{{To: "echo", App: apps.Echo(nil, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := start(ctx, "server", sip.Config{}, dp, serverMinPort, serverMaxPort, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	ap, _ := srv.srv.Addr("udp")
	res, err := Run(ctx, Config{Target: ap.String(), Calls: 3, Rate: 50, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.InProcess || res.Server != nil || res.Generator == nil || res.Generator.Legs != 3 {
		t.Errorf("target run: in-process %v, server %+v, generator %+v", res.InProcess, res.Server, res.Generator)
	}
	if res.Completed != 3 || res.EchoOK != 3 {
		t.Errorf("completed %d, echo_ok %d, want 3 and 3 (failures %v, %s)", res.Completed, res.EchoOK, res.Failures, res.FirstError)
	}
}
