package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/switchboard-voice/switchboard/internal/rtprio"
	"os"
	"time"

	"github.com/switchboard-voice/switchboard/media/loadgen"
)

func init() {
	register(&command{name: "bench", summary: "measure capacity: SIP load generator", run: runBench})
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "bench", "calls [flags]", `
Measure the media server's capacity.

  calls   place concurrent SIP calls to the echo application, each
          streaming a G.711 tone, and report set-up time, CPU, heap and
          goroutines per call, late frames, loss, send jitter and echo`)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	switch rest[0] {
	case "calls":
		return benchCalls(ctx, e, rest[1:])
	}
	fmt.Fprintf(e.stderr, "switchboard bench: unknown subcommand %q (calls)\n", rest[0])
	return errUsage
}

func benchCalls(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "bench calls", "", `
Place --calls concurrent calls, ramping at --rate calls per second, keep
them all up for --duration, then hang up and report. Each call plays a
1 kHz tone and checks that it comes back.

Without --target the command starts an echo server in this process on
127.0.0.1 (media/sip, media/rtpmedia, apps.Echo) and measures it too; the
process figures then include the generator (see the note in the report).
With --target only the calling side is measured.`)
	target := fs.String("target", "", "SIP host:port (UDP) to call; empty: an in-process echo server")
	to := fs.String("to", "echo", "number or user to call")
	calls := fs.Int("calls", 50, "concurrent calls")
	rate := fs.Float64("rate", 50, "ramp rate in calls per second")
	duration := fs.Duration("duration", 30*time.Second, "how long all calls stay up together")
	codec := fs.String("codec", "PCMU", "codec to offer: PCMU or PCMA")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the steady state to this file")
	rtPriority := fs.Int("realtime-priority", 0, "run the process under SCHED_RR at this priority, 1-99, as serve's realtime_priority (0: off; needs root or CAP_SYS_NICE)")
	traceFile := fs.String("trace", "", "write an execution trace of the steady state's first seconds to this file (go tool trace)")
	traceFor := fs.Duration("trace-for", 3*time.Second, "how long --trace records")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *calls < 1 || *rate <= 0 || *duration <= 0 {
		fmt.Fprintln(e.stderr, "switchboard bench calls: --calls, --rate and --duration must be positive")
		return errUsage
	}
	cfg := loadgen.Config{
		Target: *target, To: *to, Calls: *calls, Rate: *rate,
		Duration: *duration, Codec: *codec,
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	// Two RTP/RTCP socket pairs per call on each side, and some slack.
	if _, err := loadgen.RaiseFileLimit(uint64(8*(*calls) + 1024)); err != nil {
		fmt.Fprintf(e.stderr, "switchboard bench: open-file limit: %v\n", err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		cfg.CPUProfile = f
	}
	if *rtPriority != 0 {
		if _, err := rtprio.Enable(*rtPriority); err != nil {
			return fmt.Errorf("switchboard bench: --realtime-priority: %w", err)
		}
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			return err
		}
		defer f.Close()
		cfg.Trace, cfg.TraceFor = f, *traceFor
	}
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	res.RealtimePriority = *rtPriority
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(res)
	}
	return res.WriteTable(e.stdout)
}
