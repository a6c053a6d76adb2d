package kb

import (
	"context"
	"crypto/sha1"
	"fmt"
	"strings"
)

// VectorStore keeps chunk vectors and finds the nearest ones by cosine
// similarity. Collections hold the vectors of one length; within one,
// points are told apart by the bot and the index build they belong to.
// MemoryStore is the in-process default; package assist/kb/qdrant talks to
// a Qdrant server. Implementations are safe for concurrent use, and
// package assist/kb/kbtest checks that they behave alike.
type VectorStore interface {
	// EnsureCollection creates the collection for vectors of dims length
	// when it does not exist. An existing collection of another length is
	// an error wrapping ErrDimensions.
	EnsureCollection(ctx context.Context, collection string, dims int) error
	// Upsert adds points, replacing those with the same ID. Every vector
	// must have the collection's length (ErrDimensions) and every ID be a
	// UUID (ErrInvalid; see PointID).
	Upsert(ctx context.Context, collection string, points []Point) error
	// Search returns up to k points that match filter, most similar to
	// vector first, with their cosine similarity as Score. Filter.Bot is
	// required; Filter.ExceptBuilds is not allowed here. The zero vector
	// matches nothing.
	Search(ctx context.Context, collection string, vector []float32, k int, filter Filter) ([]Match, error)
	// Delete removes the points that match filter; Filter.Bot is required.
	// Deleting from a missing collection does nothing.
	Delete(ctx context.Context, collection string, filter Filter) error
	// DropCollection removes a collection and its points; a missing one is
	// not an error.
	DropCollection(ctx context.Context, collection string) error
}

// Point is one chunk's vector and what it is.
type Point struct {
	// ID is a UUID in its canonical text form (Qdrant accepts UUIDs and
	// integers only); PointID derives one from names.
	ID      string
	Vector  []float32
	Payload Payload
}

// Payload says where a point comes from.
type Payload struct {
	// Bot is the bot's name.
	Bot string `json:"bot"`
	// Build identifies the index build (a hash of the articles, the
	// chunker and the embedder): a rebuild writes a new build beside the
	// old one, so that searches on the old one go on working.
	Build string `json:"build"`
	// ArticleID is the article the chunk is from.
	ArticleID string `json:"article_id"`
	// Chunk is the chunk's position in its article, from 0.
	Chunk int `json:"chunk"`
	// Text is the chunk's text, shown as the snippet.
	Text string `json:"text"`
}

// Filter selects points of one bot.
type Filter struct {
	// Bot is required.
	Bot string
	// Build, when set, keeps only the points of that build.
	Build string
	// ExceptBuilds, when set (Delete only), spares the points of those
	// builds.
	ExceptBuilds []string
}

func (f Filter) check(search bool) error {
	if f.Bot == "" {
		return fmt.Errorf("kb: filter without a bot: %w", ErrInvalid)
	}
	if search && len(f.ExceptBuilds) > 0 {
		return fmt.Errorf("kb: ExceptBuilds in a search filter: %w", ErrInvalid)
	}
	return nil
}

// Match is a point found by Search.
type Match struct {
	ID      string
	Score   float64
	Payload Payload
}

// PointID returns a stable UUID (version 5 style, SHA-1) for the names, so
// that the same chunk of the same build always gets the same ID.
func PointID(names ...string) string {
	h := sha1.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// ValidUUID reports whether s is a UUID in canonical form
// (8-4-4-4-12 hexadecimal digits).
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)) {
				return false
			}
		}
	}
	return true
}
