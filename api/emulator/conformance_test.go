package emulator_test

// Conformance with shared/carrierx-core-api.md: every JSON example and
// status rule of the doc, checked over real loopback HTTP.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"cxtokens/api/emulator"
)

// The doc's samples, verbatim (§4, §5.3, §5.8, §6.1, §6.4).
const (
	sampleToken = `{
  "access_token": "8bfd6c6d-6291-488a-bed1-8784c195ce87",
  "client_id": "5c7965f285344165b003ce1a3202e589",
  "date_created": "2024-09-11T13:46:42.211Z",
  "date_expiration_access_token": "2124-08-18T13:46:42.169Z",
  "date_expiration_refresh_token": "2124-08-18T13:46:42.169Z",
  "date_last_accessed": null,
  "ip_last_accessed": null,
  "name": "test_token",
  "partner_sid": "cee93bf3-5746-43fe-a1a2-822c05fef687",
  "refresh_token": "ed07dcd6-dfc5-4d7b-b7b4-891441371b3e",
  "scopes": ["accesscontrol.manage", "endpoints.manage", "oauth.manage", "partners.manage",
             "phonenumber.manage", "push.manage", "shortener.manage", "sms.manage",
             "storage.manage", "trunk_groups.manage", "trunk_groups.trunks.manage"],
  "token_sid": "b3f45e4d-7d46-467b-9724-272f57ac420e",
  "token_type": "bearer"
}`
	sampleTokenList = `{ "count": 1, "has_more": false, "items": [ ` + sampleToken + ` ],
  "limit": 10, "offset": 0, "pagination": {}, "total": null }`
	sampleContainer = `{"allow_publish":true,"allowed_classifications":[],"available_bytes_percent":100,
 "available_files_percent":100,"blocked_classifications":[],
 "container_sid":"a291fe99-43d6-446f-a63e-91f93030dc7e",
 "default_file_lifecycle_action":"no_action","default_file_lifecycle_ttl":-1,
 "default_file_publish":"file_sid","default_file_threshold_include":true,
 "default_file_unique":false,"durability_class":"unassigned","encrypted":false,
 "external_attributes":{},"integer_key_1":null,"integer_key_2":null,"name":"N/A",
 "parent_container_sid":null,"partner_sid":"e00430c3-a7d0-4666-ab5c-f7202448382f",
 "publish_domain":"https://storage.carrierx.com","quota_bytes":1073741824,"quota_files":100,
 "string_key_1":null,"string_key_2":null,"string_key_3":null,"string_key_4":null,
 "threshold_action":null,"threshold_available_bytes_percent":null,
 "threshold_available_files_percent":null,"threshold_bytes":null,"threshold_bytes_target":null,
 "threshold_files":null,"threshold_files_target":null,"threshold_grace_period":0,
 "threshold_total_bytes":0,"threshold_total_files":0,"total_bytes":0,"total_files":0,
 "type":"internal","unique":false}`
	sampleContainerList = `{ "count": 1, "has_more": false, "items": [ ` + sampleContainer + ` ],
  "limit": 1000, "offset": 0, "pagination": {}, "total": 1 }`
	sampleLogin = `{"login":"carrierx_partner","login_sid":"abcf6b1f-7281-4da9-a4d6-3fb53e3a76de",
 "partner_sid":"edebf627-ebce-4f77-8160-75db76154168","token_scopes":["partners.read","partners.update"]}`
	sampleError = `{"message": "object validation error",
 "errors": [{"field": "scopes", "message": "field value is not allowed", "reference_sid": null}]}`
)

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	hex32RE = regexp.MustCompile(`^[0-9a-f]{32}$`)
	dateRE  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

func decodeSample(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("sample does not parse: %v", err)
	}
	return m
}

// sameShape checks that got has exactly sample's keys, each with the
// sample's JSON type (null in the sample allows null or the listed type).
func sameShape(t *testing.T, what string, got, sample map[string]any, nullable map[string]string) {
	t.Helper()
	if g, w := sortedKeys(got), sortedKeys(sample); !slices.Equal(g, w) {
		t.Fatalf("%s keys\n got %v\nwant %v", what, g, w)
	}
	for k, sv := range sample {
		gt, st := jsonType(got[k]), jsonType(sv)
		if st == "null" {
			if gt != "null" && gt != nullable[k] {
				t.Errorf("%s.%s is %s, want null or %s", what, k, gt, nullable[k])
			}
			continue
		}
		if gt != st {
			t.Errorf("%s.%s is %s, want %s", what, k, gt, st)
		}
	}
}

var tokenNullable = map[string]string{"date_last_accessed": "string", "ip_last_accessed": "string"}

func checkToken(t *testing.T, tok map[string]any) {
	t.Helper()
	sameShape(t, "token", tok, decodeSample(t, sampleToken), tokenNullable)
	for _, k := range []string{"access_token", "refresh_token", "token_sid", "partner_sid"} {
		if !uuidRE.MatchString(str(t, tok, k)) {
			t.Errorf("%s is not a random UUID: %s", k, redact([]byte(str(t, tok, k))))
		}
	}
	if !hex32RE.MatchString(str(t, tok, "client_id")) {
		t.Errorf("client_id is not 32 hex digits")
	}
	for _, k := range []string{"date_created", "date_expiration_access_token", "date_expiration_refresh_token"} {
		if !dateRE.MatchString(str(t, tok, k)) {
			t.Errorf("%s = %q, want RFC 3339 UTC with milliseconds", k, tok[k])
		}
	}
	if tok["token_type"] != "bearer" {
		t.Errorf("token_type %v, want bearer", tok["token_type"])
	}
	for _, sc := range tok["scopes"].([]any) {
		if _, ok := sc.(string); !ok {
			t.Errorf("scopes holds a %T", sc)
		}
	}
	if _, ok := tok["client_secret"]; ok {
		t.Errorf("client_secret is returned")
	}
}

func TestToken_Create_SampleShape(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	tok := h.createForm(url.Values{"name": {"test_token"}})
	checkToken(t, tok)
	if tok["name"] != "test_token" || tok["date_last_accessed"] != nil || tok["ip_last_accessed"] != nil {
		t.Errorf("name/last use = %v/%v/%v, want test_token/null/null", tok["name"], tok["date_last_accessed"], tok["ip_last_accessed"])
	}
	if tok["partner_sid"] != h.seed.PartnerSID {
		t.Errorf("partner_sid is not the seeded partner's")
	}
	// Default lifetime: 36,500 days after creation, both expirations.
	if got, want := tok["date_created"], "2024-09-11T13:46:42.211Z"; got != want {
		t.Errorf("date_created %v, want %v", got, want)
	}
	wantExp := t0.Add(36500 * 24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	if tok["date_expiration_access_token"] != wantExp || tok["date_expiration_refresh_token"] != wantExp {
		t.Errorf("expirations %v/%v, want %v", tok["date_expiration_access_token"], tok["date_expiration_refresh_token"], wantExp)
	}
	// No scopes asked: every available scope.
	got := tok["scopes"].([]any)
	if len(got) != len(emulator.DefaultScopes()) {
		t.Errorf("scopes has %d entries, want all %d available", len(got), len(emulator.DefaultScopes()))
	}
}

func TestSeed_ScopesIncludeSampleList(t *testing.T) {
	sample := decodeSample(t, sampleToken)["scopes"].([]any)
	for _, sc := range sample {
		if !slices.Contains(emulator.DefaultScopes(), sc.(string)) {
			t.Errorf("DefaultScopes lacks the sample scope %q", sc)
		}
	}
	h := mustServer(t, emulator.Options{})
	rec, ok := h.srv.TokenRecord(h.boot)
	if !ok || !slices.Equal(rec.Scopes, emulator.DefaultScopes()) || rec.Name != "bootstrap" {
		t.Errorf("bootstrap record: ok=%v scopes=%v name=%q, want every scope", ok, rec.Scopes, rec.Name)
	}
}

func TestTokens_List_SampleEnvelope(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	env := h.get("/oauth/tokens", bearer(h.boot)).want(t, http.StatusOK)
	sample := decodeSample(t, sampleTokenList)
	sameShape(t, "token list", env, sample, map[string]string{"total": "number"})
	if env["total"] != nil {
		t.Errorf("total = %v, want null as in the sample", env["total"])
	}
	if env["count"] != 1.0 || env["has_more"] != false || env["limit"] != 10.0 || env["offset"] != 0.0 {
		t.Errorf("envelope count/has_more/limit/offset = %v/%v/%v/%v, want 1/false/10/0",
			env["count"], env["has_more"], env["limit"], env["offset"])
	}
	if p, _ := env["pagination"].(map[string]any); p == nil || len(p) != 0 {
		t.Errorf("pagination = %v, want {}", env["pagination"])
	}
	its := items(t, env)
	checkToken(t, its[0])
	if its[0]["access_token"] != h.boot {
		t.Errorf("the listed token is not the bootstrap token")
	}
}

func TestContainers_SampleShape(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	env := h.get("/storage/containers", bearer(h.boot)).want(t, http.StatusOK)
	sampleList := decodeSample(t, sampleContainerList)
	sameShape(t, "container list", env, sampleList, nil)
	if env["total"] != 1.0 || env["count"] != 1.0 || env["limit"] != 10.0 {
		t.Errorf("total/count/limit = %v/%v/%v, want 1/1/10 (limit default; the sample shows 1000)", env["total"], env["count"], env["limit"])
	}
	sample := decodeSample(t, sampleContainer)
	nullable := map[string]string{"integer_key_1": "number", "integer_key_2": "number", "parent_container_sid": "string",
		"threshold_action": "string"}
	for k, v := range sample {
		if v == nil && nullable[k] == "" {
			nullable[k] = "number"
			if strings.HasPrefix(k, "string_key") {
				nullable[k] = "string"
			}
		}
	}
	c := items(t, env)[0]
	sameShape(t, "container", c, sample, nullable)
	for k, v := range sample {
		if k == "container_sid" || k == "partner_sid" {
			continue
		}
		if mustJSON(t, c[k]) != mustJSON(t, v) {
			t.Errorf("container.%s = %s, want the sample's %s", k, mustJSON(t, c[k]), mustJSON(t, v))
		}
	}
	if c["container_sid"] != h.seed.ContainerSID || c["partner_sid"] != h.seed.PartnerSID {
		t.Errorf("container sids are not the seeded ones")
	}

	one := h.get("/storage/containers/"+h.seed.ContainerSID, bearer(h.boot)).want(t, http.StatusOK)
	if mustJSON(t, one) != mustJSON(t, c) {
		t.Errorf("GET by sid differs from the listed container")
	}
	h.get("/storage/containers/a291fe99-43d6-446f-a63e-91f93030dc7e", bearer(h.boot)).wantError(t, http.StatusNotFound, "Cannot find item by SID")
}

func TestErrorBody_SampleShape(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	res := h.do(http.MethodPost, "/oauth/token", bearer(h.boot), formCT, "scopes=no.such_scope")
	errs := res.wantError(t, http.StatusUnprocessableEntity, "object validation error")
	var got map[string]any
	_ = json.Unmarshal(res.body, &got)
	sameShape(t, "error", got, decodeSample(t, sampleError), nil)
	if len(errs) != 1 || errs[0]["field"] != "scopes" || !strings.HasPrefix(errs[0]["message"].(string), "field value is not allowed") {
		t.Errorf("errors = %v, want one scopes error 'field value is not allowed…'", errs)
	}
}

func TestAuth_Statuses(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	storageOnly, _ := h.srv.IssueToken("storage-only", []string{"storage.read"}, 0)
	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		status int
		label  string
	}{
		{"no header", "GET", "/storage/containers", "", 401, "Unauthorized"},
		{"empty bearer", "GET", "/storage/containers", "Bearer ", 401, "Bad credentials"},
		{"unknown bearer", "GET", "/storage/containers", bearer("5ebc03d6-8b2b-44ad-bf65-72d4f1491dda"), 401, "Bad credentials"},
		{"lower-case scheme", "GET", "/storage/containers", "bearer " + h.boot, 200, ""},
		{"unknown scheme", "GET", "/storage/containers", "Token " + h.boot, 401, "Unauthorized"},
		{"basic ok", "GET", "/storage/containers", basic(h.seed.Login, h.seed.Password), 200, ""},
		{"basic wrong password", "GET", "/storage/containers", basic(h.seed.Login, "qwerty123"), 401, "Bad credentials"},
		{"basic unknown login", "GET", "/storage/containers", basic("carrierx_partner", h.seed.Password), 401, "Bad credentials"},
		{"basic not base64", "GET", "/storage/containers", "Basic !!!", 401, "Bad credentials"},
		{"scope missing: list tokens", "GET", "/oauth/tokens", bearer(storageOnly), 403, "Forbidden"},
		{"scope missing: get token", "GET", "/oauth/tokens/x", bearer(storageOnly), 403, "Forbidden"},
		{"scope missing: revoke", "POST", "/oauth/revoke", bearer(storageOnly), 403, "Forbidden"},
		{"scope missing: create", "POST", "/oauth/token", bearer(storageOnly), 403, "Forbidden"},
		{"scope present: storage.read", "GET", "/storage/containers", bearer(storageOnly), 200, ""},
		{"unauthenticated create", "POST", "/oauth/token", "", 401, "Unauthorized"},
		{"no auth on tokens", "GET", "/oauth/tokens", "", 401, "Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(tt.method, tt.path, tt.auth, "", "")
			if tt.label == "" {
				res.want(t, tt.status)
				return
			}
			res.wantError(t, tt.status, tt.label)
		})
	}
}

func TestAuth_ScopeOneOf(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	for _, sc := range []string{"oauth.manage_all_tokens", "oauth.manage", "oauth.read"} {
		tok, _ := h.srv.IssueToken(sc, []string{sc}, 0)
		h.get("/oauth/tokens", bearer(tok)).want(t, http.StatusOK)
	}
	for _, sc := range []string{"oauth.create", "oauth.update", "storage.manage"} {
		tok, _ := h.srv.IssueToken(sc, []string{sc}, 0)
		h.get("/oauth/tokens", bearer(tok)).wantError(t, http.StatusForbidden, "Forbidden")
	}
	for _, sc := range []string{"oauth.manage_all_tokens", "oauth.manage", "oauth.create"} {
		tok, _ := h.srv.IssueToken(sc, []string{sc}, 0)
		h.do(http.MethodPost, "/oauth/token", bearer(tok), formCT, "name=x").want(t, http.StatusOK)
	}
	tok, _ := h.srv.IssueToken("read", []string{"oauth.read"}, 0)
	h.do(http.MethodPost, "/oauth/token", bearer(tok), formCT, "name=x").wantError(t, http.StatusForbidden, "Forbidden")
}

func TestRoutes_NotFoundAndMethod(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	for _, p := range []string{"/nope", "/oauth", "/oauth/tokens/", "/oauth/tokens/a/b", "/storage/containers/"} {
		h.get(p, bearer(h.boot)).wantError(t, http.StatusNotFound, "Not Found")
	}
	h.get(h.ts.URL+"/core/v1/oauth/tokens", bearer(h.boot)).wantError(t, http.StatusNotFound, "Not Found")
	// Unknown routes are 404 before authentication.
	h.get("/nope", "").wantError(t, http.StatusNotFound, "Not Found")

	res := h.do(http.MethodDelete, "/oauth/tokens/x", bearer(h.boot), "", "")
	res.wantError(t, http.StatusMethodNotAllowed, "Method Not Allowed")
	if got := res.header.Get("Allow"); got != "GET, OPTIONS, PATCH, PUT" {
		t.Errorf("Allow = %q", got)
	}
	h.do(http.MethodGet, "/oauth/token", bearer(h.boot), "", "").wantError(t, http.StatusMethodNotAllowed, "Method Not Allowed")
	h.do(http.MethodPost, "/storage/containers", bearer(h.boot), jsonCT, "{}").wantError(t, http.StatusMethodNotAllowed, "Method Not Allowed")

	opt := h.do(http.MethodOptions, "/oauth/tokens", "", "", "")
	opt.want(t, http.StatusNoContent)
	if opt.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("no CORS header on OPTIONS")
	}
}

func TestToken_GetBySID(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	tok := h.createForm(url.Values{"name": {"one"}})
	sid := str(t, tok, "token_sid")
	got := h.get("/oauth/tokens/"+sid, bearer(h.boot)).want(t, http.StatusOK)
	checkToken(t, got)
	if got["access_token"] != tok["access_token"] || got["name"] != "one" {
		t.Errorf("GET by sid returned another token")
	}
	h.get("/oauth/tokens/b3f45e4d-7d46-467b-9724-272f57ac420e", bearer(h.boot)).wantError(t, http.StatusNotFound, "Cannot find item by SID")

	rel := h.get("/oauth/tokens/"+sid+"?with_related=true", bearer(h.boot)).want(t, http.StatusOK)
	p, ok := rel["partner"].(map[string]any)
	if !ok {
		t.Fatalf("with_related=true: partner is %T", rel["partner"])
	}
	wantKeys := []string{"available_scopes", "company_name", "date_created", "login", "name", "partner_sid"}
	if !slices.Equal(sortedKeys(p), wantKeys) || p["partner_sid"] != h.seed.PartnerSID || p["login"] != h.seed.Login {
		t.Errorf("partner = keys %v, want %v with the seeded sid and login", sortedKeys(p), wantKeys)
	}
	if _, ok := h.get("/oauth/tokens/"+sid+"?with_related=false", bearer(h.boot)).want(t, 200)["partner"]; ok {
		t.Errorf("with_related=false still carries partner")
	}
	h.get("/oauth/tokens/"+sid+"?with_related=yes", bearer(h.boot)).wantError(t, http.StatusBadRequest, "Bad Request")
}

func TestToken_Update(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	sid := str(t, h.createForm(url.Values{"name": {"test_token"}, "scopes": {"storage.read"}}), "token_sid")
	path := "/oauth/tokens/" + sid

	// The doc's sample: PATCH {"name":"new_test_token"} → 200 <TOKEN>.
	got := h.do(http.MethodPatch, path, bearer(h.boot), jsonCT, `{"name":"new_test_token"}`).want(t, http.StatusOK)
	checkToken(t, got)
	if got["name"] != "new_test_token" {
		t.Errorf("name = %v after PATCH", got["name"])
	}
	if h.get(path, bearer(h.boot)).want(t, 200)["name"] != "new_test_token" {
		t.Errorf("rename did not stick")
	}

	tests := []struct {
		name   string
		method string
		ctype  string
		body   string
		status int
		label  string
		field  string
	}{
		{"form body", "PATCH", formCT, "name=x", 415, "Unsupported media type", ""},
		{"no content type", "PATCH", "", `{"name":"x"}`, 415, "Unsupported media type", ""},
		{"text/plain", "PUT", "text/plain", `{"name":"x"}`, 415, "Unsupported media type", ""},
		{"bad json", "PATCH", jsonCT, `{"name":`, 400, "No JSON object could be decoded", ""},
		{"json array", "PATCH", jsonCT, `["name"]`, 400, "No JSON object could be decoded", ""},
		{"json null", "PATCH", jsonCT, `null`, 400, "No JSON object could be decoded", ""},
		{"empty body", "PATCH", jsonCT, ``, 400, "No JSON object could be decoded", ""},
		{"trailing data", "PATCH", jsonCT, `{"name":"x"} {}`, 400, "No JSON object could be decoded", ""},
		{"name not a string", "PATCH", jsonCT, `{"name":5}`, 422, "object validation error", "name"},
		{"name control char", "PATCH", jsonCT, `{"name":"a\u0007b"}`, 422, "object validation error", "name"},
		{"name too long", "PATCH", jsonCT, `{"name":"` + strings.Repeat("é", 129) + `"}`, 422, "object validation error", "name"},
		{"read-only on PATCH", "PATCH", jsonCT, `{"token_sid":"x"}`, 422, "object validation error", "token_sid"},
		{"access_token on PATCH", "PATCH", jsonCT, `{"access_token":"x","name":"y"}`, 422, "object validation error", "access_token"},
		{"unknown on PATCH", "PATCH", jsonCT, `{"colour":"red"}`, 422, "object validation error", "colour"},
		{"invalid scope", "PATCH", jsonCT, `{"scopes":["no.such"]}`, 422, "object validation error", "scopes"},
		{"bad expiry", "PATCH", jsonCT, `{"date_expiration_access_token":"tomorrow"}`, 422, "object validation error", "date_expiration_access_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := h.do(tt.method, path, bearer(h.boot), tt.ctype, tt.body).wantError(t, tt.status, tt.label)
			if tt.field != "" && !hasFieldError(errs, tt.field) {
				t.Errorf("errors %v lack field %q", errs, tt.field)
			}
		})
	}
	if h.get(path, bearer(h.boot)).want(t, 200)["name"] != "new_test_token" {
		t.Errorf("a rejected update changed the name")
	}

	// PUT ignores read-only and unknown fields and applies the rest.
	full := h.get(path, bearer(h.boot)).want(t, 200)
	full["name"] = "put_name"
	full["token_sid"] = "ignored"
	full["colour"] = "red"
	got = h.do(http.MethodPut, path, bearer(h.boot), jsonCT, mustJSON(t, full)).want(t, http.StatusOK)
	if got["name"] != "put_name" || got["token_sid"] != sid {
		t.Errorf("PUT: name %v sid-kept %v", got["name"], got["token_sid"] == sid)
	}

	// Scopes: changing them needs oauth.allow_token_scope_update.
	upd, _ := h.srv.IssueToken("updater", []string{"oauth.update"}, 0)
	h.do(http.MethodPatch, path, bearer(upd), jsonCT, `{"scopes":["storage.read","oauth.read"]}`).wantError(t, http.StatusForbidden, "Forbidden")
	h.do(http.MethodPatch, path, bearer(upd), jsonCT, `{"scopes":["storage.read"]}`).want(t, http.StatusOK) // unchanged set
	h.do(http.MethodPatch, path, bearer(upd), jsonCT, `{"name":"by-updater"}`).want(t, http.StatusOK)
	got = h.do(http.MethodPatch, path, bearer(h.boot), jsonCT, `{"scopes":["storage.read","oauth.read"]}`).want(t, http.StatusOK)
	if mustJSON(t, got["scopes"]) != `["storage.read","oauth.read"]` {
		t.Errorf("scopes = %v after PATCH", got["scopes"])
	}
	reader, _ := h.srv.IssueToken("reader", []string{"oauth.read"}, 0)
	h.do(http.MethodPatch, path, bearer(reader), jsonCT, `{"name":"x"}`).wantError(t, http.StatusForbidden, "Forbidden")

	// Expiry is writable; a past date expires the token.
	h.do(http.MethodPatch, path, bearer(h.boot), jsonCT, `{"date_expiration_access_token":"2025-01-01T00:00:00.000Z"}`).want(t, http.StatusOK)
	h.clock.Set(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	h.get(path, bearer(h.boot)).wantError(t, http.StatusNotFound, "Cannot find item by SID")

	h.do(http.MethodPatch, "/oauth/tokens/b3f45e4d-7d46-467b-9724-272f57ac420e", bearer(h.boot), jsonCT, `{"name":"x"}`).
		wantError(t, http.StatusNotFound, "Cannot find item by SID")
}

func TestToken_Create_Bodies(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	scopesOf := func(m map[string]any) string { return mustJSON(t, m["scopes"]) }
	tests := []struct {
		name   string
		ctype  string
		body   string
		scopes string // want, JSON
	}{
		{"form repeated keys", formCT, "scopes=storage.read&scopes=oauth.read", `["storage.read","oauth.read"]`},
		{"form space separated", formCT, "scopes=storage.read+oauth.read", `["storage.read","oauth.read"]`},
		{"form comma separated", formCT, "scopes=storage.read,oauth.read", `["storage.read","oauth.read"]`},
		{"form comma and space", formCT, "scopes=storage.read,+oauth.read,storage.read", `["storage.read","oauth.read"]`},
		{"form scopes[]", formCT, "scopes%5B%5D=storage.read&scopes%5B%5D=oauth.read", `["storage.read","oauth.read"]`},
		{"form oauth scope", formCT, "scope=storage.read+oauth.read", `["storage.read","oauth.read"]`},
		{"json array", jsonCT, `{"scopes":["storage.read","oauth.read"]}`, `["storage.read","oauth.read"]`},
		{"json string", jsonCT, `{"scopes":"storage.read oauth.read"}`, `["storage.read","oauth.read"]`},
		{"json comma string", jsonCT, `{"scopes":"storage.read,oauth.read"}`, `["storage.read","oauth.read"]`},
		{"json null is default", jsonCT, `{"scopes":null}`, mustJSON(t, emulator.DefaultScopes())},
		{"json charset", jsonCT + "; charset=utf-8", `{"scopes":["storage.read"]}`, `["storage.read"]`},
		{"empty body", "", "", mustJSON(t, emulator.DefaultScopes())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.do(http.MethodPost, "/oauth/token", bearer(h.boot), tt.ctype, tt.body).want(t, http.StatusOK)
			checkToken(t, got)
			if scopesOf(got) != tt.scopes {
				t.Errorf("scopes %s, want %s", scopesOf(got), tt.scopes)
			}
		})
	}

	// The name and lifetime, form and JSON.
	got := h.createForm(url.Values{"name": {"ci-bot"}, "access_token_expires_in": {"3600"}})
	if got["name"] != "ci-bot" || got["date_expiration_access_token"] != "2024-09-11T14:46:42.211Z" {
		t.Errorf("form: name %v expiry %v", got["name"], got["date_expiration_access_token"])
	}
	got = h.do(http.MethodPost, "/oauth/token", bearer(h.boot), jsonCT, `{"name":"json-bot","access_token_expires_in":60}`).want(t, 200)
	if got["name"] != "json-bot" || got["date_expiration_refresh_token"] != "2024-09-11T13:47:42.211Z" {
		t.Errorf("json: name %v expiry %v", got["name"], got["date_expiration_refresh_token"])
	}
	if got := h.createForm(url.Values{"name": {""}}); got["name"] != "" {
		t.Errorf("empty name became %v", got["name"])
	}
}

func TestToken_Create_Rejects(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	tests := []struct {
		name   string
		ctype  string
		body   string
		status int
		label  string
		field  string
	}{
		{"invalid scope form", formCT, "scopes=storage.read+no.such", 422, "object validation error", "scopes"},
		{"invalid scope json", jsonCT, `{"scopes":["bogus.manage"]}`, 422, "object validation error", "scopes"},
		{"empty scope list", jsonCT, `{"scopes":[]}`, 422, "object validation error", "scopes"},
		{"empty scope string", formCT, "scopes=", 422, "object validation error", "scopes"},
		{"scopes wrong type", jsonCT, `{"scopes":{"a":1}}`, 422, "object validation error", "scopes"},
		{"name too long", formCT, "name=" + strings.Repeat("a", 129), 422, "object validation error", "name"},
		{"name newline", formCT, "name=a%0Ab", 422, "object validation error", "name"},
		{"name invalid utf-8", formCT, "name=%FF", 422, "object validation error", "name"},
		{"name twice", formCT, "name=a&name=b", 422, "object validation error", "name"},
		{"name not string", jsonCT, `{"name":1}`, 422, "object validation error", "name"},
		{"expires zero", formCT, "access_token_expires_in=0", 422, "object validation error", "access_token_expires_in"},
		{"expires negative", jsonCT, `{"access_token_expires_in":-5}`, 422, "object validation error", "access_token_expires_in"},
		{"expires fraction", jsonCT, `{"access_token_expires_in":1.5}`, 422, "object validation error", "access_token_expires_in"},
		{"expires text", formCT, "access_token_expires_in=soon", 422, "object validation error", "access_token_expires_in"},
		{"expires too big", formCT, "access_token_expires_in=3153600001", 422, "object validation error", "access_token_expires_in"},
		{"unsupported grant", formCT, "grant_type=client_credentials", 400, "Bad Request", "grant_type"},
		{"password grant missing fields", formCT, "grant_type=password", 400, "Bad Request", "username"},
		{"refresh grant missing token", formCT, "grant_type=refresh_token", 400, "Bad Request", "refresh_token"},
		{"text body", "text/plain", "name=x", 415, "Unsupported media type", ""},
		{"multipart", "multipart/form-data; boundary=x", "--x--", 415, "Unsupported media type", ""},
		{"bad json", jsonCT, `{"name":"x"`, 400, "No JSON object could be decoded", ""},
		{"bad form", formCT, "name=%zz", 400, "Bad Request", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := h.do(http.MethodPost, "/oauth/token", bearer(h.boot), tt.ctype, tt.body).wantError(t, tt.status, tt.label)
			if tt.field != "" && !hasFieldError(errs, tt.field) {
				t.Errorf("errors %v lack field %q", errs, tt.field)
			}
		})
	}
	res := h.get("/oauth/tokens", bearer(h.boot)).want(t, http.StatusOK)
	if res["count"] != 1.0 {
		t.Errorf("rejected creates left %v tokens, want only the bootstrap", res["count"])
	}
}

func TestToken_Create_PasswordGrant(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	// The doc's sample body, with our credentials: Bearer and password.
	form := url.Values{
		"grant_type":    {"password"},
		"client_id":     {"5c7965f285344165b003ce1a3202e589"},
		"client_secret": {"5033909114fe442cbbcb83b674dbf90c"},
		"username":      {h.seed.Login},
		"password":      {h.seed.Password},
	}
	got := h.do(http.MethodPost, "/oauth/token", bearer(h.boot), formCT, form.Encode()).want(t, http.StatusOK)
	checkToken(t, got)

	// Without any header: the body's credentials authenticate.
	got = h.do(http.MethodPost, "/oauth/token", "", formCT, form.Encode()+"&name=pw&scopes=storage.read").want(t, http.StatusOK)
	if got["name"] != "pw" || mustJSON(t, got["scopes"]) != `["storage.read"]` {
		t.Errorf("password grant: name %v scopes %v", got["name"], got["scopes"])
	}
	h.get("/storage/containers", bearer(str(t, got, "access_token"))).want(t, http.StatusOK)

	// JSON body.
	body := mustJSON(t, map[string]any{"grant_type": "password", "username": h.seed.Login, "password": h.seed.Password})
	h.do(http.MethodPost, "/oauth/token", "", jsonCT, body).want(t, http.StatusOK)

	// Wrong password: 401 Bad credentials naming the field.
	form.Set("password", "qwerty123")
	errs := h.do(http.MethodPost, "/oauth/token", "", formCT, form.Encode()).wantError(t, http.StatusUnauthorized, "Bad credentials")
	if !hasFieldError(errs, "password") {
		t.Errorf("errors %v lack field password", errs)
	}
	// A bad header fails even with good body credentials.
	form.Set("password", h.seed.Password)
	h.do(http.MethodPost, "/oauth/token", bearer("nope"), formCT, form.Encode()).wantError(t, http.StatusUnauthorized, "Bad credentials")
}

func TestToken_Create_RefreshGrant(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	old := h.createForm(url.Values{"name": {"rotating"}, "scopes": {"storage.read"}, "access_token_expires_in": {"600"}})
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {str(t, old, "refresh_token")}}
	h.clock.Advance(time.Minute)
	got := h.do(http.MethodPost, "/oauth/token", "", formCT, form.Encode()).want(t, http.StatusOK)
	checkToken(t, got)
	if got["token_sid"] == old["token_sid"] || got["access_token"] == old["access_token"] || got["refresh_token"] == old["refresh_token"] {
		t.Errorf("refresh did not rotate sid and values")
	}
	if got["name"] != "rotating" || mustJSON(t, got["scopes"]) != `["storage.read"]` || got["date_expiration_access_token"] != "2024-09-11T13:57:42.211Z" {
		t.Errorf("refresh kept name %v scopes %v expiry %v, want rotating/[storage.read]/+10m", got["name"], got["scopes"], got["date_expiration_access_token"])
	}
	h.get("/storage/containers", bearer(str(t, old, "access_token"))).wantError(t, http.StatusUnauthorized, "Bad credentials")
	h.get("/storage/containers", bearer(str(t, got, "access_token"))).want(t, http.StatusOK)
	// The used refresh token is dead now.
	h.do(http.MethodPost, "/oauth/token", "", formCT, form.Encode()).wantError(t, http.StatusUnauthorized, "Bad credentials")
	// JSON form with a new name.
	body := mustJSON(t, map[string]any{"grant_type": "refresh_token", "refresh_token": got["refresh_token"], "name": "renamed"})
	if n := h.do(http.MethodPost, "/oauth/token", "", jsonCT, body).want(t, 200)["name"]; n != "renamed" {
		t.Errorf("refresh with name gave %v", n)
	}
	// An expired refresh token is refused.
	short := h.createForm(url.Values{"access_token_expires_in": {"1"}})
	h.clock.Advance(2 * time.Second)
	form.Set("refresh_token", str(t, short, "refresh_token"))
	h.do(http.MethodPost, "/oauth/token", "", formCT, form.Encode()).wantError(t, http.StatusUnauthorized, "Bad credentials")
}

func TestToken_Create_SubPartner(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	// The doc's sample body for the sub-partner route.
	body := "client_id=5c7965f285344165b003ce1a3202e589&client_secret=5033909114fe442cbbcb83b674dbf90c"
	h.do(http.MethodPost, "/oauth/token/cee93bf3-5746-43fe-a1a2-822c05fef687", bearer(h.boot), formCT, body).
		wantError(t, http.StatusNotFound, "Cannot find item by SID")
	sub := h.srv.AddSubPartner("Sub One", []string{"storage.read", "oauth.read"})
	got := h.do(http.MethodPost, "/oauth/token/"+sub, bearer(h.boot), formCT, body).want(t, http.StatusOK)
	checkToken(t, got)
	if got["partner_sid"] != sub || mustJSON(t, got["scopes"]) != `["storage.read","oauth.read"]` {
		t.Errorf("sub-partner token: partner is sub %v, scopes %v", got["partner_sid"] == sub, got["scopes"])
	}
	// The sub-partner token sees its own tokens, not the parent's.
	env := h.get("/oauth/tokens", bearer(str(t, got, "access_token"))).want(t, http.StatusOK)
	if env["count"] != 1.0 || items(t, env)[0]["token_sid"] != got["token_sid"] {
		t.Errorf("sub-partner list count %v", env["count"])
	}
	h.do(http.MethodPost, "/oauth/token/"+sub, bearer(h.boot), formCT, "scopes=sms.manage").wantError(t, http.StatusUnprocessableEntity, "object validation error")
	h.do(http.MethodPost, "/oauth/token/"+sub, bearer(h.boot), formCT, "grant_type=password").wantError(t, http.StatusBadRequest, "Bad Request")
	h.do(http.MethodPost, "/oauth/token/"+sub, "", formCT, body).wantError(t, http.StatusUnauthorized, "Unauthorized")
	// A token of the sub-partner cannot mint for its parent.
	h.do(http.MethodPost, "/oauth/token/"+h.seed.PartnerSID, bearer(h.boot), formCT, body).wantError(t, http.StatusNotFound, "Cannot find item by SID")
}

func TestRevoke(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	mk := func(name string) (tok, sid, refresh string) {
		m := h.createForm(url.Values{"name": {name}})
		return str(t, m, "access_token"), str(t, m, "token_sid"), str(t, m, "refresh_token")
	}
	inList := func(sid string) bool {
		env := h.get("/oauth/tokens?limit=1000", bearer(h.boot)).want(t, http.StatusOK)
		return slices.ContainsFunc(items(t, env), func(m map[string]any) bool { return m["token_sid"] == sid })
	}
	checkGone := func(tok, sid string) {
		t.Helper()
		if inList(sid) {
			t.Errorf("revoked token still listed")
		}
		h.get("/oauth/tokens/"+sid, bearer(h.boot)).wantError(t, http.StatusNotFound, "Cannot find item by SID")
		h.get("/storage/containers", bearer(tok)).wantError(t, http.StatusUnauthorized, "Bad credentials")
		if !h.srv.Revoked(tok) {
			t.Errorf("Revoked() is false after revoke")
		}
	}

	t.Run("self, doc sample form", func(t *testing.T) {
		tok, sid, _ := mk("self")
		res := h.do(http.MethodPost, "/oauth/revoke", bearer(tok), formCT,
			"client_id=5c7965f285344165b003ce1a3202e589&client_secret=5033909114fe442cbbcb83b674dbf90c")
		res.want(t, http.StatusNoContent)
		if len(res.body) != 0 {
			t.Errorf("204 with a %d-byte body", len(res.body))
		}
		checkGone(tok, sid)
	})
	t.Run("self, no body", func(t *testing.T) {
		tok, sid, _ := mk("self-empty")
		h.do(http.MethodPost, "/oauth/revoke", bearer(tok), "", "").want(t, http.StatusNoContent)
		checkGone(tok, sid)
	})
	t.Run("by value, form", func(t *testing.T) {
		tok, sid, _ := mk("form")
		if !inList(sid) {
			t.Fatalf("new token not listed")
		}
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), formCT, url.Values{"token": {tok}}.Encode()).want(t, http.StatusNoContent)
		checkGone(tok, sid)
	})
	t.Run("by value, json", func(t *testing.T) {
		tok, sid, _ := mk("json")
		res := h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), jsonCT, mustJSON(t, map[string]string{"token": tok, "token_type": "access_token"}))
		res.want(t, http.StatusNoContent)
		if len(res.body) != 0 {
			t.Errorf("204 with a body")
		}
		checkGone(tok, sid)
	})
	t.Run("by refresh value", func(t *testing.T) {
		tok, sid, refresh := mk("refresh")
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), formCT, "token="+refresh).want(t, http.StatusNoContent)
		checkGone(tok, sid)
	})
	t.Run("unknown and repeated", func(t *testing.T) {
		tok, _, _ := mk("twice")
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), formCT, "token="+tok).want(t, http.StatusNoContent)
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), formCT, "token="+tok).wantError(t, http.StatusNotFound, "Cannot find item by SID")
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), formCT, "token=5ebc03d6-8b2b-44ad-bf65-72d4f1491dda").
			wantError(t, http.StatusNotFound, "Cannot find item by SID")
	})
	t.Run("basic needs token", func(t *testing.T) {
		h.do(http.MethodPost, "/oauth/revoke", basic(h.seed.Login, h.seed.Password), formCT, "").wantError(t, http.StatusBadRequest, "Bad Request")
		tok, sid, _ := mk("by-basic")
		h.do(http.MethodPost, "/oauth/revoke", basic(h.seed.Login, h.seed.Password), formCT, "token="+tok).want(t, http.StatusNoContent)
		checkGone(tok, sid)
	})
	t.Run("empty or null token is not a self-revoke", func(t *testing.T) {
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), formCT, "token=").wantError(t, http.StatusUnprocessableEntity, "object validation error")
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), jsonCT, `{"token":""}`).wantError(t, http.StatusUnprocessableEntity, "object validation error")
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), jsonCT, `{"token":null}`).wantError(t, http.StatusUnprocessableEntity, "object validation error")
		h.get("/storage/containers", bearer(h.boot)).want(t, http.StatusOK)
	})
	t.Run("bad bodies", func(t *testing.T) {
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), "text/plain", "token=x").wantError(t, http.StatusUnsupportedMediaType, "Unsupported media type")
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), jsonCT, "{token").wantError(t, http.StatusBadRequest, "No JSON object could be decoded")
	})
	t.Run("another partner's token", func(t *testing.T) {
		sub := h.srv.AddSubPartner("Sub", nil)
		m := h.do(http.MethodPost, "/oauth/token/"+sub, bearer(h.boot), formCT, "").want(t, http.StatusOK)
		subTok := str(t, m, "access_token")
		h.do(http.MethodPost, "/oauth/revoke", bearer(subTok), formCT, "token="+h.boot).wantError(t, http.StatusNotFound, "Cannot find item by SID")
		h.get("/storage/containers", bearer(h.boot)).want(t, http.StatusOK)
	})
	t.Run("revoked bootstrap", func(t *testing.T) {
		h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), "", "").want(t, http.StatusNoContent)
		h.get("/oauth/tokens", bearer(h.boot)).wantError(t, http.StatusUnauthorized, "Bad credentials")
		rec, ok := h.srv.TokenRecord(h.boot)
		if !ok || !rec.Revoked || !rec.RevokedAt.Equal(t0) {
			t.Errorf("record after self-revoke: ok=%v revoked=%v at %v", ok, rec.Revoked, rec.RevokedAt)
		}
	})
}

func TestExpiry_InjectedClock(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	tok, sid := h.srv.IssueToken("hour", nil, time.Hour)
	h.get("/storage/containers", bearer(tok)).want(t, http.StatusOK)
	h.clock.Advance(time.Hour - time.Millisecond)
	h.get("/storage/containers", bearer(tok)).want(t, http.StatusOK)
	h.clock.Advance(time.Millisecond)
	h.get("/storage/containers", bearer(tok)).wantError(t, http.StatusUnauthorized, "Bad credentials")
	h.get("/oauth/tokens/"+sid, bearer(h.boot)).wantError(t, http.StatusNotFound, "Cannot find item by SID")
	env := h.get("/oauth/tokens", bearer(h.boot)).want(t, http.StatusOK)
	if env["count"] != 1.0 {
		t.Errorf("expired token still listed (count %v)", env["count"])
	}

	m := h.createForm(url.Values{"access_token_expires_in": {"60"}})
	short := str(t, m, "access_token")
	h.clock.Advance(59 * time.Second)
	h.get("/storage/containers", bearer(short)).want(t, http.StatusOK)
	h.clock.Advance(time.Second)
	h.get("/storage/containers", bearer(short)).wantError(t, http.StatusUnauthorized, "Bad credentials")

	dead, _ := h.srv.IssueToken("born-dead", nil, -time.Second)
	h.get("/storage/containers", bearer(dead)).wantError(t, http.StatusUnauthorized, "Bad credentials")
}

func TestLastUse_DateAndIP(t *testing.T) {
	h := mustServer(t, emulator.Options{IPHeader: "X-Forwarded-For"})
	tok, sid := h.srv.IssueToken("tracked", nil, 0)
	got := h.get("/oauth/tokens/"+sid, bearer(h.boot)).want(t, http.StatusOK)
	if got["date_last_accessed"] != nil || got["ip_last_accessed"] != nil {
		t.Fatalf("unused token has last use %v/%v", got["date_last_accessed"], got["ip_last_accessed"])
	}

	h.clock.Advance(90 * time.Second)
	h.do(http.MethodGet, "/storage/containers", bearer(tok), "", "", "X-Forwarded-For", "203.0.113.7, 10.0.0.1").want(t, http.StatusOK)
	h.clock.Advance(time.Second)
	got = h.get("/oauth/tokens/"+sid, bearer(h.boot)).want(t, http.StatusOK)
	if got["date_last_accessed"] != "2024-09-11T13:48:12.211Z" || got["ip_last_accessed"] != "203.0.113.7" {
		t.Errorf("last use = %v from %v, want 2024-09-11T13:48:12.211Z from 203.0.113.7", got["date_last_accessed"], got["ip_last_accessed"])
	}
	rec, _ := h.srv.TokenRecord(sid)
	if !rec.LastAccessed.Equal(t0.Add(90*time.Second)) || rec.LastIP != "203.0.113.7" {
		t.Errorf("record last use %v from %q", rec.LastAccessed, rec.LastIP)
	}

	// The request that reads a token's own record already shows itself.
	self := h.do(http.MethodGet, "/oauth/tokens/"+sid, bearer(tok), "", "", "X-Forwarded-For", "2001:db8::1").want(t, http.StatusOK)
	if self["date_last_accessed"] != "2024-09-11T13:48:13.211Z" || self["ip_last_accessed"] != "2001:db8::1" {
		t.Errorf("self read shows %v from %v", self["date_last_accessed"], self["ip_last_accessed"])
	}
	// A request refused for scope still counts as a use; junk in the header falls back to the connection.
	ro, roSID := h.srv.IssueToken("storage-only", []string{"storage.read"}, 0)
	h.do(http.MethodGet, "/oauth/tokens", bearer(ro), "", "", "X-Forwarded-For", "not-an-ip").wantError(t, http.StatusForbidden, "Forbidden")
	if rec, _ := h.srv.TokenRecord(roSID); rec.LastIP != "127.0.0.1" || rec.LastAccessed.IsZero() {
		t.Errorf("403 use recorded %q at %v, want 127.0.0.1", rec.LastIP, rec.LastAccessed)
	}
	// Basic requests touch no token; failed bearer requests neither.
	before, _ := h.srv.TokenRecord(h.boot)
	h.clock.Advance(time.Hour)
	h.get("/storage/containers", basic(h.seed.Login, h.seed.Password)).want(t, http.StatusOK)
	if after, _ := h.srv.TokenRecord(h.boot); !after.LastAccessed.Equal(before.LastAccessed) {
		t.Errorf("Basic request changed the bootstrap token's last use")
	}

	// Without IPHeader the header is not trusted.
	h2 := mustServer(t, emulator.Options{})
	tok2, sid2 := h2.srv.IssueToken("untrusted", nil, 0)
	h2.do(http.MethodGet, "/storage/containers", bearer(tok2), "", "", "X-Forwarded-For", "203.0.113.7").want(t, http.StatusOK)
	if rec, _ := h2.srv.TokenRecord(sid2); rec.LastIP != "127.0.0.1" {
		t.Errorf("untrusted header used: ip %q", rec.LastIP)
	}
}

func TestLogins(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	env := h.get("/oauth/logins", bearer(h.boot)).want(t, http.StatusOK)
	if env["count"] != 0.0 || env["total"] != 0.0 {
		t.Errorf("fresh logins list count %v total %v", env["count"], env["total"])
	}
	body := mustJSON(t, map[string]any{"login": h.seed.Login + "_ci", "password": "myStrongPassword123", "token_scopes": []string{"storage.read", "oauth.read"}})
	got := h.do(http.MethodPost, "/oauth/logins", bearer(h.boot), jsonCT, body).want(t, http.StatusOK)
	sameShape(t, "login", got, decodeSample(t, sampleLogin), nil)
	if _, ok := got["password"]; ok {
		t.Errorf("password returned")
	}
	h.do(http.MethodPost, "/oauth/logins", bearer(h.boot), jsonCT, body).wantError(t, http.StatusConflict, "Conflict")
	h.do(http.MethodPost, "/oauth/logins", bearer(h.boot), formCT, "login=x").wantError(t, http.StatusUnsupportedMediaType, "Unsupported media type")
	errs := h.do(http.MethodPost, "/oauth/logins", bearer(h.boot), jsonCT, `{"login":"carrierx_partner","password":""}`).
		wantError(t, http.StatusUnprocessableEntity, "object validation error")
	if !hasFieldError(errs, "login") || !hasFieldError(errs, "password") {
		t.Errorf("errors %v, want login and password", errs)
	}

	// The sub-login authenticates with Basic and mints tokens with its token_scopes.
	sub := basic(h.seed.Login+"_ci", "myStrongPassword123")
	h.get("/oauth/tokens", sub).want(t, http.StatusOK)
	h.get("/storage/containers", sub).want(t, http.StatusOK)
	pw := url.Values{"grant_type": {"password"}, "username": {h.seed.Login + "_ci"}, "password": {"myStrongPassword123"}}
	tok := h.do(http.MethodPost, "/oauth/token", "", formCT, pw.Encode()).want(t, http.StatusOK)
	if mustJSON(t, tok["scopes"]) != `["storage.read","oauth.read"]` {
		t.Errorf("sub-login token scopes %v", tok["scopes"])
	}
	// The same grant with the login's Basic header too (what the client
	// sends): the grant authorizes it, though the sub-login's scopes hold no
	// oauth.* create scope; the header alone, without the grant, does not.
	tok = h.do(http.MethodPost, "/oauth/token", sub, formCT, pw.Encode()).want(t, http.StatusOK)
	if mustJSON(t, tok["scopes"]) != `["storage.read","oauth.read"]` {
		t.Errorf("sub-login token (grant and header) scopes %v", tok["scopes"])
	}
	h.do(http.MethodPost, "/oauth/token", sub, formCT, "name=x").wantError(t, http.StatusForbidden, "Forbidden")
	// Another login's header with this grant is no authority to create.
	other := h.do(http.MethodPost, "/oauth/token", bearer(h.boot), formCT, "scopes=storage.read").want(t, http.StatusOK)
	h.do(http.MethodPost, "/oauth/token", bearer(str(t, other, "access_token")), formCT, pw.Encode()).wantError(t, http.StatusForbidden, "Forbidden")
	pw.Set("scopes", "sms.manage")
	h.do(http.MethodPost, "/oauth/token", "", formCT, pw.Encode()).wantError(t, http.StatusUnprocessableEntity, "object validation error")

	sid := str(t, got, "login_sid")
	h.do(http.MethodPatch, "/oauth/logins/"+sid, bearer(h.boot), jsonCT, `{"token_scopes":[]}`).wantError(t, http.StatusUnprocessableEntity, "object validation error")
	h.do(http.MethodPatch, "/oauth/logins/"+sid, bearer(h.boot), jsonCT, `{"password":"n3w"}`).want(t, http.StatusOK)
	h.get("/oauth/tokens", sub).wantError(t, http.StatusUnauthorized, "Bad credentials")
	h.get("/oauth/tokens", basic(h.seed.Login+"_ci", "n3w")).want(t, http.StatusOK)
	h.do(http.MethodPut, "/oauth/logins/nope", bearer(h.boot), jsonCT, `{"password":"x"}`).wantError(t, http.StatusNotFound, "Cannot find item by SID")
	if n := h.get("/oauth/logins", bearer(h.boot)).want(t, 200)["count"]; n != 1.0 {
		t.Errorf("logins count %v", n)
	}
}

// TestCreateToken_CredentialsBeforeBody: POST /oauth/token checks a header
// first, as every route does, so bad credentials are 401 and a token that
// may not create is 403 whatever the body, and that attempt counts as the
// token's last use.
func TestCreateToken_CredentialsBeforeBody(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	for _, tt := range []struct{ name, ctype, body string }{
		{"not a form or JSON", "text/plain", "name=x"},
		{"bad JSON", jsonCT, "{bad"},
		{"bad grant", formCT, "grant_type=magic"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h.do(http.MethodPost, "/oauth/token", bearer("no-such-token"), tt.ctype, tt.body).wantError(t, http.StatusUnauthorized, "Bad credentials")
			h.do(http.MethodPost, "/oauth/token", basic(h.seed.Login, "wrong"), tt.ctype, tt.body).wantError(t, http.StatusUnauthorized, "Bad credentials")
		})
	}
	storage := h.do(http.MethodPost, "/oauth/token", bearer(h.boot), formCT, "scopes=storage.read").want(t, http.StatusOK)
	st := str(t, storage, "access_token")
	h.do(http.MethodPost, "/oauth/token", bearer(st), jsonCT, "{bad").wantError(t, http.StatusForbidden, "Forbidden")
	got := h.get("/oauth/tokens/"+str(t, storage, "token_sid"), bearer(h.boot)).want(t, http.StatusOK)
	if got["date_last_accessed"] == nil || got["ip_last_accessed"] == nil {
		t.Errorf("a refused create did not count as the token's use: %v, %v", got["date_last_accessed"], got["ip_last_accessed"])
	}
	// With a valid header that may create, the body's own faults come next.
	h.do(http.MethodPost, "/oauth/token", bearer(h.boot), "text/plain", "name=x").wantError(t, http.StatusUnsupportedMediaType, "Unsupported media type")
	h.do(http.MethodPost, "/oauth/token", bearer(h.boot), jsonCT, "{bad").wantError(t, http.StatusBadRequest, "No JSON object could be decoded")
}

// TestRevoke_EmptyToken: only an absent token= means the caller's own; an
// empty one is refused and revokes nothing.
func TestRevoke_EmptyToken(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	errs := h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), formCT, "token=").wantError(t, http.StatusUnprocessableEntity, "object validation error")
	if !hasFieldError(errs, "token") {
		t.Errorf("errors %v, want one for token", errs)
	}
	h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), jsonCT, `{"token":""}`).wantError(t, http.StatusUnprocessableEntity, "object validation error")
	h.get("/storage/containers", bearer(h.boot)).want(t, http.StatusOK)
}

func TestBodyTooLarge(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	big := "name=" + strings.Repeat("a", 2<<20)
	h.do(http.MethodPost, "/oauth/token", bearer(h.boot), formCT, big).wantError(t, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
}
