package peertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/sip"
)

// TestSippRegister runs sipp REGISTER scenarios against the registrar:
// digest authentication (sipp's own MD5 implementation) then Contact: *,
// a wrong password (403), and expiry (423 with Min-Expires, then a
// binding that lapses). sipp checks the responses; the test checks the
// registration events the server reported.
func TestSippRegister(t *testing.T) {
	sipp := requireTool(t, "sipp", "SWITCHBOARD_REQUIRE_SIPP")
	tests := []struct {
		scenario string
		password string
		minimum  time.Duration // registrar min_expiry (0: default)
		events   []sip.BindingChange
	}{
		{"register_auth.xml", agents["agent42"], 0, []sip.BindingChange{sip.BindingAdded, sip.BindingRemoved}},
		{"register_wrong_password.xml", "not-the-password", 0, nil},
		{"register_expiry.xml", agents["agent42"], 2 * time.Second, []sip.BindingChange{sip.BindingAdded, sip.BindingExpired}},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.scenario, ".xml"), func(t *testing.T) {
			s, events := registrarServer(t, func(c *sip.RegistrarConfig) {
				c.Domain = "127.0.0.1"
				c.MinExpiry = tt.minimum
			})
			dir := t.TempDir()
			scenario, _ := filepath.Abs(filepath.Join("testdata", tt.scenario))
			p := startPeer(t, 60*time.Second, dir, sipp, s.addr.String(),
				"-sf", scenario, "-key", "user", "agent42", "-au", "agent42", "-ap", tt.password,
				"-i", "127.0.0.1", "-p", "0", "-m", "1",
				"-timeout", "30s", "-timeout_error", "-nostdin",
				"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
				"-trace_msg", "-message_file", filepath.Join(dir, "messages.log"),
			)
			if err := p.wait(); err != nil {
				errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
				msgs, _ := os.ReadFile(filepath.Join(dir, "messages.log"))
				t.Fatalf("sipp failed: %v\n%s\n%s\n%s", err, tail([]byte(p.output()), 20), errs, tail(msgs, 60))
			}
			for _, want := range tt.events {
				waitEvent(t, events, "agent42", want, nil)
			}
			select {
			case e := <-events:
				t.Errorf("unexpected event %s %s", e.User, e.Change)
			case <-time.After(100 * time.Millisecond):
			}
			if n := len(s.sip.Registered()); n != 0 {
				t.Errorf("%d users still registered", n)
			}
		})
	}
}
