package scorecard

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
)

// Bounds on the regexes of a card. Go's RE2 engine matches in time linear
// in the text, but a pattern's compiled size grows with its counted
// repetitions ("(a{1,100}){1,100}" is ten thousand states), and every
// state is paid for on every character of every turn. Patterns beyond
// these bounds are rejected when the card is parsed.
const (
	// MaxRegexBytes bounds a pattern's length.
	MaxRegexBytes = 500
	// MaxRegexRepeat bounds a counted repetition ({n}, {n,m}).
	MaxRegexRepeat = 100
	// MaxRegexInstructions bounds the compiled program.
	MaxRegexInstructions = 2000
)

// compileRegex compiles a card's pattern, case-insensitive, or says why it
// is refused.
func compileRegex(src string) (*regexp.Regexp, error) {
	if len(src) > MaxRegexBytes {
		return nil, fmt.Errorf("regex is %d bytes long, over the limit of %d", len(src), MaxRegexBytes)
	}
	tree, err := syntax.Parse(src, syntax.Perl|syntax.FoldCase)
	var serr *syntax.Error
	if errors.As(err, &serr) && (serr.Code == syntax.ErrInvalidRepeatSize || serr.Code == syntax.ErrLarge) {
		return nil, fmt.Errorf("regex %q repeats too much (%s; nested counts multiply): it would be catastrophic, use + or * for open-ended repetition", src, serr.Code)
	}
	if err != nil {
		return nil, fmt.Errorf("invalid regex %q: %v", src, err)
	}
	if n := maxRepeat(tree); n > MaxRegexRepeat {
		return nil, fmt.Errorf("regex %q repeats %d times, over the limit of %d (use + or * for open-ended repetition)", src, n, MaxRegexRepeat)
	}
	prog, err := syntax.Compile(tree.Simplify())
	if err != nil {
		return nil, fmt.Errorf("invalid regex %q: %v", src, err)
	}
	if n := len(prog.Inst); n > MaxRegexInstructions {
		return nil, fmt.Errorf("regex %q compiles to %d instructions, over the limit of %d (nested counted repetitions multiply)", src, n, MaxRegexInstructions)
	}
	re, err := regexp.Compile("(?i)" + src)
	if err != nil {
		return nil, fmt.Errorf("invalid regex %q: %v", src, err)
	}
	if re.MatchString("") {
		return nil, fmt.Errorf("regex %q matches empty text, so it would match every turn", src)
	}
	return re, nil
}

// maxRepeat returns the largest repetition count in re.
func maxRepeat(re *syntax.Regexp) int {
	n := 0
	if re.Op == syntax.OpRepeat {
		n = max(re.Min, re.Max)
	}
	for _, s := range re.Sub {
		n = max(n, maxRepeat(s))
	}
	return n
}
