package kb

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Embedder turns texts into vectors whose cosine similarity says how close
// their meanings are. Implementations must be safe for concurrent use.
type Embedder interface {
	// Embed returns one vector per text, in order, all of Dimensions()
	// length. An error fails the whole batch.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Dimensions is the length of the vectors, or 0 while it is not known
	// (an endpoint whose model decides it, before its first answer).
	Dimensions() int
}

// Fitter is an Embedder that adapts to a corpus, as HashEmbedder fits its
// IDF weights. The Index fits a copy on every build's chunks and embeds
// both the chunks and the queries of that build with it.
type Fitter interface {
	Embedder
	// Fit returns an embedder fitted on texts; the receiver is unchanged.
	Fit(texts []string) Embedder
}

// Identifier is an optional Embedder method naming the model and its
// settings, so that an Index can tell when vectors from an earlier build
// are still valid. Embedders without it are identified by their type and
// Dimensions.
type Identifier interface {
	ID() string
}

func embedderID(e Embedder) string {
	if id, ok := e.(Identifier); ok {
		return id.ID()
	}
	return fmt.Sprintf("%T/%d", e, e.Dimensions())
}

// DefaultDimensions is HashEmbedder's default vector length.
const DefaultDimensions = 1024

// HashEmbedder is the embedded default Embedder: it needs no model. A text
// is analysed like a search query (spoken numbers written as digits,
// spelled-out letters joined, stop words and fillers left out, light
// stemming) and described by hashed features:
//
//   - each word stem, and each joined pair of adjacent words;
//   - the character 3-, 4- and 5-grams of each word, with boundary marks
//     ("<pin>"), which survive misspellings and recognition errors
//     ("recieve", "contact less");
//   - for Chinese (and other CJK text) the characters, character bigrams
//     and trigrams, since no word segmenter is used.
//
// Each feature is hashed (64-bit FNV-1a, seeded by its kind) to one of
// Dimensions() coordinates, with a sign taken from another bit of the
// hash so that collisions cancel out on average rather than pile up
// (signed feature hashing). Its value is its kind's weight times 1+ln(tf)
// (sub-linear term frequency), times its IDF once fitted on a corpus, and
// the vector is L2-normalised. A text without any feature (empty, only
// fillers) gets the zero vector, which is similar to nothing.
//
// The zero value is not usable; call NewHashEmbedder. A HashEmbedder is
// immutable and safe for concurrent use.
type HashEmbedder struct {
	dims int
	an   *analyzer
	// idf by feature hash; nil until fitted. unseen is the IDF of a
	// feature the corpus did not have.
	idf    map[uint64]float32
	unseen float32
	docs   int
}

// HashOption configures a HashEmbedder.
type HashOption func(*HashEmbedder) error

// WithDimensions sets the vector length (at least 16; default
// DefaultDimensions). Longer vectors have fewer collisions and cost more
// to compare.
func WithDimensions(n int) HashOption {
	return func(h *HashEmbedder) error {
		if n < 16 {
			return fmt.Errorf("kb: %d dimensions: %w (want at least 16)", n, ErrInvalid)
		}
		h.dims = n
		return nil
	}
}

// NewHashEmbedder returns an unfitted HashEmbedder (every feature has IDF
// 1).
func NewHashEmbedder(opts ...HashOption) (*HashEmbedder, error) {
	h := &HashEmbedder{dims: DefaultDimensions, an: newAnalyzer()}
	for _, o := range opts {
		if err := o(h); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Dimensions returns the vector length.
func (h *HashEmbedder) Dimensions() int { return h.dims }

// ID names the embedder's settings and, once fitted, its corpus size.
func (h *HashEmbedder) ID() string {
	return "hash/v1/" + strconv.Itoa(h.dims) + "/idf" + strconv.Itoa(h.docs)
}

// Fit returns a copy whose IDF weights come from texts: ln((N+1)/(df+1))+1
// for a feature found in df of the N texts, and ln(N+1)+1 for one found in
// none, so that rare words say more than common ones.
func (h *HashEmbedder) Fit(texts []string) Embedder {
	ws := make([][]word, len(texts))
	for i, t := range texts {
		ws[i] = h.an.words(clean(t, 0))
	}
	return h.fitWords(ws)
}

// fitWords is Fit on analysed texts.
func (h *HashEmbedder) fitWords(texts [][]word) *HashEmbedder {
	df := map[uint64]int{}
	var fs []feature
	for _, ws := range texts {
		fs = sortFeatures(h.appendFeatures(fs[:0], ws))
		for i, f := range fs {
			if i == 0 || f.hash != fs[i-1].hash {
				df[f.hash]++
			}
		}
	}
	n := float64(len(texts))
	c := &HashEmbedder{dims: h.dims, an: h.an, docs: len(texts), idf: make(map[uint64]float32, len(df))}
	c.unseen = float32(math.Log(n+1) + 1)
	for k, d := range df {
		c.idf[k] = float32(math.Log((n+1)/float64(d+1)) + 1)
	}
	return c
}

func sortFeatures(fs []feature) []feature {
	slices.SortFunc(fs, func(a, b feature) int { return cmp.Compare(a.hash, b.hash) })
	return fs
}

// Embed returns the vectors of texts. It never fails unless ctx is done.
func (h *HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var fs []feature
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		fs = h.features(fs[:0], t)
		out[i] = h.vector(fs)
	}
	return out, nil
}

// Feature kinds and their weights. Words carry the meaning; character
// n-grams add robustness to spelling, so together they weigh about as much
// as the word they come from; CJK bigrams are the nearest thing to words.
const (
	kindWord = iota + 1
	kindPair
	kindGram
	kindHan1
	kindHan2
	kindHan3
	kindClass
)

var kindWeight = [...]float32{
	kindWord:  1,
	kindPair:  0.5,
	kindGram:  0.25,
	kindHan1:  1,
	kindHan2:  1,
	kindHan3:  0.3,
	kindClass: 1,
}

type feature struct {
	hash uint64
	kind uint8
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(kind uint8, s string) uint64 {
	h := uint64(fnvOffset) ^ uint64(kind)
	h *= fnvPrime
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// features appends the features of text to dst.
func (h *HashEmbedder) features(dst []feature, text string) []feature {
	return h.appendFeatures(dst, h.an.words(clean(text, 0)))
}

// appendFeatures appends the features of analysed words to dst.
func (h *HashEmbedder) appendFeatures(dst []feature, ws []word) []feature {
	for i, w := range ws {
		if w.class {
			dst = append(dst, feature{hashString(kindClass, w.text), kindClass})
			continue
		}
		if w.cjk {
			rs := []rune(w.text)
			for j := range rs {
				if !cjkStop[rs[j]] {
					dst = append(dst, feature{hashString(kindHan1, string(rs[j])), kindHan1})
				}
				if j+2 <= len(rs) {
					dst = append(dst, feature{hashString(kindHan2, string(rs[j:j+2])), kindHan2})
				}
				if j+3 <= len(rs) {
					dst = append(dst, feature{hashString(kindHan3, string(rs[j:j+3])), kindHan3})
				}
			}
			continue
		}
		if c, ok := concat(ws, i); ok {
			dst = append(dst, feature{hashString(kindPair, c), kindPair})
		}
		if w.stop {
			continue
		}
		dst = append(dst, feature{hashString(kindWord, stem(w.text)), kindWord})
		if !letters(w.text) || len(w.text) < 3 {
			continue
		}
		b := "<" + w.text + ">"
		for n := 3; n <= 5; n++ {
			for j := 0; j+n <= len(b); j++ {
				dst = append(dst, feature{hashString(kindGram, b[j:j+n]), kindGram})
			}
		}
	}
	return dst
}

// vector turns features into a normalised hashed vector. It sorts fs.
func (h *HashEmbedder) vector(fs []feature) []float32 {
	v := make([]float32, h.dims)
	sortFeatures(fs)
	for i := 0; i < len(fs); {
		k := fs[i].hash
		j := i + 1
		for j < len(fs) && fs[j].hash == k {
			j++
		}
		w := kindWeight[fs[i].kind] * (1 + float32(math.Log(float64(j-i))))
		i = j
		if h.idf != nil {
			if idf, ok := h.idf[k]; ok {
				w *= idf
			} else {
				w *= h.unseen
			}
		}
		// Low bits pick the coordinate, the top bit the sign.
		if k>>63 == 1 {
			w = -w
		}
		v[k%uint64(h.dims)] += w
	}
	normalize(v)
	return v
}

// normalize scales v to unit length in place; the zero vector stays zero.
func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// Cosine returns the cosine similarity of a and b (0 when either is zero
// or their lengths differ).
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
