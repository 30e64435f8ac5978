package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"cxtokens/api/emulator"
)

func TestFaults_Latency(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	h.srv.SetFaults(emulator.Faults{Latency: 150 * time.Millisecond})
	start := time.Now()
	h.get("/storage/containers", bearer(h.boot)).want(t, http.StatusOK)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answered after %v, before the 150ms latency", d)
	}
	// A client that gives up first gets no answer.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/storage/containers", nil)
	if _, err := h.ts.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("client deadline during latency: err %v, want deadline exceeded", err)
	}
}

func TestFaults_RateLimit(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	h.srv.SetFaults(emulator.Faults{RateLimit: 2, RetryAfter: 1500 * time.Millisecond})
	for i := range 2 {
		// Faults come before authentication.
		res := h.get("/storage/containers", "")
		res.wantError(t, http.StatusTooManyRequests, "Too Many Requests")
		if got := res.header.Get("Retry-After"); got != "2" {
			t.Errorf("429 #%d Retry-After %q, want 2 (1.5 s rounded up)", i+1, got)
		}
	}
	if left := h.srv.Faults().RateLimit; left != 0 {
		t.Errorf("RateLimit left %d, want 0", left)
	}
	h.get("/storage/containers", bearer(h.boot)).want(t, http.StatusOK)

	h.srv.SetFaults(emulator.Faults{RateLimit: 1})
	if got := h.get("/storage/containers", bearer(h.boot)).header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After without a duration = %q, want the minimum 1", got)
	}
}

func TestFaults_ServerError(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	h.srv.SetFaults(emulator.Faults{ServerError: 2, ServerStatus: http.StatusServiceUnavailable})
	h.get("/oauth/tokens", bearer(h.boot)).wantError(t, http.StatusServiceUnavailable, "Service Unavailable")
	h.do(http.MethodPost, "/oauth/token", bearer(h.boot), formCT, "name=x").wantError(t, http.StatusServiceUnavailable, "Service Unavailable")
	h.get("/oauth/tokens", bearer(h.boot)).want(t, http.StatusOK)
	if n := h.get("/oauth/tokens", bearer(h.boot)).want(t, 200)["count"]; n != 1.0 {
		t.Errorf("a faulted POST created a token (count %v)", n)
	}
	h.srv.SetFaults(emulator.Faults{ServerError: 1})
	h.get("/storage/containers", bearer(h.boot)).wantError(t, http.StatusInternalServerError, "Internal Server Error")
	h.get("/storage/containers", bearer(h.boot)).want(t, http.StatusOK)
}

func TestFaults_RedirectTo(t *testing.T) {
	var mu sync.Mutex
	var gotAuth []string
	other := mustServer(t, emulator.Options{OnRequest: func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
	}})
	h := mustServer(t, emulator.Options{})
	h.srv.SetFaults(emulator.Faults{RedirectTo: other.ts.URL + "/"})

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, h.base+"/storage/containers?limit=5&filter=name+eq+x", nil)
	req.Header.Set("Authorization", bearer(h.boot))
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	want := other.ts.URL + "/core/v2/storage/containers?limit=5&filter=name+eq+x"
	if res.StatusCode != http.StatusTemporaryRedirect || res.Header.Get("Location") != want {
		t.Fatalf("got %d to %q, want 307 to %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	// Following it reaches the other emulator, which sees what arrives.
	other.get(res.Header.Get("Location"), "").wantError(t, http.StatusUnauthorized, "Unauthorized")
	mu.Lock()
	defer mu.Unlock()
	if len(gotAuth) != 1 || gotAuth[0] != "" {
		t.Errorf("the other side saw %d requests", len(gotAuth))
	}
	if other.srv.Requests() != 1 {
		t.Errorf("Requests() = %d, want 1", other.srv.Requests())
	}
}

func TestFaults_Stall(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	h.srv.SetFaults(emulator.Faults{Stall: true})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/storage/containers", nil)
	req.Header.Set("Authorization", bearer(h.boot))
	res, err := h.ts.Client().Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("stalled request answered %d", res.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want deadline exceeded", err)
	}
	h.srv.SetFaults(emulator.Faults{})
	h.get("/storage/containers", bearer(h.boot)).want(t, http.StatusOK)
}

func TestFaults_Oversize(t *testing.T) {
	h := mustServer(t, emulator.Options{})
	h.srv.SetFaults(emulator.Faults{Oversize: true, OversizeBytes: 1 << 20})
	res := h.get("/storage/containers", bearer(h.boot))
	if res.status != http.StatusOK || len(res.body) <= 1<<20 {
		t.Fatalf("oversize: status %d, %d bytes", res.status, len(res.body))
	}
	var env map[string]any
	if err := json.Unmarshal(res.body, &env); err != nil {
		t.Fatalf("oversize body is not JSON: %v", err)
	}
	if env["count"] != 1.0 || len(env["oversize_padding"].(string)) != 1<<20 {
		t.Errorf("oversize body lost the envelope (count %v)", env["count"])
	}
	// Non-200 answers are left alone.
	h.get("/storage/containers", "").wantError(t, http.StatusUnauthorized, "Unauthorized")
	h.do(http.MethodPost, "/oauth/revoke", bearer(h.boot), formCT, "token=nope").wantError(t, http.StatusNotFound, "Cannot find item by SID")

	// The default is over 64 MiB, streamed.
	h.srv.SetFaults(emulator.Faults{Oversize: true})
	req, _ := http.NewRequest(http.MethodGet, h.base+"/oauth/tokens", nil)
	req.Header.Set("Authorization", bearer(h.boot))
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n <= 64<<20 || resp.ContentLength != -1 {
		t.Errorf("default oversize: %d bytes (err %v, content-length %d), want > 64 MiB streamed", n, err, resp.ContentLength)
	}
	// A client that stops reading early does not hang the server.
	resp, err = h.ts.Client().Do(req.Clone(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 1<<20)
	resp.Body.Close()
	h.srv.SetFaults(emulator.Faults{})
	h.get("/storage/containers", bearer(h.boot)).want(t, http.StatusOK)
}
