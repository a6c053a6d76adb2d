package sip

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// selfSigned writes a certificate and key for 127.0.0.1.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestTLSOptions(t *testing.T) {
	cert, key := selfSigned(t)
	h := newHarness(t, func(c *Config) {
		c.Listen = append(c.Listen, Listener{Transport: "tls", Addr: "127.0.0.1:0", CertFile: cert, KeyFile: key})
	})
	ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(&tls.Config{InsecureSkipVerify: true}),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(testLogger())),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger())))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	cl, _ := sipgo.NewClient(ua, sipgo.WithClientLogger(testLogger()))
	req := sip.NewRequest(sip.OPTIONS, h.uri(t, "tls", ""))
	req.SetTransport("TLS")
	res, err := cl.Do(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("OPTIONS over TLS: %d", res.StatusCode)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Listener{Transport: "udp", Addr: "127.0.0.1:5060"}
	tests := []struct {
		name string
		cfg  Config
		key  string
	}{
		{"no listener", Config{}, "listen"},
		{"bad transport", Config{Listen: []Listener{{Transport: "sctp", Addr: "127.0.0.1:5060"}}}, "listen[0].transport"},
		{"tls without cert", Config{Listen: []Listener{{Transport: "tls", Addr: "127.0.0.1:5061"}}}, "cert_file"},
		{"bad addr", Config{Listen: []Listener{{Transport: "udp", Addr: "localhost"}}}, "listen[0].addr"},
		{"unspecified without public ip", Config{Listen: []Listener{{Transport: "udp", Addr: "0.0.0.0:5060"}}}, "public_ip"},
		{"bad overload", Config{Listen: []Listener{ok}, OverloadStatus: 500}, "overload_status"},
		{"trunk without host", Config{Listen: []Listener{ok}, Trunk: &Trunk{}}, "trunk.host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("err = %v, want mention of %q", err, tt.key)
			}
		})
	}
	if err := (Config{Listen: []Listener{ok}}).Validate(); err != nil {
		t.Fatal(err)
	}
}
