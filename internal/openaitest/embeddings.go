package openaitest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
)

func decodeEmbedding(req *Request) error {
	var wire struct {
		Model          string          `json:"model"`
		Input          json.RawMessage `json:"input"`
		EncodingFormat string          `json:"encoding_format"`
		Dimensions     int             `json:"dimensions"`
	}
	if err := json.Unmarshal(req.Body, &wire); err != nil {
		return fmt.Errorf("embedding request: %w", err)
	}
	if wire.Model == "" {
		return errors.New("embedding request: you must provide a model parameter")
	}
	e := &EmbeddingRequest{Model: wire.Model, EncodingFormat: wire.EncodingFormat, Dimensions: wire.Dimensions}
	// input: a string, an array of strings, an array of tokens or an array
	// of token arrays. Tokens are kept as their JSON text.
	var one string
	var many []string
	var toks []json.RawMessage
	switch {
	case json.Unmarshal(wire.Input, &one) == nil:
		e.Input = []string{one}
	case json.Unmarshal(wire.Input, &many) == nil:
		e.Input = many
	case json.Unmarshal(wire.Input, &toks) == nil && len(toks) > 0 && toks[0][0] == '[':
		for _, t := range toks {
			e.Input = append(e.Input, string(t))
		}
	case toks != nil:
		e.Input = []string{string(wire.Input)}
	default:
		return errors.New("embedding request: input must be a string or an array")
	}
	if len(e.Input) == 0 {
		return errors.New("embedding request: input must not be empty")
	}
	req.Embedding = e
	return nil
}

func (x *exchange) serveEmbedding() {
	e := x.req.Embedding
	if x.reply.Embeddings != nil && len(x.reply.Embeddings) != len(e.Input) {
		x.s.t.Errorf("openaitest: %d embeddings scripted for %d inputs", len(x.reply.Embeddings), len(e.Input))
		writeError(x.w, http.StatusInternalServerError, "server_error", "", "openaitest: embeddings do not match inputs")
		return
	}
	dims := e.Dimensions
	if dims <= 0 {
		dims = 8
	}
	type item struct {
		Object    string `json:"object"`
		Index     int    `json:"index"`
		Embedding any    `json:"embedding"`
	}
	resp := struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
		Usage  usage  `json:"usage"`
	}{Object: "list", Data: []item{}, Model: e.Model}
	for i, in := range e.Input {
		var v []float32
		if x.reply.Embeddings != nil {
			v = x.reply.Embeddings[i]
		} else {
			v = Vector(in, dims)
		}
		var emb any = v
		if e.EncodingFormat == "base64" {
			buf := make([]byte, 4*len(v))
			for j, f := range v {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(f))
			}
			emb = base64.StdEncoding.EncodeToString(buf)
		}
		resp.Data = append(resp.Data, item{Object: "embedding", Index: i, Embedding: emb})
	}
	resp.Usage.PromptTokens = tokens(e.Input...)
	resp.Usage.TotalTokens = resp.Usage.PromptTokens
	x.writeJSON(resp)
}

// Vector is the unit vector the server returns for text when no embedding
// is scripted: deterministic, so equal texts get equal vectors and tests
// can compute expected similarities.
func Vector(text string, dims int) []float32 {
	v := make([]float32, dims)
	var norm float64
	for i := range v {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d\x00%s", i, text)
		f := float64(h.Sum64()%2001)/1000 - 1 // in [-1, 1]
		v[i] = float32(f)
		norm += f * f
	}
	if norm == 0 {
		v[0], norm = 1, 1
	}
	n := float32(math.Sqrt(norm))
	for i := range v {
		v[i] /= n
	}
	return v
}
