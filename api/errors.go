package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// FieldError is one entry of an error body's "errors" array.
type FieldError struct {
	Field        string
	Message      string
	ReferenceSID string
}

// Error is any non-2xx response.
type Error struct {
	Status     int
	Method     string
	Path       string // path relative to the base URL, no query
	Message    string // server's "message", or the status text
	Fields     []FieldError
	RetryAfter time.Duration // from Retry-After, when present
}

// Error reads like "GET /oauth/tokens/abc: 404 Cannot find item by SID".
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	if e.Message != "" {
		b.WriteString(" ")
		b.WriteString(e.Message)
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		switch {
		case f.Field != "" && f.Message != "":
			b.WriteString(f.Field + ": " + f.Message)
		case f.Field != "":
			b.WriteString(f.Field)
		default:
			b.WriteString(f.Message)
		}
		if i == len(e.Fields)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// Is answers the status sentinels: ErrUnauthorized (401), ErrForbidden (403),
// ErrNotFound (404), ErrRateLimited (429) and ErrServer (any 5xx).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrServer:
		return e.Status >= 500 && e.Status <= 599
	}
	return false
}

// newHTTPError builds the *Error for a non-2xx answer. Everything taken from
// the body is cleaned of the request's secrets, in case a server echoes one.
func newHTTPError(rq *request, resp *response, now time.Time) *Error {
	e := &Error{Status: resp.status, Method: rq.method, Path: rq.path}
	e.Message, e.Fields = parseErrorBody(resp.body, rq.secrets.scrub)
	if e.Message == "" {
		e.Message = http.StatusText(resp.status)
	}
	if d, ok := parseRetryAfter(resp.header.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	return e
}

const (
	maxMessageLen = 300
	maxFieldCount = 20
)

// parseErrorBody reads {"message":…,"errors":[{"field","message","reference_sid"}]}
// leniently: anything missing, mistyped or not JSON is simply absent. Besides
// the documented array of objects, "errors" may be an array of strings or an
// object mapping field to message(s); "error_description", "error" and
// "detail" stand in for a missing "message".
//
// Every string passes through scrub before it is cleaned and cut to length,
// so a secret is found whole even where the cut would fall inside it.
func parseErrorBody(body []byte, scrub func(string) string) (string, []FieldError) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return "", nil
	}
	clean := func(s string) string { return clean(scrub(s)) }
	var msg string
	for _, k := range []string{"message", "error_description", "error", "detail"} {
		if s, ok := rawString(top[k]); ok && strings.TrimSpace(s) != "" {
			msg = clean(s)
			break
		}
	}
	return msg, parseFieldErrors(top["errors"], clean)
}

func parseFieldErrors(raw json.RawMessage, clean func(string) string) []FieldError {
	var out []FieldError
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		for _, item := range list {
			if len(out) == maxFieldCount {
				break
			}
			if s, ok := rawString(item); ok {
				out = append(out, FieldError{Message: clean(s)})
				continue
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(item, &obj) != nil || obj == nil {
				continue
			}
			f, _ := rawString(obj["field"])
			m, _ := rawString(obj["message"])
			r, _ := rawString(obj["reference_sid"])
			if f == "" && m == "" && r == "" {
				continue
			}
			out = append(out, FieldError{Field: clean(f), Message: clean(m), ReferenceSID: clean(r)})
		}
		return out
	}
	var byField map[string]json.RawMessage
	if json.Unmarshal(raw, &byField) != nil {
		return nil
	}
	keys := make([]string, 0, len(byField))
	for k := range byField {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(out) == maxFieldCount {
			break
		}
		m, ok := rawString(byField[k])
		if !ok {
			var ms []string
			if json.Unmarshal(byField[k], &ms) == nil {
				m = strings.Join(ms, "; ")
			}
		}
		out = append(out, FieldError{Field: clean(k), Message: clean(m)})
	}
	return out
}

// rawString decodes a JSON string; anything else (null, numbers…) is absent.
func rawString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// clean makes server-supplied text safe to print on one terminal line.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		// Controls, format characters (bidi overrides) and line separators
		// could disguise or break the line a person reads.
		if unicode.IsControl(r) || r == unicode.ReplacementChar ||
			unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxMessageLen {
		s = string(r[:maxMessageLen]) + "…"
	}
	return s
}

// secrets are the credentials of one request, to be hidden in anything the
// server sends back and in transport errors.
type secrets struct {
	tokens    []string // shown as Mask shows a token
	passwords []string // hidden whole: a password has no recognisable ends
}

// withToken and withPassword return a copy with one more value.
func (sc secrets) withToken(t string) secrets {
	sc.tokens = append(slices.Clip(sc.tokens), t)
	return sc
}

func (sc secrets) withPassword(p string) secrets {
	sc.passwords = append(slices.Clip(sc.passwords), p)
	return sc
}

// hiddenPassword stands in for a password found in server text.
const hiddenPassword = "[password]"

// scrub replaces every secret in s, as sent and in the encodings a server
// might echo it in (base64, as in a Basic Authorization header; URL
// encoding, as in a form body), with its masked form.
func (sc secrets) scrub(s string) string {
	replace := func(v, with string) {
		if v == "" {
			return
		}
		for _, form := range encodings(v) {
			if strings.Contains(s, form) {
				s = strings.ReplaceAll(s, form, with)
			}
		}
	}
	for _, p := range sc.passwords {
		replace(p, hiddenPassword)
	}
	for _, t := range sc.tokens {
		replace(t, Mask(t))
	}
	return s
}

// encodings are v and the forms it takes in headers, forms and URLs.
func encodings(v string) []string {
	b := []byte(v)
	return []string{
		v,
		url.QueryEscape(v),
		url.PathEscape(v),
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
	}
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		const most = 1 << 31 // keeps the multiplication below from overflowing
		if n > most {
			n = most
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// netError is a transport failure: no HTTP answer was had. It matches its
// kind (ErrTimeout, ErrTLS, ErrDNS or ErrNetwork) and ErrNetwork, and unwraps
// to the cause.
type netError struct {
	op    string // "GET /storage/containers"
	kind  error
	cause error
	text  string // the cause as shown: cleaned, no query strings, no secrets
}

func (e *netError) Error() string {
	if e.text == "" {
		return e.op + ": " + e.kind.Error()
	}
	return e.op + ": " + e.kind.Error() + ": " + e.text
}

func (e *netError) Is(target error) bool { return target == e.kind || target == ErrNetwork }

// Unwrap gives only a context error: any other cause may quote what the
// server sent (a URL, an address) and is shown only as the cleaned text.
func (e *netError) Unwrap() error {
	for _, c := range []error{context.DeadlineExceeded, context.Canceled} {
		if errors.Is(e.cause, c) {
			return c
		}
	}
	return nil
}

// scrubbedError is an error shown with its text cleaned of a request's
// secrets. It answers errors.Is as the error it cleans does, but does not
// unwrap to it, so the raw text cannot be printed from the chain.
type scrubbedError struct {
	text string
	err  error
}

func (e *scrubbedError) Error() string        { return e.text }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// transportError classifies an error from http.Client.Do or a body read.
// ctx is the caller's context; actx the per-attempt one carrying the timeout.
func (c *Client) transportError(ctx, actx context.Context, rq *request, err error) error {
	op := rq.method + " " + rq.path
	// http.Client wraps everything in *url.Error, whose text repeats the full
	// URL; unwrap it and speak for ourselves.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, ErrRedirect) {
		// Its text names where the server pointed, which the server chose.
		return &scrubbedError{text: op + ": " + causeText(err, rq.secrets), err: err}
	}
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return &netError{op: op, kind: ErrTimeout, cause: cerr, text: "the caller's deadline passed"}
		}
		return fmt.Errorf("%s: %w", op, cerr)
	}
	if actx.Err() != nil {
		return &netError{op: op, kind: ErrTimeout, cause: context.DeadlineExceeded,
			text: "no response within " + c.timeout.String()}
	}
	e := &netError{op: op, kind: classify(err), cause: err, text: causeText(err, rq.secrets)}
	return e
}

func classify(err error) error {
	var dnsErr *net.DNSError
	var nerr net.Error
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var uaErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invErr x509.CertificateInvalidError
	switch {
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return ErrTimeout
		}
		return ErrDNS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return ErrTimeout
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alertErr),
		errors.As(err, &uaErr), errors.As(err, &hostErr), errors.As(err, &invErr):
		return ErrTLS
	}
	// Remote TLS alerts arrive as an unexported type inside *net.OpError, and
	// net/http replaces the record error of a plain-HTTP server with text.
	if s := err.Error(); strings.Contains(s, "tls: ") || strings.Contains(s, "x509: ") ||
		strings.Contains(s, "HTTP response to HTTPS client") {
		return ErrTLS
	}
	return ErrNetwork
}

// causeText renders a transport error's cause for people: cleaned of
// secrets, and with any query string cut, so a URL quoted inside it (a
// Location header, say) cannot carry a credential into the message.
func causeText(err error, sc secrets) string {
	s := clean(sc.scrub(err.Error()))
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '?')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i+1])
		b.WriteString("…")
		s = s[i+1:]
		j := strings.IndexAny(s, " \"'")
		if j < 0 {
			break
		}
		s = s[j:]
	}
	return b.String()
}
