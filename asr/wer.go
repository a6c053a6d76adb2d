package asr

// Score counts the edits that turn a reference transcript into a
// hypothesis, over the units of NormalizeWords: words, or characters for
// Chinese. Scores add up over a test set.
type Score struct {
	// Ref is the number of reference units.
	Ref int `json:"ref"`
	// Sub, Del and Ins count substituted, deleted and inserted units.
	Sub int `json:"sub"`
	Del int `json:"del"`
	Ins int `json:"ins"`
	// Chars is true when the units were characters (Chinese), so the rate
	// is a character error rate.
	Chars bool `json:"chars,omitempty"`
}

// Errors returns Sub + Del + Ins.
func (s Score) Errors() int { return s.Sub + s.Del + s.Ins }

// Rate returns the error rate, errors per reference unit (it can pass 1
// with insertions). An empty reference gives 0 for an empty hypothesis and
// 1 otherwise.
func (s Score) Rate() float64 {
	if s.Ref == 0 {
		if s.Errors() == 0 {
			return 0
		}
		return 1
	}
	return float64(s.Errors()) / float64(s.Ref)
}

// Add adds o's counts to s.
func (s *Score) Add(o Score) {
	s.Ref += o.Ref
	s.Sub += o.Sub
	s.Del += o.Del
	s.Ins += o.Ins
	s.Chars = s.Chars || o.Chars
}

// Compare normalises both texts (NormalizeWords: case, punctuation,
// numbers) and aligns them by minimum edit distance. Text with Chinese
// characters is scored by character.
func Compare(reference, hypothesis string) Score {
	s := Align(NormalizeWords(reference), NormalizeWords(hypothesis))
	s.Chars = HasHan(reference) || HasHan(hypothesis)
	return s
}

// WER returns the word error rate of hypothesis against reference (the
// character error rate for Chinese): Compare(reference, hypothesis).Rate().
func WER(reference, hypothesis string) float64 { return Compare(reference, hypothesis).Rate() }

// Align counts the substitutions, deletions and insertions of a minimum
// edit-distance alignment of hyp to ref (Levenshtein; ties prefer
// substitutions, then deletions).
func Align(ref, hyp []string) Score {
	type cell struct{ cost, sub, del, ins int }
	prev := make([]cell, len(hyp)+1)
	cur := make([]cell, len(hyp)+1)
	for j := range prev {
		prev[j] = cell{cost: j, ins: j}
	}
	for i := 1; i <= len(ref); i++ {
		cur[0] = cell{cost: i, del: i}
		for j := 1; j <= len(hyp); j++ {
			d := prev[j-1]
			if ref[i-1] != hyp[j-1] {
				d.cost++
				d.sub++
			}
			if c := prev[j]; c.cost+1 < d.cost {
				d = c
				d.cost++
				d.del++
			}
			if c := cur[j-1]; c.cost+1 < d.cost {
				d = c
				d.cost++
				d.ins++
			}
			cur[j] = d
		}
		prev, cur = cur, prev
	}
	last := prev[len(hyp)]
	return Score{Ref: len(ref), Sub: last.sub, Del: last.del, Ins: last.ins}
}
