package tts

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/switchboard-voice/switchboard/media"
)

// ErrClosed is returned by a Cache after Close.
var ErrClosed = errors.New("tts: cache closed")

// DefaultCacheBytes is a Cache's default budget: 32 MiB holds about 17
// minutes of 16 kHz audio.
const DefaultCacheBytes = 32 << 20

// Cache is a Synthesizer that renders each distinct request once with the
// Synthesizer it wraps and replays the frames afterwards. Requests are
// keyed by provider name, text, language (case-insensitive), voice and
// rate. Completed renderings are kept in least-recently-used order within
// a budget of sample bytes; a failed or abandoned rendering is not kept.
//
// Concurrent requests for the same key share one rendering
// (singleflight): each caller streams the frames as the rendering
// produces them, so the first caller's first-audio latency is the
// provider's. The rendering runs on a goroutine of the Cache, with a
// context of its own: it goes on while at least one caller (or Warm) is
// waiting for it, and is cancelled when the last one has gone. Each caller
// writes to its own sink frame by frame and stops within one frame when
// its ctx is done, a replay included.
//
// Frames are written from the cache's own buffer, copied per caller, so a
// sink may modify the samples it is given. A Cache is safe for concurrent
// use; Close it to stop renderings in progress.
type Cache struct {
	syn      Synthesizer
	maxBytes int64

	ctx    context.Context // parent of every rendering
	cancel context.CancelFunc
	wg     sync.WaitGroup // renderings

	mu      sync.Mutex
	entries map[cacheKey]*entry
	lru     list.List // completed entries in entries, most recent first
	bytes   int64     // samples held by the completed entries
	stats   CacheStats
	closed  bool
}

var _ Synthesizer = (*Cache)(nil)

// CacheStats counts what a Cache did.
type CacheStats struct {
	Hits      int64 // requests replayed from a completed rendering
	Shared    int64 // requests that joined a rendering in progress
	Misses    int64 // requests that started a rendering
	Failed    int64 // renderings that ended with an error or were abandoned
	Evictions int64 // completed renderings dropped for the budget
	Entries   int   // completed renderings held
	Bytes     int64 // their sample bytes
}

// CacheOption configures a Cache.
type CacheOption func(*Cache) error

// WithMaxBytes sets the budget of sample bytes (2 per sample) the Cache
// keeps (default DefaultCacheBytes). A rendering larger than the budget is
// played but not kept.
func WithMaxBytes(n int64) CacheOption {
	return func(c *Cache) error {
		if n <= 0 {
			return fmt.Errorf("tts: cache budget of %d bytes (want > 0)", n)
		}
		c.maxBytes = n
		return nil
	}
}

// NewCache returns a Cache in front of syn.
func NewCache(syn Synthesizer, opts ...CacheOption) (*Cache, error) {
	if syn == nil {
		return nil, errors.New("tts: NewCache: nil Synthesizer")
	}
	c := &Cache{syn: syn, maxBytes: DefaultCacheBytes, entries: map[cacheKey]*entry{}}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Name returns the wrapped Synthesizer's name.
func (c *Cache) Name() string { return c.syn.Name() }

// Stats returns the counters so far.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Bytes = c.lru.Len(), c.bytes
	return s
}

// Synthesize replays req's rendering, joins it while it is being made, or
// starts it. Errors are the wrapped Synthesizer's (the rendering's, for
// every caller sharing it), ctx's, the sink's, or ErrClosed.
func (c *Cache) Synthesize(ctx context.Context, req Request, sink media.Sink) error {
	e, err := c.attach(req)
	if err != nil {
		return err
	}
	defer c.detach(e)
	return e.play(ctx, sink)
}

// Warm renders reqs that are not cached yet (greetings, hold messages),
// up to four at a time, and waits for them. It returns the renderings'
// errors joined, or ctx's error.
func (c *Cache) Warm(ctx context.Context, reqs ...Request) error {
	errs := make([]error, len(reqs))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, req := range reqs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			e, err := c.attach(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.detach(e)
			if err := e.wait(ctx); err != nil {
				errs[i] = fmt.Errorf("tts: warming %q: %w", req.Text, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close cancels the renderings in progress and waits for them. Later
// calls fail with ErrClosed. Calling it again does nothing.
func (c *Cache) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	return nil
}

type cacheKey struct {
	provider, text, language, voice string
	rate                            int
}

func (c *Cache) key(req Request) cacheKey {
	return cacheKey{
		provider: c.syn.Name(),
		text:     req.Text,
		language: strings.ToLower(strings.ReplaceAll(req.Language, "_", "-")),
		voice:    req.Voice,
		rate:     req.Rate,
	}
}

// entry is one rendering: being made, then complete.
type entry struct {
	key     cacheKey
	cancel  context.CancelFunc
	waiters int           // callers attached (Cache.mu)
	elem    *list.Element // in Cache.lru once complete and kept (Cache.mu)
	size    int64         // bytes, once kept (Cache.mu)

	mu     sync.Mutex
	frames []media.Frame // append-only; samples owned by the entry
	bytes  int64
	done   bool
	err    error
	wake   chan struct{} // closed when frames grow or done is set
}

// attach finds or starts the rendering of req and registers a waiter.
func (c *Cache) attach(req Request) (*entry, error) {
	k := c.key(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if e := c.entries[k]; e != nil {
		e.waiters++
		if e.elem != nil {
			c.stats.Hits++
			c.lru.MoveToFront(e.elem)
		} else {
			c.stats.Shared++
		}
		return e, nil
	}
	c.stats.Misses++
	ctx, cancel := context.WithCancel(c.ctx)
	e := &entry{key: k, cancel: cancel, waiters: 1, wake: make(chan struct{})}
	c.entries[k] = e
	c.wg.Add(1)
	go c.render(ctx, e, req)
	return e, nil
}

// detach unregisters a waiter; the last one to leave an unfinished
// rendering abandons it.
func (c *Cache) detach(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.waiters--
	if e.waiters > 0 || e.elem != nil {
		return
	}
	e.mu.Lock()
	done := e.done
	e.mu.Unlock()
	if !done {
		if c.entries[e.key] == e {
			delete(c.entries, e.key) // a new request starts afresh
		}
		e.cancel()
	}
}

func (c *Cache) render(ctx context.Context, e *entry, req Request) {
	defer c.wg.Done()
	defer e.cancel()
	err := c.syn.Synthesize(ctx, req, (*entrySink)(e))
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // abandoned: the audio may be cut short
	}
	if err != nil && c.ctx.Err() != nil {
		err = fmt.Errorf("%w: rendering stopped: %w", ErrClosed, err)
	}
	e.mu.Lock()
	size := e.bytes
	e.mu.Unlock()
	// Update the cache before the waiters see the end, so that a request
	// that follows one that has ended finds the cache up to date.
	c.keep(e, size, err)
	e.mu.Lock()
	e.done, e.err = true, err
	close(e.wake)
	e.mu.Unlock()
}

// keep files a finished rendering: into the LRU when it succeeded and
// fits, out of the map otherwise.
func (c *Cache) keep(e *entry, size int64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[e.key] != e {
		c.stats.Failed++ // abandoned
		return
	}
	if err != nil || size > c.maxBytes {
		if err != nil {
			c.stats.Failed++
		}
		delete(c.entries, e.key)
		return
	}
	e.elem, e.size = c.lru.PushFront(e), size
	c.bytes += size
	for c.bytes > c.maxBytes {
		old := c.lru.Remove(c.lru.Back()).(*entry)
		old.elem = nil
		delete(c.entries, old.key)
		c.bytes -= old.size
		c.stats.Evictions++
	}
}

// entrySink appends a rendering's frames to its entry.
type entrySink entry

func (s *entrySink) WriteFrame(f media.Frame) error {
	e := (*entry)(s)
	f.Samples = append([]int16(nil), f.Samples...)
	e.mu.Lock()
	e.frames = append(e.frames, f)
	e.bytes += int64(2 * len(f.Samples))
	close(e.wake)
	e.wake = make(chan struct{})
	e.mu.Unlock()
	return nil
}

func (s *entrySink) Close() error { return nil }

// play writes the entry's frames to sink as they become available.
func (e *entry) play(ctx context.Context, sink media.Sink) error {
	var buf []int16
	next := 0
	for {
		e.mu.Lock()
		frames := e.frames[next:] // frames are never modified once appended
		done, err, wake := e.done, e.err, e.wake
		e.mu.Unlock()
		for _, f := range frames {
			if err := ctx.Err(); err != nil {
				return err
			}
			buf = append(buf[:0], f.Samples...)
			f.Samples = buf
			if err := sink.WriteFrame(f); err != nil {
				return err
			}
			next++
		}
		if len(frames) > 0 {
			continue // more may have come while writing
		}
		if done {
			return err
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// wait waits for the rendering to end.
func (e *entry) wait(ctx context.Context) error {
	for {
		e.mu.Lock()
		done, err, wake := e.done, e.err, e.wake
		e.mu.Unlock()
		if done {
			return err
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
