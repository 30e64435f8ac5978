package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"
)

// newTransport is the built-in transport: proxies from the environment,
// TLS 1.2 or later, and the system roots plus an optional extra PEM bundle
// (for corporate TLS inspection). Verification is never turned off.
func newTransport(caFile string) (*http.Transport, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read ca file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read ca file %q: %w: no PEM certificate in it", caFile, ErrInvalidInput)
		}
		tc.RootCAs = pool
	}
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           loopbackDial(d.DialContext),
		TLSClientConfig:       tc,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}, nil
}

// checkRedirect is the redirect policy. Go's default keeps Authorization on
// a redirect to the same host name even across schemes and ports, which is
// not good enough for bearer tokens:
//   - at most maxRedirects hops;
//   - never from https down to http, and never to a URL New would refuse;
//   - never to another origin (scheme, host and port) at all. Every call this
//     client makes carries a credential (a bearer token, or a login and
//     password in the header or the form), so following such a redirect
//     without it could only end in a 401 that would wrongly say the token is
//     invalid, and following it with the credential would hand the token to a
//     host it was not pinned to. The caller gets ErrRedirect instead, and the
//     other origin gets no request.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrRedirect, maxRedirects)
	}
	first := via[0]
	for _, v := range via {
		if v.URL.Scheme == "https" && req.URL.Scheme != "https" {
			return fmt.Errorf("%w: from https to %s (%s)", ErrRedirect, req.URL.Scheme, req.URL.Host)
		}
	}
	if err := checkScheme(req.URL); err != nil {
		return fmt.Errorf("%w: to %s: %w", ErrRedirect, req.URL.Host, err)
	}
	if !sameOrigin(first.URL, req.URL) {
		return fmt.Errorf("%w: the server sent the request on to another host (%s://%s); the token was not sent there",
			ErrRedirect, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// loopbackDial holds the name localhost to its promise. Plain http is allowed
// to it because it is this machine; a hosts file or resolver that sends the
// name elsewhere would put a bearer token on the network in clear, so a
// connection to localhost that does not land on a loopback address is closed
// before anything is written. (Proxies never see localhost: net/http does not
// proxy it.)
func loopbackDial(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if host, _, herr := net.SplitHostPort(addr); herr == nil && isLocalhostName(host) {
			ap, perr := netip.ParseAddrPort(conn.RemoteAddr().String())
			if perr != nil || !ap.Addr().Unmap().IsLoopback() {
				conn.Close()
				return nil, fmt.Errorf("%s resolved to %s, not a loopback address: refused, so the token is not sent in clear", host, conn.RemoteAddr())
			}
		}
		return conn, nil
	}
}

// sameOrigin compares scheme, host and port (default ports made explicit).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(strings.TrimSuffix(a.Hostname(), "."), strings.TrimSuffix(b.Hostname(), ".")) &&
		portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}
