package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const containersOK = `{"count":1,"has_more":false,"items":[{}],"limit":1000,"offset":0,"pagination":{},"total":1}`

// redirectTo answers every request with a 307 to target.
func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
	}
}

func okContainers(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, containersOK) }

func TestClient_Redirect_Plain(t *testing.T) {
	var landing recorder
	other, _ := serve(t, landing.wrap(okContainers))

	var sw switchHandler
	first, base := serve(t, &sw)
	fu, _ := url.Parse(first.URL)

	tests := []struct {
		name     string
		location string
		wantErr  error // nil: followed, with Authorization
	}{
		{"same origin keeps Authorization", "/core/v2/moved", nil},
		{"same origin, absolute", first.URL + "/core/v2/moved", nil},
		{"other port is refused", other.URL + "/core/v2/moved", ErrRedirect},
		{"other host, same port is refused", "http://localhost:" + fu.Port() + "/core/v2/moved", ErrRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			landing.mu.Lock()
			landing.reqs = nil
			landing.mu.Unlock()
			var rc recorder
			sw.set(rc.wrap(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/core/v2/moved" && sameHostPort(r.Host, fu.Host) {
					landing.wrap(okContainers)(w, r)
					return
				}
				redirectTo(tt.location)(w, r)
			}))
			c, _ := newTestClient(t, base, Options{})
			_, err := c.Test(context.Background(), callerToken)
			got := landing.all()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Test: %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "another host") {
					t.Errorf("error %q does not say the request went to another host", err)
				}
				if len(got) != 0 || rc.count() != 1 {
					t.Errorf("the other origin received %d requests, the first %d; want 0 and 1", len(got), rc.count())
				}
				return
			}
			if err != nil {
				t.Fatalf("Test: %v", err)
			}
			if len(got) != 1 {
				t.Fatalf("%d requests landed, want 1", len(got))
			}
			checkBearer(t, got[0], callerToken)
			if got[0].Header.Get("User-Agent") != "cxtokens/"+Version {
				t.Errorf("User-Agent lost on redirect")
			}
		})
	}
}

// sameHostPort reports whether a request's Host header names want exactly.
func sameHostPort(host, want string) bool { return strings.EqualFold(host, want) }

func TestClient_Redirect_TLS(t *testing.T) {
	var landing recorder
	var sw switchHandler
	srv, base, caFile := serveTLS(t, &sw)
	su, _ := url.Parse(srv.URL)
	var plainHits recorder
	plain, _ := serve(t, plainHits.wrap(okContainers))

	tests := []struct {
		name     string
		location string
		wantErr  error
		wantAuth bool
	}{
		{"same origin keeps Authorization", "/core/v2/moved", nil, true},
		{"127.0.0.1 to localhost is refused", "https://localhost:" + su.Port() + "/core/v2/moved", ErrRedirect, false},
		{"https to http is refused", plain.URL + "/core/v2/moved?access_token=" + callerToken, ErrRedirect, false},
		{"https to http, same host and port, is refused", "http://127.0.0.1:" + su.Port() + "/core/v2/moved", ErrRedirect, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			landing.mu.Lock()
			landing.reqs = nil
			landing.mu.Unlock()
			sw.set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/core/v2/moved" {
					landing.wrap(okContainers)(w, r)
					return
				}
				redirectTo(tt.location)(w, r)
			}))
			c, _ := newTestClient(t, base, Options{CAFile: caFile})
			_, err := c.Test(context.Background(), callerToken)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), callerToken) || strings.Contains(err.Error(), "?") {
					t.Errorf("error text carries the target's query")
				}
				if plainHits.count() != 0 || len(landing.all()) != 0 {
					t.Errorf("a refused redirect was followed")
				}
				return
			}
			if err != nil {
				t.Fatalf("Test: %v", err)
			}
			got := landing.all()
			if len(got) != 1 {
				t.Fatalf("%d requests landed, want 1", len(got))
			}
			if has := got[0].Header.Get("Authorization") != ""; has != tt.wantAuth {
				t.Errorf("Authorization arrived: %t, want %t", has, tt.wantAuth)
			}
		})
	}
}

func TestClient_Redirect_Refused(t *testing.T) {
	var other recorder
	otherSrv, _ := serve(t, other.wrap(okContainers))
	var hops atomic.Int32
	tests := []struct {
		name    string
		handler http.HandlerFunc
		call    func(c *Client) error
	}{
		{"http to a non-loopback host", redirectTo("http://api.carrierx.invalid/core/v2/x"),
			func(c *Client) error { _, err := c.Test(context.Background(), callerToken); return err }},
		{"POST to another origin", redirectTo(otherSrv.URL + "/core/v2/oauth/revoke"),
			func(c *Client) error { return c.Revoke(context.Background(), callerToken, "") }},
		{"create with a password to another origin", redirectTo(otherSrv.URL + "/core/v2/oauth/token"),
			func(c *Client) error {
				_, err := c.CreateToken(context.Background(), Auth{Login: "l", Password: "pw-secret"}, CreateRequest{})
				return err
			}},
		{"endless", func(w http.ResponseWriter, r *http.Request) {
			hops.Add(1)
			http.Redirect(w, r, "/core/v2/r", http.StatusFound)
		}, func(c *Client) error { _, err := c.Test(context.Background(), callerToken); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := serve(t, tt.handler)
			c, _ := newTestClient(t, base, Options{})
			err := tt.call(c)
			if !errors.Is(err, ErrRedirect) {
				t.Fatalf("error = %v, want ErrRedirect", err)
			}
			if other.count() != 0 {
				t.Errorf("the other origin received %d requests", other.count())
			}
		})
	}
	if n := hops.Load(); n != maxRedirects {
		t.Errorf("endless redirects: %d hops, want %d", n, maxRedirects)
	}
}

func TestClient_Redirect_BackToOrigin(t *testing.T) {
	// first → other → first: the hop to the other origin is already refused,
	// so neither the other origin nor the way back sees a request.
	var sw switchHandler
	first, base := serve(t, &sw)
	var away recorder
	other, _ := serve(t, away.wrap(redirectTo(first.URL+"/core/v2/back")))
	var back recorder
	sw.set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/core/v2/back" {
			back.wrap(okContainers)(w, r)
			return
		}
		redirectTo(other.URL+"/core/v2/away")(w, r)
	}))
	c, _ := newTestClient(t, base, Options{})
	if _, err := c.Test(context.Background(), callerToken); !errors.Is(err, ErrRedirect) {
		t.Fatalf("Test: %v, want ErrRedirect", err)
	}
	if away.count() != 0 || back.count() != 0 {
		t.Errorf("requests after the refused hop: %d to the other origin, %d back", away.count(), back.count())
	}
}

// stall blocks until the client goes away (or the test ends).
func stall(t *testing.T) http.HandlerFunc {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
}

func TestClient_Timeout(t *testing.T) {
	_, base := serve(t, stall(t))
	c, _ := newTestClient(t, base, Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := c.Test(context.Background(), callerToken)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, ErrNetwork) {
		t.Fatalf("error = %v, want ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), "no response within 200ms") {
		t.Errorf("error text %q does not say which timeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("timeout of 200ms took %v", d)
	}
}

func TestClient_Timeout_StalledBody(t *testing.T) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"count":1,`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	c, _ := newTestClient(t, base, Options{Timeout: 200 * time.Millisecond})
	if _, err := c.Test(context.Background(), callerToken); !errors.Is(err, ErrTimeout) {
		t.Fatalf("error = %v, want ErrTimeout", err)
	}
}

func TestClient_ContextCancel(t *testing.T) {
	_, base := serve(t, stall(t))
	c, _ := newTestClient(t, base, Options{Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := c.ListTokens(ctx, callerToken)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestClient_ContextDeadline(t *testing.T) {
	_, base := serve(t, stall(t))
	c, _ := newTestClient(t, base, Options{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := c.GetToken(ctx, callerToken, sampleSID)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want ErrTimeout wrapping context.DeadlineExceeded", err)
	}
}

// rateLimited answers 429 (with retryAfter, when set) for the first n
// requests, then okContainers; hits counts requests.
func rateLimited(n int32, retryAfter string, hits *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= n {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeJSON(w, 429, `{"message":"Too Many Requests","errors":[]}`)
			return
		}
		if r.Method == http.MethodPost {
			writeJSON(w, 200, sampleToken)
			return
		}
		okContainers(w, r)
	}
}

func TestClient_RateLimit_GET(t *testing.T) {
	// A fixed clock for parsing Retry-After, close to the real one so that a
	// caller's deadline derived from it is still in the future.
	now := time.Now().Truncate(time.Second)
	tests := []struct {
		name       string
		limited    int32
		retryAfter string
		opts       Options
		deadline   time.Duration // caller's context deadline; 0: none
		wantHits   int32
		wantWaits  []time.Duration
		wantErr    bool
	}{
		{name: "always limited: 1 + MaxRetries tries", limited: 100, retryAfter: "1",
			wantHits: 4, wantWaits: []time.Duration{time.Second, time.Second, time.Second}, wantErr: true},
		{name: "recovers", limited: 2, retryAfter: "1",
			wantHits: 3, wantWaits: []time.Duration{time.Second, time.Second}},
		{name: "HTTP date", limited: 1, retryAfter: now.Add(2 * time.Second).Format(http.TimeFormat),
			wantHits: 2, wantWaits: []time.Duration{2 * time.Second}},
		{name: "no Retry-After waits a second", limited: 1,
			wantHits: 2, wantWaits: []time.Duration{time.Second}},
		{name: "Retry-After 0", limited: 1, retryAfter: "0",
			wantHits: 2, wantWaits: []time.Duration{0}},
		{name: "retries off", limited: 100, retryAfter: "1", opts: Options{MaxRetries: -1},
			wantHits: 1, wantErr: true},
		{name: "MaxRetries 1", limited: 100, retryAfter: "1", opts: Options{MaxRetries: 1},
			wantHits: 2, wantWaits: []time.Duration{time.Second}, wantErr: true},
		{name: "Retry-After beyond the budget: give up at once", limited: 100, retryAfter: "60",
			wantHits: 1, wantErr: true},
		{name: "budget spent after two waits", limited: 100, retryAfter: "10", opts: Options{MaxRetryWait: 25 * time.Second, MaxRetries: 10},
			wantHits: 3, wantWaits: []time.Duration{10 * time.Second, 10 * time.Second}, wantErr: true},
		{name: "caller's deadline before Retry-After: give up at once", limited: 100, retryAfter: "10", deadline: 5 * time.Second,
			wantHits: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			_, base := serve(t, rateLimited(tt.limited, tt.retryAfter, &hits))
			c, sl := newTestClient(t, base, tt.opts)
			c.now = func() time.Time { return now }
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, now.Add(tt.deadline))
				defer cancel()
			}
			res, err := c.Test(ctx, callerToken)
			if tt.wantErr {
				var he *Error
				if !errors.Is(err, ErrRateLimited) || !errors.As(err, &he) || res.Status != 429 {
					t.Fatalf("Test = %+v, %v; want a 429 *Error", res, err)
				}
				if tt.retryAfter == "1" && he.RetryAfter != time.Second {
					t.Errorf("RetryAfter = %v, want 1s", he.RetryAfter)
				}
			} else if err != nil {
				t.Fatalf("Test: %v", err)
			}
			if got := hits.Load(); got != tt.wantHits {
				t.Errorf("%d requests, want %d", got, tt.wantHits)
			}
			if got := sl.all(); !reflect.DeepEqual(got, tt.wantWaits) {
				t.Errorf("waits %v, want %v", got, tt.wantWaits)
			}
		})
	}
}

func TestClient_RateLimit_RealSleepHonoursContext(t *testing.T) {
	var hits atomic.Int32
	_, base := serve(t, rateLimited(100, "1", &hits))
	c, err := New(Options{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = c.Test(ctx, callerToken)
	if !errors.Is(err, context.Canceled) || hits.Load() != 1 {
		t.Fatalf("error = %v after %d requests; want context.Canceled during the first wait", err, hits.Load())
	}
}

func TestClient_RateLimit_NeverRetriedWrites(t *testing.T) {
	calls := []struct {
		name string
		call func(c *Client) error
	}{
		{"create (bearer)", func(c *Client) error {
			_, err := c.CreateToken(context.Background(), Auth{Bearer: callerToken}, CreateRequest{Name: "x"})
			return err
		}},
		{"create (password)", func(c *Client) error {
			_, err := c.CreateToken(context.Background(), Auth{Login: "l", Password: "p"}, CreateRequest{})
			return err
		}},
		{"rename", func(c *Client) error {
			_, err := c.RenameToken(context.Background(), callerToken, sampleSID, "n")
			return err
		}},
		{"revoke", func(c *Client) error { return c.Revoke(context.Background(), callerToken, "") }},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			_, base := serve(t, rateLimited(1, "1", &hits))
			c, sl := newTestClient(t, base, Options{MaxRetries: 5})
			err := tt.call(c)
			if !errors.Is(err, ErrRateLimited) || hits.Load() != 1 || len(sl.all()) != 0 {
				t.Fatalf("error %v after %d requests and %d waits; want ErrRateLimited after exactly 1", err, hits.Load(), len(sl.all()))
			}
		})
	}
}

func TestClient_ServerErrorNotRetried(t *testing.T) {
	var hits atomic.Int32
	_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "1")
		writeJSON(w, 503, `{"message":"Service Unavailable"}`)
	}))
	c, _ := newTestClient(t, base, Options{})
	if _, err := c.Test(context.Background(), callerToken); !errors.Is(err, ErrServer) || hits.Load() != 1 {
		t.Fatalf("error %v after %d requests; want ErrServer after 1", err, hits.Load())
	}
}

func TestClient_Oversize(t *testing.T) {
	chunk := strings.Repeat(" ", 64<<10)
	tests := []struct {
		name    string
		status  int
		limit   int64
		wantErr error
	}{
		{"2xx over the limit", 200, MaxBodySize, ErrTooLarge},
		{"error body over the limit is cut, not refused", 500, maxErrorBody, ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The server offers sixteen times the limit; a client that reads
			// it all (and only then compares) takes it all.
			offer := 16 * int64(MaxBodySize)
			var written atomic.Int64
			done := make(chan struct{})
			_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(done)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, `{"items":[`)
				for written.Load() < offer {
					n, err := io.WriteString(w, chunk)
					written.Add(int64(n))
					if err != nil {
						return
					}
				}
			}))
			c, _ := newTestClient(t, base, Options{})
			_, err := c.Test(context.Background(), callerToken)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == ErrTooLarge && !errors.Is(err, ErrBadResponse) {
				t.Errorf("an oversize 2xx should also match ErrBadResponse")
			}
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the server was still writing 10 s after the client gave up")
			}
			// What the client did not read stays in socket buffers, a few
			// MiB at most on loopback.
			if got, most := written.Load(), tt.limit+int64(MaxBodySize); got > most {
				t.Errorf("the server got %d MiB out before the client hung up; a limited read stops near %d MiB", got>>20, tt.limit>>20)
			}
		})
	}
}

// addrConn is a connection that says it reached addr.
type addrConn struct {
	net.Conn
	remote net.Addr
	closed bool
}

func (c *addrConn) RemoteAddr() net.Addr { return c.remote }
func (c *addrConn) Close() error         { c.closed = true; return nil }

// TestLoopbackDial: a connection to the name localhost must land on a
// loopback address, since plain http is allowed to it; other names and
// loopback landings pass untouched.
func TestLoopbackDial(t *testing.T) {
	tests := []struct {
		addr, landed string
		refused      bool
	}{
		{"localhost:8080", "127.0.0.1:8080", false},
		{"LOCALHOST.:8080", "[::1]:8080", false},
		{"localhost:8080", "[::ffff:127.0.0.1]:8080", false},
		{"localhost:8080", "192.0.2.7:8080", true},
		{"localhost:443", "[2001:db8::1]:443", true},
		{"api.example:443", "192.0.2.7:443", false}, // https: TLS vouches for the host
	}
	for _, tt := range tests {
		conn := &addrConn{remote: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(tt.landed))}
		dial := loopbackDial(func(context.Context, string, string) (net.Conn, error) { return conn, nil })
		got, err := dial(context.Background(), "tcp", tt.addr)
		if tt.refused {
			if err == nil || got != nil || !conn.closed || !strings.Contains(err.Error(), "not a loopback address") {
				t.Errorf("dial %s landing on %s: conn %v, err %v, closed %v; want refused and closed", tt.addr, tt.landed, got, err, conn.closed)
			}
			continue
		}
		if err != nil || got != conn || conn.closed {
			t.Errorf("dial %s landing on %s: err %v, closed %v; want the connection", tt.addr, tt.landed, err, conn.closed)
		}
	}
}

// TestClient_ProxyFromEnvironment runs a client in a child process whose
// HTTPS_PROXY names a proxy on loopback, and checks that the request went to
// the proxy as a CONNECT for the API host, which is never looked up or
// reached itself. (net/http reads the variables once per process, hence the
// child.)
func TestClient_ProxyFromEnvironment(t *testing.T) {
	if os.Getenv("CXTOKENS_PROXY_CHILD") != "" {
		c, err := New(Options{BaseURL: "https://api.carrierx.test/core/v2", MaxRetries: -1, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Test(context.Background(), callerToken)
		if err == nil || errors.Is(err, ErrDNS) {
			t.Fatalf("through a proxy that refuses: %v, want a network failure that is not a DNS one", err)
		}
		return
	}
	seen := make(chan string, 4)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Method + " " + r.Host + " auth=" + strconv.FormatBool(r.Header.Get("Authorization") != "")
		http.Error(w, "no", http.StatusBadGateway)
	}))
	defer proxy.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestClient_ProxyFromEnvironment$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CXTOKENS_PROXY_CHILD=1", "HTTPS_PROXY="+proxy.URL, "https_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	select {
	case got := <-seen:
		if got != "CONNECT api.carrierx.test:443 auth=false" {
			t.Errorf("the proxy saw %q, want a CONNECT for the API host without the token", got)
		}
	default:
		t.Fatalf("the proxy from HTTPS_PROXY got no request; child said:\n%s", out)
	}
}
