package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// createRequest is the body of POST /oauth/token[/{partner_sid}].
type createRequest struct {
	grantType, username, password, refreshToken string
	name                                        string
	hasName                                     bool
	scopes                                      []string
	hasScopes                                   bool
	expiresIn                                   int64
	hasExpires                                  bool
}

func readCreateRequest(b *body) (createRequest, []fieldError) {
	var req createRequest
	var errs []fieldError
	str := func(name string, dst *string) bool {
		v, ok, fe := b.str(name)
		if fe != nil {
			errs = append(errs, *fe)
		}
		*dst = v
		return ok
	}
	str("grant_type", &req.grantType)
	str("username", &req.username)
	str("password", &req.password)
	str("refresh_token", &req.refreshToken)
	req.hasName = str("name", &req.name)
	var fe *fieldError
	req.scopes, req.hasScopes, fe = b.scopeList("scopes", "scope")
	if fe != nil {
		errs = append(errs, *fe)
	}
	req.expiresIn, req.hasExpires, fe = b.integer("access_token_expires_in")
	if fe != nil {
		errs = append(errs, *fe)
	}
	// client_id, client_secret and token_type hints are accepted and not
	// checked: the docs do not say what they are checked against.
	return req, errs
}

func validName(name string) *fieldError {
	var msg string
	switch {
	case !utf8.ValidString(name):
		msg = "field value must be valid UTF-8"
	case utf8.RuneCountInString(name) > maxNameRunes:
		msg = fmt.Sprintf("field value must be at most %d characters", maxNameRunes)
	case strings.ContainsFunc(name, unicode.IsControl):
		msg = "field value must not contain control characters"
	default:
		return nil
	}
	fe := fieldErr("name", msg)
	return &fe
}

func validScopes(field string, scopes, allowed []string) []fieldError {
	if len(scopes) == 0 {
		return []fieldError{fieldErr(field, "field value must name at least one scope")}
	}
	var errs []fieldError
	for _, sc := range scopes {
		if !slices.Contains(allowed, sc) {
			errs = append(errs, fieldErr(field, fmt.Sprintf("field value is not allowed: %q", sc)))
		}
	}
	return errs
}

// handleCreateToken is POST /oauth/token. It authenticates itself because
// the password and refresh_token grants carry their credentials in the body.
//
// A header, when sent, is checked first, as on every route: bad credentials
// are 401 whatever the body holds. It must then be allowed to create tokens
// (403 otherwise), except when it is the Basic form of the very login a
// password grant names: the grant is what authorizes that request, and it
// mints the login's scopes (a sub-login's token_scopes).
func (s *Server) handleCreateToken(c *call) {
	var hp *principal
	if hasAuthHeader(c.r) {
		p, e := s.authenticateLocked(c.r, c.now)
		if e != nil {
			writeError(c.w, e)
			return
		}
		hp = p
	}
	if hp != nil && hp.login == "" && !hp.hasAny(createScopes) {
		writeError(c.w, forbidden(createScopes)) // a token: nothing in the body can change that
		return
	}
	b, e := decodeBody(c, true)
	if e != nil {
		writeError(c.w, e)
		return
	}
	req, errs := readCreateRequest(b)
	sameLogin := hp != nil && hp.login != "" && req.grantType == "password" && req.username == hp.login
	if hp != nil && hp.login != "" && !sameLogin && !hp.hasAny(createScopes) {
		writeError(c.w, forbidden(createScopes))
		return
	}
	if len(errs) > 0 {
		writeError(c.w, newError(http.StatusUnprocessableEntity, msgValidation, errs...))
		return
	}

	var (
		owner    *partner
		allowed  []string // what the new token may hold; also its default
		name     string
		lifetime = defaultLifetime
		old      *token // the token a refresh_token grant replaces
	)
	switch req.grantType {
	case "":
		if hp == nil {
			writeError(c.w, newError(http.StatusUnauthorized, msgUnauthorized, fieldErr("grant_type",
				"send an Authorization header, or grant_type=password with username and password")))
			return
		}
		owner, allowed = hp.partner, hp.mintableScopes()
	case "password":
		var missing []fieldError
		if req.username == "" {
			missing = append(missing, fieldErr("username", "field is required for grant_type password"))
		}
		if req.password == "" {
			missing = append(missing, fieldErr("password", "field is required for grant_type password"))
		}
		if len(missing) > 0 {
			writeError(c.w, newError(http.StatusBadRequest, msgBadRequest, missing...))
			return
		}
		p, scopes := s.checkLoginLocked(req.username, req.password)
		if p == nil {
			writeError(c.w, newError(http.StatusUnauthorized, msgBadCredentials,
				fieldErr("password", "wrong username or password")))
			return
		}
		if hp != nil && hp.partner != p {
			writeError(c.w, newError(http.StatusForbidden, msgForbidden,
				fieldErr("username", "the login belongs to another partner than the caller")))
			return
		}
		owner, allowed = p, scopes
	case "refresh_token":
		if req.refreshToken == "" {
			writeError(c.w, newError(http.StatusBadRequest, msgBadRequest,
				fieldErr("refresh_token", "field is required for grant_type refresh_token")))
			return
		}
		t := s.byRefresh[req.refreshToken]
		if t == nil || t.revoked || !c.now.Before(t.refreshExp) {
			writeError(c.w, newError(http.StatusUnauthorized, msgBadCredentials,
				fieldErr("refresh_token", "unknown, revoked or expired refresh token")))
			return
		}
		p := s.partners[t.partnerSID]
		if hp != nil && hp.partner != p {
			writeError(c.w, newError(http.StatusForbidden, msgForbidden,
				fieldErr("refresh_token", "the token belongs to another partner than the caller")))
			return
		}
		owner, allowed, old = p, p.scopes, t
		name = t.name
		if d := t.accessExp.Sub(t.created); d > 0 {
			lifetime = d
		}
	default:
		writeError(c.w, newError(http.StatusBadRequest, msgBadRequest,
			fieldErr("grant_type", "unsupported grant_type; use password, refresh_token or none")))
		return
	}

	scopes := allowed
	if old != nil {
		scopes = old.scopes
	}
	if req.hasName {
		name = req.name
		if fe := validName(name); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if req.hasScopes {
		scopes = req.scopes
		errs = append(errs, validScopes("scopes", scopes, allowed)...)
	}
	if req.hasExpires {
		if req.expiresIn < 1 || req.expiresIn > maxLifetimeSeconds {
			errs = append(errs, fieldErr("access_token_expires_in",
				fmt.Sprintf("field value must be between 1 and %d seconds", maxLifetimeSeconds)))
		}
		lifetime = time.Duration(req.expiresIn) * time.Second
	}
	if len(errs) > 0 {
		writeError(c.w, newError(http.StatusUnprocessableEntity, msgValidation, errs...))
		return
	}
	if old != nil {
		// Refresh rotates: the old pair stops working, a new record is made.
		s.revokeLocked(old, c.now)
	}
	t := s.mintLocked(owner, name, scopes, lifetime, c.now)
	writeJSON(c.w, http.StatusOK, s.tokenJSON(t, false))
}

// handleCreateSubToken is POST /oauth/token/{partner_sid}: a token for a
// direct sub-partner of the caller's partner.
func (s *Server) handleCreateSubToken(c *call) {
	b, e := decodeBody(c, true)
	if e != nil {
		writeError(c.w, e)
		return
	}
	req, errs := readCreateRequest(b)
	if len(errs) > 0 {
		writeError(c.w, newError(http.StatusUnprocessableEntity, msgValidation, errs...))
		return
	}
	if req.grantType != "" {
		writeError(c.w, newError(http.StatusBadRequest, msgBadRequest,
			fieldErr("grant_type", "not accepted when creating a token for a sub-partner")))
		return
	}
	sub := s.partners[c.sid]
	if sub == nil || sub.parentSID != c.p.partner.sid {
		writeError(c.w, newError(http.StatusNotFound, msgNoSuchSID, fieldErr("partner_sid", "no such sub-partner")))
		return
	}
	scopes, lifetime := sub.scopes, defaultLifetime
	if req.hasName {
		if fe := validName(req.name); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if req.hasScopes {
		scopes = req.scopes
		errs = append(errs, validScopes("scopes", scopes, sub.scopes)...)
	}
	if req.hasExpires {
		if req.expiresIn < 1 || req.expiresIn > maxLifetimeSeconds {
			errs = append(errs, fieldErr("access_token_expires_in",
				fmt.Sprintf("field value must be between 1 and %d seconds", maxLifetimeSeconds)))
		}
		lifetime = time.Duration(req.expiresIn) * time.Second
	}
	if len(errs) > 0 {
		writeError(c.w, newError(http.StatusUnprocessableEntity, msgValidation, errs...))
		return
	}
	t := s.mintLocked(sub, req.name, scopes, lifetime, c.now)
	writeJSON(c.w, http.StatusOK, s.tokenJSON(t, false))
}

// visibleToken finds an active token of the caller's partner by sid.
func (s *Server) visibleToken(c *call, sid string) *token {
	t := s.bySID[sid]
	if t == nil || t.partnerSID != c.p.partner.sid || !t.active(c.now) {
		return nil
	}
	return t
}

func withRelated(c *call) (bool, *apiError) {
	vals := c.r.URL.Query()["with_related"]
	switch {
	case len(vals) == 0:
		return false, nil
	case len(vals) > 1:
		return false, newError(http.StatusBadRequest, msgBadRequest, fieldErr("with_related", "given more than once"))
	case vals[0] == "true":
		return true, nil
	case vals[0] == "false":
		return false, nil
	}
	return false, newError(http.StatusBadRequest, msgBadRequest, fieldErr("with_related", "must be true or false"))
}

func (s *Server) handleListTokens(c *call) {
	related, e := withRelated(c)
	if e != nil {
		writeError(c.w, e)
		return
	}
	var items []map[string]any
	for _, t := range s.tokens {
		if t.partnerSID == c.p.partner.sid && t.active(c.now) {
			items = append(items, s.tokenJSON(t, related))
		}
	}
	writeList(c, items, tokenSchema, true)
}

func (s *Server) handleGetToken(c *call) {
	related, e := withRelated(c)
	if e != nil {
		writeError(c.w, e)
		return
	}
	t := s.visibleToken(c, c.sid)
	if t == nil {
		writeError(c.w, newError(http.StatusNotFound, msgNoSuchSID))
		return
	}
	writeItem(c, s.tokenJSON(t, related), tokenSchema)
}

// Fields of <TOKEN> that a client cannot set.
var tokenReadOnly = []string{
	"access_token", "client_id", "client_secret", "date_created", "date_last_accessed",
	"ip_last_accessed", "partner", "partner_sid", "refresh_token", "token_sid", "token_type",
}

// handleUpdateToken is PATCH and PUT /oauth/tokens/{sid}. Both change only
// the writable fields present; PATCH rejects read-only and unknown fields
// with 422, PUT (which carries the whole object) ignores them.
func (s *Server) handleUpdateToken(c *call) {
	b, e := decodeBody(c, false)
	if e != nil {
		writeError(c.w, e)
		return
	}
	t := s.visibleToken(c, c.sid)
	if t == nil {
		writeError(c.w, newError(http.StatusNotFound, msgNoSuchSID))
		return
	}
	patch := c.r.Method == http.MethodPatch
	var errs []fieldError
	name, hasName := t.name, false
	scopes, hasScopes := t.scopes, false
	accessExp, refreshExp := t.accessExp, t.refreshExp

	keys := make([]string, 0, len(b.json))
	for k := range b.json {
		keys = append(keys, k)
	}
	slices.Sort(keys) // stable error order
	for _, k := range keys {
		raw := b.json[k]
		switch k {
		case "name":
			var v string
			if isNull(raw) || json.Unmarshal(raw, &v) != nil {
				errs = append(errs, fieldErr(k, "field value must be a string"))
				continue
			}
			if fe := validName(v); fe != nil {
				errs = append(errs, *fe)
				continue
			}
			name, hasName = v, true
		case "scopes":
			v, ok, fe := b.scopeList("scopes", "")
			if fe != nil || !ok {
				errs = append(errs, fieldErr(k, "field value must be an array of strings"))
				continue
			}
			if fes := validScopes(k, v, s.partners[t.partnerSID].scopes); len(fes) > 0 {
				errs = append(errs, fes...)
				continue
			}
			scopes, hasScopes = v, true
		case "date_expiration_access_token", "date_expiration_refresh_token":
			var v string
			var at time.Time
			var err error
			if json.Unmarshal(raw, &v) == nil {
				at, err = time.Parse(time.RFC3339Nano, v)
			}
			if v == "" || err != nil {
				errs = append(errs, fieldErr(k, "field value must be an RFC 3339 date-time"))
				continue
			}
			if k == "date_expiration_access_token" {
				accessExp = at
			} else {
				refreshExp = at
			}
		default:
			if !patch {
				continue
			}
			if slices.Contains(tokenReadOnly, k) {
				errs = append(errs, fieldErr(k, "field is read-only"))
			} else {
				errs = append(errs, fieldErr(k, "unknown field"))
			}
		}
	}
	if hasScopes && !sameSet(scopes, t.scopes) && !c.p.hasAny([]string{"oauth.allow_token_scope_update"}) {
		writeError(c.w, newError(http.StatusForbidden, msgForbidden,
			fieldErr("scopes", "changing scopes needs the scope oauth.allow_token_scope_update")))
		return
	}
	if len(errs) > 0 {
		writeError(c.w, newError(http.StatusUnprocessableEntity, msgValidation, errs...))
		return
	}
	if hasName {
		t.name = name
	}
	if hasScopes {
		t.scopes = slices.Clone(scopes)
	}
	t.accessExp, t.refreshExp = accessExp, refreshExp
	writeJSON(c.w, http.StatusOK, s.tokenJSON(t, false))
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// handleRevoke is POST /oauth/revoke: token= names an access (or refresh)
// token value of the caller's partner; without it the caller's own token
// is revoked.
func (s *Server) handleRevoke(c *call) {
	b, e := decodeBody(c, true)
	if e != nil {
		writeError(c.w, e)
		return
	}
	value, given, fe := b.str("token")
	if fe != nil {
		writeError(c.w, newError(http.StatusUnprocessableEntity, msgValidation, *fe))
		return
	}
	if given && value == "" || !given && b.has("token") {
		// Only an absent token means "this one": an empty value (or a JSON
		// null) is more likely a script's unset variable than a wish to
		// self-revoke.
		writeError(c.w, newError(http.StatusUnprocessableEntity, msgValidation,
			fieldErr("token", "field value must not be empty; leave the field out to revoke the calling token")))
		return
	}
	if !given {
		if c.p.tok == nil {
			writeError(c.w, newError(http.StatusBadRequest, msgBadRequest,
				fieldErr("token", "field is required when authenticating with a login and password")))
			return
		}
		s.revokeLocked(c.p.tok, c.now)
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	t := s.byAccess[value]
	if t == nil {
		t = s.byRefresh[value]
	}
	if t == nil || t.revoked || t.partnerSID != c.p.partner.sid {
		writeError(c.w, newError(http.StatusNotFound, msgNoSuchSID, fieldErr("token", "no such token")))
		return
	}
	s.revokeLocked(t, c.now)
	c.w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleListLogins(c *call) {
	var items []map[string]any
	for _, l := range s.logins {
		if l.partnerSID == c.p.partner.sid {
			items = append(items, loginJSON(l))
		}
	}
	writeList(c, items, loginSchema, false)
}

func validPassword(pw string) *fieldError {
	if pw == "" || len(pw) > 256 || !utf8.ValidString(pw) || strings.ContainsFunc(pw, unicode.IsControl) {
		fe := fieldErr("password", "field value must be 1 to 256 characters without control characters")
		return &fe
	}
	return nil
}

// handleCreateLogin is POST /oauth/logins (JSON): a sub-login named
// "<partner login>_<suffix>".
func (s *Server) handleCreateLogin(c *call) {
	b, e := decodeBody(c, false)
	if e != nil {
		writeError(c.w, e)
		return
	}
	var errs []fieldError
	name, _, fe := b.str("login")
	if fe != nil {
		errs = append(errs, *fe)
	}
	prefix := c.p.partner.login + "_"
	suffix, ok := strings.CutPrefix(name, prefix)
	if fe == nil && (!ok || suffix == "" || len(name) > 128 || strings.ContainsFunc(suffix, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.'))
	})) {
		errs = append(errs, fieldErr("login", fmt.Sprintf("field value must be %q followed by letters, digits, '_', '-' or '.'", prefix)))
	}
	pw, _, fe := b.str("password")
	if fe != nil {
		errs = append(errs, *fe)
	} else if fe := validPassword(pw); fe != nil {
		errs = append(errs, *fe)
	}
	scopes, has, fe := b.scopeList("token_scopes", "")
	switch {
	case fe != nil:
		errs = append(errs, *fe)
	case has:
		errs = append(errs, validScopes("token_scopes", scopes, c.p.partner.scopes)...)
	default:
		scopes = c.p.partner.scopes
	}
	if len(errs) > 0 {
		writeError(c.w, newError(http.StatusUnprocessableEntity, msgValidation, errs...))
		return
	}
	if name == s.root.login || slices.ContainsFunc(s.logins, func(l *login) bool { return l.login == name }) {
		writeError(c.w, newError(http.StatusConflict, msgConflict, fieldErr("login", "login already exists")))
		return
	}
	l := &login{sid: newUUID(), login: name, password: pw, partnerSID: c.p.partner.sid, tokenScopes: slices.Clone(scopes)}
	s.logins = append(s.logins, l)
	writeJSON(c.w, http.StatusOK, loginJSON(l))
}

// handleUpdateLogin is PATCH and PUT /oauth/logins/{sid}: only password
// changes. PATCH rejects other fields; PUT ignores them.
func (s *Server) handleUpdateLogin(c *call) {
	b, e := decodeBody(c, false)
	if e != nil {
		writeError(c.w, e)
		return
	}
	i := slices.IndexFunc(s.logins, func(l *login) bool { return l.sid == c.sid && l.partnerSID == c.p.partner.sid })
	if i < 0 {
		writeError(c.w, newError(http.StatusNotFound, msgNoSuchSID))
		return
	}
	var errs []fieldError
	pw, has, fe := b.str("password")
	if fe != nil {
		errs = append(errs, *fe)
	} else if has {
		if fe := validPassword(pw); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if c.r.Method == http.MethodPatch {
		for k := range b.json {
			if k != "password" {
				errs = append(errs, fieldErr(k, "only password can be changed"))
			}
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b fieldError) int { return strings.Compare(a.Field, b.Field) })
		writeError(c.w, newError(http.StatusUnprocessableEntity, msgValidation, errs...))
		return
	}
	if has {
		s.logins[i].password = pw
	}
	writeJSON(c.w, http.StatusOK, loginJSON(s.logins[i]))
}

func (s *Server) handleListContainers(c *call) {
	var items []map[string]any
	for _, ct := range s.containers {
		if ct.partnerSID == c.p.partner.sid {
			items = append(items, containerJSON(ct))
		}
	}
	writeList(c, items, containerSchema, false)
}

func (s *Server) handleGetContainer(c *call) {
	for _, ct := range s.containers {
		if ct.sid == c.sid && ct.partnerSID == c.p.partner.sid {
			writeItem(c, containerJSON(ct), containerSchema)
			return
		}
	}
	writeError(c.w, newError(http.StatusNotFound, msgNoSuchSID))
}
