package kb

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// MemoryStore is the in-process VectorStore: exact search (every point of
// the bot is compared), vectors normalised once when stored and kept in
// one contiguous slice per bot and build so that a search is a tight loop
// over memory. It is safe for concurrent use: searches share a read lock,
// writes take the lock briefly. The zero value is ready to use.
type MemoryStore struct {
	mu   sync.RWMutex
	cols map[string]*memCollection
}

type memCollection struct {
	dims int
	// segs by bot, then by build.
	segs map[string]map[string]*segment
	// where maps a point ID to its segment.
	where map[string]*segment
}

// segment holds the points of one bot and build.
type segment struct {
	bot, build string
	ids        []string
	payloads   []Payload
	vecs       []float32 // len(ids) * dims, each unit length (or zero)
	pos        map[string]int
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

var _ VectorStore = (*MemoryStore)(nil)

// EnsureCollection implements VectorStore.
func (m *MemoryStore) EnsureCollection(ctx context.Context, collection string, dims int) error {
	if collection == "" || dims <= 0 {
		return fmt.Errorf("kb: collection %q with %d dimensions: %w", collection, dims, ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.cols[collection]; ok {
		if c.dims != dims {
			return fmt.Errorf("kb: collection %q has %d dimensions, not %d: %w", collection, c.dims, dims, ErrDimensions)
		}
		return nil
	}
	if m.cols == nil {
		m.cols = map[string]*memCollection{}
	}
	m.cols[collection] = &memCollection{dims: dims, segs: map[string]map[string]*segment{}, where: map[string]*segment{}}
	return nil
}

func (m *MemoryStore) col(collection string) (*memCollection, error) {
	c, ok := m.cols[collection]
	if !ok {
		return nil, fmt.Errorf("kb: collection %q: %w", collection, ErrNoCollection)
	}
	return c, nil
}

// Upsert implements VectorStore.
func (m *MemoryStore) Upsert(ctx context.Context, collection string, points []Point) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, err := m.col(collection)
	if err != nil {
		return err
	}
	// Check the whole batch first: nothing is written when a point is bad.
	for i, p := range points {
		if !ValidUUID(p.ID) {
			return fmt.Errorf("kb: point %d: ID %q is not a UUID: %w", i, p.ID, ErrInvalid)
		}
		if p.Payload.Bot == "" {
			return fmt.Errorf("kb: point %s: no bot in its payload: %w", p.ID, ErrInvalid)
		}
		if len(p.Vector) != c.dims {
			return fmt.Errorf("kb: point %s: %d dimensions in collection %q of %d: %w", p.ID, len(p.Vector), collection, c.dims, ErrDimensions)
		}
	}
	for _, p := range points {
		id := strings.ToLower(p.ID)
		if old := c.where[id]; old != nil {
			c.remove(old, id)
		}
		builds := c.segs[p.Payload.Bot]
		if builds == nil {
			builds = map[string]*segment{}
			c.segs[p.Payload.Bot] = builds
		}
		s := builds[p.Payload.Build]
		if s == nil {
			s = &segment{bot: p.Payload.Bot, build: p.Payload.Build, pos: map[string]int{}}
			builds[p.Payload.Build] = s
		}
		s.pos[id] = len(s.ids)
		s.ids = append(s.ids, id)
		s.payloads = append(s.payloads, p.Payload)
		start := len(s.vecs)
		s.vecs = append(s.vecs, p.Vector...)
		normalize(s.vecs[start:])
		c.where[id] = s
	}
	return nil
}

// remove deletes one point from its segment, moving the last one into its
// place.
func (c *memCollection) remove(s *segment, id string) {
	i, last := s.pos[id], len(s.ids)-1
	if i != last {
		s.ids[i], s.payloads[i] = s.ids[last], s.payloads[last]
		copy(s.vecs[i*c.dims:(i+1)*c.dims], s.vecs[last*c.dims:])
		s.pos[s.ids[i]] = i
	}
	s.ids, s.payloads, s.vecs = s.ids[:last], s.payloads[:last], s.vecs[:last*c.dims]
	delete(s.pos, id)
	delete(c.where, id)
	if len(s.ids) == 0 {
		delete(c.segs[s.bot], s.build)
		if len(c.segs[s.bot]) == 0 {
			delete(c.segs, s.bot)
		}
	}
}

// Search implements VectorStore.
func (m *MemoryStore) Search(ctx context.Context, collection string, vector []float32, k int, filter Filter) ([]Match, error) {
	if err := filter.check(true); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, fmt.Errorf("kb: search for %d points: %w", k, ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := slices.Clone(vector)
	normalize(q)
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, err := m.col(collection)
	if err != nil {
		return nil, err
	}
	if len(q) != c.dims {
		return nil, fmt.Errorf("kb: query of %d dimensions in collection %q of %d: %w", len(q), collection, c.dims, ErrDimensions)
	}
	if isZero(q) {
		return nil, nil
	}
	var segs []*segment
	points := 0
	for build, s := range c.segs[filter.Bot] {
		if filter.Build == "" || build == filter.Build {
			segs = append(segs, s)
			points += len(s.ids)
		}
	}
	top := topK{k: k}
	// Large searches are split between the CPUs; each part keeps its own
	// best k, merged at the end.
	parts := min(runtime.GOMAXPROCS(0), points*c.dims/parallelWork)
	if parts < 2 {
		for _, s := range segs {
			top.scan(q, s, 0, len(s.ids), c.dims)
		}
	} else {
		tops := make([]topK, parts)
		var wg sync.WaitGroup
		for p := range parts {
			tops[p].k = k
			wg.Go(func() {
				for _, s := range segs {
					n := len(s.ids)
					tops[p].scan(q, s, n*p/parts, n*(p+1)/parts, c.dims)
				}
			})
		}
		wg.Wait()
		for _, t := range tops {
			for _, e := range t.h {
				top.offer(e.score, e.seg, e.i)
			}
		}
	}
	out := make([]Match, len(top.h))
	for i, e := range top.sorted() {
		out[i] = Match{ID: e.seg.ids[e.i], Score: float64(e.score), Payload: e.seg.payloads[e.i]}
	}
	return out, nil
}

// Delete implements VectorStore.
func (m *MemoryStore) Delete(ctx context.Context, collection string, filter Filter) error {
	if err := filter.check(false); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cols[collection]
	if !ok {
		return nil
	}
	for build, s := range c.segs[filter.Bot] {
		if filter.Build != "" && build != filter.Build || slices.Contains(filter.ExceptBuilds, build) {
			continue
		}
		for _, id := range s.ids {
			delete(c.where, id)
		}
		delete(c.segs[filter.Bot], build)
	}
	if len(c.segs[filter.Bot]) == 0 {
		delete(c.segs, filter.Bot)
	}
	return nil
}

// DropCollection implements VectorStore.
func (m *MemoryStore) DropCollection(ctx context.Context, collection string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.cols, collection)
	return nil
}

// Len returns the number of points in a collection (0 when it does not
// exist).
func (m *MemoryStore) Len(collection string) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if c, ok := m.cols[collection]; ok {
		return len(c.where)
	}
	return 0
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// dot is the inner product of two vectors of the same length, with eight
// accumulators so that the loop is not one long dependency chain, and
// re-sliced windows so that the compiler drops the bounds checks.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for len(a) >= 8 {
		x, y := a[:8:8], b[:8:8]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
		s4 += x[4] * y[4]
		s5 += x[5] * y[5]
		s6 += x[6] * y[6]
		s7 += x[7] * y[7]
		a, b = a[8:], b[8:]
	}
	for i := range a {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3) + (s4 + s5) + (s6 + s7)
}

// parallelWork is the number of multiply-adds (points × dimensions) above
// which a search is split between CPUs: about a millisecond of work.
const parallelWork = 1 << 20

// scan offers the points [from, to) of s.
func (t *topK) scan(q []float32, s *segment, from, to, d int) {
	for i := from; i < to; i++ {
		t.offer(dot(q, s.vecs[i*d:(i+1)*d:(i+1)*d]), s, i)
	}
}

// topK keeps the k best scores seen in a min-heap.
type topK struct {
	k int
	h []topEntry
}

type topEntry struct {
	score float32
	seg   *segment
	i     int
}

// less orders entries worst first: a lower score, then a later ID, so
// that ties come out in ID order whatever the storage order.
func (e topEntry) less(o topEntry) bool {
	if e.score != o.score {
		return e.score < o.score
	}
	return e.seg.ids[e.i] > o.seg.ids[o.i]
}

func (t *topK) offer(score float32, s *segment, i int) {
	if math.IsNaN(float64(score)) {
		return
	}
	e := topEntry{score, s, i}
	if len(t.h) < t.k {
		t.h = append(t.h, e)
		for j := len(t.h) - 1; j > 0; {
			p := (j - 1) / 2
			if !t.h[j].less(t.h[p]) {
				break
			}
			t.h[j], t.h[p] = t.h[p], t.h[j]
			j = p
		}
		return
	}
	if !t.h[0].less(e) {
		return
	}
	t.h[0] = e
	for j := 0; ; {
		l, r, m := 2*j+1, 2*j+2, j
		if l < len(t.h) && t.h[l].less(t.h[m]) {
			m = l
		}
		if r < len(t.h) && t.h[r].less(t.h[m]) {
			m = r
		}
		if m == j {
			break
		}
		t.h[j], t.h[m] = t.h[m], t.h[j]
		j = m
	}
}

// sorted returns the entries best first.
func (t *topK) sorted() []topEntry {
	slices.SortFunc(t.h, func(a, b topEntry) int {
		switch {
		case b.less(a):
			return -1
		case a.less(b):
			return 1
		}
		return 0
	})
	return t.h
}
