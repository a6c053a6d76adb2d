package kb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-voice/switchboard/internal/bm25"
	"github.com/switchboard-voice/switchboard/prompts"
)

// Defaults for Index options.
const (
	// DefaultCandidates is how many chunks each ranking contributes to
	// the fusion.
	DefaultCandidates = 50
	// DefaultBatchSize is how many chunks are embedded per Embed call.
	DefaultBatchSize = 64
	// DefaultCollectionPrefix names the vector store collection:
	// the prefix and the vector length ("switchboard_kb_1024").
	DefaultCollectionPrefix = "switchboard_kb_"
)

// Title and tag terms count this many times a body term: they say what
// the article is about.
var titleWeight = 2.0

// Hit is one article found for a query.
type Hit struct {
	// ArticleID is the article's id in the bot.
	ArticleID string `json:"article_id"`
	// Title is the article's title.
	Title string `json:"title"`
	// Snippet is the article's best chunk for the query.
	Snippet string `json:"snippet"`
	// Chunk is the snippet's position in the article, from 0.
	Chunk int `json:"chunk"`
	// Score is the fused score: higher is better; its scale depends on
	// the Fusion (0..1 for Blend).
	Score float64 `json:"score"`
	// Lexical is the best BM25 score of the article's chunks (0: no
	// query term in any).
	Lexical float64 `json:"lexical"`
	// Similarity is the best cosine similarity of the article's chunks to
	// the query (0: none among the nearest chunks).
	Similarity float64 `json:"similarity"`
}

// Mode chooses the rankings a search uses.
type Mode int

// Modes.
const (
	// ModeHybrid fuses the lexical and the vector ranking (default).
	ModeHybrid Mode = iota
	// ModeLexical ranks by BM25 only.
	ModeLexical
	// ModeVector ranks by vector similarity only.
	ModeVector
)

// String returns the mode's name as ParseMode reads it.
func (m Mode) String() string {
	switch m {
	case ModeHybrid:
		return "hybrid"
	case ModeLexical:
		return "bm25"
	case ModeVector:
		return "vector"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode reads "hybrid", "bm25" (or "lexical") or "vector".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "hybrid", "":
		return ModeHybrid, nil
	case "bm25", "lexical":
		return ModeLexical, nil
	case "vector":
		return ModeVector, nil
	}
	return 0, fmt.Errorf("kb: mode %q: %w (want hybrid, bm25 or vector)", s, ErrInvalid)
}

// Option configures an Index.
type Option func(*options) error

type options struct {
	embedder   Embedder
	store      VectorStore
	collection string
	chunker    Chunker
	mode       Mode
	fusion     Fusion
	candidates int
	batch      int
	minScore   float64
	log        *slog.Logger
}

// WithEmbedder sets the embedder (default: a HashEmbedder with
// DefaultDimensions, fitted on each build).
func WithEmbedder(e Embedder) Option {
	return func(o *options) error {
		if e == nil {
			return fmt.Errorf("kb: nil embedder: %w", ErrInvalid)
		}
		o.embedder = e
		return nil
	}
}

// WithStore sets the vector store (default: a new MemoryStore).
func WithStore(s VectorStore) Option {
	return func(o *options) error {
		if s == nil {
			return fmt.Errorf("kb: nil vector store: %w", ErrInvalid)
		}
		o.store = s
		return nil
	}
}

// WithCollection names the vector store collection (default
// DefaultCollectionPrefix and the vector length). Indexes of several bots
// can share one: points carry their bot.
func WithCollection(name string) Option {
	return func(o *options) error {
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("kb: empty collection name: %w", ErrInvalid)
		}
		o.collection = name
		return nil
	}
}

// WithChunker sets how articles are cut into chunks.
func WithChunker(c Chunker) Option {
	return func(o *options) error { o.chunker = c; return nil }
}

// WithMode chooses the rankings (default ModeHybrid).
func WithMode(m Mode) Option {
	return func(o *options) error {
		if m < ModeHybrid || m > ModeVector {
			return fmt.Errorf("kb: %v: %w", m, ErrInvalid)
		}
		o.mode = m
		return nil
	}
}

// WithFusion sets how the two rankings are combined (default
// DefaultFusion).
func WithFusion(f Fusion) Option {
	return func(o *options) error {
		if err := f.check(); err != nil {
			return err
		}
		o.fusion = f
		return nil
	}
}

// WithCandidates sets how many chunks each ranking contributes to the
// fusion (default DefaultCandidates; at least k are always taken).
func WithCandidates(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("kb: %d candidates: %w", n, ErrInvalid)
		}
		o.candidates = n
		return nil
	}
}

// WithBatchSize sets how many chunks go in one Embed call when building
// (default DefaultBatchSize).
func WithBatchSize(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("kb: batch size %d: %w", n, ErrInvalid)
		}
		o.batch = n
		return nil
	}
}

// WithMinScore drops hits whose fused Score is below s (default 0: keep
// every article that either ranking found).
func WithMinScore(s float64) Option {
	return func(o *options) error { o.minScore = s; return nil }
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l != nil {
			o.log = l
		}
		return nil
	}
}

// Index answers knowledge-base searches for one bot. Load builds it from a
// bot version's articles, and can be called again for each new version
// while searches go on: a search uses the build that was current when it
// started, and a new build replaces it at once when ready. An Index is safe
// for concurrent use.
type Index struct {
	o  options
	an *analyzer

	mu  sync.Mutex // serialises Load and Drop
	cur atomic.Pointer[snapshot]
	// version is the version given to the last successful Load.
	version atomic.Int64
	// past are the snapshots replaced since their points were last
	// deleted, oldest first (under mu).
	past []*snapshot
}

// snapshot is one build: immutable once published.
type snapshot struct {
	bot        string
	build      string
	collection string
	embID      string
	emb        Embedder
	took       time.Duration // to build
	arts       []prompts.Article
	chunks     []chunkRef
	byKey      map[chunkKey]int
	lex        *bm25.Index
	// vectors by embedded text, kept for the next build when the
	// embedder is not fitted per build (its vectors stay valid).
	vecs map[string][]float32

	scores sync.Pool // *[]float64 of len(chunks)

	// Searches hold a read lock; before its points are deleted a
	// snapshot is marked dead under the write lock, so that no search
	// runs on a half-deleted build: searches that find it dead start
	// again on the current snapshot.
	mu   sync.RWMutex
	dead bool
}

type chunkRef struct {
	art  int // in arts
	seq  int
	text string
}

type chunkKey struct {
	article string
	seq     int
}

// NewIndex returns an empty Index; Load fills it.
func NewIndex(opts ...Option) (*Index, error) {
	o := options{
		fusion:     DefaultFusion,
		candidates: DefaultCandidates,
		batch:      DefaultBatchSize,
		log:        slog.New(slog.DiscardHandler),
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.embedder == nil {
		h, err := NewHashEmbedder()
		if err != nil {
			return nil, err
		}
		o.embedder = h
	}
	if o.store == nil {
		o.store = NewMemoryStore()
	}
	return &Index{o: o, an: newAnalyzer()}, nil
}

// Loaded returns the bot name and version of the current build, and false
// before the first Load.
func (ix *Index) Loaded() (bot string, version int, ok bool) {
	s := ix.cur.Load()
	if s == nil {
		return "", 0, false
	}
	return s.bot, int(ix.version.Load()), true
}

// Stats describes the current build.
type Stats struct {
	Bot        string `json:"bot"`
	Version    int    `json:"version"`
	Build      string `json:"build"`
	Collection string `json:"collection"`
	Articles   int    `json:"articles"`
	Chunks     int    `json:"chunks"`
	Embedder   string `json:"embedder"`
	Mode       string `json:"mode"`
	Fusion     string `json:"fusion"`
	// BuildTime is how long the build took (chunking, embedding,
	// writing the vectors).
	BuildTime time.Duration `json:"build_time"`
}

// Stats returns what the current build holds (zero before the first Load).
func (ix *Index) Stats() Stats {
	s := ix.cur.Load()
	if s == nil {
		return Stats{}
	}
	return Stats{
		Bot: s.bot, Version: int(ix.version.Load()), Build: s.build, Collection: s.collection,
		Articles: len(s.arts), Chunks: len(s.chunks), Embedder: s.embID,
		Mode: ix.o.mode.String(), Fusion: ix.o.fusion.String(), BuildTime: s.took,
	}
}

// Load builds the index of a bot version's articles (bot.Knowledge) and
// makes it current. Loading the same articles again (another version
// with an unchanged knowledge base) only records the version. Vectors of
// unchanged chunks are reused when the embedder is not fitted per build,
// so that a new version costs one embedding call per changed chunk.
//
// The previous build's vectors stay in the store until the next Load, so
// that searches that started on it, here or on another node sharing the
// store, still find them; older builds of the bot are deleted.
//
// Errors wrap ErrInvalid (no bot, an article without id, a duplicate id,
// another bot than the one loaded before), the embedder's errors, and the
// store's; on error the current build stays.
func (ix *Index) Load(ctx context.Context, bot *prompts.Bot, version int) error {
	if bot == nil || strings.TrimSpace(bot.Name) == "" {
		return fmt.Errorf("kb: load: a bot with a name is required: %w", ErrInvalid)
	}
	seen := map[string]bool{}
	for i, a := range bot.Knowledge {
		if strings.TrimSpace(a.ID) == "" {
			return fmt.Errorf("kb: load %s: article %d (%q) has no id: %w", bot.Name, i+1, a.Title, ErrInvalid)
		}
		if seen[a.ID] {
			return fmt.Errorf("kb: load %s: article id %q used twice: %w", bot.Name, a.ID, ErrInvalid)
		}
		seen[a.ID] = true
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	start := time.Now()
	old := ix.cur.Load()
	if old != nil && old.bot != bot.Name {
		return fmt.Errorf("kb: load %s: this index holds bot %s: %w", bot.Name, old.bot, ErrInvalid)
	}
	baseID := embedderID(ix.o.embedder)
	build := ix.buildID(bot, baseID)
	if old != nil && old.build == build {
		ix.version.Store(int64(version))
		return nil
	}

	s := &snapshot{bot: bot.Name, build: build, arts: append([]prompts.Article(nil), bot.Knowledge...), byKey: map[chunkKey]int{}}
	var docs []map[string]float64
	var texts []string    // what is embedded, for other embedders
	var analysed [][]word // the same, analysed, for the HashEmbedder
	for ai, a := range s.arts {
		headWords := ix.an.words(a.Title + " " + strings.ReplaceAll(strings.Join(a.Tags, " "), "_", " "))
		head := map[string]float64{}
		for _, t := range appendTerms(nil, headWords) {
			head[t.text] += titleWeight * t.weight
		}
		pieces := ix.o.chunker.Split(a.Body)
		if len(pieces) == 0 {
			pieces = []string{tidy(a.Title)}
		}
		for seq, p := range pieces {
			ws := ix.an.words(p)
			doc := make(map[string]float64, len(head)+len(ws))
			for t, w := range head {
				doc[t] = w
			}
			for _, t := range appendTerms(nil, ws) {
				doc[t.text] += t.weight
			}
			s.byKey[chunkKey{a.ID, seq}] = len(s.chunks)
			s.chunks = append(s.chunks, chunkRef{art: ai, seq: seq, text: p})
			docs = append(docs, doc)
			texts = append(texts, embedText(a, p))
			analysed = append(analysed, slices.Concat(headWords, []word{{text: "\n", stop: true}}, ws))
		}
	}
	s.lex = bm25.New(docs, bm25.DefaultParams)

	var vecs [][]float32
	fitted := false
	if h, ok := ix.o.embedder.(*HashEmbedder); ok {
		// The default: fitted and embedded from the words analysed above.
		f := h.fitWords(analysed)
		s.emb, s.embID, fitted = f, f.ID(), true
		vecs = make([][]float32, len(analysed))
		var fs []feature
		for i, ws := range analysed {
			fs = f.appendFeatures(fs[:0], ws)
			vecs[i] = f.vector(fs)
		}
	} else {
		emb := ix.o.embedder
		if f, ok := emb.(Fitter); ok {
			emb, fitted = f.Fit(texts), true
		}
		s.emb, s.embID = emb, embedderID(emb)
		var err error
		if vecs, err = ix.embedAll(ctx, s, texts, old, fitted); err != nil {
			return fmt.Errorf("kb: load %s: %w", bot.Name, err)
		}
	}
	emb := s.emb
	dims := emb.Dimensions()
	if dims == 0 && len(vecs) > 0 {
		dims = len(vecs[0])
	}
	for i, v := range vecs {
		if len(v) != dims || dims == 0 {
			return fmt.Errorf("kb: load %s: embedder returned %d dimensions for chunk %d, want %d: %w", bot.Name, len(v), i, dims, ErrDimensions)
		}
	}
	if !fitted {
		s.vecs = make(map[string][]float32, len(texts))
		for i, t := range texts {
			s.vecs[t] = vecs[i]
		}
	}
	if dims > 0 {
		s.collection = ix.o.collection
		if s.collection == "" {
			s.collection = DefaultCollectionPrefix + strconv.Itoa(dims)
		}
		if err := ix.o.store.EnsureCollection(ctx, s.collection, dims); err != nil {
			return fmt.Errorf("kb: load %s: %w", bot.Name, err)
		}
		if err := ix.upsert(ctx, s, vecs); err != nil {
			return fmt.Errorf("kb: load %s: %w", bot.Name, err)
		}
	}
	s.took = time.Since(start)
	ix.cur.Store(s)
	ix.version.Store(int64(version))
	ix.o.log.Info("knowledge base loaded", "bot", s.bot, "version", version, "build", build,
		"articles", len(s.arts), "chunks", len(s.chunks), "embedder", s.embID, "collection", s.collection,
		"elapsed", s.took)
	ix.cleanup(ctx, s, old)
	return nil
}

// embedText is what is embedded for a chunk: its article's title and tags
// give it context.
func embedText(a prompts.Article, chunk string) string {
	var b strings.Builder
	b.WriteString(a.Title)
	for _, t := range a.Tags {
		b.WriteString(", ")
		b.WriteString(strings.ReplaceAll(t, "_", " "))
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	b.WriteString(chunk)
	return b.String()
}

// buildID hashes what a build depends on.
func (ix *Index) buildID(bot *prompts.Bot, embID string) string {
	h := sha256.New()
	c := ix.o.chunker.withDefaults()
	fmt.Fprintf(h, "v1\x00%s\x00%s\x00%d/%d/%d\x00", bot.Name, embID, c.MaxRunes, c.OverlapRunes, c.MinRunes)
	for _, a := range bot.Knowledge {
		fmt.Fprintf(h, "%q\x00%q\x00%q\x00%q\x00", a.ID, a.Title, a.Body, a.Tags)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// embedAll embeds texts in batches, reusing the previous build's vectors
// when they are still valid.
func (ix *Index) embedAll(ctx context.Context, s *snapshot, texts []string, old *snapshot, fitted bool) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var todo []int
	for i, t := range texts {
		if !fitted && old != nil && old.embID == s.embID {
			if v, ok := old.vecs[t]; ok {
				out[i] = v
				continue
			}
		}
		todo = append(todo, i)
	}
	for start := 0; start < len(todo); start += ix.o.batch {
		end := min(start+ix.o.batch, len(todo))
		batch := make([]string, 0, end-start)
		for _, i := range todo[start:end] {
			batch = append(batch, texts[i])
		}
		vs, err := s.emb.Embed(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("embedding %d chunks: %w", len(batch), err)
		}
		if len(vs) != len(batch) {
			return nil, fmt.Errorf("embedder returned %d vectors for %d texts: %w", len(vs), len(batch), ErrUnavailable)
		}
		for j, i := range todo[start:end] {
			out[i] = vs[j]
		}
	}
	return out, nil
}

// upsert writes the build's points, leaving out zero vectors (chunks
// without a feature), which are similar to nothing.
func (ix *Index) upsert(ctx context.Context, s *snapshot, vecs [][]float32) error {
	const batch = 256
	var pts []Point
	flush := func() error {
		if len(pts) == 0 {
			return nil
		}
		err := ix.o.store.Upsert(ctx, s.collection, pts)
		pts = pts[:0]
		return err
	}
	for i, c := range s.chunks {
		if isZero(vecs[i]) {
			continue
		}
		a := s.arts[c.art]
		pts = append(pts, Point{
			ID:      PointID(s.bot, s.build, a.ID, strconv.Itoa(c.seq)),
			Vector:  vecs[i],
			Payload: Payload{Bot: s.bot, Build: s.build, ArticleID: a.ID, Chunk: c.seq, Text: c.text},
		})
		if len(pts) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// cleanup deletes the bot's builds other than the new and the previous
// one, once the searches still running on them have finished. Failures are
// logged: the new build is in place already.
func (ix *Index) cleanup(ctx context.Context, s, old *snapshot) {
	if old == nil {
		return
	}
	ix.past = append(ix.past, old)
	keep := []string{s.build, old.build}
	colls := map[string]bool{s.collection: true}
	for _, p := range ix.past[:len(ix.past)-1] {
		p.retire()
		colls[p.collection] = true
	}
	ix.past = ix.past[len(ix.past)-1:]
	for coll := range colls {
		if coll == "" {
			continue
		}
		if err := ix.o.store.Delete(ctx, coll, Filter{Bot: s.bot, ExceptBuilds: keep}); err != nil {
			ix.o.log.Warn("knowledge base: deleting old builds failed", "bot", s.bot, "collection", coll, "err", err)
		}
	}
}

// retire waits for the searches running on s and marks it dead.
func (s *snapshot) retire() {
	s.mu.Lock()
	s.dead = true
	s.mu.Unlock()
}

// Drop deletes every vector of the index's bot from the store and empties
// the index; searches then fail with ErrNotLoaded until the next Load.
func (ix *Index) Drop(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	s := ix.cur.Load()
	if s == nil {
		return nil
	}
	ix.cur.Store(nil)
	colls := map[string]bool{s.collection: true}
	for _, p := range append(ix.past, s) {
		p.retire()
		colls[p.collection] = true
	}
	ix.past = nil
	for coll := range colls {
		if coll == "" {
			continue
		}
		if err := ix.o.store.Delete(ctx, coll, Filter{Bot: s.bot}); err != nil {
			return fmt.Errorf("kb: drop %s: %w", s.bot, err)
		}
	}
	return nil
}

// Search returns up to k articles for what a caller said, best first, one
// hit per article with its best chunk as the snippet.
//
// Any UTF-8 (or not) is accepted; only the first MaxQueryRunes runes are
// read. A query without any content word (empty, "um yeah okay") finds
// nothing. When the embedder or the vector store fails, a hybrid search
// logs a warning and answers from the lexical ranking alone, so that the
// agent still gets suggestions; a vector-only search returns the error.
//
// Errors wrap ErrNotLoaded (before the first Load), ErrInvalid (k < 1),
// or ctx's error.
func (ix *Index) Search(ctx context.Context, query string, k int) ([]Hit, error) {
	if k < 1 {
		return nil, fmt.Errorf("kb: search for %d hits: %w", k, ErrInvalid)
	}
	for {
		s := ix.cur.Load()
		if s == nil {
			return nil, ErrNotLoaded
		}
		s.mu.RLock()
		if s.dead {
			// Replaced twice while this search started: use the
			// current build.
			s.mu.RUnlock()
			continue
		}
		hits, err := ix.search(ctx, s, query, k)
		s.mu.RUnlock()
		return hits, err
	}
}

func (ix *Index) search(ctx context.Context, s *snapshot, query string, k int) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := clean(query, MaxQueryRunes)
	ws := ix.an.words(q)
	n := max(ix.o.candidates, k)

	var r rankings
	if ix.o.mode != ModeVector && len(s.chunks) > 0 {
		terms := queryTerms(ws)
		if len(terms) > 0 {
			buf, _ := s.scores.Get().(*[]float64)
			if buf == nil {
				buf = new([]float64)
			}
			*buf = s.lex.Scores(terms, *buf)
			r.lex = bm25.Top(*buf, n, nil)
			s.scores.Put(buf)
		}
	}
	if ix.o.mode != ModeLexical && s.collection != "" {
		ms, err := ix.vectorSearch(ctx, s, q, ws, n)
		switch {
		case err == nil:
			r.vec = ms
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case ix.o.mode == ModeVector:
			return nil, fmt.Errorf("kb: search %s: %w", s.bot, err)
		default:
			ix.o.log.Warn("knowledge search: vector ranking failed, using BM25 alone", "bot", s.bot, "err", err)
		}
	}
	return ix.o.fusion.fuse(s, &r, k, ix.o.minScore), nil
}

// vectorSearch embeds the query and asks the store for the nearest chunks
// of the build.
func (ix *Index) vectorSearch(ctx context.Context, s *snapshot, q string, ws []word, n int) ([]Match, error) {
	var v []float32
	if h, ok := s.emb.(*HashEmbedder); ok {
		// The query is analysed already.
		v = h.vector(h.appendFeatures(nil, ws))
	} else {
		vs, err := s.emb.Embed(ctx, []string{q})
		if err != nil {
			return nil, err
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("embedder returned %d vectors for 1 text: %w", len(vs), ErrUnavailable)
		}
		v = vs[0]
	}
	if isZero(v) {
		return nil, nil
	}
	ms, err := ix.o.store.Search(ctx, s.collection, v, n, Filter{Bot: s.bot, Build: s.build})
	if err != nil {
		return nil, err
	}
	// Only positive similarities count as evidence.
	out := ms[:0]
	for _, m := range ms {
		if m.Score > 0 {
			out = append(out, m)
		}
	}
	return out, nil
}
