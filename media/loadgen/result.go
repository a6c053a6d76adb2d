package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Result is what a run measured. Times are in milliseconds; the JSON keys
// are stable for scripts.
type Result struct {
	// Target is the SIP address called; InProcess says Run started the
	// answering side itself (and measured it).
	Target    string `json:"target"`
	InProcess bool   `json:"in_process"`
	Codec     string `json:"codec"`
	// Calls placed; Completed those that stayed up for the whole steady
	// state; Failed the others, counted in Failures by SIP status ("404",
	// "486"...) or by "timeout", "dropped" (ended early) and "error".
	Calls     int            `json:"calls"`
	Completed int            `json:"completed"`
	Failed    int            `json:"failed"`
	Failures  map[string]int `json:"failures,omitempty"`
	// FirstError is the first failure's error, for diagnosis.
	FirstError string `json:"first_error,omitempty"`
	// RateCPS is the ramp rate; DurationS the steady state asked for.
	RateCPS   float64 `json:"rate_cps"`
	DurationS float64 `json:"duration_s"`
	// Set-up time: INVITE sent (Server.Call) to the call answered (200 OK
	// received, ACK sent, media started).
	SetupP50Ms float64 `json:"setup_p50_ms"`
	SetupP99Ms float64 `json:"setup_p99_ms"`
	SetupMaxMs float64 `json:"setup_max_ms"`
	// SteadyS is the measured window with every call up (0 when the ramp
	// left none; then the process figures are 0).
	SteadyS float64 `json:"steady_s"`
	// CPUCores is process CPU seconds per second over the window;
	// CPUPerCall is CPU milliseconds per call per second of call.
	CPUCores   float64 `json:"cpu_cores"`
	CPUPerCall float64 `json:"cpu_per_call_ms_per_s"`
	// RunqueueWaitMsPerS is how long, per second, the process's threads
	// were runnable but waiting for a CPU (Linux schedstat): high values
	// mean the machine is short of CPU, whether from this process or from
	// others sharing it.
	RunqueueWaitMsPerS float64 `json:"runqueue_wait_ms_per_s"`
	// StealMsPerS is the machine's CPU time stolen by the hypervisor per
	// second, all CPUs (Linux /proc/stat, 10 ms resolution): on a virtual
	// machine, time no process inside ran at all.
	StealMsPerS float64 `json:"steal_ms_per_s"`
	// HeapPerCallKB is the heap in use at full load (after a GC) minus
	// the baseline, per call; GoroutinesPerCall likewise.
	HeapPerCallKB     float64 `json:"heap_per_call_kb"`
	GoroutinesPerCall float64 `json:"goroutines_per_call"`
	// LateFramesPct is the share of frames the receivers had to conceal
	// (audio missing at its playout time: late or lost), and LostPackets
	// the RTP packets lost, over both sides' legs.
	LateFramesPct float64 `json:"late_frames_pct"`
	LostPackets   int64   `json:"lost_packets"`
	// Send jitter is how late the answering side's pacers (the
	// generator's with a Target) sent their packets versus the 20 ms
	// schedule. Over every packet sent in the steady window: the 50th,
	// 99th and 99.9th percentiles and the worst (0.1 ms resolution).
	SendJitterP50Ms  float64 `json:"send_jitter_p50_ms"`
	SendJitterP99Ms  float64 `json:"send_jitter_p99_ms"`
	SendJitterP999Ms float64 `json:"send_jitter_p999_ms"`
	SendJitterMaxMs  float64 `json:"send_jitter_max_ms"`
	// SteadyLateFramesPct is LateFramesPct over the steady window only
	// (both sides).
	SteadyLateFramesPct float64 `json:"steady_late_frames_pct"`
	// LegsSendJitterP99Ms is a stricter view over whole calls, ramp
	// included: the 99th percentile, over the legs, of each leg's own
	// p99 (the worst 1 % of legs' worst 1 % of packets).
	LegsSendJitterP99Ms float64 `json:"legs_send_jitter_p99_ms"`
	// Stalls counts the times the whole process ran late by more than
	// 20 ms (a 10 ms watchdog ticker woke late), StallMaxMs the worst and
	// StallList the first few, with when they ended.
	Stalls     int     `json:"stalls"`
	StallMaxMs float64 `json:"stall_max_ms"`
	StallList  []Stall `json:"stall_list,omitempty"`
	// EchoOK counts calls that heard their tone come back.
	EchoOK int `json:"echo_ok"`
	// Server (in-process only) and Generator are the per-side figures.
	Server    *Side `json:"server,omitempty"`
	Generator *Side `json:"generator"`
	// RealtimePriority is the SCHED_RR priority the process ran under (0:
	// normal scheduling); the caller sets it (see internal/rtprio).
	RealtimePriority int `json:"realtime_priority"`
	// Note says what the process figures include.
	Note string `json:"note"`
}

// Side is the media figures of one side's legs, from rtpio.Stats.
type Side struct {
	Legs             int     `json:"legs"`
	FramesOut        uint64  `json:"frames_out"`
	Concealed        uint64  `json:"concealed"`
	LateFramesPct    float64 `json:"late_frames_pct"`
	LostPackets      int64   `json:"lost_packets"`
	ReorderedPackets uint64  `json:"reordered_packets"`
	PacketsIn        uint64  `json:"packets_in"`
	PacketsOut       uint64  `json:"packets_out"`
	Resyncs          uint64  `json:"resyncs"`
	SendJitterP50Ms  float64 `json:"send_jitter_p50_ms"`
	SendJitterP99Ms  float64 `json:"send_jitter_p99_ms"`
	SendJitterMaxMs  float64 `json:"send_jitter_max_ms"`
	// Steady is the side's figures over the steady window (nil when there
	// was none).
	Steady *Window `json:"steady,omitempty"`
}

// Window is what one side's legs did over the steady window, every packet
// counted (not per leg).
type Window struct {
	// Packets is how many RTP packets the pacers sent; SendP50Ms..
	// SendMaxMs how late they left versus their schedule.
	Packets    uint64  `json:"packets"`
	SendP50Ms  float64 `json:"send_p50_ms"`
	SendP99Ms  float64 `json:"send_p99_ms"`
	SendP999Ms float64 `json:"send_p999_ms"`
	SendMaxMs  float64 `json:"send_max_ms"`
	// FramesOut and Concealed are the frames played out to the receivers
	// and those concealed (late or lost).
	FramesOut     uint64  `json:"frames_out"`
	Concealed     uint64  `json:"concealed"`
	LateFramesPct float64 `json:"late_frames_pct"`
}

// WriteTable writes r as a human-readable table.
func (r Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(k, format string, a ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, a...)...) }
	where := r.Target
	if r.InProcess {
		where += " (in-process echo server)"
	}
	p("target", "%s", where)
	p("calls", "%d placed, %d completed, %d failed%s", r.Calls, r.Completed, r.Failed, failures(r.Failures))
	if r.FirstError != "" {
		p("first error", "%s", r.FirstError)
	}
	p("ramp / steady", "%.0f cps, %.0f s asked, %.1f s measured", r.RateCPS, r.DurationS, r.SteadyS)
	p("set-up", "p50 %.1f ms, p99 %.1f ms, max %.1f ms", r.SetupP50Ms, r.SetupP99Ms, r.SetupMaxMs)
	if r.RealtimePriority > 0 {
		p("scheduling", "SCHED_RR priority %d (every thread)", r.RealtimePriority)
	} else {
		p("scheduling", "normal (SCHED_OTHER)")
	}
	p("cpu", "%.2f cores, %.3f ms per call per s", r.CPUCores, r.CPUPerCall)
	p("run-queue wait", "%.1f ms per s (threads runnable, waiting for a CPU); hypervisor steal %.1f ms per s", r.RunqueueWaitMsPerS, r.StealMsPerS)
	p("heap per call", "%.1f KB", r.HeapPerCallKB)
	p("goroutines per call", "%.1f", r.GoroutinesPerCall)
	p("late frames", "%.3f %% in the steady window, %.3f %% over whole calls", r.SteadyLateFramesPct, r.LateFramesPct)
	p("lost packets", "%d", r.LostPackets)
	p("send jitter", "p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (every packet of the steady window)",
		r.SendJitterP50Ms, r.SendJitterP99Ms, r.SendJitterP999Ms, r.SendJitterMaxMs)
	p("legs' p99", "%.1f ms (99th percentile over the legs of each leg's p99, whole calls with the ramp)", r.LegsSendJitterP99Ms)
	p("process stalls", "%d over 20 ms, worst %.1f ms%s", r.Stalls, r.StallMaxMs, stallList(r.StallList))
	p("echo ok", "%d of %d", r.EchoOK, r.Calls)
	for _, s := range []struct {
		name string
		s    *Side
	}{{"server legs", r.Server}, {"generator legs", r.Generator}} {
		if s.s == nil {
			continue
		}
		p(s.name, "%d legs, %d/%d frames concealed (%.3f %%), %d lost, legs' send jitter p50 %.1f p99 %.1f max %.1f ms",
			s.s.Legs, s.s.Concealed, s.s.FramesOut, s.s.LateFramesPct, s.s.LostPackets,
			s.s.SendJitterP50Ms, s.s.SendJitterP99Ms, s.s.SendJitterMaxMs)
		if w := s.s.Steady; w != nil {
			p("", "steady: %d packets sent, late p50 %.1f p99 %.1f p99.9 %.1f max %.1f ms; %d/%d frames concealed (%.3f %%)",
				w.Packets, w.SendP50Ms, w.SendP99Ms, w.SendP999Ms, w.SendMaxMs, w.Concealed, w.FramesOut, w.LateFramesPct)
		}
	}
	if r.Note != "" {
		p("note", "%s", r.Note)
	}
	return tw.Flush()
}

func failures(f map[string]int) string {
	if len(f) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" (")
	for i, k := range slices.Sorted(maps.Keys(f)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %d", k, f[k])
	}
	b.WriteString(")")
	return b.String()
}

func stallList(s []Stall) string {
	if len(s) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" (at")
	for i, st := range s[:min(len(s), 5)] {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %.1fs: %.0f ms", st.AtS, st.Ms)
	}
	b.WriteString(")")
	return b.String()
}
