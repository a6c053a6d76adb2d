package nlu

import (
	"math"
	"slices"
)

// featureConfig chooses the n-gram features; see the Classifier doc.
type featureConfig struct {
	wordMaxN   int     // word n-grams 1..wordMaxN
	charMinN   int     // char_wb n-grams charMinN..charMaxN over padded words
	charMaxN   int     //
	cjkMaxN    int     // CJK character n-grams 1..cjkMaxN over runs of CJK
	charWeight float64 // weight of the character block against the word block
	minDF      int     // features seen in fewer training texts are dropped
}

var defaultFeatures = featureConfig{
	wordMaxN:   2,
	charMinN:   2,
	charMaxN:   5,
	cjkMaxN:    3,
	charWeight: 1,
	minDF:      1,
}

// Feature namespaces, mixed into the hash so that a word and a character
// n-gram with the same spelling are different features.
const (
	nsWord = iota + 1
	nsChar
	nsCJK
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStart(ns, n int) uint64 { return (fnvOffset ^ uint64(ns<<8|n)) * fnvPrime }

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return (h ^ 0xff) * fnvPrime // separator, so ("ab","c") != ("a","bc")
}

func hashRunes(h uint64, rs []rune) uint64 {
	for _, r := range rs {
		h = (h ^ uint64(r)) * fnvPrime
		h ^= h >> 29
	}
	return h
}

// scratch holds the per-call buffers of feature extraction; Classify takes
// one from a pool so that it allocates almost nothing.
type scratch struct {
	toks   []token
	runes  []rune
	word   []uint64 // hashed word-block features, with repeats
	char   []uint64 // hashed char-block features, with repeats
	terms  []term
	vec    sparse
	scores []float64
	probs  []float64
}

// term is a distinct hashed feature of one text and its count.
type term struct {
	hash  uint64
	block uint8 // 0 word, 1 char
	count float32
}

// sparse is an L2-normalised TF-IDF vector.
type sparse struct {
	idx []int32
	val []float32
}

// terms extracts the distinct features of text into sc.terms.
func (fc *featureConfig) terms(sc *scratch, text string) []term {
	sc.toks = appendTokens(sc.toks[:0], normalise(text))
	sc.word, sc.char = sc.word[:0], sc.char[:0]
	toks := sc.toks
	for i := range toks {
		h := hashStart(nsWord, 1)
		for n := 1; n <= fc.wordMaxN && i+n <= len(toks); n++ {
			h = hashString(h, toks[i+n-1].text)
			sc.word = append(sc.word, h^uint64(n))
		}
		if toks[i].cjk {
			// Character n-grams within a run of CJK characters.
			h := hashStart(nsCJK, 0)
			for n := 1; n <= fc.cjkMaxN && i+n <= len(toks) && toks[i+n-1].cjk; n++ {
				h = hashString(h, toks[i+n-1].text)
				sc.char = append(sc.char, h)
			}
			continue
		}
		// char_wb: n-grams of the word padded with spaces.
		rs := append(sc.runes[:0], ' ')
		for _, r := range toks[i].text {
			rs = append(rs, r)
		}
		rs = append(rs, ' ')
		sc.runes = rs
		for n := fc.charMinN; n <= fc.charMaxN && n <= len(rs); n++ {
			h0 := hashStart(nsChar, n)
			for j := 0; j+n <= len(rs); j++ {
				sc.char = append(sc.char, hashRunes(h0, rs[j:j+n]))
			}
		}
	}
	sc.terms = sc.terms[:0]
	sc.terms = appendCounts(sc.terms, sc.word, 0)
	sc.terms = appendCounts(sc.terms, sc.char, 1)
	return sc.terms
}

func appendCounts(dst []term, hs []uint64, block uint8) []term {
	slices.Sort(hs)
	for i := 0; i < len(hs); {
		j := i + 1
		for j < len(hs) && hs[j] == hs[i] {
			j++
		}
		dst = append(dst, term{hash: hs[i], block: block, count: float32(j - i)})
		i = j
	}
	return dst
}

// vocabulary maps hashed features to columns and holds their IDF.
type vocabulary struct {
	cfg   featureConfig
	index map[uint64]int32
	idf   []float32
	// unseenIDF weighs features absent from the vocabulary in the norm.
	unseenIDF float64
}

// fitVocabulary keeps the features of docs seen in at least cfg.minDF
// texts, with smoothed IDF ln((1+n)/(1+df))+1.
func fitVocabulary(cfg featureConfig, docs [][]term) *vocabulary {
	df := make(map[uint64]int32)
	for _, d := range docs {
		for _, t := range d {
			df[t.hash]++
		}
	}
	hashes := make([]uint64, 0, len(df))
	for h, n := range df {
		if int(n) >= cfg.minDF {
			hashes = append(hashes, h)
		}
	}
	slices.Sort(hashes) // deterministic column order
	v := &vocabulary{cfg: cfg, index: make(map[uint64]int32, len(hashes)), idf: make([]float32, len(hashes))}
	nd := float64(len(docs))
	v.unseenIDF = math.Log(1+nd) + 1
	for i, h := range hashes {
		v.index[h] = int32(i)
		v.idf[i] = float32(math.Log((1+nd)/(1+float64(df[h]))) + 1)
	}
	return v
}

func (v *vocabulary) size() int { return len(v.idf) }

// vector turns terms into a sublinear-TF-IDF vector: each block is
// L2-normalised, the char block scaled by charWeight, and the whole
// normalised again. Unknown features are ignored. The result reuses dst.
func (v *vocabulary) vector(dst sparse, terms []term) sparse {
	dst.idx, dst.val = dst.idx[:0], dst.val[:0]
	var norm [2]float64
	var split int // terms are word block first, then char block
	for _, t := range terms {
		col, ok := v.index[t.hash]
		if !ok {
			// Unseen features count in the norm, with the IDF of df=0, so
			// that a text made mostly of unknown words scores weakly.
			w := (1 + math.Log(float64(t.count))) * v.unseenIDF
			norm[t.block] += w * w
			continue
		}
		w := (1 + math.Log(float64(t.count))) * float64(v.idf[col])
		norm[t.block] += w * w
		dst.idx = append(dst.idx, col)
		dst.val = append(dst.val, float32(w))
		if t.block == 0 {
			split = len(dst.idx)
		}
	}
	scale := [2]float64{0, 0}
	total := 0.0
	for b, wt := range [2]float64{1, v.cfg.charWeight} {
		if norm[b] > 0 {
			scale[b] = wt / math.Sqrt(norm[b])
			total += wt * wt
		}
	}
	if total == 0 {
		return dst
	}
	total = 1 / math.Sqrt(total)
	for i := range dst.val {
		b := 0
		if i >= split {
			b = 1
		}
		dst.val[i] = float32(float64(dst.val[i]) * scale[b] * total)
	}
	return dst
}
