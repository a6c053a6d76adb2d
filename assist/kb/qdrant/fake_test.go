package qdrant_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-voice/switchboard/assist/kb"
	"github.com/switchboard-voice/switchboard/assist/kb/kbtest"
	"github.com/switchboard-voice/switchboard/assist/kb/qdrant"
)

// fakeQdrant is a gRPC server that answers the few calls the Store makes
// the way Qdrant does (status codes, oneof encodings), keeping the points
// in a kb.MemoryStore. It tests the Store's translation of requests,
// payloads, filters and errors without a Qdrant server; the real server is
// tested by TestConformance when SWITCHBOARD_QDRANT_ADDR is set.
type fakeQdrant struct {
	qc.UnimplementedQdrantServer

	mu    sync.Mutex
	dims  map[string]int
	store *kb.MemoryStore
}

func startFake(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeQdrant{dims: map[string]int{}, store: kb.NewMemoryStore()}
	srv := grpc.NewServer()
	qc.RegisterQdrantServer(srv, f)
	qc.RegisterCollectionsServer(srv, fakeCollections{fakeQdrant: f})
	qc.RegisterPointsServer(srv, fakePoints{fakeQdrant: f})
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return ln.Addr().String()
}

func (f *fakeQdrant) HealthCheck(context.Context, *qc.HealthCheckRequest) (*qc.HealthCheckReply, error) {
	return &qc.HealthCheckReply{Title: "fake", Version: "1.17.0"}, nil
}

func (f *fakeQdrant) collection(name string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.dims[name]
	if !ok {
		return 0, status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", name)
	}
	return d, nil
}

func (f fakeCollections) CollectionExists(_ context.Context, r *qc.CollectionExistsRequest) (*qc.CollectionExistsResponse, error) {
	_, err := f.collection(r.GetCollectionName())
	return &qc.CollectionExistsResponse{Result: &qc.CollectionExists{Exists: err == nil}}, nil
}

func (f fakeCollections) Get(_ context.Context, r *qc.GetCollectionInfoRequest) (*qc.GetCollectionInfoResponse, error) {
	d, err := f.collection(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	return &qc.GetCollectionInfoResponse{Result: &qc.CollectionInfo{Config: &qc.CollectionConfig{Params: &qc.CollectionParams{
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: uint64(d), Distance: qc.Distance_Cosine}),
	}}}}, nil
}

func (f fakeCollections) Create(ctx context.Context, r *qc.CreateCollection) (*qc.CollectionOperationResponse, error) {
	name := r.GetCollectionName()
	if _, err := f.collection(name); err == nil {
		return nil, status.Errorf(codes.AlreadyExists, "Wrong input: Collection `%s` already exists!", name)
	}
	p := r.GetVectorsConfig().GetParams()
	if p == nil || p.GetDistance() != qc.Distance_Cosine {
		return nil, status.Error(codes.InvalidArgument, "fake: want one cosine vector")
	}
	f.mu.Lock()
	f.dims[name] = int(p.GetSize())
	f.mu.Unlock()
	if err := f.store.EnsureCollection(ctx, name, int(p.GetSize())); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &qc.CollectionOperationResponse{Result: true}, nil
}

func (f fakeCollections) Delete(ctx context.Context, r *qc.DeleteCollection) (*qc.CollectionOperationResponse, error) {
	name := r.GetCollectionName()
	if _, err := f.collection(name); err != nil {
		return &qc.CollectionOperationResponse{Result: false}, nil
	}
	f.mu.Lock()
	delete(f.dims, name)
	f.mu.Unlock()
	_ = f.store.DropCollection(ctx, name)
	return &qc.CollectionOperationResponse{Result: true}, nil
}

func (f fakePoints) CreateFieldIndex(_ context.Context, r *qc.CreateFieldIndexCollection) (*qc.PointsOperationResponse, error) {
	if _, err := f.collection(r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.GetFieldType() != qc.FieldType_FieldTypeKeyword {
		return nil, status.Error(codes.InvalidArgument, "fake: keyword indexes only")
	}
	return &qc.PointsOperationResponse{Result: &qc.UpdateResult{Status: qc.UpdateStatus_Completed}}, nil
}

func dense(v *qc.Vector) []float32 {
	if d := v.GetDense(); d != nil {
		return d.GetData()
	}
	return v.GetData()
}

func (f fakePoints) Upsert(ctx context.Context, r *qc.UpsertPoints) (*qc.PointsOperationResponse, error) {
	d, err := f.collection(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	var pts []kb.Point
	for _, p := range r.GetPoints() {
		v := dense(p.GetVectors().GetVector())
		if len(v) != d {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", d, len(v))
		}
		pl := p.GetPayload()
		pts = append(pts, kb.Point{ID: p.GetId().GetUuid(), Vector: v, Payload: kb.Payload{
			Bot: pl["bot"].GetStringValue(), Build: pl["build"].GetStringValue(), ArticleID: pl["article_id"].GetStringValue(),
			Chunk: int(pl["chunk"].GetIntegerValue()), Text: pl["text"].GetStringValue(),
		}})
	}
	if err := f.store.Upsert(ctx, r.GetCollectionName(), pts); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &qc.PointsOperationResponse{Result: &qc.UpdateResult{Status: qc.UpdateStatus_Completed}}, nil
}

// filter reads the filters the Store writes: must bot [and build],
// must_not any of builds.
func filter(q *qc.Filter) (kb.Filter, error) {
	var f kb.Filter
	for _, c := range q.GetMust() {
		fc := c.GetField()
		switch fc.GetKey() {
		case "bot":
			f.Bot = fc.GetMatch().GetKeyword()
		case "build":
			f.Build = fc.GetMatch().GetKeyword()
		default:
			return f, status.Errorf(codes.InvalidArgument, "fake: unexpected condition on %q", fc.GetKey())
		}
	}
	for _, c := range q.GetMustNot() {
		fc := c.GetField()
		if fc.GetKey() != "build" {
			return f, status.Errorf(codes.InvalidArgument, "fake: unexpected must_not on %q", fc.GetKey())
		}
		f.ExceptBuilds = append(f.ExceptBuilds, fc.GetMatch().GetKeywords().GetStrings()...)
	}
	return f, nil
}

func (f fakePoints) Query(ctx context.Context, r *qc.QueryPoints) (*qc.QueryResponse, error) {
	if _, err := f.collection(r.GetCollectionName()); err != nil {
		return nil, err
	}
	if !r.GetParams().GetExact() || !r.GetWithPayload().GetEnable() {
		return nil, status.Error(codes.InvalidArgument, "fake: the Store asks for exact search with payloads")
	}
	flt, err := filter(r.GetFilter())
	if err != nil {
		return nil, err
	}
	ms, err := f.store.Search(ctx, r.GetCollectionName(), r.GetQuery().GetNearest().GetDense().GetData(), int(r.GetLimit()), flt)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	out := &qc.QueryResponse{}
	for _, m := range ms {
		out.Result = append(out.Result, &qc.ScoredPoint{
			Id: qc.NewIDUUID(m.ID), Score: float32(m.Score),
			Payload: qc.NewValueMap(map[string]any{
				"bot": m.Payload.Bot, "build": m.Payload.Build, "article_id": m.Payload.ArticleID,
				"chunk": int64(m.Payload.Chunk), "text": m.Payload.Text,
			}),
		})
	}
	return out, nil
}

// Delete deletes the points that match the request's filter.
func (f fakePoints) Delete(ctx context.Context, r *qc.DeletePoints) (*qc.PointsOperationResponse, error) {
	if _, err := f.collection(r.GetCollectionName()); err != nil {
		return nil, err
	}
	flt, err := filter(r.GetPoints().GetFilter())
	if err != nil {
		return nil, err
	}
	if err := f.store.Delete(ctx, r.GetCollectionName(), flt); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &qc.PointsOperationResponse{Result: &qc.UpdateResult{Status: qc.UpdateStatus_Completed}}, nil
}

// The collections and points services both have Get and Delete methods,
// so each has its own type over the shared state.
type (
	fakeCollections struct {
		qc.UnimplementedCollectionsServer
		*fakeQdrant
	}
	fakePoints struct {
		qc.UnimplementedPointsServer
		*fakeQdrant
	}
)

func TestConformanceFakeServer(t *testing.T) {
	addr := startFake(t)
	s, err := qdrant.New(qdrant.Config{Addr: addr, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Ping(context.Background()); err != nil || v != "1.17.0" {
		t.Fatalf("ping: %q %v", v, err)
	}
	kbtest.Run(t, func(t *testing.T) kb.VectorStore { return s })
	t.Run("IndexParity", func(t *testing.T) { indexParity(t, s) })

	// The server's own refusals map to the kb sentinels too.
	ctx := context.Background()
	if err := s.EnsureCollection(ctx, "c", 4); err != nil {
		t.Fatal(err)
	}
	other, _ := qdrant.New(qdrant.Config{Addr: addr})
	defer other.Close()
	// Another node drops the collection: this store's cached length is
	// stale, and the server's NotFound becomes ErrNoCollection.
	if err := other.DropCollection(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Search(ctx, "c", []float32{1, 0, 0, 0}, 1, kb.Filter{Bot: "b"}); !errors.Is(err, kb.ErrNoCollection) {
		t.Fatalf("search in a dropped collection: %v", err)
	}
	if err := s.EnsureCollection(ctx, "c", 8); err != nil {
		t.Fatalf("re-create with other dimensions: %v", err)
	}
}
