package webrtc

import "slices"

// jitterBuffer is a minimal reorder and playout buffer: packets go in by
// extended sequence number, 20 ms frames come out on the playout clock.
// It waits for prefill packets before the first frame, plays a missing
// packet as silence once a later one is waiting, drops packets that come
// after their slot, and drops the oldest packet when the queue grows
// beyond maxDepth (clock drift or a burst), to bound latency. The real
// adaptive buffer lives in media/jitter.
type jitterBuffer struct {
	spf      int // samples per frame
	prefill  int
	maxDepth int

	pkts    []jitterPacket // sorted by seq
	fifo    []int16        // decoded samples not yet played
	next    uint64         // next sequence number to play
	started bool
	owed    int // frames of underrun silence played since the last packet
}

type jitterPacket struct {
	seq uint64
	pcm []int16
}

func newJitterBuffer(spf int) *jitterBuffer {
	return &jitterBuffer{spf: spf, prefill: 2, maxDepth: 10}
}

// push adds a decoded packet; it reports false for a late or duplicate
// packet, which is dropped.
func (j *jitterBuffer) push(seq uint64, pcm []int16) bool {
	if j.started && seq < j.next {
		return false
	}
	i, found := slices.BinarySearchFunc(j.pkts, seq, func(p jitterPacket, s uint64) int {
		switch {
		case p.seq < s:
			return -1
		case p.seq > s:
			return 1
		}
		return 0
	})
	if found {
		return false
	}
	j.pkts = slices.Insert(j.pkts, i, jitterPacket{seq, pcm})
	for len(j.pkts) > j.maxDepth+j.prefill {
		j.pkts = j.pkts[1:]
		if j.started {
			j.next = j.pkts[0].seq
		}
	}
	return true
}

// pop appends the next frame to dst. concealed says it holds silence for
// missing audio (not counted before the stream starts).
func (j *jitterBuffer) pop(dst []int16) (out []int16, concealed bool) {
	if !j.started {
		if len(j.pkts) < j.prefill {
			return appendSilence(dst, j.spf), false
		}
		j.started, j.next = true, j.pkts[0].seq
	}
	for len(j.fifo) < j.spf && len(j.pkts) > 0 {
		p := j.pkts[0]
		if p.seq != j.next {
			// The next packet is missing and a later one waits. If its
			// slot already went by as underrun silence, skip it; else its
			// slot is due now: play it as silence.
			j.next++
			if j.owed > 0 {
				j.owed--
				continue
			}
			j.fifo = appendSilence(j.fifo, j.spf)
			concealed = true
			continue
		}
		j.fifo = append(j.fifo, p.pcm...)
		j.pkts = j.pkts[1:]
		j.next++
		j.owed = 0
	}
	if len(j.fifo) < j.spf {
		concealed = true // underrun
		if len(j.fifo) == 0 {
			j.owed++
		}
		j.fifo = appendSilence(j.fifo, j.spf-len(j.fifo))
	}
	out = append(dst, j.fifo[:j.spf]...)
	j.fifo = j.fifo[:copy(j.fifo, j.fifo[j.spf:])]
	return out, concealed
}

func appendSilence(dst []int16, n int) []int16 {
	for range n {
		dst = append(dst, 0)
	}
	return dst
}
