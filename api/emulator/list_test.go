package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"cxtokens/api/emulator"
)

// listPath builds /oauth/tokens with the query args given as pairs.
func listPath(base string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}

func TestList_Pagination(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	for i := range 25 {
		h.srv.IssueToken(fmt.Sprintf("tok-%02d", i), nil, 0)
	}
	// 26 tokens with the bootstrap one.
	env := h.get("/oauth/tokens", bearer(h.boot)).want(t, http.StatusOK)
	if env["count"] != 10.0 || env["limit"] != 10.0 || env["has_more"] != true || env["total"] != nil {
		t.Errorf("default page: count %v limit %v has_more %v total %v", env["count"], env["limit"], env["has_more"], env["total"])
	}
	env = h.get("/oauth/tokens?limit=1000", bearer(h.boot)).want(t, http.StatusOK)
	if env["count"] != 26.0 || env["has_more"] != false || len(env["pagination"].(map[string]any)) != 0 {
		t.Errorf("limit=1000: count %v has_more %v pagination %v", env["count"], env["has_more"], env["pagination"])
	}
	env = h.get("/oauth/tokens?offset=20", bearer(h.boot)).want(t, http.StatusOK)
	if env["count"] != 6.0 || env["offset"] != 20.0 || env["has_more"] != false {
		t.Errorf("offset=20: count %v offset %v has_more %v", env["count"], env["offset"], env["has_more"])
	}
	if got := names(t, env); got[0] != "tok-19" || got[5] != "tok-24" {
		t.Errorf("offset=20 names %v, want tok-19…tok-24 (creation order)", got)
	}
	env = h.get("/oauth/tokens?offset=500", bearer(h.boot)).want(t, http.StatusOK)
	if env["count"] != 0.0 || len(items(t, env)) != 0 || env["has_more"] != false {
		t.Errorf("offset past the end: count %v", env["count"])
	}

	for _, bad := range []string{"limit=1001", "limit=0", "limit=-1", "limit=abc", "limit=1.5", "limit=", "limit=1&limit=2",
		"offset=-1", "offset=x", "after=abc", "before=abc", "with_related=1", "filter=%zz"} {
		errs := h.get("/oauth/tokens?"+bad, bearer(h.boot)).wantError(t, http.StatusBadRequest, "Bad Request")
		if len(errs) == 0 {
			t.Errorf("%s: 400 without errors", bad)
		}
	}

	// Follow pagination.next to the end; other args are kept.
	next := h.base + listPath("/oauth/tokens", "limit", "7", "order", "name desc", "filter", `name like "tok-%"`)
	var seen []string
	pages := 0
	for next != "" {
		env := h.get(next, bearer(h.boot)).want(t, http.StatusOK)
		pages++
		its := names(t, env)
		if env["count"] != float64(len(its)) || len(its) > 7 || env["limit"] != 7.0 {
			t.Fatalf("page %d: count %v with %d items, limit %v", pages, env["count"], len(its), env["limit"])
		}
		seen = append(seen, its...)
		p := env["pagination"].(map[string]any)
		if env["has_more"] == true {
			n, ok := p["next"].(string)
			if !ok {
				t.Fatalf("page %d has_more without pagination.next", pages)
			}
			u, err := url.Parse(n)
			if err != nil || !u.IsAbs() || u.Host != strings.TrimPrefix(h.ts.URL, "http://") || u.Path != "/core/v2/oauth/tokens" {
				t.Fatalf("next %q is not an absolute URL to this route", n)
			}
			q := u.Query()
			if q.Get("offset") != fmt.Sprint(pages*7) || q.Get("limit") != "7" || q.Get("order") != "name desc" || q.Get("filter") != `name like "tok-%"` {
				t.Fatalf("next %q lost or miscounted args", n)
			}
			next = n
		} else {
			if len(p) != 0 {
				t.Fatalf("last page pagination = %v, want {}", p)
			}
			next = ""
		}
	}
	if pages != 4 || len(seen) != 25 || !slices.IsSortedFunc(seen, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("%d pages, %d names, sorted desc %v", pages, len(seen), seen)
	}
	if len(slices.Compact(slices.Clone(seen))) != 25 {
		t.Errorf("pages repeated items: %v", seen)
	}
}

func TestList_Order(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	h.srv.IssueToken("charlie", []string{"storage.read"}, 0)
	h.clock.Advance(time.Second)
	h.srv.IssueToken("alpha", []string{"storage.read"}, 0)
	h.clock.Advance(time.Second)
	h.srv.IssueToken("bravo", []string{"storage.read"}, time.Hour)
	filter := `name ne "bootstrap"`
	tests := []struct {
		order string
		want  []string
	}{
		{"", []string{"charlie", "alpha", "bravo"}},
		{"name", []string{"alpha", "bravo", "charlie"}},
		{"name asc", []string{"alpha", "bravo", "charlie"}},
		{"name desc", []string{"charlie", "bravo", "alpha"}},
		{"name DESC", []string{"charlie", "bravo", "alpha"}},
		{"date_created desc", []string{"bravo", "alpha", "charlie"}},
		{"date_expiration_access_token, name", []string{"bravo", "charlie", "alpha"}},
		{"token_type, date_expiration_access_token desc", []string{"alpha", "charlie", "bravo"}},
		{"token_type asc, name desc", []string{"charlie", "bravo", "alpha"}},
	}
	for _, tt := range tests {
		t.Run(tt.order, func(t *testing.T) {
			env := h.get(listPath("/oauth/tokens", "order", tt.order, "filter", filter), bearer(h.boot)).want(t, http.StatusOK)
			if got := names(t, env); !slices.Equal(got, tt.want) {
				t.Errorf("order %q: %v, want %v", tt.order, got, tt.want)
			}
		})
	}
	// order=name+desc as written in the docs' URLs.
	if got := names(t, h.get("/oauth/tokens?order=name+desc&filter=name+ne+bootstrap", bearer(h.boot)).want(t, 200)); !slices.Equal(got, []string{"charlie", "bravo", "alpha"}) {
		t.Errorf("order=name+desc: %v", got)
	}
	got := names(t, h.get(listPath("/oauth/tokens", "order", "shuffle", "filter", filter), bearer(h.boot)).want(t, 200))
	slices.Sort(got)
	if !slices.Equal(got, []string{"alpha", "bravo", "charlie"}) {
		t.Errorf("shuffle returned %v", got)
	}
	for _, bad := range []string{"colour", "name sideways", "name asc desc", "scopes", "partner", ",", "shuffle desc"} {
		h.get(listPath("/oauth/tokens", "order", bad), bearer(h.boot)).wantError(t, http.StatusBadRequest, "Bad Request")
	}
	// Containers order by numbers and booleans.
	h.get(listPath("/storage/containers", "order", "quota_bytes desc, allow_publish"), bearer(h.boot)).want(t, http.StatusOK)
}

func TestList_Filter(t *testing.T) {
	h := mustServer(t, emulator.Options{IPHeader: "X-Real-IP"})
	// Basic, so that listing does not touch the bootstrap token's last use.
	auth := basic(h.seed.Login, h.seed.Password)
	mk := func(name string, scopes []string, life time.Duration) string {
		tok, _ := h.srv.IssueToken(name, scopes, life)
		h.clock.Advance(time.Hour)
		return tok
	}
	mk("NY office", []string{"storage.read"}, 0)                    // created 13:46
	used := mk("ci-bot", []string{"storage.read", "oauth.read"}, 0) // 14:46
	mk("Ci-Bot 2", []string{"oauth.read"}, 48*time.Hour)            // 15:46
	mk(`quote "q" it's`, []string{"sms.manage"}, 0)                 // 16:46
	mk("100% done_ok", []string{"storage.read"}, 0)                 // 17:46
	h.do(http.MethodGet, "/storage/containers", bearer(used), "", "", "X-Real-IP", "198.51.100.4").want(t, http.StatusOK)

	all := []string{"bootstrap", "NY office", "ci-bot", "Ci-Bot 2", `quote "q" it's`, "100% done_ok"}
	tests := []struct {
		filter string
		want   []string
	}{
		{``, all},
		{`name eq "ci-bot"`, []string{"ci-bot"}},
		{`name eq 'ci-bot'`, []string{"ci-bot"}},
		{`name eq ci-bot`, []string{"ci-bot"}},
		{`name EQ ci-bot`, []string{"ci-bot"}},
		{`name eq "NY office"`, []string{"NY office"}},
		{`name eq 'quote "q" it\'s'`, []string{`quote "q" it's`}},
		{`name eq "quote \"q\" it's"`, []string{`quote "q" it's`}},
		{`name ne "ci-bot"`, []string{"bootstrap", "NY office", "Ci-Bot 2", `quote "q" it's`, "100% done_ok"}},
		{`name like "ci-%"`, []string{"ci-bot"}},
		{`name ilike "ci-%"`, []string{"ci-bot", "Ci-Bot 2"}},
		{`name notlike "%-%"`, []string{"bootstrap", "NY office", `quote "q" it's`, "100% done_ok"}},
		{`name like "%\%%"`, []string{"100% done_ok"}},
		{`name like "%\_%"`, []string{"100% done_ok"}},
		{`name like "ci_bot"`, []string{"ci-bot"}},
		{`name like "%"`, all},
		{`name gt "bootstrap"`, []string{"ci-bot", `quote "q" it's`}},
		{`name ge "ci-bot"`, []string{"ci-bot", `quote "q" it's`}},
		{`name lt "NY office"`, []string{"Ci-Bot 2", "100% done_ok"}},
		{`name le "NY office"`, []string{"NY office", "Ci-Bot 2", "100% done_ok"}},
		{`name in ("ci-bot", 'NY office', bootstrap)`, []string{"bootstrap", "NY office", "ci-bot"}},
		{`name in (ci-bot)`, []string{"ci-bot"}},
		{`name notin ("ci-bot","NY office")`, []string{"bootstrap", "Ci-Bot 2", `quote "q" it's`, "100% done_ok"}},
		{`date_created gt "2024-09-11T14:46:42.211Z"`, []string{"Ci-Bot 2", `quote "q" it's`, "100% done_ok"}},
		{`date_created ge 2024-09-11T14:46:42.211Z`, []string{"ci-bot", "Ci-Bot 2", `quote "q" it's`, "100% done_ok"}},
		{`date_created lt 2024-09-11T14:00:00Z`, []string{"bootstrap", "NY office"}},
		{`date_created le "2024-09-11T13:46:42.211Z"`, []string{"bootstrap", "NY office"}},
		{`date_created eq "2024-09-11T15:46:42.211Z"`, []string{"Ci-Bot 2"}},
		{`date_created ge 2024-09-11 and date_created lt 2024-09-12`, all},
		{`date_created like "2024-09-11T1_:46%"`, all},
		{`date_expiration_access_token lt "2030-01-01"`, []string{"Ci-Bot 2"}},
		{`date_last_accessed eq null`, []string{"bootstrap", "NY office", "Ci-Bot 2", `quote "q" it's`, "100% done_ok"}},
		{`date_last_accessed ne null`, []string{"ci-bot"}},
		{`ip_last_accessed eq "198.51.100.4"`, []string{"ci-bot"}},
		{`ip_last_accessed ne "198.51.100.4"`, []string{"bootstrap", "NY office", "Ci-Bot 2", `quote "q" it's`, "100% done_ok"}},
		{`ip_last_accessed in (null, "198.51.100.4")`, all},
		{`scopes contains "oauth.read"`, []string{"bootstrap", "ci-bot", "Ci-Bot 2"}},
		{`scopes notcontains oauth.read`, []string{"NY office", `quote "q" it's`, "100% done_ok"}},
		{`scopes contains storage.read and scopes contains oauth.read and name ne bootstrap`, []string{"ci-bot"}},
		{`name like "%o%" AND token_type eq bearer and scopes contains storage.read`, []string{"bootstrap", "NY office", "ci-bot", "100% done_ok"}},
		{`token_type eq "bearer"`, all},
		{"  name\teq  ci-bot  ", []string{"ci-bot"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			env := h.get(listPath("/oauth/tokens", "filter", tt.filter), auth).want(t, http.StatusOK)
			if got := names(t, env); !slices.Equal(got, tt.want) {
				t.Errorf("filter %q: %q, want %q", tt.filter, got, tt.want)
			}
		})
	}

	bad := []string{
		`state eq "NY" and phonenumber like "%555%"`, // the doc's example: no such fields on tokens
		`status eq "active" and maximum_ttl gt 40000`,
		`colour eq red`,
		`name bit_and 1`,
		`name contains x`,
		`scopes eq storage.read`,
		`partner eq x`,
		`partner.login eq "username"`,
		`name eq`,
		`name`,
		`eq x`,
		`name eq "open`,
		`name eq x or name eq y`,
		`name eq x and`,
		`and name eq x`,
		`name eq x name eq y`,
		`name in x`,
		`name in ()`,
		`name in (a, b`,
		`name eq (a)`,
		`name eq a"b`,
		`date_created gt yesterday`,
		`date_created gt null`,
		`name like null`,
		`(name eq x)`,
		`name eq "a"b`,
	}
	for _, f := range bad {
		t.Run("bad "+f, func(t *testing.T) {
			errs := h.get(listPath("/oauth/tokens", "filter", f), bearer(h.boot)).wantError(t, http.StatusBadRequest, "Bad Request")
			if !hasFieldError(errs, "filter") {
				t.Errorf("errors %v lack field filter", errs)
			}
		})
	}
}

func TestList_Filter_Containers(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	tests := []struct {
		filter string
		count  float64
	}{
		{`name eq "N/A" and total_bytes ge 0`, 1},
		{`quota_bytes eq 1073741824`, 1},
		{`quota_files gt 100`, 0},
		{`quota_files le 100.0`, 1},
		{`default_file_lifecycle_ttl lt 0`, 1},
		{`allow_publish eq true`, 1},
		{`unique eq "false"`, 1},
		{`encrypted ne false`, 0},
		{`integer_key_1 eq null`, 1},
		{`integer_key_1 gt 5`, 0},
		{`string_key_1 ne null`, 0},
		{`type in (internal, external)`, 1},
		{`allowed_classifications contains media`, 0},
		{`publish_domain like "https://%"`, 1},
	}
	for _, tt := range tests {
		env := h.get(listPath("/storage/containers", "filter", tt.filter), bearer(h.boot)).want(t, http.StatusOK)
		if env["count"] != tt.count || env["total"] != tt.count {
			t.Errorf("filter %q: count %v total %v, want %v", tt.filter, env["count"], env["total"], tt.count)
		}
	}
	for _, f := range []string{`quota_bytes eq lots`, `allow_publish eq yes`, `allow_publish gt true`, `quota_bytes like "1%"`,
		`external_attributes eq x`, `state eq "NY"`} {
		h.get(listPath("/storage/containers", "filter", f), bearer(h.boot)).wantError(t, http.StatusBadRequest, "Bad Request")
	}
}

func TestList_FieldFiltering(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	_, sid := h.srv.IssueToken("x", nil, 0)
	tests := []struct {
		query string
		want  []string
	}{
		{"include_fields=name,token_sid", []string{"name", "token_sid"}},
		{"includeFields=name,+token_sid,name", []string{"name", "token_sid"}},
		{"exclude_fields=access_token,refresh_token", []string{"client_id", "date_created", "date_expiration_access_token",
			"date_expiration_refresh_token", "date_last_accessed", "ip_last_accessed", "name", "partner_sid", "scopes", "token_sid", "token_type"}},
		{"excludeFields=access_token", []string{"client_id", "date_created", "date_expiration_access_token",
			"date_expiration_refresh_token", "date_last_accessed", "ip_last_accessed", "name", "partner_sid", "refresh_token", "scopes", "token_sid", "token_type"}},
		{"include_fields=name,scopes,access_token&exclude_fields=access_token", []string{"name", "scopes"}},
		{"include_fields=partner,name&with_related=true", []string{"name", "partner"}},
		{"include_fields=partner,name", []string{"name"}},
		{"include_fields=", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			env := h.get("/oauth/tokens?"+tt.query, bearer(h.boot)).want(t, http.StatusOK)
			for _, it := range items(t, env) {
				if got := sortedKeys(it); !slices.Equal(got, tt.want) {
					t.Errorf("list %s: keys %v, want %v", tt.query, got, tt.want)
				}
			}
			one := h.get("/oauth/tokens/"+sid+"?"+tt.query, bearer(h.boot)).want(t, http.StatusOK)
			if got := sortedKeys(one); !slices.Equal(got, tt.want) {
				t.Errorf("get %s: keys %v, want %v", tt.query, got, tt.want)
			}
		})
	}
	for _, q := range []string{"include_fields=colour", "exclude_fields=name,bogus", "include_fields=name&includeFields=name",
		"exclude_fields=name&exclude_fields=scopes"} {
		h.get("/oauth/tokens?"+q, bearer(h.boot)).wantError(t, http.StatusBadRequest, "Bad Request")
		h.get("/oauth/tokens/"+sid+"?"+q, bearer(h.boot)).wantError(t, http.StatusBadRequest, "Bad Request")
	}
	c := items(t, h.get("/storage/containers?includeFields=container_sid,quota_bytes", bearer(h.boot)).want(t, 200))[0]
	if got := sortedKeys(c); !slices.Equal(got, []string{"container_sid", "quota_bytes"}) {
		t.Errorf("container include: %v", got)
	}
	c = h.get("/storage/containers/"+h.seed.ContainerSID+"?exclude_fields=external_attributes", bearer(h.boot)).want(t, 200)
	if _, ok := c["external_attributes"]; ok || len(c) != 39 {
		t.Errorf("container exclude: %d keys", len(c))
	}
}

func TestList_NextURL_TLS(t *testing.T) {
	srv := emulator.New(emulator.Options{})
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	for range 3 {
		srv.IssueToken("t", nil, 0)
	}
	status, body, err := send(ts.Client(), http.MethodGet, ts.URL+"/core/v2/oauth/tokens?limit=2", bearer(srv.Seed().Token), "", "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("TLS list: %d %v", status, err)
	}
	var env struct {
		Pagination struct {
			Next string `json:"next"`
		} `json:"pagination"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if want := ts.URL + "/core/v2/oauth/tokens?limit=2&offset=2"; env.Pagination.Next != want {
		t.Errorf("next %q, want %q", env.Pagination.Next, want)
	}
}
