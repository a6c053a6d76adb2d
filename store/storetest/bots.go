package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/switchboard-voice/switchboard/store"
)

// drafts is the API of a record kept as a draft and published versions,
// one of them active: bots and scorecards pass the same tests.
type drafts struct {
	save     func(ctx context.Context, name string, draft json.RawMessage) error
	get      func(ctx context.Context, name string) (store.Bot, error)
	list     func(ctx context.Context) ([]store.Bot, error)
	publish  func(ctx context.Context, name string, def json.RawMessage, note string) (int, error)
	version  func(ctx context.Context, name string, version int) (store.BotVersion, error)
	versions func(ctx context.Context, name string) ([]store.BotVersion, error)
	activate func(ctx context.Context, name string, version int) error
}

func botDrafts(st store.Store) drafts {
	return drafts{st.SaveDraft, st.Bot, st.Bots, st.Publish, st.Version, st.Versions, st.Activate}
}

// scorecardDrafts gives the scorecard methods the bot methods' shape.
func scorecardDrafts(st store.Store) drafts {
	version := func(v store.ScorecardVersion) store.BotVersion {
		return store.BotVersion{Bot: v.Name, Version: v.Version, Definition: v.Definition, Note: v.Note,
			PublishedAt: v.PublishedAt}
	}
	return drafts{
		save: st.SaveScorecardDraft,
		get: func(ctx context.Context, name string) (store.Bot, error) {
			sc, err := st.Scorecard(ctx, name)
			return store.Bot(sc), err
		},
		list: func(ctx context.Context) ([]store.Bot, error) {
			scs, err := st.Scorecards(ctx)
			var out []store.Bot
			for _, sc := range scs {
				out = append(out, store.Bot(sc))
			}
			return out, err
		},
		publish: st.PublishScorecard,
		version: func(ctx context.Context, name string, n int) (store.BotVersion, error) {
			v, err := st.ScorecardVersion(ctx, name, n)
			return version(v), err
		},
		versions: func(ctx context.Context, name string) ([]store.BotVersion, error) {
			vs, err := st.ScorecardVersions(ctx, name)
			var out []store.BotVersion
			for _, v := range vs {
				out = append(out, version(v))
			}
			if vs != nil && out == nil {
				out = []store.BotVersion{}
			}
			return out, err
		},
		activate: st.ActivateScorecard,
	}
}

// draftTests are the tests of bots, run on bots or scorecards.
func draftTests(as func(store.Store) drafts) []test {
	var out []test
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, drafts)
	}{
		{"Draft", testDraft},
		{"List", testBotList},
		{"Publish", testPublish},
		{"PublishCreates", testPublishCreates},
		{"Activate", testActivate},
		{"NotFound", testBotNotFound},
		{"Invalid", testBotInvalid},
		{"PublishInvalidWritesNothing", testPublishInvalid},
		{"ConcurrentPublish", testConcurrentPublish},
	} {
		out = append(out, test{tc.name, func(t *testing.T, st store.Store) { tc.fn(t, as(st)) }})
	}
	return out
}

func testDraft(t *testing.T, st drafts) {
	ctx := ctxT(t)
	d1 := json.RawMessage(`{"name":"billing","greeting":"Hello","languages":["en","zh"]}`)
	must(t, st.save(ctx, "billing", d1))
	b, err := st.get(ctx, "billing")
	must(t, err)
	if b.Name != "billing" || !jsonEqual(b.Draft, d1) || b.ActiveVersion != 0 || b.LatestVersion != 0 {
		t.Errorf("Bot = %+v, want draft %s and no versions", b, d1)
	}
	recent(t, "UpdatedAt", b.UpdatedAt)
	d2 := json.RawMessage(`{"name":"billing","greeting":"你好"}`)
	must(t, st.save(ctx, "billing", d2))
	b, err = st.get(ctx, "billing")
	must(t, err)
	if !jsonEqual(b.Draft, d2) {
		t.Errorf("draft after second save = %s, want %s", b.Draft, d2)
	}
}

func testBotList(t *testing.T, st drafts) {
	ctx := ctxT(t)
	bots, err := st.list(ctx)
	must(t, err)
	if len(bots) != 0 {
		t.Fatalf("Bots on an empty store = %v", bots)
	}
	for _, n := range []string{"sales", "billing", "support"} {
		must(t, st.save(ctx, n, json.RawMessage(`{}`)))
	}
	bots, err = st.list(ctx)
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

func testPublish(t *testing.T, st drafts) {
	ctx := ctxT(t)
	draft := json.RawMessage(`{"v":"draft"}`)
	must(t, st.save(ctx, "b", draft))
	defs := []json.RawMessage{json.RawMessage(`{"v":1}`), json.RawMessage(`{"v":2,"s":"二"}`)}
	for i, def := range defs {
		v, err := st.publish(ctx, "b", def, "note "+string(rune('A'+i)))
		must(t, err)
		if v != i+1 {
			t.Fatalf("Publish #%d = version %d", i+1, v)
		}
	}
	b, err := st.get(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 2 || b.LatestVersion != 2 || !jsonEqual(b.Draft, draft) {
		t.Errorf("Bot after 2 publishes = %+v, want active 2, latest 2, draft unchanged", b)
	}
	v1, err := st.version(ctx, "b", 1)
	must(t, err)
	if v1.Bot != "b" || v1.Version != 1 || !jsonEqual(v1.Definition, defs[0]) || v1.Note != "note A" {
		t.Errorf("Version 1 = %+v", v1)
	}
	recent(t, "PublishedAt", v1.PublishedAt)
	vs, err := st.versions(ctx, "b")
	must(t, err)
	if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || !jsonEqual(vs[1].Definition, defs[1]) || vs[1].Note != "note B" {
		t.Errorf("Versions = %+v", vs)
	}
	must(t, st.save(ctx, "empty", json.RawMessage(`{}`)))
	vs, err = st.versions(ctx, "empty")
	must(t, err)
	if len(vs) != 0 {
		t.Errorf("Versions of an unpublished bot = %+v", vs)
	}
}

func testPublishCreates(t *testing.T, st drafts) {
	ctx := ctxT(t)
	def := json.RawMessage(`{"v":1}`)
	v, err := st.publish(ctx, "new", def, "")
	must(t, err)
	b, err := st.get(ctx, "new")
	must(t, err)
	if v != 1 || b.ActiveVersion != 1 || b.LatestVersion != 1 || !jsonEqual(b.Draft, def) {
		t.Errorf("Publish on a new bot: version %d, bot %+v", v, b)
	}
}

func testActivate(t *testing.T, st drafts) {
	ctx := ctxT(t)
	for i := 0; i < 2; i++ {
		_, err := st.publish(ctx, "b", json.RawMessage(`{}`), "")
		must(t, err)
	}
	must(t, st.activate(ctx, "b", 1))
	b, err := st.get(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 1 || b.LatestVersion != 2 {
		t.Errorf("after rollback to 1: %+v", b)
	}
	wantErr(t, "Activate missing version", st.activate(ctx, "b", 3), store.ErrNotFound)
	wantErr(t, "Activate missing bot", st.activate(ctx, "nope", 1), store.ErrNotFound)
	wantErr(t, "Activate version 0", st.activate(ctx, "b", 0), store.ErrInvalid)
	b, err = st.get(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 1 {
		t.Errorf("failed activations changed the active version: %+v", b)
	}
	v, err := st.publish(ctx, "b", json.RawMessage(`{}`), "")
	must(t, err)
	b, err = st.get(ctx, "b")
	must(t, err)
	if v != 3 || b.ActiveVersion != 3 || b.LatestVersion != 3 {
		t.Errorf("publish after rollback: version %d, bot %+v", v, b)
	}
}

func testBotNotFound(t *testing.T, st drafts) {
	ctx := ctxT(t)
	_, err := st.get(ctx, "nope")
	wantErr(t, "Bot", err, store.ErrNotFound)
	_, err = st.version(ctx, "nope", 1)
	wantErr(t, "Version of missing bot", err, store.ErrNotFound)
	_, err = st.versions(ctx, "nope")
	wantErr(t, "Versions of missing bot", err, store.ErrNotFound)
	_, err = st.publish(ctx, "b", json.RawMessage(`{}`), "")
	must(t, err)
	_, err = st.version(ctx, "b", 2)
	wantErr(t, "Version 2 of 1", err, store.ErrNotFound)
}

func testBotInvalid(t *testing.T, st drafts) {
	ctx := ctxT(t)
	wantErr(t, "SaveDraft empty name", st.save(ctx, "", json.RawMessage(`{}`)), store.ErrInvalid)
	wantErr(t, "SaveDraft bad JSON", st.save(ctx, "b", json.RawMessage(`{"a":`)), store.ErrInvalid)
	wantErr(t, "SaveDraft nil", st.save(ctx, "b", nil), store.ErrInvalid)
	_, err := st.publish(ctx, "", json.RawMessage(`{}`), "")
	wantErr(t, "Publish empty name", err, store.ErrInvalid)
	_, err = st.publish(ctx, "b", nil, "")
	wantErr(t, "Publish nil", err, store.ErrInvalid)
	for _, v := range []int{0, -1} {
		_, err = st.version(ctx, "b", v)
		wantErr(t, "Version <= 0", err, store.ErrInvalid)
	}
	_, err = st.get(ctx, "b")
	wantErr(t, "Bot after invalid saves", err, store.ErrNotFound)
}

func testPublishInvalid(t *testing.T, st drafts) {
	ctx := ctxT(t)
	good := json.RawMessage(`{"v":1}`)
	_, err := st.publish(ctx, "b", good, "ok")
	must(t, err)
	_, err = st.publish(ctx, "b", json.RawMessage(`{"v":2,`), "broken")
	wantErr(t, "Publish bad JSON", err, store.ErrInvalid)
	b, err := st.get(ctx, "b")
	must(t, err)
	vs, err := st.versions(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 1 || b.LatestVersion != 1 || len(vs) != 1 {
		t.Errorf("failed publish wrote something: bot %+v, %d versions", b, len(vs))
	}
	_, err = st.publish(ctx, "fresh", json.RawMessage(`nope`), "")
	wantErr(t, "Publish bad JSON on a new bot", err, store.ErrInvalid)
	_, err = st.get(ctx, "fresh")
	wantErr(t, "bot of a failed first publish", err, store.ErrNotFound)
}
