// Package query builds the SQL both store backends share: WHERE clauses
// from optional filters, and the QA console's session search
// (store.SessionQuery), so that both backends select, order and page
// alike. Only the few expressions that differ between SQL dialects come
// from the backend (Dialect).
//
// Every value is a bind parameter, numbered $1, $2... (PostgreSQL's style,
// which SQLite takes too); the SQL text is made of this package's and the
// caller's constant fragments only.
package query

import (
	"strconv"
	"strings"
)

// Where is a WHERE clause under construction and its arguments.
type Where struct {
	conds []string
	args  []any
}

// Add adds a condition with one value: every "$?" in cond stands for it.
func (w *Where) Add(cond string, v any) {
	w.conds = append(w.conds, strings.ReplaceAll(cond, "$?", w.Arg(v)))
}

// AddIf adds the condition when ok.
func (w *Where) AddIf(ok bool, cond string, v any) {
	if ok {
		w.Add(cond, v)
	}
}

// Cond adds a condition without a value.
func (w *Where) Cond(cond string) {
	w.conds = append(w.conds, cond)
}

// Arg adds a value used elsewhere (LIMIT) and returns its placeholder.
func (w *Where) Arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// String is "" or " WHERE " and the conditions joined with AND.
func (w *Where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// Args returns the values, in placeholder order.
func (w *Where) Args() []any { return w.args }
