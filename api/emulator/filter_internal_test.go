package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFilter(t *testing.T) {
	v := func(text string) filterValue { return filterValue{text: text} }
	q := func(text string) filterValue { return filterValue{text: text, quoted: true} }
	tests := []struct {
		name    string
		in      string
		want    []condition
		wantErr string
	}{
		{name: "empty", in: ""},
		{name: "spaces", in: "  \t "},
		{name: "doc example 1", in: `state eq "NY" and phonenumber like "%555%"`, want: []condition{
			{field: "state", op: "eq", values: []filterValue{q("NY")}},
			{field: "phonenumber", op: "like", values: []filterValue{q("%555%")}},
		}},
		{name: "doc example 2", in: `status eq "active" and maximum_ttl gt 40000`, want: []condition{
			{field: "status", op: "eq", values: []filterValue{q("active")}},
			{field: "maximum_ttl", op: "gt", values: []filterValue{v("40000")}},
		}},
		{name: "doc sdk example", in: `date_stop ge 2020-03-15 and date_stop lt 2020-03-16`, want: []condition{
			{field: "date_stop", op: "ge", values: []filterValue{v("2020-03-15")}},
			{field: "date_stop", op: "lt", values: []filterValue{v("2020-03-16")}},
		}},
		{name: "doc nested", in: `properties.login eq "username"`, want: []condition{
			{field: "properties.login", op: "eq", values: []filterValue{q("username")}},
		}},
		{name: "single quotes and escapes", in: `name eq 'it\'s' AND name ne "a\"b\\c\%"`, want: []condition{
			{field: "name", op: "eq", values: []filterValue{q("it's")}},
			{field: "name", op: "ne", values: []filterValue{q(`a"b\c\%`)}},
		}},
		{name: "null bare and quoted", in: `a eq null and b eq "null"`, want: []condition{
			{field: "a", op: "eq", values: []filterValue{v("null")}},
			{field: "b", op: "eq", values: []filterValue{q("null")}},
		}},
		{name: "lists", in: `a in (x, "y z",'w') and b NOTIN(1)`, want: []condition{
			{field: "a", op: "in", values: []filterValue{v("x"), q("y z"), q("w")}},
			{field: "b", op: "notin", values: []filterValue{v("1")}},
		}},
		{name: "no space before quote", in: `name eq"x"`, want: []condition{{field: "name", op: "eq", values: []filterValue{q("x")}}}},
		{name: "unicode value", in: `name eq "héllo wörld"`, want: []condition{{field: "name", op: "eq", values: []filterValue{q("héllo wörld")}}}},
		{name: "or", in: `a eq 1 or b eq 2`, wantErr: `expected "and"`},
		{name: "not", in: `not a eq 1`, wantErr: "unknown filter operator"},
		{name: "parens", in: `(a eq 1)`, wantErr: "expected a field name"},
		{name: "unknown op", in: `a bit_and 1`, wantErr: "unknown filter operator"},
		{name: "missing value", in: `a eq`, wantErr: "missing value"},
		{name: "missing op", in: `a`, wantErr: "expected a space"},
		{name: "unterminated", in: `a eq "x`, wantErr: "unterminated"},
		{name: "dangling and", in: `a eq 1 and`, wantErr: `after "and"`},
		{name: "and without space", in: `a eq 1 and(b eq 2)`, wantErr: `after "and"`},
		{name: "in needs list", in: `a in x`, wantErr: "parentheses"},
		{name: "empty list", in: `a in ()`, wantErr: "at least one"},
		{name: "unclosed list", in: `a in (x,`, wantErr: "missing value"},
		{name: "list after eq", in: `a eq (x)`, wantErr: "only allowed after in"},
		{name: "junk after quote", in: `a eq "x"y`, wantErr: "unexpected"},
		{name: "quote inside bare", in: `a eq x"y`, wantErr: "unexpected"},
		{name: "field starts with digit", in: `1a eq 1`, wantErr: "expected a field name"},
		{name: "too long", in: "a eq " + strings.Repeat("x", maxFilterBytes), wantErr: "longer than"},
		{name: "too many", in: strings.Repeat("a eq 1 and ", maxFilterConds) + "a eq 1", wantErr: "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFilter(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestLikePattern(t *testing.T) {
	tests := []struct {
		pat, s string
		fold   bool
		want   bool
	}{
		{"%555%", "+15551234", false, true},
		{"%555%", "+1554", false, false},
		{"a_c", "abc", false, true},
		{"a_c", "ac", false, false},
		{"a%", "a", false, true},
		{"%", "", false, true},
		{"", "", false, true},
		{"", "x", false, false},
		{`100\%`, "100%", false, true},
		{`100\%`, "1000", false, false},
		{`a\_b`, "a_b", false, true},
		{`a\_b`, "axb", false, false},
		{"%a%b%c%", "xxaxxbxxcxx", false, true},
		{"%a%b%c", "abcab", false, false},
		{"CI-%", "ci-bot", true, true},
		{"CI-%", "ci-bot", false, false},
		{"é_", "éx", false, true},
		{"%" + strings.Repeat("a%", 30) + "b", strings.Repeat("a", 200), false, false},
	}
	for _, tt := range tests {
		s := tt.s
		if tt.fold {
			s = strings.ToLower(s)
		}
		if got := compileLike(tt.pat, tt.fold).match(s); got != tt.want {
			t.Errorf("%q like %q (fold %v) = %v, want %v", tt.s, tt.pat, tt.fold, got, tt.want)
		}
	}
}

// fuzzItems are rendered items of each resource, for predicates to run on.
func fuzzItems() (tokens, containers []map[string]any) {
	s := New(Options{Now: func() time.Time { return time.Date(2024, 9, 11, 13, 46, 42, 211e6, time.UTC) }})
	s.IssueToken("ci-bot", []string{"storage.read"}, time.Hour)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[1].lastIP = "203.0.113.7"
	s.tokens[1].lastAccessed = s.tokens[1].created
	for _, t := range s.tokens {
		tokens = append(tokens, s.tokenJSON(t, true))
	}
	for _, c := range s.containers {
		containers = append(containers, containerJSON(c))
	}
	return tokens, containers
}

func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		`state eq "NY" and phonenumber like "%555%"`,
		`status eq "active" and maximum_ttl gt 40000`,
		`properties.login eq "username"`,
		`date_stop ge 2020-03-15 and date_stop lt 2020-03-16`,
		`name eq "ci-bot"`,
		`name in ("a", 'b', c) and scopes contains storage.read`,
		`date_last_accessed eq null and quota_bytes ge 1e3`,
		`name like "%\%\_%" and name ilike 'X%'`,
		`allow_publish eq true and integer_key_1 notin (1, 2, null)`,
		`a eq "x`, `a in (`, `(`, `"`, `and`, `a eq x and and`,
	} {
		f.Add(seed)
	}
	tokens, containers := fuzzItems()
	f.Fuzz(func(t *testing.T, s string) {
		conds, err := parseFilter(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("empty error message")
			}
			return
		}
		if len(s) > maxFilterBytes || len(conds) > maxFilterConds {
			t.Fatalf("accepted an over-limit filter")
		}
		for _, c := range conds {
			if c.field == "" || len(c.values) == 0 {
				t.Fatalf("accepted condition %+v", c)
			}
		}
		for _, set := range []struct {
			sch   schema
			items []map[string]any
		}{{tokenSchema, tokens}, {containerSchema, containers}} {
			preds, err := compileFilter(conds, set.sch)
			if err != nil {
				continue
			}
			for _, it := range set.items {
				for _, p := range preds {
					p(it)
				}
			}
		}
	})
}

func FuzzListQuery(f *testing.F) {
	for _, seed := range []string{
		"",
		"limit=5&offset=2",
		"limit=1000",
		"limit=1001",
		"limit=-1&offset=x",
		"order=name+desc&filter=name+eq+%22ci-bot%22",
		"order=shuffle&include_fields=name,token_sid",
		"includeFields=name&excludeFields=scopes&with_related=true",
		"filter=scopes+contains+storage.read+and+date_created+ge+2024-01-01",
		"filter=state+eq+%22NY%22+and+phonenumber+like+%22%25555%25%22",
		"after=x", "offset=99999999999999999999", "%zz", "limit=1&limit=2",
	} {
		f.Add(seed)
	}
	s := New(Options{})
	for range 12 {
		s.IssueToken("t", []string{"storage.read", "oauth.read"}, 0)
	}
	seed := s.Seed()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(seed.Login+":"+seed.Password))
	f.Fuzz(func(t *testing.T, raw string) {
		for _, path := range []string{"/core/v2/oauth/tokens", "/core/v2/storage/containers"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.URL.RawQuery = raw
			req.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			var body map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("%s?%q: body is not a JSON object: %v", path, raw, err)
			}
			switch rec.Code {
			case http.StatusBadRequest:
				var e struct {
					Message string            `json:"message"`
					Errors  []json.RawMessage `json:"errors"`
				}
				if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Message != "Bad Request" || len(e.Errors) == 0 {
					t.Fatalf("%s?%q: 400 without a reason", path, raw)
				}
			case http.StatusOK:
				var env struct {
					Count      int               `json:"count"`
					HasMore    bool              `json:"has_more"`
					Items      []json.RawMessage `json:"items"`
					Limit      int               `json:"limit"`
					Offset     int               `json:"offset"`
					Pagination map[string]string `json:"pagination"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
					t.Fatalf("%s?%q: envelope: %v", path, raw, err)
				}
				_, hasNext := env.Pagination["next"]
				if env.Count != len(env.Items) || env.Limit < 1 || env.Limit > maxLimit || env.Count > env.Limit ||
					env.Offset < 0 || hasNext != env.HasMore || env.Items == nil {
					t.Fatalf("%s?%q: inconsistent envelope: count %d, %d items, limit %d, offset %d, has_more %v, next %v",
						path, raw, env.Count, len(env.Items), env.Limit, env.Offset, env.HasMore, hasNext)
				}
			default:
				t.Fatalf("%s?%q: status %d", path, raw, rec.Code)
			}
		}
	})
}
