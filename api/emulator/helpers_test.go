package emulator_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"cxtokens/api/emulator"
)

// t0 is the fixed start of every test clock.
var t0 = time.Date(2024, 9, 11, 13, 46, 42, 211_000_000, time.UTC)

type harness struct {
	t     *testing.T
	srv   *emulator.Server
	ts    *httptest.Server
	base  string // http://127.0.0.1:PORT/core/v2
	boot  string // the bootstrap token
	seed  emulator.Seed
	clock *emulator.ManualClock
}

// mustServer starts the emulator on real loopback HTTP with a manual clock.
func mustServer(t *testing.T, opts emulator.Options) *harness {
	t.Helper()
	clock := emulator.NewManualClock(t0)
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	srv := emulator.New(opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	seed := srv.Seed()
	return &harness{t: t, srv: srv, ts: ts, base: ts.URL + emulator.BasePath, boot: seed.Token, seed: seed, clock: clock}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func bearer(tok string) string { return "Bearer " + tok }

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

const (
	formCT = "application/x-www-form-urlencoded"
	jsonCT = "application/json"
)

// do sends one request; path is relative to the base URL unless absolute.
func (h *harness) do(method, path, auth, ctype, body string, extra ...string) response {
	h.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = h.base + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		h.t.Fatalf("new request %s %s: %v", method, path, err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	res, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (h *harness) get(path, auth string) response { return h.do(http.MethodGet, path, auth, "", "") }

// secretRE matches UUIDs and 32-hex strings: every token-shaped value.
var secretRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}`)

// redact masks token-shaped values (first 4 + … + last 4) so a failure
// message never carries one.
func redact(b []byte) string {
	s := secretRE.ReplaceAllStringFunc(string(b), func(m string) string { return m[:4] + "…" + m[len(m)-4:] })
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// want checks the status and returns the body decoded as a JSON object
// (nil for an empty body).
func (r response) want(t *testing.T, status int) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, redact(r.body))
	}
	if len(r.body) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v; body %s", err, redact(r.body))
	}
	return m
}

// wantError checks a 4xx/5xx body: exactly message and errors, the label
// given, and errors a list of {field, message, reference_sid}.
func (r response) wantError(t *testing.T, status int, label string) []map[string]any {
	t.Helper()
	m := r.want(t, status)
	if got := sortedKeys(m); !slices.Equal(got, []string{"errors", "message"}) {
		t.Fatalf("error body keys %v, want [errors message]", got)
	}
	if m["message"] != label {
		t.Fatalf("message %q, want %q", m["message"], label)
	}
	raw, ok := m["errors"].([]any)
	if !ok {
		t.Fatalf("errors is %T, want an array", m["errors"])
	}
	var out []map[string]any
	for _, e := range raw {
		em, ok := e.(map[string]any)
		if !ok || !slices.Equal(sortedKeys(em), []string{"field", "message", "reference_sid"}) || em["reference_sid"] != nil {
			t.Fatalf("error entry %v is not {field, message, reference_sid: null}", e)
		}
		out = append(out, em)
	}
	return out
}

func hasFieldError(errs []map[string]any, field string) bool {
	return slices.ContainsFunc(errs, func(e map[string]any) bool { return e["field"] == field })
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func items(t *testing.T, env map[string]any) []map[string]any {
	t.Helper()
	raw, ok := env["items"].([]any)
	if !ok {
		t.Fatalf("items is %T, want an array", env["items"])
	}
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		m, ok := it.(map[string]any)
		if !ok {
			t.Fatalf("items[%d] is %T, want an object", i, it)
		}
		out[i] = m
	}
	return out
}

func names(t *testing.T, env map[string]any) []string {
	t.Helper()
	var out []string
	for _, it := range items(t, env) {
		out = append(out, it["name"].(string))
	}
	return out
}

// createForm creates a token with a form body through the bootstrap token.
func (h *harness) createForm(form url.Values) map[string]any {
	h.t.Helper()
	return h.do(http.MethodPost, "/oauth/token", bearer(h.boot), formCT, form.Encode()).want(h.t, http.StatusOK)
}

func str(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	s, ok := m[key].(string)
	if !ok {
		t.Fatalf("%s is %T, want a string", key, m[key])
	}
	return s
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonType names a decoded JSON value's type.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "?"
}
