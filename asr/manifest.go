package asr

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrManifest is wrapped by every error about a malformed evaluation
// manifest; the message names the file and line.
var ErrManifest = errors.New("asr: bad manifest")

// Item is one line of an evaluation manifest: a WAV file and what was
// said in it.
type Item struct {
	// Path of the WAV file; a relative path in the manifest is resolved
	// against the manifest's folder.
	Path string `json:"path"`
	// Reference is the transcript of the recording.
	Reference string `json:"reference"`
	// Line is the manifest line the item came from (1-based; 0 when the
	// item was built in code).
	Line int `json:"-"`
}

// ReadManifest reads a TSV manifest: one "wav_path<TAB>reference" per
// line. Blank lines and lines starting with "#" are skipped. Relative
// paths are relative to the manifest's folder. Every WAV file must exist.
// Errors wrap ErrManifest (and fs.ErrNotExist for a missing WAV) and name
// the manifest file and line.
func ReadManifest(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrManifest, err)
	}
	defer f.Close()
	items, err := ParseManifest(f, path, filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if _, err := os.Stat(it.Path); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%w: %s:%d: WAV file %s does not exist: %w", ErrManifest, path, it.Line, it.Path, os.ErrNotExist)
			}
			return nil, fmt.Errorf("%w: %s:%d: %w", ErrManifest, path, it.Line, err)
		}
	}
	return items, nil
}

// ParseManifest parses manifest lines from r; name is used in errors and
// dir resolves relative paths. It does not check that the files exist.
func ParseManifest(r io.Reader, name, dir string) ([]Item, error) {
	var items []Item
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		path, ref, ok := strings.Cut(text, "\t")
		path, ref = strings.TrimSpace(path), strings.TrimSpace(ref)
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: %s:%d: want wav_path<TAB>reference, found no tab", ErrManifest, name, line)
		case path == "":
			return nil, fmt.Errorf("%w: %s:%d: empty WAV path", ErrManifest, name, line)
		case strings.Contains(ref, "\t"):
			return nil, fmt.Errorf("%w: %s:%d: more than two tab-separated columns", ErrManifest, name, line)
		}
		if !filepath.IsAbs(path) && dir != "" {
			path = filepath.Join(dir, path)
		}
		items = append(items, Item{Path: path, Reference: ref, Line: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s:%d: %w", ErrManifest, name, line+1, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: %s: no entries", ErrManifest, name)
	}
	return items, nil
}

// WriteManifest writes items as a TSV manifest. Tabs and newlines in the
// references are replaced by spaces.
func WriteManifest(w io.Writer, items []Item) error {
	bw := bufio.NewWriter(w)
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	for _, it := range items {
		if _, err := fmt.Fprintf(bw, "%s\t%s\n", clean.Replace(it.Path), clean.Replace(it.Reference)); err != nil {
			return err
		}
	}
	return bw.Flush()
}
