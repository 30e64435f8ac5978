package emulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"cxtokens/api/emulator"
)

// send is a goroutine-safe request helper: it reports instead of failing.
func send(c *http.Client, method, u, auth, ctype, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func TestConcurrency_CreateUseRevoke(t *testing.T) {
	h := mustServer(t, emulator.Options{IPHeader: "X-Forwarded-For"})
	client := h.ts.Client()
	const workers, rounds = 8, 12
	var wg sync.WaitGroup
	errc := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				if err := oneRound(client, h.base, h.boot, fmt.Sprintf("w%d-%d", w, i), i%2 == 0); err != nil {
					errc <- fmt.Errorf("worker %d round %d: %w", w, i, err)
					return
				}
			}
		})
	}
	// Meanwhile: hooks and fault changes from other goroutines.
	wg.Go(func() {
		for range 200 {
			h.srv.SetFaults(emulator.Faults{})
			_ = h.srv.Faults()
			_, _ = h.srv.TokenRecord(h.boot)
			_ = h.srv.Revoked(h.boot)
			_ = h.srv.Requests()
		}
	})
	wg.Go(func() {
		for range 50 {
			if tok, _ := h.srv.IssueToken("direct", []string{"storage.read"}, 0); tok == "" {
				errc <- fmt.Errorf("IssueToken returned no token")
				return
			}
		}
	})
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	env := h.get("/oauth/tokens?limit=1000&filter=name+ne+direct", bearer(h.boot)).want(t, http.StatusOK)
	if env["count"] != 1.0 {
		t.Errorf("after every worker revoked its tokens, %v remain (want the bootstrap only)", env["count"])
	}
	if n := h.get("/oauth/tokens?limit=1000&filter=name+eq+direct", bearer(h.boot)).want(t, http.StatusOK)["count"]; n != 50.0 {
		t.Errorf("direct tokens listed: %v, want 50", n)
	}
}

// oneRound creates a token, uses it, renames it, lists, revokes it (by
// value or itself) and checks it is dead.
func oneRound(c *http.Client, base, boot, name string, self bool) error {
	status, body, err := send(c, http.MethodPost, base+"/oauth/token", bearer(boot), formCT,
		url.Values{"name": {name}, "scopes": {"storage.read oauth.manage"}}.Encode())
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("create: status %d err %v body %s", status, err, redact(body))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenSID    string `json:"token_sid"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	auth := bearer(tok.AccessToken)
	if status, _, err = send(c, http.MethodGet, base+"/storage/containers", auth, "", ""); err != nil || status != http.StatusOK {
		return fmt.Errorf("use: status %d err %v", status, err)
	}
	if status, _, err = send(c, http.MethodPatch, base+"/oauth/tokens/"+tok.TokenSID, bearer(boot), jsonCT, `{"name":"`+name+`-r"}`); err != nil || status != http.StatusOK {
		return fmt.Errorf("rename: status %d err %v", status, err)
	}
	if status, _, err = send(c, http.MethodGet, base+"/oauth/tokens?limit=5&order=date_created+desc", auth, "", ""); err != nil || status != http.StatusOK {
		return fmt.Errorf("list: status %d err %v", status, err)
	}
	if self {
		status, _, err = send(c, http.MethodPost, base+"/oauth/revoke", auth, formCT, "")
	} else {
		status, _, err = send(c, http.MethodPost, base+"/oauth/revoke", bearer(boot), jsonCT, `{"token":"`+tok.AccessToken+`"}`)
	}
	if err != nil || status != http.StatusNoContent {
		return fmt.Errorf("revoke: status %d err %v", status, err)
	}
	if status, _, err = send(c, http.MethodGet, base+"/storage/containers", auth, "", ""); err != nil || status != http.StatusUnauthorized {
		return fmt.Errorf("use after revoke: status %d err %v, want 401", status, err)
	}
	if status, _, err = send(c, http.MethodGet, base+"/oauth/tokens/"+tok.TokenSID, bearer(boot), "", ""); err != nil || status != http.StatusNotFound {
		return fmt.Errorf("get after revoke: status %d err %v, want 404", status, err)
	}
	return nil
}
