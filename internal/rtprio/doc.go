// Package rtprio puts the whole process under real-time scheduling, as
// Asterisk's -p and FreeSWITCH's -rp do for their media threads.
//
// Under the default Linux scheduler a media tick that is due can wait
// behind other runnable threads (kernel workers, softirq threads, other
// processes, and the runtime's own threads time-sliced against it): on a
// busy 2-core machine that wait is most of the tail of the send jitter
// (docs/benchmarks.md: p99 0.7-4.1 ms over five runs at 500 echo calls;
// 0.5-1.8 ms in 7 of 8 runs under SCHED_RR). Enable moves every thread of the process to
// SCHED_RR at one priority; threads the Go runtime starts later inherit it
// from the thread that creates them.
//
// The cost is the reason it is off by default: everything the process
// does then outranks every normal process on the machine, CPU-heavy work
// too (local ASR, training a classifier), within the kernel's real-time
// throttling (by default real-time threads get at most 95 % of each
// second). Use it on nodes that run the media path, not on a shared
// machine. It needs root or CAP_SYS_NICE (or an RLIMIT_RTPRIO at least the
// priority).
package rtprio
