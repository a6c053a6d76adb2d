package nlu

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// linearConfig holds the solver's hyper-parameters.
type linearConfig struct {
	c       float64 // SVM cost: larger fits the training data more tightly
	eps     float64 // stopping tolerance on the projected gradient
	maxIter int     // epochs per class, at most
}

var defaultLinear = linearConfig{c: 1, eps: 0.1, maxIter: 200}

// linearModel is a one-vs-rest linear model stored feature-major and
// sparse: row f lists the classes whose weight on feature f is non-zero,
// so that scoring a text touches only its own features.
type linearModel struct {
	k     int
	start []int32 // row f is entries start[f]:start[f+1]
	class []uint16
	w     []float32
	bias  []float64
}

// scores sets out[k] to the decision value of class k for x.
func (m *linearModel) scores(out []float64, x sparse) {
	copy(out, m.bias)
	for i, f := range x.idx {
		v := float64(x.val[i])
		for e := m.start[f]; e < m.start[f+1]; e++ {
			out[m.class[e]] += v * float64(m.w[e])
		}
	}
}

// trainLinear fits one L2-regularised L2-loss linear SVM per class (one
// versus rest) by dual coordinate descent with shrinking (Hsieh et al.,
// ICML 2008, as in LIBLINEAR), the classes spread over GOMAXPROCS
// goroutines. A constant feature of value 1 learns the bias.
func trainLinear(xs []sparse, labels []int, k, nfeat int, cfg linearConfig, seed int64) *linearModel {
	sq := make([]float64, len(xs))
	for i, x := range xs {
		s := 1.0 // the bias feature
		for _, v := range x.val {
			s += float64(v) * float64(v)
		}
		sq[i] = s
	}
	ws := make([][]float32, k)
	bias := make([]float64, k)
	var wg sync.WaitGroup
	next := make(chan int)
	workers := min(runtime.GOMAXPROCS(0), k)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := make([]float64, nfeat+1)
			for c := range next {
				clear(w)
				rng := rand.New(rand.NewPCG(uint64(seed), uint64(c)))
				solveDual(w, xs, sq, labels, c, cfg, rng)
				out := make([]float32, nfeat)
				for f := range out {
					out[f] = float32(w[f])
				}
				ws[c] = out
				bias[c] = w[nfeat]
			}
		}()
	}
	for c := range k {
		next <- c
	}
	close(next)
	wg.Wait()
	return packLinear(ws, bias, nfeat)
}

// packLinear transposes per-class dense weights into the sparse
// feature-major layout, dropping zero weights.
func packLinear(ws [][]float32, bias []float64, nfeat int) *linearModel {
	k := len(ws)
	m := &linearModel{k: k, start: make([]int32, nfeat+1), bias: bias}
	n := 0
	for f := range nfeat {
		for c := range k {
			if ws[c][f] != 0 {
				n++
			}
		}
	}
	m.class = make([]uint16, 0, n)
	m.w = make([]float32, 0, n)
	for f := range nfeat {
		for c := range k {
			if v := ws[c][f]; v != 0 {
				m.class = append(m.class, uint16(c))
				m.w = append(m.w, v)
			}
		}
		m.start[f+1] = int32(len(m.w))
	}
	return m
}

// solveDual trains class c against the rest into w (len nfeat+1, zeroed).
func solveDual(w []float64, xs []sparse, sq []float64, labels []int, c int, cfg linearConfig, rng *rand.Rand) {
	n := len(xs)
	nb := len(w) - 1
	diag := 0.5 / cfg.c
	alpha := make([]float64, n)
	index := make([]int, n)
	y := make([]float64, n)
	for i := range n {
		index[i] = i
		y[i] = -1
		if labels[i] == c {
			y[i] = 1
		}
	}
	active := n
	pgMaxOld := math.Inf(1)
	for iter := 0; iter < cfg.maxIter; iter++ {
		pgMax, pgMin := math.Inf(-1), math.Inf(1)
		for s := range active {
			j := s + rng.IntN(active-s)
			index[s], index[j] = index[j], index[s]
		}
		for s := 0; s < active; s++ {
			i := index[s]
			x := xs[i]
			g := w[nb]
			for e, f := range x.idx {
				g += w[f] * float64(x.val[e])
			}
			g = y[i]*g - 1 + alpha[i]*diag
			pg := 0.0
			if alpha[i] == 0 {
				if g > pgMaxOld {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
				if g < 0 {
					pg = g
				}
			} else {
				pg = g
			}
			pgMax = max(pgMax, pg)
			pgMin = min(pgMin, pg)
			if math.Abs(pg) > 1e-12 {
				old := alpha[i]
				alpha[i] = max(old-g/(sq[i]+diag), 0)
				d := (alpha[i] - old) * y[i]
				for e, f := range x.idx {
					w[f] += d * float64(x.val[e])
				}
				w[nb] += d
			}
		}
		if pgMax-pgMin <= cfg.eps {
			if active == n {
				break
			}
			active = n
			pgMaxOld = math.Inf(1)
			continue
		}
		pgMaxOld = pgMax
		if pgMaxOld <= 0 {
			pgMaxOld = math.Inf(1)
		}
	}
}
