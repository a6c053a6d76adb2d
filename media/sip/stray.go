package sip

import (
	"context"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// strayAnswers remembers the dialogs of answers we hung up, so that a
// phone retransmitting its 200 OK gets one BYE only.
type strayAnswers struct {
	mu   sync.Mutex
	seen map[string]time.Time // by dialog ID
}

// first reports whether the dialog id is new, and remembers it for a
// minute (longer than a 2xx is retransmitted, 64*T1).
func (a *strayAnswers) first(id string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen == nil {
		a.seen = map[string]time.Time{}
	}
	for k, t := range a.seen {
		if now.Sub(t) > time.Minute {
			delete(a.seen, k)
		}
	}
	if _, ok := a.seen[id]; ok {
		return false
	}
	a.seen[id] = now
	return true
}

// onStrayResponse takes the responses no client transaction matched. A
// 2xx to an INVITE of ours whose transaction is over (a phone answering
// just as we canceled it) must still be ACKed and then ended with BYE
// (RFC 3261 section 13.2.2.4), or the phone would stay off-hook until it
// gave up waiting for the ACK. Other strays are retransmissions, dropped.
func (s *Server) onStrayResponse(res *sip.Response) {
	cseq := res.CSeq()
	if !res.IsSuccess() || cseq == nil || cseq.MethodName != sip.INVITE {
		s.log.Debug("sip: stray response dropped", "response", res.Short())
		return
	}
	if id, err := sip.DialogIDFromResponse(res); err == nil && s.hasCall(id) {
		return // a retransmitted 200 of a call up: its transaction re-ACKs it
	}
	s.hangUpStray(res)
}

// hangUpStray ACKs an unwanted 2xx to our INVITE and, once per dialog,
// sends BYE; both go to where the 2xx came from.
func (s *Server) hangUpStray(res *sip.Response) {
	id, err := sip.DialogIDFromResponse(res)
	contact, cseq := res.Contact(), res.CSeq()
	if err != nil || contact == nil || cseq == nil {
		s.log.Debug("sip: cannot hang up a stray answer", "response", res.Short(), "err", err)
		return
	}
	request := func(method sip.RequestMethod, seq uint32) *sip.Request {
		r := sip.NewRequest(method, *contact.Address.Clone())
		r.AppendHeader(sip.HeaderClone(res.From()))
		r.AppendHeader(sip.HeaderClone(res.To()))
		r.AppendHeader(sip.HeaderClone(res.CallID()))
		r.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: method})
		maxFwd := sip.MaxForwardsHeader(70)
		r.AppendHeader(&maxFwd)
		rr := res.GetHeaders("Record-Route")
		for i := len(rr) - 1; i >= 0; i-- {
			r.AppendHeader(sip.NewHeader("Route", rr[i].Value()))
		}
		r.SetTransport(res.Transport())
		r.SetDestination(res.Source())
		return r
	}
	log := s.log.With("call_id", res.CallID().Value())
	if err := s.plain.WriteRequest(request(sip.ACK, cseq.SeqNo)); err != nil {
		log.Debug("sip: ACK of a stray answer", "err", err)
	}
	if !s.strays.first(id, time.Now()) {
		return
	}
	log.Info("sip: hanging up an answer that came too late")
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if _, err := s.plain.Do(ctx, request(sip.BYE, cseq.SeqNo+1)); err != nil {
		log.Debug("sip: BYE of a stray answer", "err", err)
	}
}
