package storetest

import (
	"encoding/json"
	"testing"

	"github.com/switchboard-voice/switchboard/store"
)

var botTests = []test{
	{"Draft", testDraft},
	{"List", testBotList},
	{"Publish", testPublish},
	{"PublishCreatesBot", testPublishCreates},
	{"Activate", testActivate},
	{"NotFound", testBotNotFound},
	{"Invalid", testBotInvalid},
	{"PublishInvalidWritesNothing", testPublishInvalid},
}

func testDraft(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	d1 := json.RawMessage(`{"name":"billing","greeting":"Hello","languages":["en","zh"]}`)
	must(t, st.SaveDraft(ctx, "billing", d1))
	b, err := st.Bot(ctx, "billing")
	must(t, err)
	if b.Name != "billing" || !jsonEqual(b.Draft, d1) || b.ActiveVersion != 0 || b.LatestVersion != 0 {
		t.Errorf("Bot = %+v, want draft %s and no versions", b, d1)
	}
	recent(t, "UpdatedAt", b.UpdatedAt)
	d2 := json.RawMessage(`{"name":"billing","greeting":"你好"}`)
	must(t, st.SaveDraft(ctx, "billing", d2))
	b, err = st.Bot(ctx, "billing")
	must(t, err)
	if !jsonEqual(b.Draft, d2) {
		t.Errorf("draft after second save = %s, want %s", b.Draft, d2)
	}
}

func testBotList(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	bots, err := st.Bots(ctx)
	must(t, err)
	if len(bots) != 0 {
		t.Fatalf("Bots on an empty store = %v", bots)
	}
	for _, n := range []string{"sales", "billing", "support"} {
		must(t, st.SaveDraft(ctx, n, json.RawMessage(`{}`)))
	}
	bots, err = st.Bots(ctx)
	must(t, err)
	var names []string
	for _, b := range bots {
		names = append(names, b.Name)
	}
	if want := []string{"billing", "sales", "support"}; !equalStrings(names, want) {
		t.Errorf("Bots = %v, want %v", names, want)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testPublish(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	draft := json.RawMessage(`{"v":"draft"}`)
	must(t, st.SaveDraft(ctx, "b", draft))
	defs := []json.RawMessage{json.RawMessage(`{"v":1}`), json.RawMessage(`{"v":2,"s":"二"}`)}
	for i, def := range defs {
		v, err := st.Publish(ctx, "b", def, "note "+string(rune('A'+i)))
		must(t, err)
		if v != i+1 {
			t.Fatalf("Publish #%d = version %d", i+1, v)
		}
	}
	b, err := st.Bot(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 2 || b.LatestVersion != 2 || !jsonEqual(b.Draft, draft) {
		t.Errorf("Bot after 2 publishes = %+v, want active 2, latest 2, draft unchanged", b)
	}
	v1, err := st.Version(ctx, "b", 1)
	must(t, err)
	if v1.Bot != "b" || v1.Version != 1 || !jsonEqual(v1.Definition, defs[0]) || v1.Note != "note A" {
		t.Errorf("Version 1 = %+v", v1)
	}
	recent(t, "PublishedAt", v1.PublishedAt)
	vs, err := st.Versions(ctx, "b")
	must(t, err)
	if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || !jsonEqual(vs[1].Definition, defs[1]) || vs[1].Note != "note B" {
		t.Errorf("Versions = %+v", vs)
	}
	must(t, st.SaveDraft(ctx, "empty", json.RawMessage(`{}`)))
	vs, err = st.Versions(ctx, "empty")
	must(t, err)
	if len(vs) != 0 {
		t.Errorf("Versions of an unpublished bot = %+v", vs)
	}
}

func testPublishCreates(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	def := json.RawMessage(`{"v":1}`)
	v, err := st.Publish(ctx, "new", def, "")
	must(t, err)
	b, err := st.Bot(ctx, "new")
	must(t, err)
	if v != 1 || b.ActiveVersion != 1 || b.LatestVersion != 1 || !jsonEqual(b.Draft, def) {
		t.Errorf("Publish on a new bot: version %d, bot %+v", v, b)
	}
}

func testActivate(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for i := 0; i < 2; i++ {
		_, err := st.Publish(ctx, "b", json.RawMessage(`{}`), "")
		must(t, err)
	}
	must(t, st.Activate(ctx, "b", 1))
	b, err := st.Bot(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 1 || b.LatestVersion != 2 {
		t.Errorf("after rollback to 1: %+v", b)
	}
	wantErr(t, "Activate missing version", st.Activate(ctx, "b", 3), store.ErrNotFound)
	wantErr(t, "Activate missing bot", st.Activate(ctx, "nope", 1), store.ErrNotFound)
	wantErr(t, "Activate version 0", st.Activate(ctx, "b", 0), store.ErrInvalid)
	b, err = st.Bot(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 1 {
		t.Errorf("failed activations changed the active version: %+v", b)
	}
	v, err := st.Publish(ctx, "b", json.RawMessage(`{}`), "")
	must(t, err)
	b, err = st.Bot(ctx, "b")
	must(t, err)
	if v != 3 || b.ActiveVersion != 3 || b.LatestVersion != 3 {
		t.Errorf("publish after rollback: version %d, bot %+v", v, b)
	}
}

func testBotNotFound(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	_, err := st.Bot(ctx, "nope")
	wantErr(t, "Bot", err, store.ErrNotFound)
	_, err = st.Version(ctx, "nope", 1)
	wantErr(t, "Version of missing bot", err, store.ErrNotFound)
	_, err = st.Versions(ctx, "nope")
	wantErr(t, "Versions of missing bot", err, store.ErrNotFound)
	_, err = st.Publish(ctx, "b", json.RawMessage(`{}`), "")
	must(t, err)
	_, err = st.Version(ctx, "b", 2)
	wantErr(t, "Version 2 of 1", err, store.ErrNotFound)
}

func testBotInvalid(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	wantErr(t, "SaveDraft empty name", st.SaveDraft(ctx, "", json.RawMessage(`{}`)), store.ErrInvalid)
	wantErr(t, "SaveDraft bad JSON", st.SaveDraft(ctx, "b", json.RawMessage(`{"a":`)), store.ErrInvalid)
	wantErr(t, "SaveDraft nil", st.SaveDraft(ctx, "b", nil), store.ErrInvalid)
	_, err := st.Publish(ctx, "", json.RawMessage(`{}`), "")
	wantErr(t, "Publish empty name", err, store.ErrInvalid)
	_, err = st.Publish(ctx, "b", nil, "")
	wantErr(t, "Publish nil", err, store.ErrInvalid)
	for _, v := range []int{0, -1} {
		_, err = st.Version(ctx, "b", v)
		wantErr(t, "Version <= 0", err, store.ErrInvalid)
	}
	_, err = st.Bot(ctx, "b")
	wantErr(t, "Bot after invalid saves", err, store.ErrNotFound)
}

func testPublishInvalid(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	good := json.RawMessage(`{"v":1}`)
	_, err := st.Publish(ctx, "b", good, "ok")
	must(t, err)
	_, err = st.Publish(ctx, "b", json.RawMessage(`{"v":2,`), "broken")
	wantErr(t, "Publish bad JSON", err, store.ErrInvalid)
	b, err := st.Bot(ctx, "b")
	must(t, err)
	vs, err := st.Versions(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 1 || b.LatestVersion != 1 || len(vs) != 1 {
		t.Errorf("failed publish wrote something: bot %+v, %d versions", b, len(vs))
	}
	_, err = st.Publish(ctx, "fresh", json.RawMessage(`nope`), "")
	wantErr(t, "Publish bad JSON on a new bot", err, store.ErrInvalid)
	_, err = st.Bot(ctx, "fresh")
	wantErr(t, "bot of a failed first publish", err, store.ErrNotFound)
}
