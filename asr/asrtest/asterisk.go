package asrtest

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard-voice/switchboard/asr"
)

// Where Debian's asterisk-core-sounds-en-wav and asterisk-core-sounds-en
// packages put the recordings and their transcripts.
const (
	AsteriskSounds      = "/usr/share/asterisk/sounds/en"
	AsteriskTranscripts = "/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"
)

// AsteriskItems returns the Asterisk core prompts (8 kHz mono human
// recordings) as evaluation items, from the "name: text" lines of the
// transcript file (gzip or plain): the top-level prompts and digits/.
// Entries that describe a sound ("[beep]") or whose WAV is missing are
// skipped. The audio stays where it is.
func AsteriskItems(soundsDir, transcripts string) ([]asr.Item, error) {
	f, err := os.Open(transcripts)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(transcripts, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", transcripts, err)
		}
		defer gz.Close()
		r = gz
	}
	var items []asr.Item
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		name, text, ok := strings.Cut(sc.Text(), ":")
		name, text = strings.TrimSpace(name), strings.TrimSpace(text)
		if !ok || name == "" || strings.HasPrefix(name, ";") || text == "" || strings.ContainsAny(text, "[]") {
			continue
		}
		if dir, _, sub := strings.Cut(name, "/"); sub && dir != "digits" {
			continue
		}
		path := filepath.Join(soundsDir, name+".wav")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		items = append(items, asr.Item{Path: path, Reference: text, Line: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", transcripts, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: no recordings found in %s", transcripts, soundsDir)
	}
	return items, nil
}
