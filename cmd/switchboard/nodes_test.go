package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-voice/switchboard/internal/caller"
	"github.com/switchboard-voice/switchboard/tts/espeak"
)

// pgSchema makes a fresh schema in the test PostgreSQL and returns a DSN
// whose connections use it (dropped when the test ends). It skips without
// a test server, or fails when SWITCHBOARD_REQUIRE_POSTGRES=1.
func pgSchema(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("SWITCHBOARD_TEST_POSTGRES_DSN")
	if dsn == "" {
		const how = "start one with: export SWITCHBOARD_TEST_POSTGRES_DSN=$(scripts/postgres.sh start)"
		if os.Getenv("SWITCHBOARD_REQUIRE_POSTGRES") == "1" {
			t.Fatal("SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_DSN is not set; " + how)
		}
		t.Skip("two nodes need PostgreSQL: " + how)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "nodes_" + hex.EncodeToString(b)
	exec := func(sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("CREATE SCHEMA " + schema)
	t.Cleanup(func() { exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// TestTwoNodes runs two Switchboard nodes on loopback sharing one NATS
// (node A's embedded server, which node B joins) and one PostgreSQL. Node
// A runs the router and takes a SIP call to the banking bot, which hands
// the caller off; agent Ana's desktop is on node B: she gets the offer
// there, answers (her audio goes to node A, where the caller is) and sees
// the caller's words live.
func TestTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("two nodes, a call and a browser")
	}
	dsn := pgSchema(t)
	dir := t.TempDir()
	addrA, addrB := freeAddr(t), freeAddr(t)
	natsAddr := freeAddr(t)
	common := fmt.Sprintf("database: {driver: postgres, dsn: %q}\nbots: {dirs: [../../bots/banking]}\nlog: {level: info, format: json}\n"+
		"desk: {secret: two-nodes-share-this, media_url: 'http://%s/whip/', media_origins: ['http://%s']}\nqa: {scorecards: ../../scorecards}\n",
		dsn, addrA, addrA)
	write := func(name, yaml string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfgA := write("a.yaml", common+fmt.Sprintf("data_dir: %s\nhttp: {listen: %q}\nevents: {listen: %q, node: a}\n"+
		"sip: {listen: [{transport: udp, addr: '127.0.0.1:0'}], rtp_ports: {min: 38000, max: 38999}}\nrecording: {enabled: true, dir: %s}\n",
		filepath.Join(dir, "a"), addrA, natsAddr, filepath.Join(dir, "rec-a")))
	a := startServeEnv(t, cfgA, addrA, nil)
	cfgB := write("b.yaml", common+fmt.Sprintf("data_dir: %s\nhttp: {listen: %q}\nevents: {url: 'nats://%s', node: b}\nacd: {router: false}\n"+
		"sip: {listen: [{transport: udp, addr: '127.0.0.1:0'}], rtp_ports: {min: 39000, max: 39999}}\n",
		filepath.Join(dir, "b"), addrB, natsAddr))
	b := startServeEnv(t, cfgB, addrB, nil)
	t.Cleanup(func() {
		if t.Failed() {
			for name, s := range map[string]*serveProc{"A": a, "B": b} {
				lines := strings.Split(s.errOut.String(), "\n")
				t.Logf("node %s log (last lines):\n%s", name, strings.Join(lines[max(0, len(lines)-40):], "\n"))
			}
		}
	})
	sipA := ""
	for _, line := range strings.Split(a.out.String(), "\n") {
		if i := strings.Index(line, "sip:echo@"); i >= 0 && strings.Contains(line, "transport=udp") {
			sipA = strings.TrimSuffix(strings.Fields(line[i+len("sip:echo@"):])[0], ";transport=udp")
		}
	}
	if _, _, err := net.SplitHostPort(sipA); err != nil {
		t.Fatalf("node A's SIP address %q", sipA)
	}

	// Ana's desktop is on node B.
	mic := speechWAV(t, "hello this is ana how can I help", time.Second, 4*time.Second)
	ana := openDesktop(t, "http://"+addrB, "ana", mic)
	ana.set("#state-select", "available")
	ana.b.Poll("Ana available (through node A's router)", 15*time.Second, func() bool { return ana.text("#state-now") == "available" })

	// The caller is on node A.
	answered := make(chan struct{})
	syn, err := espeak.New()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := caller.Call(context.Background(), caller.Config{
			Target: "banking@" + sipA, Synthesizer: syn, Voice: caller.VoiceFor("en"), Timeout: 3 * time.Minute, Stay: 90 * time.Second,
			Turns: []caller.Turn{{Say: "I want to speak to an agent"}, {Say: "my card was stolen yesterday", Await: answered}, {Say: "my card was stolen yesterday", Await: answered}},
		})
		if err != nil {
			t.Errorf("caller: %v", err)
		}
	}()
	ana.b.Poll("the offer on node B", 60*time.Second, func() bool { return ana.b.Eval("document.querySelectorAll('#offers .offer').length") == "1" })
	ana.b.Click("#offers .offer .accept")
	ana.b.WaitVisible("#call-panel")
	ana.b.Poll("Ana's audio to node A", 30*time.Second, func() bool { return ana.b.Eval("window.desk.mediaState(window.desk.selected)") == "connected" })
	// The caller's side is transcribed from the bridge on node A, which
	// starts once Ana's audio (sent from node B's page) joins it.
	close(answered)
	ana.b.Poll("the caller's words on node B's desktop", 60*time.Second, func() bool {
		return ana.b.Eval(`[...document.querySelectorAll('#transcript li.live[data-speaker=caller][data-final=true]')].some(li => /card|stolen/i.test(li.textContent))`) == "true"
	})
	// Ana hangs up from node B; the call on node A ends.
	ana.b.Click("#hangup")
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the call on node A did not end when Ana hung up on node B")
	}
	ana.b.WaitVisible("#wrapup")
	ana.set("#wrapup-disposition", "resolved")
	ana.b.Click("#wrapup-save")
	ana.b.Poll("the wrap-up saved through node A", 15*time.Second, func() bool { return ana.text("#state-now") == "available" })
}
