package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// secretToken is distinctive so that a leak of even its middle is found.
const (
	secretToken    = "SeCrEt-TOKEN-3f1a9c2e-LEAKCHECK-77d0b4e1"
	secretTarget   = "TaRgEt-TOKEN-0a0b0c0d-LEAKCHECK-99e8f7a6"
	secretPassword = "PaSsWoRd-LEAKCHECK-hunter2"
	secretRefresh  = "ReFrEsH-TOKEN-aaaabbbb-LEAKCHECK-ccccdddd"
)

var secretParts = []string{secretToken, secretTarget, secretPassword, secretRefresh, "LEAKCHECK"}

// leakWindow is the longest run of a secret's characters allowed in text:
// a masked token shows its first and last four.
const leakWindow = 8

// assertNoSecret fails when s holds a secret: whole, encoded the way a
// server might echo it (base64 as in a Basic header, URL or hex encoding),
// or any part of it longer than leakWindow (a secret cut short by a
// length limit is still a leak).
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte("partner:" + secretPassword))
	for _, p := range append(slices.Clone(secretParts), basic) {
		for _, form := range []string{p, url.QueryEscape(p), hex.EncodeToString([]byte(p)),
			base64.StdEncoding.EncodeToString([]byte(p)), base64.RawURLEncoding.EncodeToString([]byte(p))} {
			if strings.Contains(s, form) {
				t.Errorf("%s contains a secret (masked: %s)", what, Mask(p))
				return
			}
		}
		for i := 0; i+leakWindow < len(p); i++ {
			if part := p[i : i+leakWindow+1]; strings.Contains(s, part) {
				t.Errorf("%s contains %d characters of a secret (masked: %s)", what, len(part), Mask(p))
				return
			}
		}
	}
}

// assertErrorClean checks every way an error is commonly printed.
func assertErrorClean(t *testing.T, name string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", name)
		return
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		assertNoSecret(t, name+" "+f, fmt.Sprintf(f, err))
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		assertNoSecret(t, name+" (unwrapped)", u.Error())
	}
}

func TestSecrets_NotInErrors(t *testing.T) {
	// A hostile server echoes every credential it got, in every field it has.
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			seen := r.Header.Get("Authorization") + " " + r.Form.Get("token") + " " + r.Form.Get("password")
			body, _ := json.Marshal(map[string]any{
				"message": "rejected " + seen,
				"errors":  []map[string]any{{"field": seen, "message": "bad " + seen, "reference_sid": seen}},
			})
			writeJSON(w, status, string(body))
		}
	}
	ctx := context.Background()
	var sw switchHandler
	srv, base := serve(t, &sw)
	c, _ := newTestClient(t, base, Options{MaxRetries: -1, Timeout: 200 * time.Millisecond})

	cases := []struct {
		name    string
		handler http.Handler
		call    func() error
	}{
		{"401 echo on GET", echo(401), func() error { _, err := c.Test(ctx, secretToken); return err }},
		{"422 echo on revoke", echo(422), func() error { return c.Revoke(ctx, secretToken, secretTarget) }},
		{"400 echo on create", echo(400), func() error {
			_, err := c.CreateToken(ctx, Auth{Login: "partner", Password: secretPassword}, CreateRequest{Name: "n"})
			return err
		}},
		{"the Basic header echoed, and the form as sent", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			msg, _ := json.Marshal("rejected " + r.Header.Get("Authorization") + " for " + string(body))
			writeJSON(w, 401, `{"message":`+string(msg)+`}`)
		}), func() error {
			_, err := c.CreateToken(ctx, Auth{Login: "partner", Password: secretPassword}, CreateRequest{Name: "n"})
			return err
		}},
		{"the token straddling the length limit", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pad := strings.Repeat("x", maxMessageLen-len(secretToken)/2)
			writeJSON(w, 400, `{"message":"`+pad+" "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+`","errors":[{"message":"`+pad+secretToken+`"}]}`)
		}), func() error { _, err := c.Test(ctx, secretToken); return err }},
		{"a password with doubled spaces", echo(400), func() error {
			_, err := c.CreateToken(ctx, Auth{Login: "partner", Password: "Pa  sS-LEAKCHECK  w0rd"}, CreateRequest{Name: "n"})
			return err
		}},
		{"403 echo on find", echo(403), func() error { _, err := c.FindToken(ctx, secretToken, secretTarget); return err }},
		{"malformed body with the token in it", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"access_token":"`+secretToken+`" "broken`)
		}), func() error { _, err := c.GetToken(ctx, secretToken, sampleSID); return err }},
		{"wrong type next to the token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"access_token":"`+secretToken+`","token_sid":12345}`)
		}), func() error { _, err := c.GetToken(ctx, secretToken, sampleSID); return err }},
		{"hostile next with the token in the query", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, page([]string{tokenItem(1)}, true, 0, "https://evil.invalid/x?token="+secretToken))
		}), func() error { _, err := c.ListTokens(ctx, secretToken); return err }},
		{"redirect to http with the token in the query", redirectTo("http://evil.invalid/x?t=" + secretToken),
			func() error { _, err := c.Test(ctx, secretToken); return err }},
		{"redirect to another host named after the token", redirectTo("https://" + secretToken + ".evil.invalid/x"),
			func() error { _, err := c.Test(ctx, secretToken); return err }},
		{"redirect to http at a host named after the token", redirectTo("http://" + secretToken + ".evil.invalid/x"),
			func() error { _, err := c.Test(ctx, secretToken); return err }},
		{"unparsable Location with the token in its query", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/core/v2/x%zz?"+secretToken)
			w.WriteHeader(http.StatusFound)
		}), func() error { _, err := c.Test(ctx, secretToken); return err }},
		{"next at another host named after the token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, page([]string{tokenItem(1)}, true, 0, "https://"+secretToken+".evil.invalid/x"))
		}), func() error { _, err := c.ListTokens(ctx, secretToken); return err }},
		{"same-origin next with the token in its path, then a bad page", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "LEAKCHECK") {
				writeJSON(w, 200, `{"items": "not a list"}`)
				return
			}
			writeJSON(w, 200, page([]string{tokenItem(1)}, true, 0, "/core/v2/oauth/tokens/"+secretToken))
		}), func() error { _, err := c.ListTokens(ctx, secretToken); return err }},
		{"same-origin next with the token in its path, then a 500", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "LEAKCHECK") {
				writeJSON(w, 500, `{"message":"boom"}`)
				return
			}
			writeJSON(w, 200, page([]string{tokenItem(1)}, true, 0, "/core/v2/oauth/tokens/"+secretToken))
		}), func() error { _, err := c.ListTokens(ctx, secretToken); return err }},
		{"not found in the list", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, page([]string{tokenItem(1)}, false, 0, ""))
		}), func() error { _, err := c.FindToken(ctx, secretToken, secretTarget); return err }},
		{"timeout", stall(t), func() error { _, err := c.ListTokens(ctx, secretToken); return err }},
		{"token with a space", nil, func() error { _, err := c.Test(ctx, secretToken+" x"); return err }},
		{"target with a newline", nil, func() error { return c.Revoke(ctx, secretToken, secretTarget+"\n") }},
		{"both credentials", nil, func() error {
			_, err := c.CreateToken(ctx, Auth{Bearer: secretToken, Login: "l", Password: secretPassword}, CreateRequest{})
			return err
		}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			sw.set(tt.handler)
			assertErrorClean(t, tt.name, tt.call())
		})
	}

	srv.Close()
	assertErrorClean(t, "connection refused", c.Revoke(ctx, secretToken, secretTarget))
}

func TestSecrets_NotInFormatting(t *testing.T) {
	tok := Token{
		AccessToken: secretToken, RefreshToken: secretRefresh, TokenSID: sampleSID, Name: "ci",
		Scopes: []string{"oauth.read"}, Created: time.Date(2024, 9, 11, 13, 46, 42, 0, time.UTC),
	}
	auth := Auth{Bearer: secretToken, Login: "partner", Password: secretPassword}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%20s", "%-40v"}
	values := map[string]any{
		"Token":            tok,
		"*Token":           &tok,
		"[]Token":          []Token{tok, tok},
		"struct{T Token}":  struct{ T Token }{tok},
		"map[string]Token": map[string]Token{"k": tok},
		"Auth":             auth,
		"*Auth":            &auth,
		"Auth password":    Auth{Login: "partner", Password: secretPassword},
		"CreateRequest":    CreateRequest{Name: "n"},
	}
	for name, v := range values {
		for _, f := range verbs {
			assertNoSecret(t, name+" "+f, fmt.Sprintf(f, v))
		}
	}
	if s := tok.String(); !strings.Contains(s, Mask(secretToken)) || !strings.Contains(s, sampleSID) {
		t.Errorf("String() = %q: want the sid and the masked token", s)
	}

	js, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "json.Marshal(Token)", string(js))
	var back Token
	if err := json.Unmarshal(js, &back); err != nil || back.TokenSID != sampleSID || !back.Created.Equal(tok.Created) {
		t.Errorf("JSON of a Token does not read back (except the masked secrets): %v", err)
	}

	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("token", "tok", tok, "auth", auth)
	log = slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("token", "tok", tok, "auth", auth)
	assertNoSecret(t, "slog", buf.String())
}
