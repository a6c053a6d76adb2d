package qdrant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-voice/switchboard/assist/kb"
)

// EnvAddr is the environment variable the conformance test reads the
// server address from ("localhost:6334"); the test is skipped without it.
const EnvAddr = "SWITCHBOARD_QDRANT_ADDR"

// DefaultTimeout bounds one request to the server.
const DefaultTimeout = 2 * time.Second

// Payload field names.
const (
	fieldBot     = "bot"
	fieldBuild   = "build"
	fieldArticle = "article_id"
	fieldChunk   = "chunk"
	fieldText    = "text"
)

// Config configures a Store.
type Config struct {
	// Addr is the server's gRPC address, host:port (Qdrant's gRPC port is
	// 6334, not the REST port 6333). Required.
	Addr string
	// APIKey is sent with every request when set (Qdrant Cloud, or a
	// server with service.api_key).
	APIKey string
	// TLS connects with TLS (required by Qdrant Cloud).
	TLS bool
	// Timeout bounds each request. Default DefaultTimeout.
	Timeout time.Duration
	// Logger for warnings; default discard.
	Logger *slog.Logger
}

// Store is a kb.VectorStore on a Qdrant server. It is safe for concurrent
// use.
type Store struct {
	cfg    Config
	client *qc.Client

	mu   sync.Mutex
	dims map[string]int // collection → vector length, as seen
}

var _ kb.VectorStore = (*Store)(nil)

// New checks cfg and returns a Store. It does not contact the server: the
// connection is made on first use, and an unreachable server fails each
// call with an error wrapping kb.ErrUnavailable.
func New(cfg Config) (*Store, error) {
	host, portText, err := net.SplitHostPort(strings.TrimSpace(cfg.Addr))
	if err != nil || host == "" {
		return nil, fmt.Errorf("qdrant: address %q: want host:port such as localhost:6334: %w", cfg.Addr, kb.ErrInvalid)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("qdrant: address %q: bad port: %w", cfg.Addr, kb.ErrInvalid)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("qdrant: timeout %v is negative: %w", cfg.Timeout, kb.ErrInvalid)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	client, err := qc.NewClient(&qc.Config{
		Host: host, Port: port, APIKey: cfg.APIKey, UseTLS: cfg.TLS,
		// The check calls the server synchronously and logs to the
		// default logger; Ping does it on demand instead.
		SkipCompatibilityCheck: true,
		PoolSize:               1,
	})
	if err != nil {
		return nil, fmt.Errorf("qdrant: %w: %w", kb.ErrUnavailable, err)
	}
	return &Store{cfg: cfg, client: client, dims: map[string]int{}}, nil
}

// Close closes the connection.
func (s *Store) Close() error { return s.client.Close() }

// Ping asks the server for its version, to check the address at start-up.
func (s *Store) Ping(ctx context.Context) (version string, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	r, err := s.client.HealthCheck(ctx)
	if err != nil {
		return "", s.wrap(ctx, "ping", err)
	}
	return r.GetVersion(), nil
}

// wrap turns a client error into one wrapping the kb sentinels.
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return fmt.Errorf("qdrant %s: %w", op, err)
	}
	msg := err.Error()
	if st, ok := status.FromError(err); ok {
		msg = st.Message()
		switch st.Code() {
		case codes.NotFound:
			return fmt.Errorf("qdrant %s: %w: %s", op, kb.ErrNoCollection, msg)
		case codes.InvalidArgument:
			if strings.Contains(strings.ToLower(msg), "dimension") {
				return fmt.Errorf("qdrant %s: %w: %s", op, kb.ErrDimensions, msg)
			}
			return fmt.Errorf("qdrant %s: %w: %s", op, kb.ErrInvalid, msg)
		case codes.DeadlineExceeded:
			return fmt.Errorf("qdrant %s: %w: %s", op, kb.ErrTimeout, msg)
		case codes.Canceled:
			if ctx.Err() != nil {
				return fmt.Errorf("qdrant %s: %w", op, ctx.Err())
			}
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("qdrant %s: %w: %s", op, kb.ErrTimeout, msg)
	}
	return fmt.Errorf("qdrant %s: %w: %s", op, kb.ErrUnavailable, msg)
}

// collectionDims returns a collection's vector length, asking the server
// the first time.
func (s *Store) collectionDims(ctx context.Context, collection string) (int, error) {
	s.mu.Lock()
	d, ok := s.dims[collection]
	s.mu.Unlock()
	if ok {
		return d, nil
	}
	exists, err := s.client.CollectionExists(ctx, collection)
	if err != nil {
		return 0, s.wrap(ctx, "collection exists", err)
	}
	if !exists {
		return 0, fmt.Errorf("qdrant: collection %q: %w", collection, kb.ErrNoCollection)
	}
	info, err := s.client.GetCollectionInfo(ctx, collection)
	if err != nil {
		return 0, s.wrap(ctx, "collection info", err)
	}
	p := info.GetConfig().GetParams().GetVectorsConfig().GetParams()
	if p == nil {
		return 0, fmt.Errorf("qdrant: collection %q has named vectors, not one unnamed vector: %w", collection, kb.ErrInvalid)
	}
	d = int(p.GetSize())
	s.mu.Lock()
	s.dims[collection] = d
	s.mu.Unlock()
	return d, nil
}

func (s *Store) forget(collection string) {
	s.mu.Lock()
	delete(s.dims, collection)
	s.mu.Unlock()
}

// EnsureCollection implements kb.VectorStore: a cosine collection with
// keyword indexes on the bot and build payload fields.
func (s *Store) EnsureCollection(ctx context.Context, collection string, dims int) error {
	if collection == "" || dims <= 0 {
		return fmt.Errorf("qdrant: collection %q with %d dimensions: %w", collection, dims, kb.ErrInvalid)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	d, err := s.collectionDims(ctx, collection)
	switch {
	case err == nil && d != dims:
		return fmt.Errorf("qdrant: collection %q has %d dimensions, not %d: %w", collection, d, dims, kb.ErrDimensions)
	case err == nil:
		return nil
	case !errors.Is(err, kb.ErrNoCollection):
		return err
	}
	err = s.client.CreateCollection(ctx, &qc.CreateCollection{
		CollectionName: collection,
		VectorsConfig:  qc.NewVectorsConfig(&qc.VectorParams{Size: uint64(dims), Distance: qc.Distance_Cosine}),
	})
	if err != nil {
		// Another node may have created it meanwhile.
		if d, err2 := s.collectionDims(ctx, collection); err2 == nil {
			if d != dims {
				return fmt.Errorf("qdrant: collection %q has %d dimensions, not %d: %w", collection, d, dims, kb.ErrDimensions)
			}
			return nil
		}
		return s.wrap(ctx, "create collection", err)
	}
	for _, f := range []string{fieldBot, fieldBuild} {
		_, err := s.client.CreateFieldIndex(ctx, &qc.CreateFieldIndexCollection{
			CollectionName: collection, FieldName: f, FieldType: qc.FieldType_FieldTypeKeyword.Enum(), Wait: qc.PtrOf(true),
		})
		if err != nil {
			return s.wrap(ctx, "create index on "+f, err)
		}
	}
	s.mu.Lock()
	s.dims[collection] = dims
	s.mu.Unlock()
	return nil
}

// Upsert implements kb.VectorStore. It waits until the points are
// searchable.
func (s *Store) Upsert(ctx context.Context, collection string, points []kb.Point) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	dims, err := s.collectionDims(ctx, collection)
	if err != nil {
		return err
	}
	pts := make([]*qc.PointStruct, 0, len(points))
	for i, p := range points {
		if !kb.ValidUUID(p.ID) {
			return fmt.Errorf("qdrant: point %d: ID %q is not a UUID: %w", i, p.ID, kb.ErrInvalid)
		}
		if p.Payload.Bot == "" {
			return fmt.Errorf("qdrant: point %s: no bot in its payload: %w", p.ID, kb.ErrInvalid)
		}
		if len(p.Vector) != dims {
			return fmt.Errorf("qdrant: point %s: %d dimensions in collection %q of %d: %w", p.ID, len(p.Vector), collection, dims, kb.ErrDimensions)
		}
		pts = append(pts, &qc.PointStruct{
			Id:      qc.NewIDUUID(strings.ToLower(p.ID)),
			Vectors: qc.NewVectorsDense(p.Vector),
			Payload: map[string]*qc.Value{
				fieldBot:     qc.NewValueString(p.Payload.Bot),
				fieldBuild:   qc.NewValueString(p.Payload.Build),
				fieldArticle: qc.NewValueString(p.Payload.ArticleID),
				fieldChunk:   qc.NewValueInt(int64(p.Payload.Chunk)),
				fieldText:    qc.NewValueString(p.Payload.Text),
			},
		})
	}
	if len(pts) == 0 {
		return nil
	}
	_, err = s.client.Upsert(ctx, &qc.UpsertPoints{CollectionName: collection, Points: pts, Wait: qc.PtrOf(true)})
	if err != nil {
		err = s.wrap(ctx, "upsert", err)
		if errors.Is(err, kb.ErrNoCollection) {
			s.forget(collection)
		}
		return err
	}
	return nil
}

// filter translates a kb.Filter.
func filter(f kb.Filter) *qc.Filter {
	q := &qc.Filter{Must: []*qc.Condition{qc.NewMatchKeyword(fieldBot, f.Bot)}}
	if f.Build != "" {
		q.Must = append(q.Must, qc.NewMatchKeyword(fieldBuild, f.Build))
	}
	if len(f.ExceptBuilds) > 0 {
		q.MustNot = append(q.MustNot, qc.NewMatchKeywords(fieldBuild, f.ExceptBuilds...))
	}
	return q
}

func checkFilter(f kb.Filter, search bool) error {
	if f.Bot == "" {
		return fmt.Errorf("qdrant: filter without a bot: %w", kb.ErrInvalid)
	}
	if search && len(f.ExceptBuilds) > 0 {
		return fmt.Errorf("qdrant: ExceptBuilds in a search filter: %w", kb.ErrInvalid)
	}
	return nil
}

// Search implements kb.VectorStore with an exact search (no HNSW
// approximation), which for a bot's few thousand chunks is both fast
// enough and what MemoryStore returns.
func (s *Store) Search(ctx context.Context, collection string, vector []float32, k int, f kb.Filter) ([]kb.Match, error) {
	if err := checkFilter(f, true); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, fmt.Errorf("qdrant: search for %d points: %w", k, kb.ErrInvalid)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	dims, err := s.collectionDims(ctx, collection)
	if err != nil {
		return nil, err
	}
	if len(vector) != dims {
		return nil, fmt.Errorf("qdrant: query of %d dimensions in collection %q of %d: %w", len(vector), collection, dims, kb.ErrDimensions)
	}
	zero := true
	for _, x := range vector {
		if x != 0 {
			zero = false
			break
		}
	}
	if zero {
		return nil, nil
	}
	res, err := s.client.Query(ctx, &qc.QueryPoints{
		CollectionName: collection,
		Query:          qc.NewQueryDense(vector),
		Filter:         filter(f),
		Limit:          qc.PtrOf(uint64(k)),
		WithPayload:    qc.NewWithPayload(true),
		Params:         &qc.SearchParams{Exact: qc.PtrOf(true)},
	})
	if err != nil {
		err = s.wrap(ctx, "query", err)
		if errors.Is(err, kb.ErrNoCollection) {
			s.forget(collection)
		}
		return nil, err
	}
	out := make([]kb.Match, 0, len(res))
	for _, p := range res {
		pl := p.GetPayload()
		out = append(out, kb.Match{
			ID:    p.GetId().GetUuid(),
			Score: float64(p.GetScore()),
			Payload: kb.Payload{
				Bot:       pl[fieldBot].GetStringValue(),
				Build:     pl[fieldBuild].GetStringValue(),
				ArticleID: pl[fieldArticle].GetStringValue(),
				Chunk:     int(pl[fieldChunk].GetIntegerValue()),
				Text:      pl[fieldText].GetStringValue(),
			},
		})
	}
	return out, nil
}

// Delete implements kb.VectorStore.
func (s *Store) Delete(ctx context.Context, collection string, f kb.Filter) error {
	if err := checkFilter(f, false); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if _, err := s.collectionDims(ctx, collection); err != nil {
		if errors.Is(err, kb.ErrNoCollection) {
			return nil
		}
		return err
	}
	_, err := s.client.Delete(ctx, &qc.DeletePoints{
		CollectionName: collection,
		Points:         qc.NewPointsSelectorFilter(filter(f)),
		Wait:           qc.PtrOf(true),
	})
	if err != nil {
		err = s.wrap(ctx, "delete", err)
		if errors.Is(err, kb.ErrNoCollection) {
			s.forget(collection)
			return nil
		}
		return err
	}
	return nil
}

// DropCollection implements kb.VectorStore.
func (s *Store) DropCollection(ctx context.Context, collection string) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	s.forget(collection)
	exists, err := s.client.CollectionExists(ctx, collection)
	if err != nil {
		return s.wrap(ctx, "collection exists", err)
	}
	if !exists {
		return nil
	}
	if err := s.client.DeleteCollection(ctx, collection); err != nil {
		return s.wrap(ctx, "drop collection", err)
	}
	return nil
}
