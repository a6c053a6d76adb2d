package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\nhttp: {listen: %q}\nbots: {dirs: [../../bots/logistics-zh]}\nlog: {level: warn}\n"+
		"sip: {listen: [{transport: udp, addr: '127.0.0.1:0'}], rtp_ports: {min: 33000, max: 33999}}\n", filepath.Join(dir, "data"), addr)), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}, []string{"serve", "--config", cfg})
	}()
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %v\n%s", err, errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Post(base+"/v1/sessions", "application/json", strings.NewReader(`{"bot":"logistics-zh","caller_id":"13800138000"}`))
	if err != nil {
		t.Fatal(err)
	}
	var start struct {
		SessionID string `json:"session_id"`
	}
	json.NewDecoder(resp.Body).Decode(&start)
	resp.Body.Close()
	resp, err = http.Post(base+"/v1/sessions/"+start.SessionID+"/messages", "application/json", strings.NewReader(`{"text":"帮我查一下快递"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("message: %v %v", resp, err)
	}
	resp.Body.Close()
	// The phone page is served, and a SIP call to echo completes.
	resp, err = http.Get(base + "/phone")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/phone: %v %v", resp, err)
	}
	resp.Body.Close()
	sipCallEcho(t, out.String())
	cancel() // first signal: graceful drain
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(out.String(), "bots:    logistics-zh") {
		t.Errorf("stdout: %s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "switchboard.db")); err != nil {
		t.Errorf("no database under data_dir: %v", err)
	}
	// migrate and bots work on the same database.
	code, stdout, stderr := runCmd(t, "", "migrate", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "up to date") {
		t.Fatalf("migrate: %d %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd(t, "", "bots", "--config", cfg, "versions", "logistics-zh")
	if code != 0 || !strings.Contains(stdout, "*   1") {
		t.Fatalf("bots versions: %d %q %s", code, stdout, stderr)
	}
	code, _, stderr = runCmd(t, "", "bots", "--config", cfg, "rollback", "logistics-zh", "9")
	if code != 1 || !strings.Contains(stderr, "not found") {
		t.Fatalf("rollback to a missing version: %d %s", code, stderr)
	}
}

func TestServeBadConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "switchboard.yaml")
	os.WriteFile(cfg, []byte("database: {driver: mysql}\n"), 0o644)
	code, _, stderr := runCmd(t, "", "serve", "--config", cfg)
	if code != 1 || !strings.Contains(stderr, "database.driver") {
		t.Fatalf("%d %s", code, stderr)
	}
}

// sipCallEcho calls the echo application with sipp's built-in uac
// scenario at the SIP address serve printed.
func sipCallEcho(t *testing.T, stdout string) {
	t.Helper()
	i := strings.Index(stdout, "sip:echo@")
	if i < 0 {
		t.Fatalf("serve printed no SIP address:\n%s", stdout)
	}
	addr := strings.TrimPrefix(strings.Fields(stdout[i:])[0], "sip:echo@")
	addr = strings.Split(addr, ";")[0]
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_SIPP") == "1" {
			t.Fatal("sipp is required (SWITCHBOARD_REQUIRE_SIPP=1) but not installed")
		}
		t.Log("sipp not installed: SIP call not tested here")
		return
	}
	cmd := exec.Command(sipp, addr, "-sn", "uac", "-s", "echo", "-i", "127.0.0.1", "-p", "0", "-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin", "-d", "500")
	cmd.Dir = t.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sipp call to echo failed: %v\n%s", err, out)
	}
}
