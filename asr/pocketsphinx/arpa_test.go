package pocketsphinx

import (
	"bufio"
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
)

// arpaModel is a parsed ARPA file for checking.
type arpaModel struct {
	prob, bow map[string]float64 // log10
	vocab     []string
}

func parseARPA(t *testing.T, b []byte) *arpaModel {
	t.Helper()
	m := &arpaModel{prob: map[string]float64{}, bow: map[string]float64{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	order := 0
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "\\") && strings.HasSuffix(l, "-grams:"):
			order, _ = strconv.Atoi(l[1:2])
			continue
		case l == "" || strings.HasPrefix(l, "\\") || strings.HasPrefix(l, "ngram "):
			continue
		}
		f := strings.Split(l, "\t")
		p, err := strconv.ParseFloat(f[0], 64)
		if err != nil || len(f) < 2 || len(strings.Fields(f[1])) != order {
			t.Fatalf("bad ARPA line %q", l)
		}
		m.prob[f[1]] = p
		if len(f) == 3 {
			m.bow[f[1]], _ = strconv.ParseFloat(f[2], 64)
		}
		if order == 1 && f[1] != bos {
			m.vocab = append(m.vocab, f[1])
		}
	}
	return m
}

// p returns P(w | h) with back-off, h being up to two words.
func (m *arpaModel) p(h []string, w string) float64 {
	k := strings.Join(append(append([]string{}, h...), w), " ")
	if lp, ok := m.prob[k]; ok {
		return math.Pow(10, lp)
	}
	if len(h) == 0 {
		return 0
	}
	return math.Pow(10, m.bow[strings.Join(h, " ")]) * m.p(h[1:], w)
}

func TestEstimateARPANormalised(t *testing.T) {
	corpus := [][]string{
		strings.Fields("i want to block my card"),
		strings.Fields("i want to top up"),
		strings.Fields("block my card please"),
		strings.Fields("my card is lost"),
		strings.Fields("i lost my card"),
		strings.Fields("top up my account"),
		strings.Fields("yes"),
		strings.Fields("yes please"),
	}
	b, st, err := estimateARPA(corpus)
	if err != nil {
		t.Fatal(err)
	}
	m := parseARPA(t, b)
	if st.NGrams[0] != len(m.vocab)+1 || st.NGrams[2] == 0 {
		t.Fatalf("stats %+v, vocab %d", st, len(m.vocab))
	}
	contexts := [][]string{{}, {bos}, {"my"}, {"want"}, {"i", "want"}, {bos, "i"}, {"my", "card"}, {"lost"}, {"card", "my"}, {"please"}}
	for _, h := range contexts {
		var sum float64
		for _, w := range m.vocab {
			sum += m.p(h, w)
		}
		if math.Abs(sum-1) > 1e-4 {
			t.Errorf("P(·|%v) sums to %.6f", h, sum)
		}
	}
	// Seen continuations beat unseen ones.
	if m.p([]string{"my"}, "card") <= m.p([]string{"my"}, "yes") {
		t.Error("P(card|my) should beat P(yes|my)")
	}
	if m.p([]string{"i", "want"}, "to") < 0.5 {
		t.Errorf("P(to|i want) = %v", m.p([]string{"i", "want"}, "to"))
	}
	if _, _, err := estimateARPA(nil); err == nil {
		t.Error("empty corpus should fail")
	}
}

func TestEspeakWord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"k_'0_n_t_a_k_t_l_@_s", "K AA N T AE K T L AH S"},
		{"t_'0_p_V_p", "T AA P AH P"},
		{"h_'a_v_@-_n_t", "HH AE V AH N T"},
		{"dZ_,i:_b_,i:_p_'i:", "JH IY B IY P IY"},
		{"'a_t#_@_m_z", "AE T AH M Z"},
		{"tS_'3:_tS", "CH ER CH"},
		{"k_'Q_x", ""}, // Q has no mapping
	}
	for _, tt := range tests {
		got, ok := espeakWord(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("espeakWord(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
