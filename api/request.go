package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// request is one logical call; do may send it more than once (429 on GET).
type request struct {
	method   string
	url      *url.URL // absolute
	path     string   // relative to the base URL, no query: what errors show
	bearer   string
	login    string
	password string
	body     []byte // nil: no body
	ctype    string
	secrets  secrets // values scrubbed from anything the server sends back
}

// response is a fully read answer.
type response struct {
	status  int
	header  http.Header
	body    []byte
	latency time.Duration // of the last attempt: send to end of body
}

// endpoint is the absolute URL of path (relative to the base) with query q.
func (c *Client) endpoint(path string, q url.Values) *url.URL {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = ""
	u.RawQuery = q.Encode()
	return &u
}

// relPath is u's path relative to the base path, for error messages.
func (c *Client) relPath(u *url.URL) string {
	if rest, ok := strings.CutPrefix(u.Path, c.base.Path); ok && (rest == "" || rest[0] == '/') {
		return rest
	}
	return u.Path
}

// newRequest builds a bearer-authenticated request to path under the base URL.
func (c *Client) newRequest(method, path string, q url.Values, token string) (*request, error) {
	if err := checkSecret("token", token); err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return &request{method: method, url: c.endpoint(path, q), path: path, bearer: token, secrets: secrets{}.withToken(token)}, nil
}

// checkSecret refuses a credential that is empty or would not survive an
// HTTP header or form intact. The message never includes the value.
func checkSecret(what, v string) error {
	if v == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalidInput, what)
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return fmt.Errorf("%w: %s contains spaces, control or non-ASCII characters", ErrInvalidInput, what)
		}
	}
	return nil
}

// checkSID refuses a sid that would change the request path.
func checkSID(sid string) error {
	if sid == "" || sid == "." || sid == ".." || url.PathEscape(sid) != sid {
		return fmt.Errorf("%w: malformed token sid %q", ErrInvalidInput, sid)
	}
	return nil
}

// do sends rq and returns the answer. A 2xx is (resp, nil). Any other status
// is (resp, *Error). A transport failure is (nil, err). A 429 on a GET is
// retried after Retry-After while tries (maxRetries) and the total wait
// (maxWait) allow and the caller's deadline is not in the way; otherwise it
// is returned at once. Nothing else is ever retried.
func (c *Client) do(ctx context.Context, rq *request) (*response, error) {
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, rq)
		if err != nil {
			return nil, err
		}
		if resp.status >= 200 && resp.status <= 299 {
			return resp, nil
		}
		herr := newHTTPError(rq, resp, c.now())
		if resp.status != http.StatusTooManyRequests || rq.method != http.MethodGet || attempt >= c.maxRetries {
			return resp, herr
		}
		wait, ok := parseRetryAfter(resp.header.Get("Retry-After"), c.now())
		if !ok {
			wait = defaultRetryWait
		}
		if waited+wait > c.maxWait {
			return resp, herr
		}
		if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
			return resp, herr
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, c.transportError(ctx, ctx, rq, err)
		}
		waited += wait
	}
}

// once sends rq one time under the per-attempt timeout and reads the body.
func (c *Client) once(ctx context.Context, rq *request) (*response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	hreq, err := http.NewRequestWithContext(actx, rq.method, rq.url.String(), body)
	if err != nil {
		// The cause would quote the URL; it cannot happen for URLs built here.
		return nil, fmt.Errorf("%s %s: cannot build the request", rq.method, rq.path)
	}
	hreq.Header.Set("User-Agent", c.userAgent)
	hreq.Header.Set("Accept", "application/json")
	switch {
	case rq.bearer != "":
		hreq.Header.Set("Authorization", "Bearer "+rq.bearer)
	case rq.login != "":
		hreq.SetBasicAuth(rq.login, rq.password)
	}
	if rq.ctype != "" {
		hreq.Header.Set("Content-Type", rq.ctype)
	}

	start := time.Now()
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, c.transportError(ctx, actx, rq, err)
	}
	defer hresp.Body.Close()
	ok := hresp.StatusCode >= 200 && hresp.StatusCode <= 299
	limit := int64(maxErrorBody)
	if ok {
		limit = MaxBodySize
	}
	data, err := io.ReadAll(io.LimitReader(hresp.Body, limit+1))
	latency := time.Since(start)
	if err != nil {
		return nil, c.transportError(ctx, actx, rq, err)
	}
	if int64(len(data)) > limit {
		if ok {
			return nil, fmt.Errorf("%s %s: %w: %w: body over %d MiB", rq.method, rq.path, ErrBadResponse, ErrTooLarge, MaxBodySize>>20)
		}
		data = data[:limit] // an error body is only read for its message
	}
	return &response{status: hresp.StatusCode, header: hresp.Header, body: data, latency: latency}, nil
}

// badResponse wraps a decoding error of rq's answer.
func (rq *request) badResponse(err error) error {
	if !errors.Is(err, ErrBadResponse) {
		err = fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	// The detail may quote the answer (a pagination.next URL, say).
	return &scrubbedError{text: causeText(fmt.Errorf("%s %s: %w", rq.method, rq.path, err), rq.secrets), err: err}
}

// sleepContext waits d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
