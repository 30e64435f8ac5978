package emulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const (
	defaultLimit = 10
	maxLimit     = 1000
)

type orderKey struct {
	field string
	kind  kind
	desc  bool
}

// listQuery is a list route's parsed query: pagination (§7.5), result
// filtering (§7.6) and field filtering (§7.7).
type listQuery struct {
	limit, offset int
	order         []orderKey
	shuffle       bool
	filter        []predicate
	include       []string // nil: every field
	exclude       []string
}

// single returns a query argument that may be given at most once.
func single(q url.Values, name string) (string, bool, error) {
	vals := q[name]
	switch len(vals) {
	case 0:
		return "", false, nil
	case 1:
		return vals[0], true, nil
	}
	return "", false, fmt.Errorf("%s is given more than once", name)
}

func parseListQuery(q url.Values, sch schema) (listQuery, *fieldError) {
	lq := listQuery{limit: defaultLimit}
	bad := func(field string, err error) (listQuery, *fieldError) {
		fe := fieldErr(field, err.Error())
		return listQuery{}, &fe
	}
	for _, name := range []string{"after", "before"} {
		if _, ok := q[name]; ok {
			return bad(name, fmt.Errorf("%s is not supported by the emulator; page with offset", name))
		}
	}
	if v, ok, err := single(q, "limit"); err != nil {
		return bad("limit", err)
	} else if ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > maxLimit {
			return bad("limit", fmt.Errorf("limit must be a whole number from 1 to %d", maxLimit))
		}
		lq.limit = n
	}
	if v, ok, err := single(q, "offset"); err != nil {
		return bad("offset", err)
	} else if ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return bad("offset", fmt.Errorf("offset must be a whole number, 0 or more"))
		}
		lq.offset = n
	}
	if v, ok, err := single(q, "order"); err != nil {
		return bad("order", err)
	} else if ok {
		keys, shuffle, err := parseOrder(v, sch)
		if err != nil {
			return bad("order", err)
		}
		lq.order, lq.shuffle = keys, shuffle
	}
	if v, ok, err := single(q, "filter"); err != nil {
		return bad("filter", err)
	} else if ok {
		conds, err := parseFilter(v)
		if err != nil {
			return bad("filter", err)
		}
		preds, err := compileFilter(conds, sch)
		if err != nil {
			return bad("filter", err)
		}
		lq.filter = preds
	}
	var fe *fieldError
	if lq.include, fe = fieldList(q, "include_fields", "includeFields", sch); fe != nil {
		return listQuery{}, fe
	}
	if lq.exclude, fe = fieldList(q, "exclude_fields", "excludeFields", sch); fe != nil {
		return listQuery{}, fe
	}
	return lq, nil
}

// fieldList reads include_fields or exclude_fields (in either spelling, but
// only one of them): comma-separated top-level field names.
func fieldList(q url.Values, snake, camel string, sch schema) ([]string, *fieldError) {
	_, hasSnake := q[snake]
	_, hasCamel := q[camel]
	name := snake
	switch {
	case hasSnake && hasCamel:
		fe := fieldErr(snake, fmt.Sprintf("give %s or %s, not both", snake, camel))
		return nil, &fe
	case hasCamel:
		name = camel
	case !hasSnake:
		return nil, nil
	}
	v, _, err := single(q, name)
	if err != nil {
		fe := fieldErr(name, err.Error())
		return nil, &fe
	}
	out := []string{}
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if _, ok := sch[f]; !ok {
			fe := fieldErr(name, fmt.Sprintf("unknown field %q", snippet(f)))
			return nil, &fe
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// parseOrder reads `field`, `field asc`, `field desc` (several joined by
// commas) or `shuffle`.
func parseOrder(v string, sch schema) ([]orderKey, bool, error) {
	switch strings.TrimSpace(v) {
	case "":
		return nil, false, nil // order= with nothing: creation order
	case "shuffle":
		return nil, true, nil
	}
	var keys []orderKey
	for part := range strings.SplitSeq(v, ",") {
		words := strings.Fields(part)
		if len(words) == 0 || len(words) > 2 {
			return nil, false, fmt.Errorf("order must be like \"name asc\", \"name desc\", \"name\" or \"shuffle\"")
		}
		k, ok := sch[words[0]]
		if !ok {
			return nil, false, fmt.Errorf("unknown order field %q", snippet(words[0]))
		}
		if k == kArray || k == kObject {
			return nil, false, fmt.Errorf("field %q cannot be ordered by", words[0])
		}
		key := orderKey{field: words[0], kind: k}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				key.desc = true
			default:
				return nil, false, fmt.Errorf("order direction must be asc or desc, not %q", snippet(words[1]))
			}
		}
		keys = append(keys, key)
	}
	return keys, false, nil
}

// project applies field filtering to one item.
func project(item map[string]any, include, exclude []string) map[string]any {
	if include != nil {
		kept := make(map[string]any, len(include))
		for _, f := range include {
			if v, ok := item[f]; ok {
				kept[f] = v
			}
		}
		item = kept
	}
	for _, f := range exclude {
		delete(item, f)
	}
	return item
}

// writeList answers a list route with the envelope of §7.4. items are in
// creation order; nullTotal emits "total": null as the token list sample
// does.
func writeList(c *call, items []map[string]any, sch schema, nullTotal bool) {
	q, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		writeError(c.w, newError(http.StatusBadRequest, msgBadRequest, fieldErr("", "malformed query string")))
		return
	}
	lq, fe := parseListQuery(q, sch)
	if fe != nil {
		writeError(c.w, newError(http.StatusBadRequest, msgBadRequest, *fe))
		return
	}
	matched := items[:0:0]
	for _, it := range items {
		if slices.IndexFunc(lq.filter, func(p predicate) bool { return !p(it) }) < 0 {
			matched = append(matched, it)
		}
	}
	switch {
	case lq.shuffle:
		rand.Shuffle(len(matched), func(i, j int) { matched[i], matched[j] = matched[j], matched[i] })
	case len(lq.order) > 0:
		slices.SortStableFunc(matched, func(a, b map[string]any) int {
			for _, k := range lq.order {
				r := compareNullsFirst(itemValue(a[k.field], k.kind), itemValue(b[k.field], k.kind), k.kind)
				if k.desc {
					r = -r
				}
				if r != 0 {
					return r
				}
			}
			return 0
		})
	}
	total := len(matched)
	start := min(lq.offset, total)
	end := min(start+lq.limit, total)
	page := make([]map[string]any, 0, end-start)
	for _, it := range matched[start:end] {
		page = append(page, project(it, lq.include, lq.exclude))
	}
	hasMore := end < total
	pagination := map[string]any{}
	if hasMore {
		pagination["next"] = nextURL(c.r, q, end)
	}
	env := map[string]any{
		"count":      len(page),
		"has_more":   hasMore,
		"items":      page,
		"limit":      lq.limit,
		"offset":     lq.offset,
		"pagination": pagination,
		"total":      total,
	}
	if nullTotal {
		env["total"] = nil
	}
	writeJSON(c.w, http.StatusOK, env)
}

// nextURL is the absolute request URL with offset moved to the next page
// and every other argument kept.
func nextURL(r *http.Request, q url.Values, offset int) string {
	next := url.Values{}
	for k, v := range q {
		next[k] = slices.Clone(v)
	}
	next.Set("offset", strconv.Itoa(offset))
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: next.Encode()}
	return u.String()
}

// writeItem answers a GET by sid: the object with field filtering applied.
func writeItem(c *call, item map[string]any, sch schema) {
	q, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		writeError(c.w, newError(http.StatusBadRequest, msgBadRequest, fieldErr("", "malformed query string")))
		return
	}
	include, fe := fieldList(q, "include_fields", "includeFields", sch)
	if fe != nil {
		writeError(c.w, newError(http.StatusBadRequest, msgBadRequest, *fe))
		return
	}
	exclude, fe := fieldList(q, "exclude_fields", "excludeFields", sch)
	if fe != nil {
		writeError(c.w, newError(http.StatusBadRequest, msgBadRequest, *fe))
		return
	}
	writeJSON(c.w, http.StatusOK, project(item, include, exclude))
}
