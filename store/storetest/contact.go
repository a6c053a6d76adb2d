package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

var contactTests = []test{
	{"Agents", func(t *testing.T, st store.Store) { testDefinitions(t, agentDefs(st)) }},
	{"Queues", func(t *testing.T, st store.Store) { testDefinitions(t, queueDefs(st)) }},
	{"AgentEvents", testAgentEvents},
	{"AgentEventsInvalid", testAgentEventsInvalid},
	{"Wrapups", testWrapups},
	{"Feedback", testFeedback},
	{"Audit", testAudit},
	{"Callbacks", testCallbacks},
	{"AssignAgent", testAssignAgent},
	{"EndCall", testEndCall},
}

// addEach adds the values one by one and checks each comes back as it
// went in, with the ID and time the store gave it (stored returns the
// value expected and the ID) and an ID above the one before. It returns
// the values as stored.
func addEach[T comparable](t *testing.T, what string, in []T, add func(T) (T, error), stored func(in, got T) (T, int64)) []T {
	t.Helper()
	var out []T
	var last int64
	for _, v := range in {
		got, err := add(v)
		must(t, err)
		want, id := stored(v, got)
		if got != want || id <= last {
			t.Errorf("%s = %+v, want %+v with an ID above %d", what, got, want, last)
		}
		last = id
		out = append(out, got)
	}
	return out
}

// defs is the API of a table of JSON definitions: agents and queues pass
// the same tests.
type defs struct {
	put  func(ctx context.Context, a store.Agent) error
	get  func(ctx context.Context, id string) (store.Agent, error)
	list func(ctx context.Context) ([]store.Agent, error)
	del  func(ctx context.Context, id string) error
}

func agentDefs(st store.Store) defs { return defs{st.PutAgent, st.Agent, st.Agents, st.DeleteAgent} }

func queueDefs(st store.Store) defs {
	return defs{
		put: func(ctx context.Context, a store.Agent) error { return st.PutQueue(ctx, store.Queue(a)) },
		get: func(ctx context.Context, id string) (store.Agent, error) {
			q, err := st.Queue(ctx, id)
			return store.Agent(q), err
		},
		list: func(ctx context.Context) ([]store.Agent, error) {
			qs, err := st.Queues(ctx)
			var out []store.Agent
			for _, q := range qs {
				out = append(out, store.Agent(q))
			}
			if qs != nil && out == nil {
				out = []store.Agent{}
			}
			return out, err
		},
		del: st.DeleteQueue,
	}
}

func testDefinitions(t *testing.T, d defs) {
	ctx := ctxT(t)
	all, err := d.list(ctx)
	must(t, err)
	if all == nil || len(all) != 0 {
		t.Fatalf("list of an empty store = %#v, want empty and not nil", all)
	}
	def1 := json.RawMessage(`{"name":"王芳","skills":["billing","zh"],"max_calls":1}`)
	for _, id := range []string{"b", "c", "a"} {
		must(t, d.put(ctx, store.Agent{ID: id, Definition: def1}))
	}
	got, err := d.get(ctx, "a")
	must(t, err)
	if got.ID != "a" || !jsonEqual(got.Definition, def1) || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("get = %+v", got)
	}
	recent(t, "UpdatedAt", got.UpdatedAt)
	def2 := json.RawMessage(` {"name":"Wang Fang","skills":[]}`)
	must(t, d.put(ctx, store.Agent{ID: "a", Definition: def2}))
	got, err = d.get(ctx, "a")
	must(t, err)
	if !jsonEqual(got.Definition, def2) {
		t.Errorf("after replace: %s, want %s", got.Definition, def2)
	}
	all, err = d.list(ctx)
	must(t, err)
	var ids []string
	for _, a := range all {
		ids = append(ids, a.ID)
	}
	if !equalStrings(ids, []string{"a", "b", "c"}) {
		t.Errorf("list = %v, want [a b c]", ids)
	}

	must(t, d.del(ctx, "b"))
	_, err = d.get(ctx, "b")
	wantErr(t, "get after delete", err, store.ErrNotFound)
	wantErr(t, "delete twice", d.del(ctx, "b"), store.ErrNotFound)
	_, err = d.get(ctx, "nope")
	wantErr(t, "get unknown", err, store.ErrNotFound)

	for _, bad := range []store.Agent{
		{ID: "", Definition: def1},
		{ID: "x"},
		{ID: "x", Definition: json.RawMessage(`{"a":`)},
		{ID: "x", Definition: json.RawMessage(`[1,2]`)},
		{ID: "x", Definition: json.RawMessage(`"agent"`)},
		{ID: "x", Definition: json.RawMessage(`null`)},
	} {
		wantErr(t, fmt.Sprintf("put %s %q", bad.ID, bad.Definition), d.put(ctx, bad), store.ErrInvalid)
	}
	_, err = d.get(ctx, "x")
	wantErr(t, "get after invalid puts", err, store.ErrNotFound)
}

func testAgentEvents(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	none, err := st.AgentEvents(ctx, "", time.Time{}, 0)
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("AgentEvents of an empty store = %#v", none)
	}
	must(t, st.PutAgent(ctx, store.Agent{ID: "a1", Definition: json.RawMessage(`{}`)}))
	// Stored out of order: the list is by time, then by ID.
	in := []store.AgentEvent{
		{AgentID: "a1", State: "available", Node: "n1", At: t0.Add(time.Minute)},
		{AgentID: "a1", State: "offline", Node: "n1", At: t0},
		{AgentID: "a2", State: "on_call", SessionID: "s1", Node: "n2", At: t0.Add(time.Minute)},
		{AgentID: "a1", State: "away", Reason: "break", At: t0.Add(2 * time.Minute)},
		{AgentID: "a1", State: "wrap_up", SessionID: "s1", At: t0.Add(3 * time.Minute)},
	}
	saved := addEach(t, "AppendAgentEvent", in, func(e store.AgentEvent) (store.AgentEvent, error) {
		return st.AppendAgentEvent(ctx, e)
	}, func(e, got store.AgentEvent) (store.AgentEvent, int64) {
		e.ID, e.At = got.ID, stored(e.At)
		return e, got.ID
	})
	now, err := st.AppendAgentEvent(ctx, store.AgentEvent{AgentID: "a3", State: "available"})
	must(t, err)
	recent(t, "At of an event appended without one", now.At)

	byID := func(es []store.AgentEvent) []int64 {
		out := []int64{}
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	ev := func(i ...int) []int64 {
		out := []int64{}
		for _, j := range i {
			out = append(out, saved[j].ID)
		}
		return out
	}
	for _, tc := range []struct {
		agent string
		since time.Time
		limit int
		want  []int64
	}{
		{"a1", time.Time{}, 0, ev(1, 0, 3, 4)},
		{"", time.Time{}, 0, append(ev(1, 0, 2, 3, 4), now.ID)},
		{"a1", t0.Add(time.Minute), 0, ev(0, 3, 4)},
		{"", t0.Add(time.Minute), 2, ev(0, 2)},
		{"a1", t0.Add(time.Hour), 0, []int64{}},
		{"a9", time.Time{}, 0, []int64{}},
	} {
		got, err := st.AgentEvents(ctx, tc.agent, tc.since, tc.limit)
		must(t, err)
		if fmt.Sprint(byID(got)) != fmt.Sprint(tc.want) {
			t.Errorf("AgentEvents(%q, %v, %d) = %v, want %v", tc.agent, tc.since, tc.limit, byID(got), tc.want)
		}
	}
	got, err := st.AgentEvents(ctx, "a1", t0.Add(2*time.Minute), 1)
	must(t, err)
	if len(got) != 1 || got[0] != saved[3] {
		t.Errorf("AgentEvents read back %+v, want %+v", got, saved[3])
	}

	// Events outlive their agent.
	must(t, st.DeleteAgent(ctx, "a1"))
	got, err = st.AgentEvents(ctx, "a1", time.Time{}, 0)
	must(t, err)
	if len(got) != 4 {
		t.Errorf("after DeleteAgent: %d events, want 4", len(got))
	}
}

func testAgentEventsInvalid(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for _, e := range []store.AgentEvent{
		{AgentID: "", State: "available"},
		{AgentID: "a", State: ""},
		{AgentID: "a", State: "ringing"},
	} {
		_, err := st.AppendAgentEvent(ctx, e)
		wantErr(t, fmt.Sprintf("AppendAgentEvent(%+v)", e), err, store.ErrInvalid)
	}
	_, err := st.AgentEvents(ctx, "", time.Time{}, -1)
	wantErr(t, "AgentEvents with limit -1", err, store.ErrInvalid)
	got, err := st.AgentEvents(ctx, "", time.Time{}, 0)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("invalid events were stored: %+v", got)
	}
}

func testWrapups(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b", StartedAt: t0}))
	got, err := st.Wrapups(ctx, "s")
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("Wrapups of a new session = %#v", got)
	}
	w1 := store.Wrapup{SessionID: "s", AgentID: "a1", Disposition: "resolved", Notes: "refund issued",
		Summary: "客户要求退款，已处理。", HandleTime: 3*time.Minute + 1500*time.Nanosecond, At: t0.Add(5 * time.Minute)}
	must(t, st.SaveWrapup(ctx, w1))
	// The agent edits the wrap-up: it replaces the first.
	w1b := w1
	w1b.Disposition, w1b.Notes, w1b.At = "escalated", "", t0.Add(6*time.Minute)
	must(t, st.SaveWrapup(ctx, w1b))
	// A transfer: the second agent wraps up too, earlier.
	w2 := store.Wrapup{SessionID: "s", AgentID: "a0", Disposition: "transferred", HandleTime: time.Minute,
		At: t0.Add(4 * time.Minute)}
	must(t, st.SaveWrapup(ctx, w2))
	got, err = st.Wrapups(ctx, "s")
	must(t, err)
	wantW := func(w store.Wrapup) store.Wrapup {
		w.At, w.HandleTime = stored(w.At), w.HandleTime.Truncate(time.Microsecond)
		return w
	}
	if len(got) != 2 || got[0] != wantW(w2) || got[1] != wantW(w1b) {
		t.Errorf("Wrapups = %+v\nwant %+v", got, []store.Wrapup{wantW(w2), wantW(w1b)})
	}
	must(t, st.SaveWrapup(ctx, store.Wrapup{SessionID: "s", AgentID: "a2"}))
	got, err = st.Wrapups(ctx, "s")
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("%d wrap-ups, want 3", len(got))
	}
	recent(t, "At of a wrap-up saved without one", got[2].At)

	wantErr(t, "SaveWrapup on unknown session", st.SaveWrapup(ctx, store.Wrapup{SessionID: "nope", AgentID: "a"}), store.ErrNotFound)
	_, err = st.Wrapups(ctx, "nope")
	wantErr(t, "Wrapups of unknown session", err, store.ErrNotFound)
	for _, w := range []store.Wrapup{
		{SessionID: "", AgentID: "a"},
		{SessionID: "s", AgentID: ""},
		{SessionID: "s", AgentID: "a3", HandleTime: -time.Second},
	} {
		wantErr(t, fmt.Sprintf("SaveWrapup(%+v)", w), st.SaveWrapup(ctx, w), store.ErrInvalid)
	}
}

func testFeedback(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for _, id := range []string{"s1", "s2"} {
		must(t, st.CreateSession(ctx, store.Session{ID: id, Bot: "b"}))
	}
	in := []store.Feedback{
		{SessionID: "s1", AgentID: "a1", Kind: "article", Ref: "kb-42", Useful: true, At: t0.Add(time.Minute)},
		{SessionID: "s2", AgentID: "a2", Kind: "reply", Ref: "您好，请稍等。", Useful: false, At: t0},
		{SessionID: "s1", AgentID: "a1", Kind: "step", Ref: "verify_identity", Useful: false, At: t0.Add(time.Minute)},
	}
	out := addEach(t, "AddFeedback", in, func(f store.Feedback) (store.Feedback, error) {
		return st.AddFeedback(ctx, f)
	}, func(f, got store.Feedback) (store.Feedback, int64) {
		f.ID, f.At = got.ID, stored(f.At)
		return f, got.ID
	})
	for _, tc := range []struct {
		session string
		limit   int
		want    []store.Feedback
	}{
		{"s1", 0, []store.Feedback{out[0], out[2]}},
		{"", 0, []store.Feedback{out[1], out[0], out[2]}},
		{"", 2, []store.Feedback{out[1], out[0]}},
		{"s9", 0, []store.Feedback{}},
	} {
		got, err := st.Feedback(ctx, tc.session, tc.limit)
		must(t, err)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || got == nil {
			t.Errorf("Feedback(%q, %d) = %+v, want %+v", tc.session, tc.limit, got, tc.want)
		}
	}
	_, err := st.AddFeedback(ctx, store.Feedback{SessionID: "nope", AgentID: "a", Kind: "article", Ref: "x"})
	wantErr(t, "AddFeedback on unknown session", err, store.ErrNotFound)
	for _, f := range []store.Feedback{
		{SessionID: "", AgentID: "a", Kind: "article", Ref: "x"},
		{SessionID: "s1", AgentID: "", Kind: "article", Ref: "x"},
		{SessionID: "s1", AgentID: "a", Kind: "video", Ref: "x"},
		{SessionID: "s1", AgentID: "a", Kind: "article", Ref: ""},
	} {
		_, err := st.AddFeedback(ctx, f)
		wantErr(t, fmt.Sprintf("AddFeedback(%+v)", f), err, store.ErrInvalid)
	}
	_, err = st.Feedback(ctx, "", -1)
	wantErr(t, "Feedback with limit -1", err, store.ErrInvalid)
}

func testAudit(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	in := []store.AuditEntry{
		{At: t0, Actor: "sup1", Action: "listen", Target: "s1"},
		{At: t0.Add(2 * time.Minute), Actor: "admin", Action: "agent.update", Target: "a1",
			Detail: json.RawMessage(`{"skills":["billing"],"before":{"skills":[]}}`)},
		{At: t0.Add(time.Minute), Actor: "sup1", Action: "whisper", Target: "s1"},
	}
	var out []store.AuditEntry
	for _, e := range in {
		got, err := st.AppendAudit(ctx, e)
		must(t, err)
		if got.ID == 0 || !got.At.Equal(stored(e.At)) || !jsonEqual(got.Detail, e.Detail) || got.Actor != e.Actor {
			t.Errorf("AppendAudit = %+v, want %+v", got, e)
		}
		out = append(out, got)
	}
	same := func(a, b store.AuditEntry) bool {
		return a.ID == b.ID && a.At.Equal(b.At) && a.Actor == b.Actor && a.Action == b.Action &&
			a.Target == b.Target && jsonEqual(a.Detail, b.Detail)
	}
	for _, tc := range []struct {
		since time.Time
		limit int
		want  []store.AuditEntry
	}{
		{time.Time{}, 0, []store.AuditEntry{out[1], out[2], out[0]}},
		{t0.Add(time.Minute), 0, []store.AuditEntry{out[1], out[2]}},
		{time.Time{}, 1, []store.AuditEntry{out[1]}},
		{t0.Add(time.Hour), 0, []store.AuditEntry{}},
	} {
		got, err := st.Audit(ctx, tc.since, tc.limit)
		must(t, err)
		ok := len(got) == len(tc.want) && got != nil
		for i := 0; ok && i < len(got); i++ {
			ok = same(got[i], tc.want[i])
		}
		if !ok {
			t.Errorf("Audit(%v, %d) = %+v, want %+v", tc.since, tc.limit, got, tc.want)
		}
	}
	got, err := st.Audit(ctx, time.Time{}, 0)
	must(t, err)
	if len(got) == 3 && got[2].Detail != nil {
		t.Errorf("an entry without detail came back with %s", got[2].Detail)
	}
	for _, e := range []store.AuditEntry{
		{Actor: "", Action: "listen"},
		{Actor: "sup", Action: ""},
		{Actor: "sup", Action: "listen", Detail: json.RawMessage(`{`)},
	} {
		_, err := st.AppendAudit(ctx, e)
		wantErr(t, fmt.Sprintf("AppendAudit(%+v)", e), err, store.ErrInvalid)
	}
	_, err = st.Audit(ctx, time.Time{}, -5)
	wantErr(t, "Audit with limit -5", err, store.ErrInvalid)
}

func testCallbacks(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	in := []store.Callback{
		{ID: "cb2", Queue: "billing", CallerID: "+8613800138000", SessionID: "s1", RequestedAt: t0.Add(time.Minute)},
		{ID: "cb1", Queue: "billing", CallerID: "4001234567", Status: store.CallbackPending, RequestedAt: t0},
		{ID: "cb3", Queue: "sales", CallerID: "+4930123456", RequestedAt: t0.Add(2 * time.Minute)},
	}
	for _, c := range in {
		must(t, st.CreateCallback(ctx, c))
	}
	wantErr(t, "CreateCallback with a used ID", st.CreateCallback(ctx, store.Callback{ID: "cb1", Queue: "q", CallerID: "1"}), store.ErrConflict)
	ids := func(status store.CallbackStatus) []string {
		t.Helper()
		cbs, err := st.Callbacks(ctx, status)
		must(t, err)
		out := []string{}
		for _, c := range cbs {
			out = append(out, c.ID)
		}
		return out
	}
	if got := ids(""); !equalStrings(got, []string{"cb1", "cb2", "cb3"}) {
		t.Errorf("Callbacks() = %v", got)
	}
	cbs, err := st.Callbacks(ctx, store.CallbackPending)
	must(t, err)
	want := in[0]
	want.Status, want.RequestedAt = store.CallbackPending, stored(want.RequestedAt)
	if len(cbs) != 3 || cbs[1] != want {
		t.Errorf("pending callbacks = %+v, want [1] = %+v", cbs, want)
	}

	done := t0.Add(time.Hour)
	must(t, st.SetCallbackStatus(ctx, "cb2", store.CallbackDone, done))
	must(t, st.SetCallbackStatus(ctx, "cb3", store.CallbackCancelled, time.Time{}))
	wantErr(t, "done twice", st.SetCallbackStatus(ctx, "cb2", store.CallbackDone, done), store.ErrConflict)
	wantErr(t, "cancel a done callback", st.SetCallbackStatus(ctx, "cb2", store.CallbackCancelled, done), store.ErrConflict)
	wantErr(t, "unknown callback", st.SetCallbackStatus(ctx, "nope", store.CallbackDone, done), store.ErrNotFound)
	wantErr(t, "empty callback id", st.SetCallbackStatus(ctx, "", store.CallbackDone, done), store.ErrInvalid)
	for _, s := range []store.CallbackStatus{store.CallbackPending, "", "called"} {
		wantErr(t, fmt.Sprintf("SetCallbackStatus(%q)", s), st.SetCallbackStatus(ctx, "cb1", s, done), store.ErrInvalid)
	}
	if got := ids(store.CallbackPending); !equalStrings(got, []string{"cb1"}) {
		t.Errorf("pending = %v, want [cb1]", got)
	}
	if got := ids(store.CallbackDone); !equalStrings(got, []string{"cb2"}) {
		t.Errorf("done = %v, want [cb2]", got)
	}
	cbs, err = st.Callbacks(ctx, store.CallbackCancelled)
	must(t, err)
	if len(cbs) != 1 || cbs[0].ID != "cb3" || cbs[0].Status != store.CallbackCancelled {
		t.Fatalf("cancelled = %+v", cbs)
	}
	recent(t, "DoneAt of a callback cancelled without a time", cbs[0].DoneAt)
	cbs, err = st.Callbacks(ctx, store.CallbackDone)
	must(t, err)
	if len(cbs) != 1 || !cbs[0].DoneAt.Equal(stored(done)) || cbs[0].SessionID != "s1" {
		t.Errorf("done callback = %+v", cbs)
	}

	_, err = st.Callbacks(ctx, "called")
	wantErr(t, "Callbacks with an unknown status", err, store.ErrInvalid)
	for _, c := range []store.Callback{
		{ID: "", Queue: "q", CallerID: "1"},
		{ID: "x", Queue: "", CallerID: "1"},
		{ID: "x", Queue: "q", CallerID: ""},
		{ID: "x", Queue: "q", CallerID: "1", Status: store.CallbackDone},
		{ID: "x", Queue: "q", CallerID: "1", DoneAt: t0},
	} {
		wantErr(t, fmt.Sprintf("CreateCallback(%+v)", c), st.CreateCallback(ctx, c), store.ErrInvalid)
	}
}

func testAssignAgent(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b", StartedAt: t0}))
	must(t, st.EndSession(ctx, "s", store.OutcomeHandedOff, "billing", "asked for a human", t0.Add(time.Minute)))
	must(t, st.AssignAgent(ctx, "s", "a1", "billing"))
	got, err := st.Session(ctx, "s")
	must(t, err)
	if got.AgentID != "a1" || got.Queue != "billing" || got.HandoffQueue != "billing" {
		t.Errorf("after AssignAgent: %+v", got)
	}
	// A transfer to another agent, directly (no queue).
	must(t, st.AssignAgent(ctx, "s", "a2", ""))
	got, err = st.Session(ctx, "s")
	must(t, err)
	if got.AgentID != "a2" || got.Queue != "" || got.Outcome != store.OutcomeHandedOff {
		t.Errorf("after the transfer: %+v", got)
	}
	wantErr(t, "AssignAgent on unknown session", st.AssignAgent(ctx, "nope", "a1", "q"), store.ErrNotFound)
	wantErr(t, "AssignAgent without agent", st.AssignAgent(ctx, "s", "", "q"), store.ErrInvalid)
	wantErr(t, "AssignAgent without session", st.AssignAgent(ctx, "", "a1", "q"), store.ErrInvalid)
}

func testEndCall(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b", StartedAt: t0}))
	must(t, st.EndSession(ctx, "s", store.OutcomeHandedOff, "q", "", t0.Add(time.Minute)))
	end := t0.Add(7 * time.Minute)
	must(t, st.EndCall(ctx, "s", end))
	got, err := st.Session(ctx, "s")
	must(t, err)
	if !got.CallEndedAt.Equal(stored(end)) || !got.EndedAt.Equal(stored(t0.Add(time.Minute))) {
		t.Errorf("after EndCall: %+v", got)
	}
	wantErr(t, "EndCall twice", st.EndCall(ctx, "s", end.Add(time.Minute)), store.ErrConflict)
	got, err = st.Session(ctx, "s")
	must(t, err)
	if !got.CallEndedAt.Equal(stored(end)) {
		t.Errorf("a second EndCall changed the end: %v", got.CallEndedAt)
	}
	wantErr(t, "EndCall on unknown session", st.EndCall(ctx, "nope", end), store.ErrNotFound)
	wantErr(t, "EndCall without session", st.EndCall(ctx, "", end), store.ErrInvalid)
	// A call whose session is still open (the bot is still talking) ends too.
	must(t, st.CreateSession(ctx, store.Session{ID: "open", Bot: "b"}))
	must(t, st.EndCall(ctx, "open", time.Time{}))
	got, err = st.Session(ctx, "open")
	must(t, err)
	recent(t, "CallEndedAt of EndCall without a time", got.CallEndedAt)
	if got.Outcome != "" || !got.EndedAt.IsZero() {
		t.Errorf("EndCall ended the session: %+v", got)
	}
}
