// Package loadgen is a SIP load generator for capacity measurements: it
// places calls to an echo application, streams a G.711 tone on each, checks
// that the tone comes back, and reports set-up latency, CPU, heap and
// goroutines per call, and media quality.
//
// Run places Config.Calls calls, ramping at Config.Rate calls per second,
// keeps them all up together for Config.Duration (the steady state), then
// hangs them all up:
//
//	res, err := loadgen.Run(ctx, loadgen.Config{Calls: 200, Rate: 50, Duration: 30 * time.Second})
//	res.WriteTable(os.Stdout)
//
// The calling side is a media/sip Server in client mode (its Trunk points at
// the target) with media/rtpmedia legs: one rtpio leg per call, playing the
// tone (fed from the leg's own playout tick, a frame out for each frame in,
// so the generator adds no goroutine or timer per call and frame) and
// counting received frames that carry it.
//
// With an empty Config.Target, Run starts an in-process answering side on
// 127.0.0.1 (a media/sip Server, media/rtpmedia and apps.Echo) and measures
// it too: the pacer send jitter and receive figures of its legs. Process
// figures (CPU from getrusage, heap in use after a GC, goroutines) are taken
// over the steady state and then include the generator, which costs about as
// much as the server since each call has one rtpio leg on either side.
// Goroutines started by each side carry the pprof label side=server or
// side=generator, so a CPU profile (Config.CPUProfile) splits the two:
//
//	go tool pprof -tagfocus=side=server -top switchboard cpu.pprof
//
// With a Target, only the generator runs in this process and every figure
// is the generator's.
package loadgen
