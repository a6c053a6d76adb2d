package kb

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/switchboard-voice/switchboard/internal/bm25"
)

// FusionMethod is how a Fusion combines the lexical and vector rankings.
type FusionMethod int

// Fusion methods.
const (
	// FusionRRF is reciprocal-rank fusion: an article's score is
	// Σ 1/(K + rank) over the rankings that found it (Cormack et al.,
	// 2009). It needs no score calibration, and K sets how much the
	// top ranks dominate.
	FusionRRF FusionMethod = iota + 1
	// FusionBlend is a normalised score blend:
	// Alpha·cosine + (1−Alpha)·BM25/max BM25 of the query. Scores are in
	// 0..1, but the BM25 part is relative to the query's best match.
	FusionBlend
)

// Fusion combines the lexical (BM25) and the vector ranking of a search.
//
// Both work on articles: each ranking is cut to its candidates (the
// nearest chunks), and an article's rank in it is the rank of its best
// chunk among the articles found. The snippet is the article's chunk with
// the best evenly blended score (Alpha's blend for FusionBlend).
type Fusion struct {
	Method FusionMethod
	// K is RRF's rank constant (> 0).
	K float64
	// Alpha is the blend's weight of vector similarity (0..1).
	Alpha float64
}

// RRF returns reciprocal-rank fusion with rank constant k.
func RRF(k float64) Fusion { return Fusion{Method: FusionRRF, K: k} }

// Blend returns a normalised score blend giving vector similarity the
// weight alpha.
func Blend(alpha float64) Fusion { return Fusion{Method: FusionBlend, Alpha: alpha} }

// DefaultFusion is the fusion tuned on the development query sets
// (assist/kb/testdata/*_dev.csv); see docs/benchmarks.md.
var DefaultFusion = RRF(60)

// String returns "rrf(k=60)" or "blend(alpha=0.5)".
func (f Fusion) String() string {
	switch f.Method {
	case FusionRRF:
		return "rrf(k=" + strconv.FormatFloat(f.K, 'g', -1, 64) + ")"
	case FusionBlend:
		return "blend(alpha=" + strconv.FormatFloat(f.Alpha, 'g', -1, 64) + ")"
	}
	return "Fusion(" + strconv.Itoa(int(f.Method)) + ")"
}

func (f Fusion) check() error {
	switch f.Method {
	case FusionRRF:
		if !(f.K > 0) || math.IsInf(f.K, 0) {
			return fmt.Errorf("kb: RRF constant %v: %w (want > 0)", f.K, ErrInvalid)
		}
	case FusionBlend:
		if !(f.Alpha >= 0 && f.Alpha <= 1) {
			return fmt.Errorf("kb: blend alpha %v: %w (want 0..1)", f.Alpha, ErrInvalid)
		}
	default:
		return fmt.Errorf("kb: fusion method %d: %w", f.Method, ErrInvalid)
	}
	return nil
}

// rankings are a search's two candidate lists, best first.
type rankings struct {
	lex []bm25.Hit // Doc is a chunk index
	vec []Match
}

// artAgg gathers what the rankings say about one article.
type artAgg struct {
	art              int
	lexRank, vecRank int // 1-based among articles; 0: not found
	lex, sim         float64
}

// fuse turns the rankings into at most k hits.
func (f Fusion) fuse(s *snapshot, r *rankings, k int, minScore float64) []Hit {
	aggs := map[int]*artAgg{}
	get := func(art int) *artAgg {
		a := aggs[art]
		if a == nil {
			a = &artAgg{art: art}
			aggs[art] = a
		}
		return a
	}
	lexOf := make(map[int]float64, len(r.lex))
	simOf := make(map[int]float64, len(r.vec))
	maxLex := 0.0
	rank := 0
	for _, h := range r.lex {
		lexOf[h.Doc] = h.Score
		maxLex = max(maxLex, h.Score)
		a := get(s.chunks[h.Doc].art)
		if a.lexRank == 0 {
			rank++
			a.lexRank, a.lex = rank, h.Score
		}
	}
	rank = 0
	for _, m := range r.vec {
		ci, ok := s.byKey[chunkKey{m.Payload.ArticleID, m.Payload.Chunk}]
		if !ok {
			continue
		}
		simOf[ci] = max(simOf[ci], m.Score)
		a := get(s.chunks[ci].art)
		if a.vecRank == 0 {
			rank++
			a.vecRank, a.sim = rank, m.Score
		}
	}
	alpha := 0.5
	if f.Method == FusionBlend {
		alpha = f.Alpha
	}
	chunkScore := func(ci int) float64 {
		sc := alpha * simOf[ci]
		if maxLex > 0 {
			sc += (1 - alpha) * lexOf[ci] / maxLex
		}
		return sc
	}
	// The best chunk of each article for the snippet.
	best := map[int]int{}
	consider := func(ci int) {
		a := s.chunks[ci].art
		if b, ok := best[a]; !ok || chunkScore(ci) > chunkScore(b) || chunkScore(ci) == chunkScore(b) && ci < b {
			best[a] = ci
		}
	}
	for ci := range lexOf {
		consider(ci)
	}
	for ci := range simOf {
		consider(ci)
	}

	hits := make([]Hit, 0, len(aggs))
	order := make([]int, 0, len(aggs))
	for art, a := range aggs {
		var score float64
		switch f.Method {
		case FusionBlend:
			score = f.Alpha * a.sim
			if maxLex > 0 {
				score += (1 - f.Alpha) * a.lex / maxLex
			}
		default:
			if a.lexRank > 0 {
				score += 1 / (f.K + float64(a.lexRank))
			}
			if a.vecRank > 0 {
				score += 1 / (f.K + float64(a.vecRank))
			}
		}
		if score <= 0 || score < minScore {
			continue
		}
		ci := best[art]
		c := s.chunks[ci]
		art := s.arts[art]
		hits = append(hits, Hit{
			ArticleID: art.ID, Title: art.Title, Snippet: c.text, Chunk: c.seq,
			Score: score, Lexical: a.lex, Similarity: a.sim,
		})
		order = append(order, a.art)
	}
	idx := make([]int, len(hits))
	for i := range idx {
		idx[i] = i
	}
	// Best first; equal scores in the bot's article order.
	slices.SortFunc(idx, func(i, j int) int {
		switch {
		case hits[i].Score > hits[j].Score:
			return -1
		case hits[i].Score < hits[j].Score:
			return 1
		}
		return order[i] - order[j]
	})
	out := make([]Hit, 0, min(k, len(idx)))
	for _, i := range idx[:min(k, len(idx))] {
		out = append(out, hits[i])
	}
	return out
}
