package emulator

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Filter syntax (the `filter=` query argument, §7.6):
//
//	filter    = condition { "and" condition }
//	condition = field operator value
//	field     = a top-level field name: letter or "_", then letters, digits, "_" or "."
//	operator  = eq | ne | gt | ge | lt | le | like | ilike | notlike
//	          | in | notin | contains | notcontains      (any letter case)
//	value     = quoted | bare | list                     (list only, and always, after in/notin)
//	quoted    = '"' … '"' or "'" … "'"; \" (or \') and \\ stand for the quote and a
//	            backslash, any other backslash is kept (so like's \% and \_ work)
//	bare      = characters up to the next space (inside a list: up to "," or ")"),
//	            without quotes or parentheses; the bare word null means JSON null
//	list      = "(" value { "," value } ")"
//
// Words are separated by spaces (a "+" in a URL query is a space). `and`
// is matched in any letter case; `or`, `not` and parentheses for grouping
// are not supported, as the docs say.

const (
	maxFilterBytes    = 4096
	maxFilterConds    = 32
	maxFilterListVals = 256
)

var filterOps = []string{"eq", "ne", "gt", "ge", "lt", "le", "like", "ilike", "notlike", "in", "notin", "contains", "notcontains"}

// filterValue is one value as written: its text and whether it was quoted
// (a quoted "null" is the string, a bare null is JSON null).
type filterValue struct {
	text   string
	quoted bool
}

func (v filterValue) isNull() bool { return !v.quoted && v.text == "null" }

type condition struct {
	field  string
	op     string
	values []filterValue // one value, or the list of in/notin
}

type filterScanner struct {
	s   string
	pos int
}

func (p *filterScanner) eof() bool { return p.pos >= len(p.s) }

func isFilterSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *filterScanner) skipSpace() int {
	start := p.pos
	for !p.eof() && isFilterSpace(p.s[p.pos]) {
		p.pos++
	}
	return p.pos - start
}

func isIdentByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '.':
		return !first
	}
	return false
}

func (p *filterScanner) ident() string {
	start := p.pos
	for !p.eof() && isIdentByte(p.s[p.pos], p.pos == start) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// parseFilter parses a filter string into its conditions; "" (or only
// spaces) means no filter.
func parseFilter(s string) ([]condition, error) {
	if len(s) > maxFilterBytes {
		return nil, fmt.Errorf("filter is longer than %d bytes", maxFilterBytes)
	}
	p := &filterScanner{s: s}
	p.skipSpace()
	if p.eof() {
		return nil, nil
	}
	var conds []condition
	for {
		c, err := p.condition()
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
		if len(conds) > maxFilterConds {
			return nil, fmt.Errorf("filter has more than %d conditions", maxFilterConds)
		}
		p.skipSpace()
		if p.eof() {
			return conds, nil
		}
		at := p.pos
		if w := p.ident(); !strings.EqualFold(w, "and") {
			return nil, fmt.Errorf("expected \"and\" at offset %d, found %q", at, snippet(p.s[at:]))
		}
		if p.skipSpace() == 0 || p.eof() {
			return nil, fmt.Errorf("expected a condition after \"and\" at offset %d", at)
		}
	}
}

func (p *filterScanner) condition() (condition, error) {
	at := p.pos
	field := p.ident()
	if field == "" {
		return condition{}, fmt.Errorf("expected a field name at offset %d, found %q", at, snippet(p.s[at:]))
	}
	if p.skipSpace() == 0 {
		return condition{}, fmt.Errorf("expected a space and an operator after field %q", field)
	}
	at = p.pos
	op := strings.ToLower(p.ident())
	if op == "" {
		return condition{}, fmt.Errorf("expected an operator after field %q, found %q", field, snippet(p.s[at:]))
	}
	if !slices.Contains(filterOps, op) {
		return condition{}, fmt.Errorf("unknown filter operator %q", op)
	}
	p.skipSpace()
	c := condition{field: field, op: op}
	if op == "in" || op == "notin" {
		vals, err := p.list(op)
		if err != nil {
			return condition{}, err
		}
		c.values = vals
	} else {
		v, err := p.value(false, field, op)
		if err != nil {
			return condition{}, err
		}
		c.values = []filterValue{v}
	}
	if !p.eof() && !isFilterSpace(p.s[p.pos]) {
		return condition{}, fmt.Errorf("unexpected %q after the value of %q", snippet(p.s[p.pos:]), field)
	}
	return c, nil
}

func (p *filterScanner) value(inList bool, field, op string) (filterValue, error) {
	if p.eof() {
		return filterValue{}, fmt.Errorf("missing value after %s %s", field, op)
	}
	switch q := p.s[p.pos]; q {
	case '"', '\'':
		start := p.pos
		p.pos++
		var b strings.Builder
		for {
			if p.eof() {
				return filterValue{}, fmt.Errorf("unterminated quoted value at offset %d", start)
			}
			ch := p.s[p.pos]
			switch {
			case ch == '\\' && p.pos+1 < len(p.s) && (p.s[p.pos+1] == q || p.s[p.pos+1] == '\\'):
				b.WriteByte(p.s[p.pos+1])
				p.pos += 2
			case ch == q:
				p.pos++
				return filterValue{text: b.String(), quoted: true}, nil
			default:
				b.WriteByte(ch)
				p.pos++
			}
		}
	case '(':
		return filterValue{}, fmt.Errorf("a list of values is only allowed after in or notin (field %q)", field)
	}
	start := p.pos
	for !p.eof() {
		ch := p.s[p.pos]
		if isFilterSpace(ch) || inList && (ch == ',' || ch == ')') {
			break
		}
		if ch == '"' || ch == '\'' || ch == '(' || ch == ')' {
			return filterValue{}, fmt.Errorf("unexpected %q inside an unquoted value at offset %d; quote the value", ch, p.pos)
		}
		p.pos++
	}
	if p.pos == start {
		return filterValue{}, fmt.Errorf("missing value after %s %s", field, op)
	}
	return filterValue{text: p.s[start:p.pos]}, nil
}

func (p *filterScanner) list(op string) ([]filterValue, error) {
	if p.eof() || p.s[p.pos] != '(' {
		return nil, fmt.Errorf("%s needs a list in parentheses, like (a, \"b c\")", op)
	}
	p.pos++
	var vals []filterValue
	for {
		p.skipSpace()
		if !p.eof() && p.s[p.pos] == ')' && len(vals) == 0 {
			return nil, fmt.Errorf("%s needs at least one value", op)
		}
		v, err := p.value(true, "list", op)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if len(vals) > maxFilterListVals {
			return nil, fmt.Errorf("%s list has more than %d values", op, maxFilterListVals)
		}
		p.skipSpace()
		if p.eof() {
			return nil, fmt.Errorf("%s list is missing its closing parenthesis", op)
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return vals, nil
		default:
			return nil, fmt.Errorf("expected \",\" or \")\" in the %s list, found %q", op, snippet(p.s[p.pos:]))
		}
	}
}

// snippet shortens input quoted back in an error.
func snippet(s string) string {
	if len(s) <= 20 {
		return s
	}
	cut := 20
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// cval is a comparable value: a field's value or a filter operand.
type cval struct {
	null bool
	s    string // kString, and the text of a kDate
	n    float64
	b    bool
	t    time.Time
}

var dateInputLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads an ISO 8601 date or date-time; without a zone it is UTC.
func parseDate(s string) (time.Time, bool) {
	for _, l := range dateInputLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// operand converts a filter value for a field of kind k.
func operand(v filterValue, k kind, field string) (cval, error) {
	if v.isNull() {
		return cval{null: true}, nil
	}
	switch k {
	case kString:
		return cval{s: v.text}, nil
	case kNumber:
		n, err := strconv.ParseFloat(v.text, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return cval{}, fmt.Errorf("field %q needs a number, not %q", field, snippet(v.text))
		}
		return cval{n: n}, nil
	case kBool:
		switch v.text {
		case "true":
			return cval{b: true}, nil
		case "false":
			return cval{b: false}, nil
		}
		return cval{}, fmt.Errorf("field %q needs true or false, not %q", field, snippet(v.text))
	case kDate:
		t, ok := parseDate(v.text)
		if !ok {
			return cval{}, fmt.Errorf("field %q needs a date like 2024-09-11 or 2024-09-11T13:46:42.211Z, not %q", field, snippet(v.text))
		}
		return cval{s: v.text, t: t}, nil
	}
	return cval{}, fmt.Errorf("field %q cannot be compared", field)
}

// itemValue reads a field of a rendered item as a cval; values of an
// unexpected type read as null.
func itemValue(v any, k kind) cval {
	switch k {
	case kString:
		if s, ok := v.(string); ok {
			return cval{s: s}
		}
	case kNumber:
		switch n := v.(type) {
		case int64:
			return cval{n: float64(n)}
		case int:
			return cval{n: float64(n)}
		case float64:
			return cval{n: n}
		}
	case kBool:
		if b, ok := v.(bool); ok {
			return cval{b: b}
		}
	case kDate:
		if s, ok := v.(string); ok {
			if t, ok := parseDate(s); ok {
				return cval{s: s, t: t}
			}
		}
	}
	return cval{null: true}
}

// compareVals orders two non-null values of kind k.
func compareVals(a, b cval, k kind) int {
	switch k {
	case kNumber:
		switch {
		case a.n < b.n:
			return -1
		case a.n > b.n:
			return 1
		}
		return 0
	case kBool:
		switch {
		case a.b == b.b:
			return 0
		case !a.b:
			return -1
		}
		return 1
	case kDate:
		// Dates are emitted with millisecond precision; compare at that.
		return a.t.Truncate(time.Millisecond).Compare(b.t.Truncate(time.Millisecond))
	}
	return strings.Compare(a.s, b.s)
}

// compareNullsFirst orders values with null before everything else.
func compareNullsFirst(a, b cval, k kind) int {
	switch {
	case a.null && b.null:
		return 0
	case a.null:
		return -1
	case b.null:
		return 1
	}
	return compareVals(a, b, k)
}

func equalVals(a, b cval, k kind) bool {
	if a.null || b.null {
		return a.null == b.null
	}
	return compareVals(a, b, k) == 0
}

type predicate func(item map[string]any) bool

// compileFilter checks conditions against a schema and turns them into
// predicates that must all hold.
func compileFilter(conds []condition, sch schema) ([]predicate, error) {
	preds := make([]predicate, 0, len(conds))
	for _, c := range conds {
		p, err := compileCondition(c, sch)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return preds, nil
}

var errNoFilterField = errors.New("unknown filter field")

func compileCondition(c condition, sch schema) (predicate, error) {
	k, ok := sch[c.field]
	if !ok {
		return nil, fmt.Errorf("%w %q", errNoFilterField, c.field)
	}
	field, op := c.field, c.op
	negate := op == "ne" || op == "notin" || op == "notlike" || op == "notcontains"
	wrap := func(p predicate) predicate {
		if negate {
			return func(item map[string]any) bool { return !p(item) }
		}
		return p
	}
	switch k {
	case kObject:
		return nil, fmt.Errorf("field %q is an object and cannot be filtered", field)
	case kArray:
		if op != "contains" && op != "notcontains" {
			return nil, fmt.Errorf("operator %q does not apply to the list field %q; use contains or notcontains", op, field)
		}
		v := c.values[0]
		if v.isNull() {
			return nil, fmt.Errorf("%s needs a value, not null", op)
		}
		return wrap(func(item map[string]any) bool {
			switch arr := item[field].(type) {
			case []string:
				return slices.Contains(arr, v.text)
			case []any:
				return slices.Contains(arr, any(v.text))
			}
			return false
		}), nil
	}
	if op == "contains" || op == "notcontains" {
		return nil, fmt.Errorf("operator %q only applies to list fields, and %q is not one", op, field)
	}
	get := func(item map[string]any) cval { return itemValue(item[field], k) }
	var vals []cval
	if op != "like" && op != "ilike" && op != "notlike" { // like takes a pattern, not a typed value
		vals = make([]cval, len(c.values))
		for i, v := range c.values {
			cv, err := operand(v, k, field)
			if err != nil {
				return nil, err
			}
			vals[i] = cv
		}
	}

	switch op {
	case "eq", "ne", "in", "notin":
		return wrap(func(item map[string]any) bool {
			iv := get(item)
			for _, v := range vals {
				if equalVals(iv, v, k) {
					return true
				}
			}
			return false
		}), nil
	case "gt", "ge", "lt", "le":
		if k == kBool {
			return nil, fmt.Errorf("operator %q does not apply to the true/false field %q", op, field)
		}
		v := vals[0]
		if v.null {
			return nil, fmt.Errorf("operator %q needs a value, not null", op)
		}
		return func(item map[string]any) bool {
			iv := get(item)
			if iv.null {
				return false
			}
			r := compareVals(iv, v, k)
			switch op {
			case "gt":
				return r > 0
			case "ge":
				return r >= 0
			case "lt":
				return r < 0
			}
			return r <= 0
		}, nil
	case "like", "ilike", "notlike":
		if k != kString && k != kDate {
			return nil, fmt.Errorf("operator %q only applies to text and date fields, and %q is not one", op, field)
		}
		v := c.values[0]
		if v.isNull() {
			return nil, fmt.Errorf("operator %q needs a pattern, not null", op)
		}
		fold := op == "ilike"
		pat := compileLike(v.text, fold)
		return wrap(func(item map[string]any) bool {
			iv := get(item)
			if iv.null {
				return false
			}
			s := iv.s
			if fold {
				s = strings.ToLower(s)
			}
			return pat.match(s)
		}), nil
	}
	return nil, fmt.Errorf("unknown filter operator %q", op)
}

// likePattern is an SQL LIKE pattern: % matches any run of characters, _
// exactly one, and a backslash makes the next character literal.
type likePattern []likeTok

type likeTok struct {
	star, one bool
	r         rune
}

func compileLike(p string, fold bool) likePattern {
	if fold {
		p = strings.ToLower(p)
	}
	rs := []rune(p)
	var toks likePattern
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\\' && i+1 < len(rs):
			i++
			toks = append(toks, likeTok{r: rs[i]})
		case r == '%':
			if len(toks) == 0 || !toks[len(toks)-1].star {
				toks = append(toks, likeTok{star: true})
			}
		case r == '_':
			toks = append(toks, likeTok{one: true})
		default:
			toks = append(toks, likeTok{r: r})
		}
	}
	return toks
}

// match runs the usual wildcard walk that backtracks only to the last %,
// which is O(len(pattern)·len(s)) at worst.
func (p likePattern) match(str string) bool {
	s := []rune(str)
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(s) {
		switch {
		case ti < len(p) && p[ti].star:
			starT, starS = ti, si
			ti++
		case ti < len(p) && (p[ti].one || p[ti].r == s[si]):
			ti++
			si++
		case starT >= 0:
			starS++
			ti, si = starT+1, starS
		default:
			return false
		}
	}
	for ti < len(p) && p[ti].star {
		ti++
	}
	return ti == len(p)
}
