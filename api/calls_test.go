package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkCommon asserts what every request carries.
func checkCommon(t *testing.T, r seenRequest, method, path string) {
	t.Helper()
	if r.Method != method || r.Path != path {
		t.Errorf("request %s %s, want %s %s", r.Method, r.Path, method, path)
	}
	if got := r.Header.Get("User-Agent"); got != "cxtokens/"+Version {
		t.Errorf("User-Agent %q, want %q", got, "cxtokens/"+Version)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept %q", got)
	}
}

func checkBearer(t *testing.T, r seenRequest, token string) {
	t.Helper()
	if r.Header.Get("Authorization") != "Bearer "+token {
		t.Errorf("Authorization is not Bearer %s", Mask(token))
	}
}

func TestClient_Test_Request(t *testing.T) {
	var rc recorder
	_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"count":1,"has_more":false,"items":[{"container_sid":"a291fe99-43d6-446f-a63e-91f93030dc7e","name":"N/A"}],
			"limit":1000,"offset":0,"pagination":{},"total":1}`)
	}))
	c, _ := newTestClient(t, base, Options{})
	res, err := c.Test(context.Background(), callerToken)
	if err != nil {
		t.Fatalf("Test: %v", err)
	}
	if res.Status != 200 || res.Containers != 1 || res.Latency <= 0 {
		t.Errorf("result %+v, want status 200, 1 container, a latency", res)
	}
	reqs := rc.all()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	checkCommon(t, reqs[0], "GET", "/core/v2/storage/containers")
	checkBearer(t, reqs[0], callerToken)
	if len(reqs[0].Body) != 0 || reqs[0].Header.Get("Content-Type") != "" {
		t.Errorf("GET carries a body or a Content-Type")
	}
}

func TestClient_Test_Count(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    int
		wantErr error
	}{
		{"total", `{"count":1,"items":[{}],"total":7}`, 7, nil},
		{"total null uses count", `{"count":2,"items":[{},{}],"total":null}`, 2, nil},
		{"more to come", `{"count":10,"has_more":true,"items":[{},{},{},{},{},{},{},{},{},{}],"total":null}`, 10, nil},
		{"items only", `{"items":[{},{},{}]}`, 3, nil},
		{"zero", `{"count":0,"has_more":false,"items":[],"total":0}`, 0, nil},
		{"nothing to count", `{"has_more":false}`, 0, ErrBadResponse},
		{"counts malformed", `{"total":"1","count":-1,"has_more":false}`, 0, ErrBadResponse},
		{"total wrong type uses items", `{"total":"1","items":[{}]}`, 1, nil},
		{"negative count uses items", `{"count":-1,"items":[]}`, 0, nil},
		{"fractional total uses count", `{"total":1.5,"count":2,"items":[{},{}]}`, 2, nil},
		{"not json", `<html>ok</html>`, 0, ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, tt.body)
			}))
			c, _ := newTestClient(t, base, Options{})
			res, err := c.Test(context.Background(), callerToken)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Test error = %v, want %v", err, tt.wantErr)
				}
				if res.Status != 200 {
					t.Errorf("status %d should still be reported", res.Status)
				}
				return
			}
			if err != nil || res.Containers != tt.want {
				t.Fatalf("Test = %+v, %v; want %d containers", res, err, tt.want)
			}
			if want := strings.Contains(tt.body, `"has_more":true`); res.AtLeast != want {
				t.Errorf("AtLeast = %v, want %v", res.AtLeast, want)
			}
		})
	}
}

func TestClient_Test_ErrorKeepsStatusAndLatency(t *testing.T) {
	_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"message":"Bad credentials","errors":[]}`)
	}))
	c, _ := newTestClient(t, base, Options{})
	res, err := c.Test(context.Background(), callerToken)
	if !errors.Is(err, ErrUnauthorized) || res.Status != 401 || res.Latency <= 0 {
		t.Fatalf("Test = %+v, %v; want 401 with latency and ErrUnauthorized", res, err)
	}
}

func TestClient_GetToken(t *testing.T) {
	var rc recorder
	_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, sampleToken)
	}))
	c, _ := newTestClient(t, base, Options{})
	tok, err := c.GetToken(context.Background(), callerToken, sampleSID)
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	want := Token{
		AccessToken: sampleAccess, RefreshToken: sampleRefresh, TokenSID: sampleSID,
		PartnerSID: "cee93bf3-5746-43fe-a1a2-822c05fef687", ClientID: "5c7965f285344165b003ce1a3202e589",
		Name: "test_token", TokenType: "bearer",
		Scopes: []string{"accesscontrol.manage", "endpoints.manage", "oauth.manage", "partners.manage",
			"phonenumber.manage", "push.manage", "shortener.manage", "sms.manage",
			"storage.manage", "trunk_groups.manage", "trunk_groups.trunks.manage"},
		Created:        time.Date(2024, 9, 11, 13, 46, 42, 211e6, time.UTC),
		AccessExpires:  time.Date(2124, 8, 18, 13, 46, 42, 169e6, time.UTC),
		RefreshExpires: time.Date(2124, 8, 18, 13, 46, 42, 169e6, time.UTC),
	}
	if !reflect.DeepEqual(tok, want) {
		t.Errorf("GetToken = %#v\nwant %#v", tok, want)
	}
	reqs := rc.all()
	checkCommon(t, reqs[0], "GET", "/core/v2/oauth/tokens/"+sampleSID)
	checkBearer(t, reqs[0], callerToken)
}

func TestClient_InvalidInput(t *testing.T) {
	var rc recorder
	_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, sampleToken) }))
	c, _ := newTestClient(t, base, Options{})
	ctx := context.Background()
	calls := []struct {
		name string
		call func() error
	}{
		{"empty token", func() error { _, err := c.Test(ctx, ""); return err }},
		{"token with space", func() error { _, err := c.ListTokens(ctx, "abc def"); return err }},
		{"token with newline", func() error { _, err := c.GetToken(ctx, "abc\r\nX-Evil: 1", sampleSID); return err }},
		{"empty sid", func() error { _, err := c.GetToken(ctx, callerToken, ""); return err }},
		{"sid with slash", func() error { _, err := c.GetToken(ctx, callerToken, "../storage/containers"); return err }},
		{"sid with query", func() error { _, err := c.RenameToken(ctx, callerToken, "x?y=1", "n"); return err }},
		{"sid dot-dot", func() error { _, err := c.RenameToken(ctx, callerToken, "..", "n"); return err }},
		{"find empty target", func() error { _, err := c.FindToken(ctx, callerToken, ""); return err }},
		{"revoke bad target", func() error { return c.Revoke(ctx, callerToken, "a b") }},
		{"create no auth", func() error { _, err := c.CreateToken(ctx, Auth{}, CreateRequest{Name: "x"}); return err }},
		{"create both auths", func() error {
			_, err := c.CreateToken(ctx, Auth{Bearer: callerToken, Login: "l", Password: "p"}, CreateRequest{})
			return err
		}},
		{"create login with colon", func() error {
			_, err := c.CreateToken(ctx, Auth{Login: "a:b", Password: "p"}, CreateRequest{})
			return err
		}},
		{"create empty password", func() error { _, err := c.CreateToken(ctx, Auth{Login: "a"}, CreateRequest{}); return err }},
		{"create empty scopes", func() error {
			_, err := c.CreateToken(ctx, Auth{Bearer: callerToken}, CreateRequest{Scopes: []string{}})
			return err
		}},
		{"create scope with space", func() error {
			_, err := c.CreateToken(ctx, Auth{Bearer: callerToken}, CreateRequest{Scopes: []string{"oauth.read storage.read"}})
			return err
		}},
		{"create scope with comma", func() error {
			_, err := c.CreateToken(ctx, Auth{Bearer: callerToken}, CreateRequest{Scopes: []string{"a,b"}})
			return err
		}},
		{"create negative lifetime", func() error {
			_, err := c.CreateToken(ctx, Auth{Bearer: callerToken}, CreateRequest{ExpiresIn: -time.Second})
			return err
		}},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrInvalidInput) {
				t.Errorf("error = %v, want ErrInvalidInput", err)
			}
		})
	}
	if n := rc.count(); n != 0 {
		t.Errorf("%d requests sent for refused input, want 0", n)
	}
}

func TestClient_CreateToken_Bearer(t *testing.T) {
	var rc recorder
	_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, sampleToken) }))
	c, _ := newTestClient(t, base, Options{})
	tok, err := c.CreateToken(context.Background(), Auth{Bearer: callerToken}, CreateRequest{
		Name: "ci bot", Scopes: []string{"oauth.read", "storage.read"}, ExpiresIn: 90*time.Minute + 500*time.Millisecond,
	})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if tok.AccessToken != sampleAccess || tok.TokenSID != sampleSID {
		t.Errorf("created token %v, want the sample", tok)
	}
	r := rc.all()[0]
	checkCommon(t, r, "POST", "/core/v2/oauth/token")
	checkBearer(t, r, callerToken)
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", ct)
	}
	form, err := url.ParseQuery(string(r.Body))
	if err != nil {
		t.Fatalf("body is not a form: %v", err)
	}
	want := url.Values{
		"name":                    {"ci bot"},
		"scopes":                  {"oauth.read", "storage.read"},
		"access_token_expires_in": {"5401"}, // rounded up to whole seconds
	}
	if !reflect.DeepEqual(form, want) {
		t.Errorf("form %v, want %v", form, want)
	}
	if !strings.Contains(string(r.Body), "scopes=oauth.read&scopes=storage.read") {
		t.Errorf("scopes not sent as repeated keys: %s", r.Body)
	}
}

func TestClient_CreateToken_Defaults(t *testing.T) {
	var rc recorder
	_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, sampleToken) }))
	c, _ := newTestClient(t, base, Options{})
	if _, err := c.CreateToken(context.Background(), Auth{Bearer: callerToken}, CreateRequest{}); err != nil {
		t.Fatal(err)
	}
	if body := rc.all()[0].Body; len(body) != 0 {
		t.Errorf("body %q: nil scopes, zero lifetime and no name must send nothing", body)
	}
}

func TestClient_CreateToken_Password(t *testing.T) {
	var rc recorder
	_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, sampleToken) }))
	c, _ := newTestClient(t, base, Options{})
	const login, password = "carrierx_partner", "qwerty123 with spaces & é"
	if _, err := c.CreateToken(context.Background(), Auth{Login: login, Password: password}, CreateRequest{Name: "n"}); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	r := rc.all()[0]
	checkCommon(t, r, "POST", "/core/v2/oauth/token")
	req := &http.Request{Header: r.Header}
	if u, p, ok := req.BasicAuth(); !ok || u != login || p != password {
		t.Errorf("Authorization is not Basic login:password")
	}
	form, _ := url.ParseQuery(string(r.Body))
	want := url.Values{"name": {"n"}, "grant_type": {"password"}, "username": {login}, "password": {password}}
	if !reflect.DeepEqual(form, want) {
		t.Errorf("form keys %v, want name, grant_type=password, username, password", keys(form))
	}
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

func TestClient_CreateToken_NoAccessToken(t *testing.T) {
	_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"token_sid":"x","access_token":null}`)
	}))
	c, _ := newTestClient(t, base, Options{})
	if _, err := c.CreateToken(context.Background(), Auth{Bearer: callerToken}, CreateRequest{}); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("error = %v, want ErrBadResponse", err)
	}
}

func TestClient_RenameToken(t *testing.T) {
	var rc recorder
	_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, strings.Replace(sampleToken, `"test_token"`, `"new \"name\""`, 1))
	}))
	c, _ := newTestClient(t, base, Options{})
	tok, err := c.RenameToken(context.Background(), callerToken, sampleSID, `new "name"`)
	if err != nil {
		t.Fatalf("RenameToken: %v", err)
	}
	if tok.Name != `new "name"` {
		t.Errorf("name %q", tok.Name)
	}
	r := rc.all()[0]
	checkCommon(t, r, "PATCH", "/core/v2/oauth/tokens/"+sampleSID)
	checkBearer(t, r, callerToken)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil || !reflect.DeepEqual(body, map[string]any{"name": `new "name"`}) {
		t.Errorf("body %s, want {\"name\":…}", r.Body)
	}
}

func TestClient_Revoke(t *testing.T) {
	const target = "0d2c4cbb-3e5f-4b8a-9c1d-0123456789ab"
	tests := []struct {
		name     string
		target   string
		status   int
		wantForm url.Values
	}{
		{"other token", target, 204, url.Values{"token": {target}}},
		{"self", "", 204, url.Values{}},
		{"200 is success too", target, 200, url.Values{"token": {target}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rc recorder
			_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tt.status) }))
			c, _ := newTestClient(t, base, Options{})
			if err := c.Revoke(context.Background(), callerToken, tt.target); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			r := rc.all()[0]
			checkCommon(t, r, "POST", "/core/v2/oauth/revoke")
			checkBearer(t, r, callerToken)
			if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type %q", ct)
			}
			form, err := url.ParseQuery(string(r.Body))
			if err != nil || !reflect.DeepEqual(form, tt.wantForm) {
				t.Errorf("form keys %v, want %v", keys(form), keys(tt.wantForm))
			}
		})
	}
}

// tokenItem is a list item with a distinct sid and access token.
func tokenItem(i int) string {
	return fmt.Sprintf(`{"token_sid":"sid-%d","access_token":"access-token-value-%04d","name":"t%d","scopes":"oauth.read"}`, i, i, i)
}

func page(items []string, hasMore bool, offset int, next string) string {
	pag := `{}`
	if next != "" {
		b, _ := json.Marshal(map[string]string{"next": next})
		pag = string(b)
	}
	return fmt.Sprintf(`{"count":%d,"has_more":%t,"items":[%s],"limit":2,"offset":%d,"pagination":%s,"total":null}`,
		len(items), hasMore, strings.Join(items, ","), offset, pag)
}

func TestClient_ListTokens_Offset(t *testing.T) {
	const n = 5
	var rc recorder
	_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var items []string
		for i := off; i < off+2 && i < n; i++ {
			items = append(items, tokenItem(i))
		}
		writeJSON(w, 200, page(items, off+2 < n, off, ""))
	}))
	c, _ := newTestClient(t, base, Options{})
	toks, err := c.ListTokens(context.Background(), callerToken)
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	if len(toks) != n {
		t.Fatalf("%d tokens, want %d", len(toks), n)
	}
	for i, tok := range toks {
		if tok.TokenSID != fmt.Sprintf("sid-%d", i) || !reflect.DeepEqual(tok.Scopes, []string{"oauth.read"}) {
			t.Errorf("token %d = %v", i, tok)
		}
	}
	reqs := rc.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		checkCommon(t, r, "GET", "/core/v2/oauth/tokens")
		checkBearer(t, r, callerToken)
		q, _ := url.ParseQuery(r.RawQuery)
		if q.Get("limit") != "1000" || q.Get("offset") != strconv.Itoa(2*i) {
			t.Errorf("request %d query %q, want limit=1000 offset=%d", i, r.RawQuery, 2*i)
		}
	}
}

func TestClient_ListTokens_Next(t *testing.T) {
	for _, absolute := range []bool{true, false} {
		t.Run(fmt.Sprintf("absolute=%t", absolute), func(t *testing.T) {
			var rc recorder
			_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) {
				cur, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
				next := ""
				if cur < 2 {
					next = fmt.Sprintf("/core/v2/oauth/tokens?cursor=%d&limit=1000", cur+1)
					if absolute {
						next = "http://" + r.Host + next
					}
				}
				// has_more stays false: next alone must be followed.
				writeJSON(w, 200, page([]string{tokenItem(2 * cur), tokenItem(2*cur + 1)}, false, 0, next))
			}))
			c, _ := newTestClient(t, base, Options{})
			toks, err := c.ListTokens(context.Background(), callerToken)
			if err != nil {
				t.Fatalf("ListTokens: %v", err)
			}
			if len(toks) != 6 {
				t.Fatalf("%d tokens, want 6", len(toks))
			}
			reqs := rc.all()
			if len(reqs) != 3 || reqs[1].RawQuery != "cursor=1&limit=1000" || reqs[2].RawQuery != "cursor=2&limit=1000" {
				t.Fatalf("requests %+v: want the next URLs followed as given", reqs)
			}
			for _, r := range reqs {
				checkBearer(t, r, callerToken)
			}
		})
	}
}

func TestClient_ListTokens_HostileNext(t *testing.T) {
	var other recorder
	otherSrv, _ := serve(t, other.wrap(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, page(nil, false, 0, "")) }))
	var sw switchHandler
	srv, base := serve(t, &sw)
	su, _ := url.Parse(srv.URL)
	port := su.Port()
	tests := []struct{ name, next string }{
		{"another server", otherSrv.URL + "/core/v2/oauth/tokens?offset=2&access_token=" + callerToken},
		{"another host, same port", "http://localhost:" + port + "/core/v2/oauth/tokens?offset=2"},
		{"another scheme", "https://127.0.0.1:" + port + "/core/v2/oauth/tokens?offset=2"},
		{"outside the base path", "/other/oauth/tokens?offset=2"},
		{"base path prefix only", "/core/v2x/oauth/tokens?offset=2"},
		{"credentials", "http://u:p@127.0.0.1:" + port + "/core/v2/oauth/tokens?offset=2"},
		{"not a url", "http://[::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rc recorder
			sw.set(rc.wrap(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, page([]string{tokenItem(0)}, true, 0, tt.next))
			}))
			c, _ := newTestClient(t, base, Options{})
			_, err := c.ListTokens(context.Background(), callerToken)
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("error = %v, want ErrBadResponse", err)
			}
			if strings.Contains(err.Error(), "?") || strings.Contains(err.Error(), callerToken) {
				t.Errorf("error text carries a query or the token")
			}
			if rc.count() != 1 || other.count() != 0 {
				t.Errorf("requests: %d here, %d elsewhere; want 1 and 0", rc.count(), other.count())
			}
		})
	}
}

func TestClient_ListTokens_Guards(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request)
		want    string
	}{
		{"offset ignored", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, page([]string{tokenItem(0), tokenItem(1)}, true, 0, ""))
		}, "does not advance"},
		{"next to itself", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, page([]string{tokenItem(0)}, true, 0, "/core/v2/oauth/tokens?limit=1000&offset=0"))
		}, "already read"},
		{"has_more on an empty page", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, page(nil, true, 0, ""))
		}, "empty page"},
		{"endless", func(w http.ResponseWriter, r *http.Request) {
			off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
			writeJSON(w, 200, page([]string{tokenItem(off)}, true, off, ""))
		}, "more than 1000 pages"},
		{"no items key", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"count":0,"has_more":false}`)
		}, "no items"},
		{"item of the wrong type", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"items":[{"token_sid":"a"},7]}`)
		}, "item 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := serve(t, http.HandlerFunc(tt.handler))
			c, _ := newTestClient(t, base, Options{})
			toks, err := c.ListTokens(context.Background(), callerToken)
			if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ListTokens = %d tokens, %v; want ErrBadResponse mentioning %q", len(toks), err, tt.want)
			}
		})
	}
}

func TestClient_ListTokens_TrailingNext(t *testing.T) {
	// A server that always emits next: the empty page at the end stops the listing.
	var rc recorder
	_, base := serve(t, rc.wrap(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var items []string
		if off < 2 {
			items = []string{tokenItem(off)}
		}
		writeJSON(w, 200, page(items, false, off, fmt.Sprintf("/core/v2/oauth/tokens?limit=1000&offset=%d", off+1)))
	}))
	c, _ := newTestClient(t, base, Options{})
	toks, err := c.ListTokens(context.Background(), callerToken)
	if err != nil || len(toks) != 2 || rc.count() != 3 {
		t.Fatalf("ListTokens = %d tokens, %v after %d requests; want 2 tokens after 3", len(toks), err, rc.count())
	}
}

func TestClient_FindToken(t *testing.T) {
	_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		if off == 0 {
			writeJSON(w, 200, page([]string{tokenItem(0), tokenItem(1)}, true, 0, ""))
			return
		}
		writeJSON(w, 200, page([]string{tokenItem(2), sampleToken}, false, 2, ""))
	}))
	c, _ := newTestClient(t, base, Options{})
	tok, err := c.FindToken(context.Background(), callerToken, sampleAccess)
	if err != nil || tok.TokenSID != sampleSID {
		t.Fatalf("FindToken = %v, %v; want the sample token", tok, err)
	}
	tok, err = c.FindToken(context.Background(), callerToken, "access-token-value-0001")
	if err != nil || tok.TokenSID != "sid-1" {
		t.Fatalf("FindToken = %v, %v; want sid-1", tok, err)
	}
	_, err = c.FindToken(context.Background(), callerToken, "access-token-value-000") // a prefix is no match
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("FindToken of an unlisted value: %v, want ErrNotFound", err)
	}
	var he *Error
	if errors.As(err, &he) {
		t.Errorf("not-listed is not an HTTP error, got %v", he)
	}
}

func TestClient_FindToken_ListFails(t *testing.T) {
	_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, `{"message":"Forbidden","errors":[]}`)
	}))
	c, _ := newTestClient(t, base, Options{})
	_, err := c.FindToken(context.Background(), callerToken, callerToken)
	if !errors.Is(err, ErrForbidden) || errors.Is(err, ErrNotFound) {
		t.Fatalf("FindToken error = %v, want ErrForbidden only", err)
	}
}
