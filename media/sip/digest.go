package sip

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file is the server side of HTTP digest authentication as SIP uses
// it (RFC 3261 section 22, RFC 2617, RFC 7616, RFC 8760): parsing an
// Authorization header, computing the expected response, and issuing and
// checking nonces.

// authParams are the parameters of a Digest Authorization header.
type authParams struct {
	username, realm, nonce, uri, response string
	algorithm, cnonce, qop, nc, opaque    string
	userhash                              string
}

// authError is a malformed or unacceptable Authorization header; the
// registrar answers 400 with the message as the reason.
type authError struct{ msg string }

func (e *authError) Error() string { return "bad Authorization: " + e.msg }

func authErrorf(format string, args ...any) error {
	return &authError{msg: fmt.Sprintf(format, args...)}
}

// maxAuthLen bounds an Authorization header value.
const maxAuthLen = 4096

// parseAuthorization parses `Digest name=value, name="quoted value", ...`.
// It checks the syntax and that the parameters a digest response needs
// are present; it does not check their values against a challenge.
func parseAuthorization(v string) (authParams, error) {
	var p authParams
	if len(v) > maxAuthLen {
		return p, authErrorf("longer than %d bytes", maxAuthLen)
	}
	v = strings.TrimSpace(v)
	scheme, rest, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Digest") {
		if scheme == "" {
			return p, authErrorf("empty")
		}
		return p, authErrorf("scheme %q is not Digest", clip(scheme))
	}
	var seenBuf [16]string
	seen := seenBuf[:0] // names of the parameters given, to refuse duplicates
	for {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return p, authErrorf("parameter %q has no value", clip(rest))
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		if !isToken(name) {
			return p, authErrorf("bad parameter name %q", clip(name))
		}
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var value string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexAny(rest[1:], `"\\`) + 1
			if end > 0 && rest[end] == '"' {
				// No escapes: the value is a substring.
				value, rest = rest[1:end], rest[end+1:]
			} else {
				var b strings.Builder
				i, closed := 1, false
				for ; i < len(rest); i++ {
					c := rest[i]
					if c == '\\' && i+1 < len(rest) {
						i++
						b.WriteByte(rest[i])
						continue
					}
					if c == '"' {
						closed = true
						break
					}
					b.WriteByte(c)
				}
				if !closed {
					return p, authErrorf("unterminated quoted value of %s", name)
				}
				value, rest = b.String(), rest[i+1:]
			}
		} else {
			end := strings.IndexAny(rest, ", \t")
			if end < 0 {
				end = len(rest)
			}
			value, rest = rest[:end], rest[end:]
			if value == "" {
				return p, authErrorf("parameter %s has an empty value", name)
			}
		}
		rest = strings.TrimLeft(rest, " \t")
		if rest != "" && rest[0] != ',' {
			return p, authErrorf("missing comma after %s", name)
		}
		if slices.Contains(seen, name) {
			return p, authErrorf("parameter %s given twice", name)
		}
		seen = append(seen, name)
		for _, c := range value {
			if c < 0x20 || c == 0x7f {
				return p, authErrorf("control character in %s", name)
			}
		}
		if f := p.field(name); f != nil {
			*f = value
		} else if name == "username*" {
			return p, authErrorf("username* (RFC 7616 encoded user names) is not supported")
		}
	}
	for _, req := range []struct{ name, value string }{
		{"username", p.username}, {"realm", p.realm}, {"nonce", p.nonce}, {"uri", p.uri}, {"response", p.response},
	} {
		if req.value == "" {
			return p, authErrorf("missing %s", req.name)
		}
	}
	if p.qop != "" && (p.cnonce == "" || p.nc == "") {
		return p, authErrorf("qop without cnonce and nc")
	}
	return p, nil
}

// field returns where the parameter name goes, or nil for one we do not
// use.
func (p *authParams) field(name string) *string {
	switch name {
	case "username":
		return &p.username
	case "realm":
		return &p.realm
	case "nonce":
		return &p.nonce
	case "uri":
		return &p.uri
	case "response":
		return &p.response
	case "algorithm":
		return &p.algorithm
	case "cnonce":
		return &p.cnonce
	case "qop":
		return &p.qop
	case "nc":
		return &p.nc
	case "opaque":
		return &p.opaque
	case "userhash":
		return &p.userhash
	}
	return nil
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// clip shortens untrusted text quoted in an error, keeping it printable.
func clip(s string) string {
	const n = 32
	var b strings.Builder
	for i, r := range s {
		if i >= n {
			b.WriteString("...")
			break
		}
		if r < 0x20 || r == 0x7f {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// digestAlg is a digest algorithm: its name in headers and its hash.
type digestAlg struct {
	name string
	new  func() hash.Hash
}

var digestAlgs = map[string]digestAlg{
	AlgorithmMD5:    {AlgorithmMD5, md5.New},
	AlgorithmSHA256: {AlgorithmSHA256, sha256.New},
}

// hashHex returns the lower-case hex digest of the parts joined with ':'.
func (a digestAlg) hashHex(h hash.Hash, parts ...string) string {
	h.Reset()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// response computes the digest response for a request (RFC 7616 section
// 3.4.1): with qop=auth, H(HA1:nonce:nc:cnonce:qop:HA2); without qop
// (RFC 2069), H(HA1:nonce:HA2).
func (a digestAlg) response(p authParams, password, method string) string {
	h := a.new()
	ha1 := a.hashHex(h, p.username, p.realm, password)
	ha2 := a.hashHex(h, method, p.uri)
	if p.qop == "" {
		return a.hashHex(h, ha1, p.nonce, ha2)
	}
	return a.hashHex(h, ha1, p.nonce, p.nc, p.cnonce, p.qop, ha2)
}

// equalResponse compares a client's response with the expected one in
// constant time, ignoring the case of the hex digits.
func equalResponse(got, want string) bool {
	if len(got) != len(want) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// challenge renders a WWW-Authenticate value.
func challenge(realm, nonce, alg string, stale bool) string {
	v := `Digest realm="` + realm + `", nonce="` + nonce + `", algorithm=` + alg + `, qop="auth"`
	if stale {
		v += ", stale=true"
	}
	return v
}

// nonceState is what a nonce check found.
type nonceState int

const (
	nonceValid   nonceState = iota
	nonceStale              // ours, but older than the TTL
	nonceInvalid            // not ours: forged, garbled, or from before a restart
)

// nonceLen is the decoded size of a nonce: issue time (8 bytes, Unix
// milliseconds), random (8), HMAC-SHA-256 of both truncated to 16.
const nonceLen = 32

// nonces issues nonces and tracks the nonce counts used with them. A
// nonce is an HMAC-signed issue time, so issuing one stores nothing;
// a nonce gets state (its highest nonce count) only once a request with a
// correct digest used it, so unauthenticated floods cost no memory.
type nonces struct {
	key [32]byte
	ttl time.Duration

	mu   sync.Mutex
	used map[string]nonceUse
}

type nonceUse struct {
	nc      uint64 // highest nonce count accepted
	expires time.Time
}

func newNonces(ttl time.Duration) *nonces {
	n := &nonces{ttl: ttl, used: map[string]nonceUse{}}
	rand.Read(n.key[:])
	return n
}

func (n *nonces) mac(b []byte) []byte {
	m := hmac.New(sha256.New, n.key[:])
	m.Write(b)
	return m.Sum(nil)[:16]
}

// issue returns a new nonce issued at now.
func (n *nonces) issue(now time.Time) string {
	var b [nonceLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli()))
	rand.Read(b[8:16])
	copy(b[16:], n.mac(b[:16]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// check says whether nonce is one of ours and still fresh at now.
func (n *nonces) check(nonce string, now time.Time) nonceState {
	if base64.RawURLEncoding.DecodedLen(len(nonce)) != nonceLen {
		return nonceInvalid
	}
	var b [nonceLen]byte
	if _, err := base64.RawURLEncoding.Decode(b[:], []byte(nonce)); err != nil {
		return nonceInvalid
	}
	if !hmac.Equal(b[16:], n.mac(b[:16])) {
		return nonceInvalid
	}
	issued := time.UnixMilli(int64(binary.BigEndian.Uint64(b[:8])))
	if issued.After(now.Add(time.Second)) {
		return nonceInvalid
	}
	if now.Sub(issued) > n.ttl {
		return nonceStale
	}
	return nonceValid
}

// use records that a request with a correct digest used nonce with count
// nc; it returns false when nc is not higher than a count already used
// (a replay). A request without qop has no count: it may use a nonce once
// (nc 0 stands for it).
func (n *nonces) use(nonce string, nc uint64, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	u, ok := n.used[nonce]
	if ok && (nc == 0 || nc <= u.nc) {
		return false
	}
	if nc == 0 {
		nc = 1<<63 - 1 // no later use is higher
	}
	n.used[nonce] = nonceUse{nc: nc, expires: now.Add(n.ttl + time.Minute)}
	return true
}

// sweep forgets the counts of nonces that have expired.
func (n *nonces) sweep(now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for k, u := range n.used {
		if now.After(u.expires) {
			delete(n.used, k)
		}
	}
}

// parseNC reads a nonce count: 8 hex digits (RFC 7616), not zero.
func parseNC(s string) (uint64, error) {
	if len(s) == 0 || len(s) > 8 {
		return 0, authErrorf("nc %q is not 8 hex digits", clip(s))
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, authErrorf("nc %q is not 8 hex digits", clip(s))
	}
	if v == 0 {
		return 0, authErrorf("nc is zero")
	}
	return v, nil
}
