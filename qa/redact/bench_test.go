package redact

import (
	"bytes"
	"io"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// benchTexts are typical utterances, with and without personal data.
var benchTexts = []struct{ name, text string }{
	{"en_clean", "Hi, I'd like to check on the refund for my order from last Tuesday, it was 49.99."},
	{"en_card", "Sure, my card number is 4111 1111 1111 1111 and it expires twelve twenty six."},
	{"en_spoken_card", "it's four one one one one one one one one one one one one one one one"},
	{"en_phone_email", "you can call me at (415) 555-0134 or email john dot smith at gmail dot com"},
	{"zh_clean", "你好，我想查一下上周二的订单退款，一共是一千二百五十元。"},
	{"zh_phone", "我的手机号是幺三八零零幺三八零零零，身份证号11010519491231002X"},
	{"agent_long", "Thank you for calling. I can see the account ending in 4821. For security, could you confirm the phone " +
		"number on file? It should be 13800138000. And the email, john.smith@example.com. Great, the balance is $1,250.00 " +
		"and the next payment of $125.00 is due on 2024-03-15. Is there anything else I can help you with today?"},
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start: on a shared
// machine wall time per operation includes waiting for a CPU.
func reportCPU(b *testing.B, start time.Duration, ops int) {
	if start > 0 && ops > 0 {
		b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(ops), "cpu-ns/op")
	}
}

// BenchmarkRedact measures one Redact call per utterance (ns/op is per
// utterance; cpu-ns/op the CPU time it took, GC included).
func BenchmarkRedact(b *testing.B) {
	r := newDefault(b)
	for _, c := range benchTexts {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.text)))
			cpu := cpuTime()
			for b.Loop() {
				_ = r.Redact(c.text)
			}
			reportCPU(b, cpu, b.N)
		})
	}
	b.Run("labelled_set", func(b *testing.B) {
		cases := readLabelled(b, filepath.Join("testdata", "dev.tsv"))
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			for _, c := range cases {
				_ = r.Redact(c.input)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cases)), "ns/utterance")
		reportCPU(b, cpu, b.N*len(cases))
	})
}

// BenchmarkRedactParallel runs Redact from every CPU on one Redactor.
func BenchmarkRedactParallel(b *testing.B) {
	r := newDefault(b)
	b.ReportAllocs()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_ = r.Redact(benchTexts[i%len(benchTexts)].text)
			i++
		}
	})
	reportCPU(b, cpu, b.N)
}

func BenchmarkJSON(b *testing.B) {
	r := newDefault(b)
	doc := []byte(alertPayload)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	cpu := cpuTime()
	for b.Loop() {
		if _, err := r.JSON(doc); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu, b.N)
}

func BenchmarkHandler(b *testing.B) {
	r := newDefault(b)
	log := slog.New(NewHandler(slog.NewTextHandler(io.Discard, nil), r))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		log.Info("caller turn", "session", "s-1", "text", "my phone is 13800138000", "turn", 3)
	}
	reportCPU(b, cpu, b.N)
}

// BenchmarkSilenceWAV redacts a minute of an 8 kHz stereo call (MB/s is
// the WAV's size per second).
func BenchmarkSilenceWAV(b *testing.B) {
	file := wavBytes(b, 8000, 2, callAudio(8000, time.Minute))
	ranges := []Range{{Start: 10 * time.Second, End: 14 * time.Second}, {Start: 30 * time.Second, End: 31 * time.Second, Channel: Left}}
	var dst seekBuffer
	b.ReportAllocs()
	b.SetBytes(int64(len(file)))
	cpu := cpuTime()
	for b.Loop() {
		dst.b, dst.pos = dst.b[:0], 0
		if err := SilenceWAV(&dst, bytes.NewReader(file), ranges); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu, b.N)
}
