package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Credentials gives the registrar the SIP password of a user (an agent's
// phone login). Implement it over the agent store; StaticCredentials is a
// fixed map.
type Credentials interface {
	// Lookup returns user's password; ok is false when there is no such
	// user. An error (the store is away) makes the registrar answer 503
	// with Retry-After, so that the phone tries again.
	Lookup(ctx context.Context, user string) (password string, ok bool, err error)
}

// StaticCredentials is a fixed map from user to password, for
// configuration files and tests.
type StaticCredentials map[string]string

// Lookup returns the password of user.
func (m StaticCredentials) Lookup(_ context.Context, user string) (string, bool, error) {
	pw, ok := m[user]
	return pw, ok, nil
}

// CredentialsFunc adapts a function to Credentials.
type CredentialsFunc func(ctx context.Context, user string) (password string, ok bool, err error)

// Lookup calls fn(ctx, user).
func (fn CredentialsFunc) Lookup(ctx context.Context, user string) (string, bool, error) {
	return fn(ctx, user)
}

// lookupTimeout bounds one Credentials.Lookup.
const lookupTimeout = 3 * time.Second

// registrar answers REGISTER (RFC 3261 section 10.3) with digest
// authentication and keeps the location service.
type registrar struct {
	cfg    RegistrarConfig
	creds  Credentials
	log    *slog.Logger
	hosts  map[string]bool // the domain and its aliases, lower case
	algs   []digestAlg
	nonces *nonces
	loc    *location
	now    func() time.Time
	server string // Server header
}

// newRegistrar makes a registrar for cfg (defaults applied); hosts are
// the server's own addresses, accepted as the domain too.
func newRegistrar(cfg RegistrarConfig, creds Credentials, onEvent func(RegistrationEvent), hosts []string, server string, log *slog.Logger) *registrar {
	r := &registrar{
		cfg: cfg, creds: creds, log: log, server: server,
		hosts:  map[string]bool{},
		nonces: newNonces(cfg.NonceTTL),
		now:    time.Now,
	}
	for _, h := range append(append([]string{cfg.Domain}, cfg.Aliases...), hosts...) {
		r.hosts[normalHost(h)] = true
	}
	for _, a := range cfg.Algorithms {
		r.algs = append(r.algs, digestAlgs[a])
	}
	r.loc = newLocation(cfg.MaxContacts, func() time.Time { return r.now() }, onEvent, log)
	return r
}

func normalHost(h string) string { return strings.ToLower(strings.Trim(h, "[]")) }

// served reports whether u names our domain.
func (r *registrar) served(u sip.Uri) bool {
	return (u.Scheme == "sip" || u.Scheme == "sips") && r.hosts[normalHost(u.Host)]
}

// reply makes a response to req.
func (r *registrar) reply(req *sip.Request, code int, reason string, hdrs ...sip.Header) *sip.Response {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(sip.NewHeader("Server", r.server))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	return res
}

// handle answers a REGISTER. The checks follow RFC 3261 section 10.3:
// the domain (404), Require (420), authentication (401, 403), that the
// authenticated user owns the address of record (403), the contacts and
// their expiry (400, 423), and the Call-ID/CSeq order (400); then the
// bindings change and the response lists them (200).
func (r *registrar) handle(ctx context.Context, req *sip.Request) *sip.Response {
	to, from, callID, cseq := req.To(), req.From(), req.CallID(), req.CSeq()
	if to == nil || from == nil || callID == nil || cseq == nil {
		return r.reply(req, 400, "Missing To, From, Call-ID or CSeq")
	}
	if cseq.MethodName != sip.REGISTER {
		return r.reply(req, 400, "CSeq Method Is Not REGISTER")
	}
	if !r.served(req.Recipient) {
		return r.reply(req, 404, "Domain Not Served")
	}
	if h := req.GetHeader("Require"); h != nil && strings.TrimSpace(h.Value()) != "" {
		return r.reply(req, 420, "Bad Extension", sip.NewHeader("Unsupported", strings.TrimSpace(h.Value())))
	}
	aor := to.Address
	if !r.served(aor) {
		return r.reply(req, 404, "Domain Not Served")
	}
	if aor.User == "" {
		return r.reply(req, 400, "No User in To")
	}
	user, res := r.authenticate(ctx, req)
	if res != nil {
		return res
	}
	if user != aor.User {
		r.log.Info("sip: REGISTER for another user's address of record", "user", user, "aor", aor.User, "call_id", callID.Value())
		return r.reply(req, 403, "Forbidden (Not Your Address of Record)")
	}
	reg, res := r.registration(req, user)
	if res != nil {
		return res
	}
	bindings, err := r.loc.apply(reg)
	switch {
	case errors.Is(err, errCSeqOrder):
		r.log.Info("sip: REGISTER out of order", "user", user, "call_id", callID.Value(), "cseq", cseq.SeqNo)
		return r.reply(req, 400, "CSeq Out of Order")
	case err != nil:
		return r.reply(req, 503, "Service Unavailable", sip.NewHeader("Retry-After", "5"))
	}
	now := r.now()
	res = r.reply(req, 200, "OK")
	for _, b := range bindings {
		v := "<" + b.Contact + ">;expires=" + strconv.Itoa(int(math.Ceil(b.Expires.Sub(now).Seconds())))
		if b.Q != 1 {
			v += ";q=" + strconv.FormatFloat(b.Q, 'f', -1, 64)
		}
		res.AppendHeader(sip.NewHeader("Contact", v))
	}
	res.AppendHeader(sip.NewHeader("Date", now.UTC().Format(http.TimeFormat)))
	if r.log.Enabled(ctx, slog.LevelDebug) {
		r.log.Debug("sip: REGISTER", "user", user, "call_id", callID.Value(), "contacts", len(bindings), "source", reg.source)
	}
	return res
}

// authenticate checks the request's digest credentials. It returns the
// authenticated user, or the response to send: 401 with challenges (and
// stale=true when the password was right but the nonce was stale, not
// ours, or replayed), 403 for an unknown user or a wrong password (the
// same answer for both, so that user names cannot be probed), 400 for a
// malformed header, 503 when the credentials store fails.
func (r *registrar) authenticate(ctx context.Context, req *sip.Request) (string, *sip.Response) {
	var p authParams
	found := false
	for _, h := range req.GetHeaders("Authorization") {
		ap, err := parseAuthorization(h.Value())
		if err != nil {
			return "", r.reply(req, 400, reasonOf(err))
		}
		if ap.realm == r.cfg.Realm {
			p, found = ap, true
			break
		}
	}
	if !found {
		return "", r.challenge(req, "Unauthorized", false)
	}
	alg, err := r.algorithm(p.algorithm)
	if err != nil {
		return "", r.reply(req, 400, reasonOf(err))
	}
	var nc uint64
	switch {
	case p.qop == "":
	case strings.EqualFold(p.qop, "auth"):
		if nc, err = parseNC(p.nc); err != nil {
			return "", r.reply(req, 400, reasonOf(err))
		}
	default:
		return "", r.reply(req, 400, reasonOf(authErrorf("qop %s not offered", clip(p.qop))))
	}
	if p.userhash != "" && !strings.EqualFold(p.userhash, "false") {
		return "", r.reply(req, 400, reasonOf(authErrorf("userhash is not supported")))
	}
	if err := sameResource(p.uri, req.Recipient); err != nil {
		return "", r.reply(req, 400, reasonOf(err))
	}
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	password, ok, err := r.creds.Lookup(lctx, p.username)
	cancel()
	if err != nil {
		r.log.Warn("sip: credentials lookup failed", "user", p.username, "err", err)
		return "", r.reply(req, 503, "Service Unavailable (Credentials Lookup Failed)", sip.NewHeader("Retry-After", "5"))
	}
	if !ok {
		// The same work as for a wrong password, so that the time taken
		// does not tell user names apart either.
		equalResponse(p.response, alg.response(p, "", req.Method.String()))
		r.log.Info("sip: REGISTER from an unknown user", "user", p.username, "source", req.Source())
		return "", r.reply(req, 403, "Forbidden (Bad Credentials)")
	}
	if !equalResponse(p.response, alg.response(p, password, req.Method.String())) {
		r.log.Info("sip: REGISTER with a wrong password", "user", p.username, "source", req.Source(), "algorithm", alg.name)
		return "", r.reply(req, 403, "Forbidden (Bad Credentials)")
	}
	now := r.now()
	switch r.nonces.check(p.nonce, now) {
	case nonceStale:
		return "", r.challenge(req, "Unauthorized (Stale Nonce)", true)
	case nonceInvalid:
		return "", r.challenge(req, "Unauthorized (Unknown Nonce)", true)
	}
	if !r.nonces.use(p.nonce, nc, now) {
		r.log.Info("sip: nonce count replayed", "user", p.username, "source", req.Source(), "nc", p.nc)
		return "", r.challenge(req, "Unauthorized (Nonce Count Replayed)", true)
	}
	return p.username, nil
}

// challenge makes a 401 with one WWW-Authenticate per algorithm, most
// preferred first (RFC 8760 section 2.4), sharing one new nonce.
func (r *registrar) challenge(req *sip.Request, reason string, stale bool) *sip.Response {
	nonce := r.nonces.issue(r.now())
	hdrs := make([]sip.Header, len(r.algs))
	for i, a := range r.algs {
		hdrs[i] = sip.NewHeader("WWW-Authenticate", challenge(r.cfg.Realm, nonce, a.name, stale))
	}
	return r.reply(req, 401, reason, hdrs...)
}

// algorithm returns the offered algorithm a response names (MD5 when it
// names none, RFC 7616 section 3.3).
func (r *registrar) algorithm(name string) (digestAlg, error) {
	if name == "" {
		name = AlgorithmMD5
	}
	for _, a := range r.algs {
		if strings.EqualFold(a.name, name) {
			return a, nil
		}
	}
	return digestAlg{}, authErrorf("algorithm %s not offered", clip(name))
}

// sameResource checks that the digest uri names the Request-URI (RFC
// 7616 section 3.4.6), comparing scheme, user, host and port.
func sameResource(uri string, target sip.Uri) error {
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err != nil {
		return authErrorf("uri %q is not a SIP URI", clip(uri))
	}
	if !strings.EqualFold(u.Scheme, target.Scheme) || u.User != target.User ||
		normalHost(u.Host) != normalHost(target.Host) || u.Port != target.Port {
		return authErrorf("uri does not match the Request-URI")
	}
	return nil
}

// reasonOf makes a reason phrase of an error.
func reasonOf(err error) string {
	var ae *authError
	if errors.As(err, &ae) {
		return "Bad Authorization: " + ae.msg
	}
	return clip(err.Error())
}

// registration reads the Contacts and expiries of a REGISTER; it returns
// the response to send instead when they are not acceptable.
func (r *registrar) registration(req *sip.Request, user string) (registration, *sip.Response) {
	reg := registration{
		user:      user,
		callID:    req.CallID().Value(),
		cseq:      req.CSeq().SeqNo,
		transport: strings.ToLower(req.Transport()),
	}
	if ap, err := netip.ParseAddrPort(req.Source()); err == nil {
		reg.source = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if h := req.GetHeader("User-Agent"); h != nil {
		reg.userAgent = clip(h.Value())
	}
	var hdrExpiry *uint64
	if h := req.GetHeader("Expires"); h != nil {
		n, err := parseExpiry(h.Value())
		if err != nil {
			return reg, r.reply(req, 400, "Bad Expires Header")
		}
		hdrExpiry = &n
	}
	hdrs := req.GetHeaders("Contact")
	for _, h := range hdrs {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return reg, r.reply(req, 400, "Bad Contact")
		}
		if !c.Address.Wildcard {
			continue
		}
		if len(hdrs) != 1 {
			return reg, r.reply(req, 400, "Contact * Must Be Alone")
		}
		if hdrExpiry == nil || *hdrExpiry != 0 {
			return reg, r.reply(req, 400, "Contact * Needs Expires: 0")
		}
		reg.wildcard = true
		return reg, nil
	}
	for _, h := range hdrs {
		c := h.(*sip.ContactHeader)
		u := c.Address
		if u.Scheme != "sip" && u.Scheme != "sips" {
			return reg, r.reply(req, 400, "Unsupported Contact URI Scheme")
		}
		if u.Host == "" {
			return reg, r.reply(req, 400, "Contact Has No Host")
		}
		secs := uint64(r.cfg.DefaultExpiry / time.Second)
		if hdrExpiry != nil {
			secs = *hdrExpiry
		}
		if v, ok := c.Params.Get("expires"); ok {
			n, err := parseExpiry(v)
			if err != nil {
				return reg, r.reply(req, 400, "Bad Contact Expires")
			}
			secs = n
		}
		expires := time.Duration(secs) * time.Second
		if expires > 0 && expires < r.cfg.MinExpiry {
			return reg, r.reply(req, 423, "Interval Too Brief",
				sip.NewHeader("Min-Expires", strconv.Itoa(int(r.cfg.MinExpiry/time.Second))))
		}
		expires = min(expires, r.cfg.MaxExpiry)
		cu := contactUpdate{key: contactKey(u), uri: *u.Clone(), expires: expires}
		if v, ok := c.Params.Get("q"); ok {
			q, err := parseQ(v)
			if err != nil {
				return reg, r.reply(req, 400, "Bad Contact q-value")
			}
			cu.q, cu.qSet = q, true
		}
		if v, ok := c.Params.Get("+sip.instance"); ok {
			cu.instance = clip(strings.Trim(v, `"`))
		}
		reg.contacts = append(reg.contacts, cu)
	}
	return reg, nil
}

// parseExpiry reads delta-seconds (RFC 3261 section 25.1); values beyond
// 2^32-1 are taken as 2^32-1 (section 20.19). A malformed value is an
// error rather than the RFC's 3600: a lifetime silently changed is harder
// to diagnose than a 400.
func parseExpiry(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty expiry")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("expiry %q is not a number of seconds", clip(s))
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > math.MaxUint32 {
		return math.MaxUint32, nil
	}
	return n, nil
}

// parseQ reads a q-value: 0 to 1 with up to three decimals (RFC 3261
// section 25.1).
func parseQ(s string) (float64, error) {
	bad := fmt.Errorf("q-value %q is not between 0 and 1 with at most three decimals", clip(s))
	intPart, frac, _ := strings.Cut(s, ".")
	if (intPart != "0" && intPart != "1") || len(frac) > 3 {
		return 0, bad
	}
	for i := 0; i < len(frac); i++ {
		if frac[i] < '0' || frac[i] > '9' || (intPart == "1" && frac[i] != '0') {
			return 0, bad
		}
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, bad
	}
	return q, nil
}
