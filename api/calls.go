package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// Test makes the test request, GET /storage/containers. A non-2xx answer is
// returned as *Error together with the filled-in TestResult (status, latency).
// The container count is the envelope's total, else its count, else the
// number of items.
func (c *Client) Test(ctx context.Context, token string) (TestResult, error) {
	rq, err := c.newRequest(http.MethodGet, "/storage/containers", nil, token)
	if err != nil {
		return TestResult{}, err
	}
	resp, err := c.do(ctx, rq)
	var res TestResult
	if resp != nil {
		res.Status, res.Latency = resp.status, resp.latency
	}
	if err != nil {
		return res, err
	}
	page, err := decodeList(resp.body)
	if err != nil {
		return res, rq.badResponse(err)
	}
	switch {
	case page.total != nil:
		res.Containers = *page.total
	case page.count != nil:
		res.Containers, res.AtLeast = *page.count, page.hasMore
	case page.hasItems:
		res.Containers, res.AtLeast = len(page.items), page.hasMore
	default:
		return res, rq.badResponse(fmt.Errorf("%w: no total, count or items", ErrBadResponse))
	}
	return res, nil
}

// ListTokens lists every token the caller can see, following every page.
//
// Pages are requested with limit=1000. When an envelope carries
// pagination.next, that URL is followed, but only if it has the base URL's
// scheme, host and port and lies under its path; otherwise the listing stops
// with ErrBadResponse and the URL is not requested. Without next, offset
// advances by the items received while has_more is true. A page repeated, a
// page of nothing new, an empty page claiming more, or over 1000 pages stops
// the listing with ErrBadResponse rather than looping.
func (c *Client) ListTokens(ctx context.Context, token string) ([]Token, error) {
	const path = "/oauth/tokens"
	pageURL := func(offset int) *url.URL {
		return c.endpoint(path, url.Values{"limit": {strconv.Itoa(ListPageSize)}, "offset": {strconv.Itoa(offset)}})
	}
	rq, err := c.newRequest(http.MethodGet, path, nil, token)
	if err != nil {
		return nil, err
	}
	rq.url = pageURL(0)

	var out []Token
	seenURL := map[string]bool{}
	seenSID := map[string]bool{}
	offset := 0
	for n := 0; ; n++ {
		if n == maxPages {
			return nil, rq.badResponse(fmt.Errorf("%w: more than %d pages", ErrBadResponse, maxPages))
		}
		if key := rq.url.String(); seenURL[key] {
			return nil, rq.badResponse(fmt.Errorf("%w: pagination returns to a page already read", ErrBadResponse))
		} else {
			seenURL[key] = true
		}
		resp, err := c.do(ctx, rq)
		if err != nil {
			return nil, err
		}
		page, err := decodeList(resp.body)
		if err == nil && !page.hasItems {
			err = fmt.Errorf("%w: no items", ErrBadResponse)
		}
		if err != nil {
			return nil, rq.badResponse(err)
		}
		fresh := 0
		for i, raw := range page.items {
			t, err := decodeToken(raw)
			if err != nil {
				return nil, rq.badResponse(fmt.Errorf("item %d: %w", i, err))
			}
			if t.TokenSID != "" {
				if seenSID[t.TokenSID] {
					continue
				}
				seenSID[t.TokenSID] = true
			}
			out = append(out, t)
			fresh++
		}
		more := page.hasMore || page.next != ""
		switch {
		case !more:
			return out, nil
		case len(page.items) == 0:
			if !page.hasMore {
				return out, nil // a trailing "next" that leads nowhere
			}
			return nil, rq.badResponse(fmt.Errorf("%w: has_more with an empty page", ErrBadResponse))
		case fresh == 0:
			return nil, rq.badResponse(fmt.Errorf("%w: pagination does not advance", ErrBadResponse))
		}
		if page.offset != nil {
			offset = *page.offset
		}
		offset += len(page.items)
		next := pageURL(offset)
		if page.next != "" {
			if next, err = c.resolveNext(rq.url, page.next); err != nil {
				return nil, rq.badResponse(err)
			}
		}
		// The path shows in errors; the server chose it.
		rq = &request{method: http.MethodGet, url: next, path: rq.secrets.scrub(c.relPath(next)), bearer: token, secrets: rq.secrets}
	}
}

// resolveNext checks a pagination.next URL against the base URL: same
// scheme, host and port, a path under the base path, no credentials. The
// token is only ever sent to the base URL it was added with.
func (c *Client) resolveNext(cur *url.URL, next string) (*url.URL, error) {
	u, err := cur.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("%w: pagination.next is not a url", ErrBadResponse)
	}
	if !sameOrigin(u, c.base) || u.User != nil {
		return nil, fmt.Errorf("%w: pagination.next points at another origin (%s://%s), not followed",
			ErrBadResponse, u.Scheme, u.Host)
	}
	if rest, ok := strings.CutPrefix(u.Path, c.base.Path); !ok || (rest != "" && rest[0] != '/') {
		return nil, fmt.Errorf("%w: pagination.next leaves the base path, not followed", ErrBadResponse)
	}
	u.Fragment = ""
	return u, nil
}

// GetToken fetches one token by sid.
func (c *Client) GetToken(ctx context.Context, token, sid string) (Token, error) {
	if err := checkSID(sid); err != nil {
		return Token{}, fmt.Errorf("get token: %w", err)
	}
	rq, err := c.newRequest(http.MethodGet, "/oauth/tokens/"+sid, nil, token)
	if err != nil {
		return Token{}, err
	}
	return c.doToken(ctx, rq)
}

// FindToken lists tokens with the caller's token and returns the one whose
// access_token equals target (pass token itself to find the caller's own record).
// Not present: an error wrapping ErrNotFound.
//
// Values are compared as SHA-256 digests in constant time, so neither the
// content nor the length of target shows in the timing.
func (c *Client) FindToken(ctx context.Context, token, target string) (Token, error) {
	if err := checkSecret("target token", target); err != nil {
		return Token{}, fmt.Errorf("find token: %w", err)
	}
	toks, err := c.ListTokens(ctx, token)
	if err != nil {
		return Token{}, fmt.Errorf("find token: %w", err)
	}
	want := sha256.Sum256([]byte(target))
	found := -1
	for i := range toks {
		got := sha256.Sum256([]byte(toks[i].AccessToken))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return Token{}, fmt.Errorf("find token: %w: no listed token has that value (%d listed)", ErrNotFound, len(toks))
	}
	return toks[found], nil
}

// CreateToken is POST /oauth/token (form body), never retried.
//
// The form carries name (when not empty), one "scopes" key per scope
// (scopes=a&scopes=b; none when req.Scopes is nil) and
// access_token_expires_in in whole seconds (when ExpiresIn > 0). With
// auth.Bearer the request is authenticated as Bearer; with auth.Login it is
// authenticated as Basic login:password and the form also carries
// grant_type=password, username and password, as in the documented sample.
// Giving both, or neither, is ErrInvalidInput.
func (c *Client) CreateToken(ctx context.Context, auth Auth, req CreateRequest) (Token, error) {
	const path = "/oauth/token"
	form := url.Values{}
	if req.Name != "" {
		form.Set("name", req.Name)
	}
	if req.Scopes != nil {
		if len(req.Scopes) == 0 {
			return Token{}, fmt.Errorf("create token: %w: empty scope list (nil means every scope)", ErrInvalidInput)
		}
		for _, s := range req.Scopes {
			if err := checkScope(s); err != nil {
				return Token{}, fmt.Errorf("create token: %w", err)
			}
			form.Add("scopes", s)
		}
	}
	switch {
	case req.ExpiresIn < 0:
		return Token{}, fmt.Errorf("create token: %w: negative lifetime", ErrInvalidInput)
	case req.ExpiresIn > 0:
		// Rounded up: a short lifetime must not become 0, the ~100-year default.
		secs := (req.ExpiresIn + time.Second - 1) / time.Second
		form.Set("access_token_expires_in", strconv.FormatInt(int64(secs), 10))
	}

	rq := &request{method: http.MethodPost, url: c.endpoint(path, nil), path: path, ctype: formType}
	switch {
	case auth.Bearer != "" && auth.Login != "":
		return Token{}, fmt.Errorf("create token: %w: give a bearer token or a login, not both", ErrInvalidInput)
	case auth.Bearer != "":
		if err := checkSecret("token", auth.Bearer); err != nil {
			return Token{}, fmt.Errorf("create token: %w", err)
		}
		rq.bearer = auth.Bearer
		rq.secrets = secrets{}.withToken(auth.Bearer)
	case auth.Login != "":
		if strings.ContainsRune(auth.Login, ':') || strings.ContainsFunc(auth.Login, unicode.IsControl) {
			return Token{}, fmt.Errorf("create token: %w: a login cannot contain ':' or control characters", ErrInvalidInput)
		}
		if auth.Password == "" {
			return Token{}, fmt.Errorf("create token: %w: password is empty", ErrInvalidInput)
		}
		rq.login, rq.password = auth.Login, auth.Password
		// The Basic header is base64(login:password): hide that whole.
		rq.secrets = secrets{}.withPassword(auth.Login + ":" + auth.Password).withPassword(auth.Password)
		form.Set("grant_type", "password")
		form.Set("username", auth.Login)
		form.Set("password", auth.Password)
	default:
		return Token{}, fmt.Errorf("create token: %w: no bearer token or login", ErrInvalidInput)
	}
	rq.body = []byte(form.Encode())
	t, err := c.doToken(ctx, rq)
	if err != nil {
		return Token{}, err
	}
	if t.AccessToken == "" {
		return Token{}, rq.badResponse(fmt.Errorf("%w: the new token has no access_token", ErrBadResponse))
	}
	return t, nil
}

// checkScope refuses a scope a server could split or misread.
func checkScope(s string) error {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return r == ',' || unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return fmt.Errorf("%w: malformed scope %q", ErrInvalidInput, s)
	}
	return nil
}

// RenameToken is PATCH /oauth/tokens/{sid} with {"name": name}.
func (c *Client) RenameToken(ctx context.Context, token, sid, name string) (Token, error) {
	if err := checkSID(sid); err != nil {
		return Token{}, fmt.Errorf("rename token: %w", err)
	}
	rq, err := c.newRequest(http.MethodPatch, "/oauth/tokens/"+sid, nil, token)
	if err != nil {
		return Token{}, err
	}
	body, err := json.Marshal(map[string]string{"name": name})
	if err != nil {
		return Token{}, fmt.Errorf("rename token: %w", err)
	}
	rq.body, rq.ctype = body, jsonType
	return c.doToken(ctx, rq)
}

// Revoke is POST /oauth/revoke. target "" revokes token itself.
//
// The form is token=<target>, or empty for a self-revoke. Any 2xx (the API
// answers 204) is success. Never retried.
func (c *Client) Revoke(ctx context.Context, token, target string) error {
	const path = "/oauth/revoke"
	rq, err := c.newRequest(http.MethodPost, path, nil, token)
	if err != nil {
		return err
	}
	form := url.Values{}
	if target != "" {
		if err := checkSecret("target token", target); err != nil {
			return fmt.Errorf("revoke: %w", err)
		}
		form.Set("token", target)
		rq.secrets = rq.secrets.withToken(target)
	}
	rq.body, rq.ctype = []byte(form.Encode()), formType
	_, err = c.do(ctx, rq)
	return err
}

// doToken sends rq and decodes one token from a 2xx answer.
func (c *Client) doToken(ctx context.Context, rq *request) (Token, error) {
	resp, err := c.do(ctx, rq)
	if err != nil {
		return Token{}, err
	}
	t, err := decodeToken(resp.body)
	if err != nil {
		return Token{}, rq.badResponse(err)
	}
	return t, nil
}
