package sip

import (
	"context"
	"strconv"
	"testing"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// BenchmarkRegister measures the registrar's work per REGISTER, without
// the network: a challenge (no credentials), and a refresh authenticated
// with the next nonce count of a nonce (digest check, replay check,
// binding update, 200 with the contact list), for each algorithm.
func BenchmarkRegister(b *testing.B) {
	b.Run("challenge", func(b *testing.B) {
		f := newRegFixture(b, nil)
		req := regReq{contacts: []string{"<sip:alice@10.0.0.5:5062>"}, expires: "600"}.request(b)
		b.ReportAllocs()
		for b.Loop() {
			if res := f.r.handle(context.Background(), req); res.StatusCode != 401 {
				b.Fatal(res.StatusCode)
			}
		}
	})
	for _, alg := range []string{AlgorithmMD5, AlgorithmSHA256} {
		b.Run("refresh-"+alg, func(b *testing.B) {
			f := newRegFixture(b, nil)
			q := regReq{contacts: []string{"<sip:alice@10.0.0.5:5062>"}, expires: "600"}
			var chal *digest.Challenge
			for _, c := range challenges(b, f.do(b, q)) {
				if c.Algorithm == alg {
					chal = c
				}
			}
			template := q.request(b)
			// Requests are built in batches with the timer stopped: each
			// needs the next nonce count.
			const batch = 1000
			reqs := make([]*sip.Request, 0, batch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i%batch == 0 {
					b.StopTimer()
					reqs = reqs[:0]
					for j := i; j < i+batch; j++ {
						cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:sb.test", Username: "alice", Password: "wonderland", Count: j + 1, Cnonce: "c"})
						if err != nil {
							b.Fatal(err)
						}
						req := template.Clone()
						req.RemoveHeader("CSeq")
						req.AppendHeader(&sip.CSeqHeader{SeqNo: uint32(j + 2), MethodName: sip.REGISTER})
						req.AppendHeader(sip.NewHeader("Authorization", cred.String()))
						reqs = append(reqs, req)
					}
					b.StartTimer()
				}
				if res := f.r.handle(context.Background(), reqs[i%batch]); res.StatusCode != 200 {
					b.Fatalf("%d %s", res.StatusCode, res.Reason)
				}
			}
		})
	}
}

// BenchmarkRegisterUDP measures a REGISTER round trip over loopback UDP
// through sipgo on both sides (the phone answers the challenge once and
// then reuses the nonce with the next count).
func BenchmarkRegisterUDP(b *testing.B) {
	h := newHarness(b, func(c *Config) {
		c.Registrar = &RegistrarConfig{Enabled: true}
	}, WithCredentials(testUsers))
	defer h.stop()
	ua, _ := sipgo.NewUA(sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(testLogger())),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger())))
	defer ua.Close()
	cl, _ := sipgo.NewClient(ua, sipgo.WithClientLogger(testLogger()), sipgo.WithClientHostname("127.0.0.1"))
	ap, _ := h.srv.Addr("udp")
	target := sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: int(ap.Port())}
	aor := sip.Uri{Scheme: "sip", User: "alice", Host: "127.0.0.1"}
	request := func(cseq int, auth string) *sip.Request {
		req := sip.NewRequest(sip.REGISTER, target)
		from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
		from.Params.Add("tag", "bench")
		req.AppendHeader(from)
		req.AppendHeader(&sip.ToHeader{Address: aor})
		callID := sip.CallIDHeader("bench-register")
		req.AppendHeader(&callID)
		req.AppendHeader(&sip.CSeqHeader{SeqNo: uint32(cseq), MethodName: sip.REGISTER})
		req.AppendHeader(sip.NewHeader("Contact", "<sip:alice@127.0.0.1:5099>"))
		req.AppendHeader(sip.NewHeader("Expires", "600"))
		if auth != "" {
			req.AppendHeader(sip.NewHeader("Authorization", auth))
		}
		return req
	}
	ctx := context.Background()
	res, err := cl.Do(ctx, request(1, ""))
	if err != nil || res.StatusCode != 401 {
		b.Fatalf("%v %v", res, err)
	}
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		cred, _ := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: target.Addr(), Username: "alice", Password: "wonderland", Count: i + 1, Cnonce: strconv.Itoa(i)})
		res, err := cl.Do(ctx, request(i+2, cred.String()))
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%v %v", res, err)
		}
	}
}

func BenchmarkParseAuthorization(b *testing.B) {
	v := `Digest username="alice", realm="sb.test", nonce="AAABlQKq3nHc6bSVk7aYXc9mAw1sXyPq0RRk9nU0Lx8", uri="sip:sb.test", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseAuthorization(v); err != nil {
			b.Fatal(err)
		}
	}
}
