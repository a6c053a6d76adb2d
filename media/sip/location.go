package sip

import (
	"container/heap"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Binding is one registered contact of a user: where a phone can be
// reached, as the registrar saw its last REGISTER.
type Binding struct {
	// User is the user part of the address of record (the agent's SIP
	// user name).
	User string
	// Contact is the contact URI the phone registered.
	Contact string
	// Source is the address the REGISTER came from. Calls are sent there
	// (not to the Contact's host), so that phones behind NAT are reached
	// through the mapping their REGISTER opened (RFC 3581 symmetric
	// routing).
	Source netip.AddrPort
	// Transport is "udp", "tcp" or "tls": the transport the REGISTER came
	// over, and the one calls use.
	Transport string
	// Q is the contact's preference, 0 to 1 (1 when the phone gave none).
	Q float64
	// Expires is when the binding lapses unless refreshed.
	Expires time.Time
	// Registered is when this contact first registered.
	Registered time.Time
	// UserAgent is the phone's User-Agent header.
	UserAgent string
	// Instance is the phone's +sip.instance (RFC 5626), if it sent one.
	Instance string
}

// BindingChange says what happened to a binding.
type BindingChange string

// Binding changes a RegistrationEvent reports.
const (
	// BindingAdded: a new contact registered.
	BindingAdded BindingChange = "added"
	// BindingRemoved: the phone unregistered (expires 0 or Contact: *),
	// or Server.Unregister removed it.
	BindingRemoved BindingChange = "removed"
	// BindingExpired: the phone did not refresh it in time.
	BindingExpired BindingChange = "expired"
	// BindingEvicted: replaced by a new contact of the same user beyond
	// RegistrarConfig.MaxContacts.
	BindingEvicted BindingChange = "evicted"
	// BindingClosed: the server stopped; registrations are not kept.
	BindingClosed BindingChange = "closed"
)

// RegistrationEvent reports a change in a user's registered contacts. A
// user with Contacts > 0 can be rung (agent phone presence: online).
type RegistrationEvent struct {
	// User is the user part of the address of record.
	User string
	// Change is what happened to Binding.
	Change BindingChange
	// Binding is the contact that changed, as it was.
	Binding Binding
	// Contacts is how many contacts the user has after the REGISTER (or
	// expiry) that caused the event; 0 means the user cannot be rung.
	Contacts int
	// Time is when it happened.
	Time time.Time
}

// errCSeqOrder: a REGISTER with the Call-ID of a binding and a CSeq not
// higher than the one that last updated it (RFC 3261 section 10.3 step 7).
var errCSeqOrder = errors.New("CSeq not higher than the last REGISTER's")

// errLocationClosed: the server stopped.
var errLocationClosed = errors.New("registrar stopped")

// binding is a stored contact.
type binding struct {
	Binding
	key    string
	uri    sip.Uri
	qSet   bool
	callID string
	cseq   uint32
}

// contactUpdate is one Contact of a REGISTER, checked and with its
// expiry decided.
type contactUpdate struct {
	key      string
	uri      sip.Uri
	expires  time.Duration // 0 removes the binding
	q        float64
	qSet     bool
	instance string
}

// registration is a REGISTER's change to one address of record.
type registration struct {
	user      string
	callID    string
	cseq      uint32
	wildcard  bool // Contact: * with Expires: 0
	contacts  []contactUpdate
	source    netip.AddrPort
	transport string
	userAgent string
}

// location is the location service: the bindings of every address of
// record, expired by a timer, with change events delivered in order on
// one goroutine. It is safe for concurrent use.
type location struct {
	maxContacts int
	now         func() time.Time
	log         *slog.Logger

	mu      sync.Mutex
	records map[string][]*binding // by user
	expiry  expiryHeap
	closed  bool
	wake    chan struct{} // the earliest expiry changed

	events *eventQueue
}

func newLocation(maxContacts int, now func() time.Time, onEvent func(RegistrationEvent), log *slog.Logger) *location {
	return &location{
		maxContacts: maxContacts,
		now:         now,
		log:         log,
		records:     map[string][]*binding{},
		wake:        make(chan struct{}, 1),
		events:      newEventQueue(onEvent),
	}
}

// contactKey is what makes two contact URIs the same binding (RFC 3261
// section 19.1.4, simplified): scheme, user, host (any case), port and
// the transport and maddr parameters.
func contactKey(u sip.Uri) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(u.Scheme))
	b.WriteByte(':')
	b.WriteString(u.User)
	b.WriteByte('@')
	b.WriteString(strings.ToLower(u.Host))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(u.Port))
	if u.UriParams != nil {
		for _, p := range []string{"transport", "maddr"} {
			if v, ok := u.UriParams.Get(p); ok {
				b.WriteString(";" + p + "=" + strings.ToLower(v))
			}
		}
	}
	return b.String()
}

// apply performs a REGISTER's changes atomically: the Call-ID/CSeq checks
// of every binding it touches come first, and a failing one changes
// nothing. It returns the user's bindings afterwards.
func (l *location) apply(r registration) ([]Binding, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, errLocationClosed
	}
	recs := l.records[r.user]
	outOfOrder := func(b *binding) bool { return b.callID == r.callID && r.cseq <= b.cseq }
	if r.wildcard {
		for _, b := range recs {
			if outOfOrder(b) {
				return nil, errCSeqOrder
			}
		}
	}
	for _, c := range r.contacts {
		if b := find(recs, c); b != nil && outOfOrder(b) {
			return nil, errCSeqOrder
		}
	}

	type change struct {
		kind BindingChange
		b    Binding
	}
	var changes []change
	if r.wildcard {
		for _, b := range recs {
			changes = append(changes, change{BindingRemoved, b.Binding})
		}
		recs = nil
	}
	earliest := l.expiry.earliest()
	for _, c := range r.contacts {
		b := find(recs, c)
		if c.expires == 0 {
			if b != nil {
				recs = slices.DeleteFunc(recs, func(x *binding) bool { return x == b })
				changes = append(changes, change{BindingRemoved, b.Binding})
			}
			continue
		}
		added := b == nil
		if added {
			if len(recs) >= l.maxContacts {
				// Replace the contact that would lapse first: most likely
				// a phone that rebooted and registered anew.
				old := slices.MinFunc(recs, func(x, y *binding) int { return x.Expires.Compare(y.Expires) })
				recs = slices.DeleteFunc(recs, func(x *binding) bool { return x == old })
				changes = append(changes, change{BindingEvicted, old.Binding})
			}
			b = &binding{Binding: Binding{User: r.user, Registered: now}}
			recs = append(recs, b)
		}
		b.key, b.uri, b.qSet, b.callID, b.cseq = c.key, c.uri, c.qSet, r.callID, r.cseq
		b.Contact = c.uri.String()
		b.Source, b.Transport, b.UserAgent, b.Instance = r.source, r.transport, r.userAgent, c.instance
		b.Q = 1
		if c.qSet {
			b.Q = c.q
		}
		b.Expires = now.Add(c.expires)
		if added {
			changes = append(changes, change{BindingAdded, b.Binding})
		}
		heap.Push(&l.expiry, expiryEntry{at: b.Expires, user: r.user, key: b.key})
	}
	if len(recs) == 0 {
		delete(l.records, r.user)
	} else {
		l.records[r.user] = recs
	}
	if e := l.expiry.earliest(); !e.IsZero() && (earliest.IsZero() || e.Before(earliest)) {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	for _, c := range changes {
		l.report(RegistrationEvent{User: r.user, Change: c.kind, Binding: c.b, Contacts: len(recs), Time: now})
	}
	return snapshot(recs), nil
}

// report logs a change and queues its event; l.mu is held.
func (l *location) report(e RegistrationEvent) {
	level := slog.LevelInfo
	if e.Change == BindingClosed {
		level = slog.LevelDebug
	}
	l.log.Log(context.Background(), level, "sip: registration "+string(e.Change), "user", e.User,
		"contact", e.Binding.Contact, "source", e.Binding.Source, "transport", e.Binding.Transport,
		"expires", e.Binding.Expires.Format(time.RFC3339), "contacts", e.Contacts)
	l.events.push(e)
}

// find returns the binding c updates: the same contact URI, or, when the
// phone sent a +sip.instance, the binding of the same instance (a phone
// that came back on another address).
func find(recs []*binding, c contactUpdate) *binding {
	for _, b := range recs {
		if b.key == c.key {
			return b
		}
	}
	if c.instance != "" {
		for _, b := range recs {
			if b.Instance == c.instance {
				return b
			}
		}
	}
	return nil
}

// snapshot copies bindings, most preferred first.
func snapshot(recs []*binding) []Binding {
	out := make([]Binding, len(recs))
	for i, b := range recs {
		out[i] = b.Binding
	}
	slices.SortStableFunc(out, preference)
	return out
}

// preference orders bindings by q, then the most recently registered
// first.
func preference(a, b Binding) int {
	if a.Q != b.Q {
		if a.Q > b.Q {
			return -1
		}
		return 1
	}
	return b.Registered.Compare(a.Registered)
}

// lookup returns the user's live bindings, most preferred first, with
// their URIs.
func (l *location) lookup(user string) []binding {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var out []binding
	for _, b := range l.records[user] {
		if b.Expires.After(now) {
			c := *b
			c.uri = *b.uri.Clone()
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b binding) int { return preference(a.Binding, b.Binding) })
	return out
}

// bindings returns a user's live bindings (nil for none).
func (l *location) bindings(user string) []Binding {
	bs := l.lookup(user)
	if len(bs) == 0 {
		return nil
	}
	out := make([]Binding, len(bs))
	for i, b := range bs {
		out[i] = b.Binding
	}
	return out
}

// users returns the users with at least one binding, sorted.
func (l *location) users() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.records))
	for u := range l.records {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// remove drops every binding of user with change kind; it returns how
// many there were.
func (l *location) remove(user string, kind BindingChange) int {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	recs := l.records[user]
	delete(l.records, user)
	for _, b := range recs {
		l.report(RegistrationEvent{User: user, Change: kind, Binding: b.Binding, Time: now})
	}
	return len(recs)
}

// expire removes the bindings that have lapsed by now and returns when
// the next one lapses (zero: none).
func (l *location) expire() time.Time {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.expiry) > 0 && !l.expiry[0].at.After(now) {
		e := heap.Pop(&l.expiry).(expiryEntry)
		recs := l.records[e.user]
		i := slices.IndexFunc(recs, func(b *binding) bool { return b.key == e.key })
		if i < 0 || recs[i].Expires.After(now) {
			continue // removed or refreshed since
		}
		b := recs[i]
		recs = slices.Delete(recs, i, i+1)
		if len(recs) == 0 {
			delete(l.records, e.user)
		} else {
			l.records[e.user] = recs
		}
		l.report(RegistrationEvent{User: e.user, Change: BindingExpired, Binding: b.Binding, Contacts: len(recs), Time: now})
	}
	return l.expiry.earliest()
}

// run expires bindings on time and calls tick every period until ctx is
// done.
func (l *location) run(ctx context.Context, period time.Duration, tick func()) {
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next := l.expire()
		timer.Stop()
		var due <-chan time.Time
		if !next.IsZero() {
			timer.Reset(max(next.Sub(l.now()), 0) + time.Millisecond)
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-due:
		case <-ticker.C:
			tick()
		}
	}
}

// close refuses further changes and reports every binding as closed.
func (l *location) close() {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	users := make([]string, 0, len(l.records))
	for u := range l.records {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		for _, b := range l.records[u] {
			l.report(RegistrationEvent{User: u, Change: BindingClosed, Binding: b.Binding, Time: now})
		}
	}
	l.records = map[string][]*binding{}
	l.expiry = nil
}

// expiryEntry says a binding may lapse at a time; entries of bindings
// refreshed or removed since are skipped when they come up.
type expiryEntry struct {
	at   time.Time
	user string
	key  string
}

type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func (h expiryHeap) earliest() time.Time {
	if len(h) == 0 {
		return time.Time{}
	}
	return h[0].at
}

// eventQueue delivers registration events in order on one goroutine
// (run), so that a slow handler never holds up REGISTER processing.
type eventQueue struct {
	handler func(RegistrationEvent)

	mu      sync.Mutex
	pending []RegistrationEvent
	signal  chan struct{}
}

func newEventQueue(handler func(RegistrationEvent)) *eventQueue {
	return &eventQueue{handler: handler, signal: make(chan struct{}, 1)}
}

func (q *eventQueue) push(e RegistrationEvent) {
	if q.handler == nil {
		return
	}
	q.mu.Lock()
	q.pending = append(q.pending, e)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// deliver calls the handler with the events queued now and returns how
// many there were.
func (q *eventQueue) deliver() int {
	q.mu.Lock()
	batch := q.pending
	q.pending = nil
	q.mu.Unlock()
	for _, e := range batch {
		q.handler(e)
	}
	return len(batch)
}

// run delivers events until ctx is done, then delivers what is still
// queued and returns.
func (q *eventQueue) run(ctx context.Context) {
	for {
		if q.deliver() > 0 {
			continue
		}
		select {
		case <-q.signal:
		case <-ctx.Done():
			q.mu.Lock()
			empty := len(q.pending) == 0
			q.mu.Unlock()
			if empty {
				return
			}
		}
	}
}
