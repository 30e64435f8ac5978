package emulator

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CarrierX's labels for error bodies (§7.2).
const (
	msgBadRequest       = "Bad Request"
	msgNoJSON           = "No JSON object could be decoded"
	msgBadCredentials   = "Bad credentials"
	msgUnauthorized     = "Unauthorized"
	msgForbidden        = "Forbidden"
	msgNoSuchSID        = "Cannot find item by SID"
	msgNotFound         = "Not Found"
	msgMethodNotAllowed = "Method Not Allowed"
	msgConflict         = "Conflict"
	msgTooLarge         = "Request Entity Too Large"
	msgUnsupportedMedia = "Unsupported media type"
	msgValidation       = "object validation error"
	msgTooManyRequests  = "Too Many Requests"
)

// fieldError is one entry of an error body's "errors" array (§7.3).
type fieldError struct {
	Field        string  `json:"field"`
	Message      string  `json:"message"`
	ReferenceSID *string `json:"reference_sid"`
}

// apiError is a 4xx/5xx answer: status, label and field errors.
type apiError struct {
	status  int
	message string
	errors  []fieldError
}

func newError(status int, message string, errs ...fieldError) *apiError {
	return &apiError{status: status, message: message, errors: errs}
}

func fieldErr(field, message string) fieldError {
	return fieldError{Field: field, Message: message}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own maps reach here; a failure is a bug worth a 500.
		status = http.StatusInternalServerError
		b = []byte(`{"message":"Internal Server Error","errors":[]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	errs := e.errors
	if errs == nil {
		errs = []fieldError{}
	}
	writeJSON(w, e.status, map[string]any{"message": e.message, "errors": errs})
}

// bufferedResponse holds a handler's answer so that faults (Oversize) can
// rewrite it and Content-Length is always exact.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// ServeHTTP serves the Core API under BasePath.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if h := s.opts.OnRequest; h != nil {
		h(r)
	}
	f := s.Faults()
	ctx := r.Context()
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			// Drop the connection rather than let net/http send an
			// empty 200 to a client that may still be there (shutdown).
			panic(http.ErrAbortHandler)
		}
	}
	if f.Stall {
		<-ctx.Done()
		panic(http.ErrAbortHandler)
	}
	if f.RedirectTo != "" {
		w.Header().Set("Location", strings.TrimRight(f.RedirectTo, "/")+r.URL.RequestURI())
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	if e, retryAfter := s.takeCountedFault(); e != nil {
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(retryAfter, 10))
		}
		writeError(w, e)
		return
	}

	buf := &bufferedResponse{header: w.Header()}
	s.serve(buf, r)
	if buf.status == 0 {
		buf.status = http.StatusOK
	}
	if f.Oversize && buf.status == http.StatusOK {
		size := f.OversizeBytes
		if size <= 0 {
			size = 64 << 20
		}
		writeOversize(w, buf.body.Bytes(), size)
		return
	}
	if buf.status != http.StatusNoContent {
		w.Header().Set("Content-Length", strconv.Itoa(buf.body.Len()))
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
}

// takeCountedFault consumes one RateLimit or ServerError, if any is left,
// and returns its answer and Retry-After seconds.
func (s *Server) takeCountedFault() (*apiError, int64) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	switch {
	case s.faults.RateLimit > 0:
		s.faults.RateLimit--
		secs := int64((s.faults.RetryAfter + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		return &apiError{status: http.StatusTooManyRequests, message: msgTooManyRequests,
			errors: []fieldError{{Field: "", Message: "retry after " + strconv.FormatInt(secs, 10) + " s"}}}, secs
	case s.faults.ServerError > 0:
		s.faults.ServerError--
		st := s.faults.ServerStatus
		if st == 0 {
			st = http.StatusInternalServerError
		}
		msg := http.StatusText(st)
		if msg == "" {
			msg = "Server Error"
		}
		return &apiError{status: st, message: msg}, 0
	}
	return nil, 0
}

// writeOversize streams a valid JSON object: the original 200 body with a
// padding member of size bytes put first.
func writeOversize(w http.ResponseWriter, body []byte, size int64) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, `{"oversize_padding":"`); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte{'x'}, 64<<10)
	for left := size; left > 0; {
		n := min(int64(len(chunk)), left)
		if _, err := w.Write(chunk[:n]); err != nil {
			return // the client gave up; that is the point of the fault
		}
		left -= n
	}
	rest := bytes.TrimSpace(body)
	if len(rest) > 0 && rest[0] == '{' {
		rest = bytes.TrimSpace(rest[1:])
	}
	if len(rest) == 0 || rest[0] == '}' {
		_, _ = io.WriteString(w, `"}`)
		return
	}
	_, _ = io.WriteString(w, `",`)
	_, _ = w.Write(rest)
}

// call is one request being handled, with s.mu held.
type call struct {
	w    http.ResponseWriter
	r    *http.Request
	now  time.Time
	sid  string // the {sid} path segment, if the route has one
	body []byte
	p    *principal // nil only for selfAuth endpoints
}

type endpoint struct {
	scopes   []string // the caller needs one of these
	selfAuth bool     // the handler authenticates (POST /oauth/token)
	hasBody  bool
	handle   func(s *Server, c *call)
}

type route struct {
	prefix  []string // path segments after BasePath
	withSID bool     // one more segment: the sid
	methods map[string]endpoint
}

var (
	createScopes    = []string{"oauth.manage_all_tokens", "oauth.manage", "oauth.create"}
	readTokenScopes = []string{"oauth.manage_all_tokens", "oauth.manage", "oauth.read"}
	updateScopes    = []string{"oauth.manage_all_tokens", "oauth.manage", "oauth.update"}
	revokeScopes    = []string{"oauth.manage_all_tokens", "oauth.manage"}
	storageScopes   = []string{"storage.manage", "storage.read"}
)

var routes = []route{
	{prefix: []string{"oauth", "token"}, methods: map[string]endpoint{
		http.MethodPost: {selfAuth: true, hasBody: true, handle: (*Server).handleCreateToken},
	}},
	{prefix: []string{"oauth", "token"}, withSID: true, methods: map[string]endpoint{
		http.MethodPost: {scopes: createScopes, hasBody: true, handle: (*Server).handleCreateSubToken},
	}},
	{prefix: []string{"oauth", "tokens"}, methods: map[string]endpoint{
		http.MethodGet: {scopes: readTokenScopes, handle: (*Server).handleListTokens},
	}},
	{prefix: []string{"oauth", "tokens"}, withSID: true, methods: map[string]endpoint{
		http.MethodGet:   {scopes: readTokenScopes, handle: (*Server).handleGetToken},
		http.MethodPatch: {scopes: updateScopes, hasBody: true, handle: (*Server).handleUpdateToken},
		http.MethodPut:   {scopes: updateScopes, hasBody: true, handle: (*Server).handleUpdateToken},
	}},
	{prefix: []string{"oauth", "revoke"}, methods: map[string]endpoint{
		http.MethodPost: {scopes: revokeScopes, hasBody: true, handle: (*Server).handleRevoke},
	}},
	{prefix: []string{"oauth", "logins"}, methods: map[string]endpoint{
		http.MethodGet:  {scopes: []string{"oauth.manage", "oauth.read"}, handle: (*Server).handleListLogins},
		http.MethodPost: {scopes: []string{"oauth.manage", "oauth.create"}, hasBody: true, handle: (*Server).handleCreateLogin},
	}},
	{prefix: []string{"oauth", "logins"}, withSID: true, methods: map[string]endpoint{
		http.MethodPatch: {scopes: []string{"oauth.manage", "oauth.update"}, hasBody: true, handle: (*Server).handleUpdateLogin},
		http.MethodPut:   {scopes: []string{"oauth.manage", "oauth.update"}, hasBody: true, handle: (*Server).handleUpdateLogin},
	}},
	{prefix: []string{"storage", "containers"}, methods: map[string]endpoint{
		http.MethodGet: {scopes: storageScopes, handle: (*Server).handleListContainers},
	}},
	{prefix: []string{"storage", "containers"}, withSID: true, methods: map[string]endpoint{
		http.MethodGet: {scopes: storageScopes, handle: (*Server).handleGetContainer},
	}},
}

func matchRoute(path string) (*route, string, bool) {
	rest, ok := strings.CutPrefix(path, BasePath+"/")
	if !ok {
		return nil, "", false
	}
	segs := strings.Split(rest, "/")
	for i := range routes {
		rt := &routes[i]
		n := len(rt.prefix)
		if rt.withSID {
			n++
		}
		if len(segs) != n || !slices.Equal(segs[:len(rt.prefix)], rt.prefix) {
			continue
		}
		if rt.withSID {
			if segs[n-1] == "" {
				return nil, "", false
			}
			return rt, segs[n-1], true
		}
		return rt, "", true
	}
	return nil, "", false
}

func allowHeader(rt *route) string {
	ms := make([]string, 0, len(rt.methods)+1)
	for m := range rt.methods {
		ms = append(ms, m)
	}
	ms = append(ms, http.MethodOptions)
	slices.Sort(ms)
	return strings.Join(ms, ", ")
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// The docs say the API allows cross-origin requests.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	rt, sid, ok := matchRoute(r.URL.Path)
	if !ok {
		writeError(w, newError(http.StatusNotFound, msgNotFound))
		return
	}
	if r.Method == http.MethodOptions {
		w.Header().Set("Allow", allowHeader(rt))
		w.Header().Set("Access-Control-Allow-Methods", allowHeader(rt))
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ep, ok := rt.methods[r.Method]
	if !ok {
		w.Header().Set("Allow", allowHeader(rt))
		writeError(w, newError(http.StatusMethodNotAllowed, msgMethodNotAllowed))
		return
	}
	// Read the body before taking the lock so a slow client cannot hold
	// up everyone else.
	var body []byte
	if ep.hasBody && r.Body != nil {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
				writeError(w, newError(http.StatusRequestEntityTooLarge, msgTooLarge))
				return
			}
			writeError(w, newError(http.StatusBadRequest, msgBadRequest, fieldErr("", "could not read the request body")))
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c := &call{w: w, r: r, now: s.now(), sid: sid, body: body}
	if !ep.selfAuth {
		p, e := s.authenticateLocked(r, c.now)
		if e != nil {
			writeError(w, e)
			return
		}
		if !p.hasAny(ep.scopes) {
			writeError(w, forbidden(ep.scopes))
			return
		}
		c.p = p
	}
	ep.handle(s, c)
}

func forbidden(scopes []string) *apiError {
	return newError(http.StatusForbidden, msgForbidden,
		fieldErr("scopes", "this call needs one of the scopes: "+strings.Join(scopes, ", ")))
}

// principal is who a request authenticated as.
type principal struct {
	partner *partner
	tok     *token   // nil for Basic
	login   string   // the Basic login; "" for a token
	scopes  []string // the token's scopes, or the login's
}

func (p *principal) hasAny(scopes []string) bool {
	for _, sc := range scopes {
		if slices.Contains(p.scopes, sc) {
			return true
		}
	}
	return false
}

// mintableScopes is what a token minted by this principal may hold: the
// partner's available_scopes, or a sub-login's token_scopes.
func (p *principal) mintableScopes() []string {
	if p.tok == nil {
		return p.scopes
	}
	return p.partner.scopes
}

func hasAuthHeader(r *http.Request) bool {
	return strings.TrimSpace(r.Header.Get("Authorization")) != ""
}

var (
	errUnauthorized   = newError(http.StatusUnauthorized, msgUnauthorized)
	errBadCredentials = newError(http.StatusUnauthorized, msgBadCredentials)
)

// authenticateLocked checks the Authorization header and, for a bearer
// token, records its last use. s.mu must be held.
func (s *Server) authenticateLocked(r *http.Request, now time.Time) (*principal, *apiError) {
	vals := r.Header.Values("Authorization")
	if len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
		return nil, errUnauthorized
	}
	if len(vals) > 1 {
		return nil, errBadCredentials
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(vals[0]), " ")
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "bearer":
		t := s.byAccess[cred]
		if cred == "" || t == nil || !t.active(now) {
			return nil, errBadCredentials
		}
		p := s.partners[t.partnerSID]
		if p == nil {
			return nil, errBadCredentials
		}
		t.lastAccessed = now
		t.lastIP = s.clientIP(r)
		return &principal{partner: p, tok: t, scopes: t.scopes}, nil
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil, errBadCredentials
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return nil, errBadCredentials
		}
		p, scopes := s.checkLoginLocked(user, pass)
		if p == nil {
			return nil, errBadCredentials
		}
		return &principal{partner: p, login: user, scopes: scopes}, nil
	default:
		// No credentials this API understands.
		return nil, errUnauthorized
	}
}

// checkLoginLocked resolves a partner login or a sub-login to its partner
// and the scopes it grants.
func (s *Server) checkLoginLocked(user, pass string) (*partner, []string) {
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	if eq(user, s.root.login) && eq(pass, s.root.password) {
		return s.root, s.root.scopes
	}
	for _, l := range s.logins {
		if eq(user, l.login) && eq(pass, l.password) {
			if p := s.partners[l.partnerSID]; p != nil {
				return p, l.tokenScopes
			}
		}
	}
	return nil, nil
}

// clientIP is the trusted header's first address when configured and
// well-formed, else the connection's remote address.
func (s *Server) clientIP(r *http.Request) string {
	if h := s.opts.IPHeader; h != "" {
		if v := r.Header.Get(h); v != "" {
			first, _, _ := strings.Cut(v, ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
				return a.Unmap().WithZone("").String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().WithZone("").String()
	}
	return host
}

// body is a decoded request body, JSON or form.
type body struct {
	json map[string]json.RawMessage
	form url.Values
}

// decodeBody parses c.body. allowForm routes (/oauth/token, /oauth/revoke)
// take form or JSON and treat an empty body as no fields; the others take
// JSON only.
func decodeBody(c *call, allowForm bool) (*body, *apiError) {
	ct := c.r.Header.Get("Content-Type")
	if allowForm && len(bytes.TrimSpace(c.body)) == 0 {
		return &body{form: url.Values{}}, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err == nil && mt == "application/json":
		m, ok := decodeJSONObject(c.body)
		if !ok {
			return nil, newError(http.StatusBadRequest, msgNoJSON)
		}
		return &body{json: m}, nil
	case err == nil && allowForm && mt == "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(c.body))
		if err != nil {
			return nil, newError(http.StatusBadRequest, msgBadRequest, fieldErr("", "malformed form body"))
		}
		return &body{form: v}, nil
	default:
		want := "application/json"
		if allowForm {
			want += " or application/x-www-form-urlencoded"
		}
		return nil, newError(http.StatusUnsupportedMediaType, msgUnsupportedMedia, fieldErr("", "Content-Type must be "+want))
	}
}

// decodeJSONObject accepts exactly one JSON object and nothing after it.
func decodeJSONObject(b []byte) (map[string]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return m, true
}

// str reads a single string field. Absent and JSON null are "not present".
func (b *body) str(name string) (string, bool, *fieldError) {
	if b.json != nil {
		raw, ok := b.json[name]
		if !ok || isNull(raw) {
			return "", false, nil
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			fe := fieldErr(name, "field value must be a string")
			return "", false, &fe
		}
		return v, true, nil
	}
	vals, ok := b.form[name]
	if !ok {
		return "", false, nil
	}
	if len(vals) != 1 {
		fe := fieldErr(name, "field is given more than once")
		return "", false, &fe
	}
	return vals[0], true, nil
}

// has reports whether the body names the field at all, even as JSON null.
func (b *body) has(name string) bool {
	if b.json != nil {
		_, ok := b.json[name]
		return ok
	}
	_, ok := b.form[name]
	return ok
}

// integer reads a whole number given as a JSON number, a numeric JSON
// string or a form value.
func (b *body) integer(name string) (int64, bool, *fieldError) {
	bad := func() (int64, bool, *fieldError) {
		fe := fieldErr(name, "field value must be an integer")
		return 0, false, &fe
	}
	var text string
	if b.json != nil {
		raw, ok := b.json[name]
		if !ok || isNull(raw) {
			return 0, false, nil
		}
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return bad()
		}
		text = n.String()
	} else {
		v, ok, fe := b.str(name)
		if fe != nil || !ok {
			return 0, false, fe
		}
		text = strings.TrimSpace(v)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return bad()
	}
	return n, true, nil
}

// scopeList reads a scope list given as a JSON array of strings, a string
// of names separated by spaces or commas, or (forms) repeated keys; forms
// also take the names "<name>[]" and, when alias is set, alias (OAuth's
// "scope").
func (b *body) scopeList(name, alias string) ([]string, bool, *fieldError) {
	var parts []string
	if b.json != nil {
		raw, ok := b.json[name]
		if (!ok || isNull(raw)) && alias != "" {
			raw, ok = b.json[alias]
		}
		if !ok || isNull(raw) {
			return nil, false, nil
		}
		var arr []string
		var one string
		switch {
		case json.Unmarshal(raw, &arr) == nil:
			for _, a := range arr {
				parts = append(parts, splitScopes(a)...)
			}
		case json.Unmarshal(raw, &one) == nil:
			parts = splitScopes(one)
		default:
			fe := fieldErr(name, "field value must be an array of strings or a string")
			return nil, false, &fe
		}
	} else {
		keys := []string{name, name + "[]"}
		if alias != "" {
			keys = append(keys, alias)
		}
		found := false
		for _, k := range keys {
			for _, v := range b.form[k] {
				found = true
				parts = append(parts, splitScopes(v)...)
			}
		}
		if !found {
			return nil, false, nil
		}
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, true, nil
}

func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }
