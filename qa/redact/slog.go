package redact

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
)

// Handler is a slog.Handler that masks personal data before passing a
// record on: the message, string attributes (read with their key as a
// cue, so slog.String("account", "12345678") is masked), errors and
// Stringers (replaced by their masked text when it differs), integers
// that read as a phone or card number, structs, maps and slices (as
// their JSON, replaced by the masked JSON when anything was masked), in
// groups too. Attributes added with WithAttrs are masked once, there.
type Handler struct {
	next slog.Handler
	r    *Redactor
}

// NewHandler wraps next.
func NewHandler(next slog.Handler, r *Redactor) *Handler {
	return &Handler{next: next, r: r}
}

// Enabled reports whether next handles records at level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle masks the record and passes it to next.
func (h *Handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a, 0))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs masks attrs and returns a Handler around next.WithAttrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = h.attr(a, 0)
	}
	return &Handler{next: h.next.WithAttrs(masked), r: h.r}
}

// WithGroup returns a Handler around next.WithGroup.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), r: h.r}
}

// attr masks one attribute; hint is the cue of the group it is in.
func (h *Handler) attr(a slog.Attr, hint cue) slog.Attr {
	v := a.Value.Resolve()
	if c := keyCue(a.Key); c != 0 {
		hint = c
	}
	switch v.Kind() {
	case slog.KindString:
		if res := h.r.redact(v.String(), hint); len(res.Spans) > 0 {
			return slog.String(a.Key, res.Text)
		}
	case slog.KindInt64, slog.KindUint64:
		var s string
		if v.Kind() == slog.KindInt64 {
			s = strconv.FormatInt(v.Int64(), 10)
		} else {
			s = strconv.FormatUint(v.Uint64(), 10)
		}
		if len(s) >= 6 {
			if res := h.r.redact(s, hint); len(res.Spans) > 0 {
				return slog.String(a.Key, res.Text)
			}
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, x := range g {
			out[i] = h.attr(x, hint)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		return h.anyAttr(a.Key, v.Any(), hint)
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// anyAttr masks a value of kind Any.
func (h *Handler) anyAttr(key string, x any, hint cue) slog.Attr {
	keep := slog.Any(key, x)
	var s string
	switch y := x.(type) {
	case nil:
		return keep
	case error:
		s = y.Error()
	case fmt.Stringer:
		s = y.String()
	case []byte:
		s = string(y)
	default:
		switch reflect.Indirect(reflect.ValueOf(x)).Kind() {
		case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
			b, err := json.Marshal(x)
			if err != nil {
				return keep
			}
			masked, err := h.r.json(b, hint)
			if err != nil || string(masked) == string(b) {
				return keep
			}
			return slog.Any(key, json.RawMessage(masked))
		}
		return keep
	}
	if res := h.r.redact(s, hint); len(res.Spans) > 0 {
		return slog.String(key, res.Text)
	}
	return keep
}
