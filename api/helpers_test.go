package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The canonical token sample of carrierx-core-api.md §4.
const (
	sampleAccess  = "8bfd6c6d-6291-488a-bed1-8784c195ce87"
	sampleRefresh = "ed07dcd6-dfc5-4d7b-b7b4-891441371b3e"
	sampleSID     = "b3f45e4d-7d46-467b-9724-272f57ac420e"
	sampleToken   = `{
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
	// The caller's token in tests: the docs' sample bearer value.
	callerToken = "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda"
)

// seenRequest is what a test server received.
type seenRequest struct {
	Method   string
	Path     string
	RawQuery string
	Host     string
	Header   http.Header
	Body     []byte
}

// recorder collects requests; safe for use from handlers.
type recorder struct {
	mu   sync.Mutex
	reqs []seenRequest
}

func (rc *recorder) wrap(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, seenRequest{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Host: r.Host, Header: r.Header.Clone(), Body: body})
		rc.mu.Unlock()
		h(w, r)
	}
}

func (rc *recorder) all() []seenRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]seenRequest(nil), rc.reqs...)
}

func (rc *recorder) count() int { return len(rc.all()) }

// sleepLog replaces the client's sleep: it records and returns at once.
type sleepLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newTestClient builds a client for base with instant, recorded sleeps.
func newTestClient(t *testing.T, base string, opts Options) (*Client, *sleepLog) {
	t.Helper()
	opts.BaseURL = base
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	sl := &sleepLog{}
	c.sleep = sl.sleep
	return c, sl
}

// serve starts a plain loopback server and returns it with its base URL.
func serve(t *testing.T, h http.Handler) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, srv.URL + "/core/v2"
}

var (
	certOnce sync.Once
	certPair tls.Certificate
	certPEM  []byte
)

// testCert is a self-signed certificate, usable as its own CA, valid for
// localhost, 127.0.0.1 and ::1 (httptest's own covers no "localhost", which
// the "another host" redirect cases need).
func testCert(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(time.Now().UnixNano()),
			Subject:               pkix.Name{CommonName: "cxtokens api test"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
			IsCA:                  true,
			DNSNames:              []string{"localhost"},
			IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			panic(err)
		}
		certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
		certPair, err = tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			panic(err)
		}
	})
	return certPair, certPEM
}

// serveTLS starts a TLS loopback server with testCert and returns it, its
// base URL and a CA file that trusts it.
func serveTLS(t *testing.T, h http.Handler) (*httptest.Server, string, string) {
	t.Helper()
	pair, pemBytes := testCert(t)
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected in some tests
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, srv.URL + "/core/v2", caFile
}

// sentinels is every sentinel, for "this and no other" checks.
var sentinels = []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited, ErrServer, ErrTimeout,
	ErrTLS, ErrDNS, ErrNetwork, ErrInsecureURL, ErrBadResponse, ErrRedirect, ErrTooLarge, ErrInvalidURL, ErrInvalidInput}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// switchHandler lets a test swap the handler of a running server safely.
type switchHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (s *switchHandler) set(h http.Handler) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
}

func (s *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h.ServeHTTP(w, r)
}
