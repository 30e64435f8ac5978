package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode"
)

// Token is the OAuth Token object (carrierx-core-api.md §4).
//
// Every formatting of a Token masks AccessToken and RefreshToken: fmt with
// any verb, slog, and encoding/json (MarshalJSON writes the API's field names
// with masked secrets, so a JSON round trip does not keep them). The values
// themselves are only ever read from the fields.
type Token struct {
	AccessToken    string
	RefreshToken   string
	TokenSID       string
	PartnerSID     string
	ClientID       string
	Name           string
	TokenType      string
	Scopes         []string
	Created        time.Time
	AccessExpires  time.Time
	RefreshExpires time.Time
	LastAccessed   time.Time // zero when null
	LastAccessedIP string    // "" when null
}

// String names the token by sid and name and shows the secrets masked.
func (t Token) String() string {
	return fmt.Sprintf("Token{sid=%s name=%q access=%s refresh=%s}",
		t.TokenSID, t.Name, maskOrEmpty(t.AccessToken), maskOrEmpty(t.RefreshToken))
}

// GoString is the %#v form, with the secrets masked.
func (t Token) GoString() string {
	return fmt.Sprintf("api.Token{AccessToken:%q, RefreshToken:%q, TokenSID:%q, PartnerSID:%q, ClientID:%q, "+
		"Name:%q, TokenType:%q, Scopes:%#v, Created:%q, AccessExpires:%q, RefreshExpires:%q, "+
		"LastAccessed:%q, LastAccessedIP:%q}",
		maskOrEmpty(t.AccessToken), maskOrEmpty(t.RefreshToken), t.TokenSID, t.PartnerSID, t.ClientID,
		t.Name, t.TokenType, t.Scopes, fmtTime(t.Created), fmtTime(t.AccessExpires), fmtTime(t.RefreshExpires),
		fmtTime(t.LastAccessed), t.LastAccessedIP)
}

// Format implements fmt.Formatter so that no verb (%d and %x included, which
// bypass String) prints the raw fields.
func (t Token) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, t.GoString())
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), t.String())
}

// LogValue keeps log/slog from reaching the fields.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON writes the API's field names with the secrets masked.
func (t Token) MarshalJSON() ([]byte, error) {
	type out struct {
		AccessToken    string   `json:"access_token"`
		RefreshToken   string   `json:"refresh_token,omitempty"`
		TokenSID       string   `json:"token_sid"`
		PartnerSID     string   `json:"partner_sid,omitempty"`
		ClientID       string   `json:"client_id,omitempty"`
		Name           string   `json:"name"`
		TokenType      string   `json:"token_type,omitempty"`
		Scopes         []string `json:"scopes"`
		Created        *string  `json:"date_created"`
		AccessExpires  *string  `json:"date_expiration_access_token"`
		RefreshExpires *string  `json:"date_expiration_refresh_token"`
		LastAccessed   *string  `json:"date_last_accessed"`
		LastAccessedIP *string  `json:"ip_last_accessed"`
	}
	o := out{
		AccessToken: maskOrEmpty(t.AccessToken), RefreshToken: maskOrEmpty(t.RefreshToken),
		TokenSID: t.TokenSID, PartnerSID: t.PartnerSID, ClientID: t.ClientID, Name: t.Name,
		TokenType: t.TokenType, Scopes: t.Scopes,
		Created: jsonTimePtr(t.Created), AccessExpires: jsonTimePtr(t.AccessExpires),
		RefreshExpires: jsonTimePtr(t.RefreshExpires), LastAccessed: jsonTimePtr(t.LastAccessed),
	}
	if t.LastAccessedIP != "" {
		o.LastAccessedIP = &t.LastAccessedIP
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes the API's token object leniently (see decodeToken).
func (t *Token) UnmarshalJSON(data []byte) error {
	tok, err := decodeToken(data)
	if err != nil {
		return err
	}
	*t = tok
	return nil
}

// String shows which kind of credential this is, never its value.
func (a Auth) String() string {
	switch {
	case a.Bearer != "" && a.Login != "":
		return fmt.Sprintf("Auth{bearer=%s login=%q password=…}", Mask(a.Bearer), a.Login)
	case a.Bearer != "":
		return "Auth{bearer=" + Mask(a.Bearer) + "}"
	case a.Login != "":
		return fmt.Sprintf("Auth{login=%q password=…}", a.Login)
	}
	return "Auth{}"
}

// GoString is the %#v form, masked like String.
func (a Auth) GoString() string { return "api." + a.String() }

// Format implements fmt.Formatter so that no verb prints the raw fields.
func (a Auth) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, a.GoString())
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), a.String())
}

// LogValue keeps log/slog from reaching the fields.
func (a Auth) LogValue() slog.Value { return slog.StringValue(a.String()) }

func maskOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return Mask(s)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func jsonTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := fmtTime(t)
	return &s
}

// --- lenient decoding of API bodies ---------------------------------------

// object is a decoded JSON object whose fields are read one by one, so an
// error can name the field without ever quoting its value.
type object struct {
	m   map[string]json.RawMessage
	err error
	// informational names keys whose malformed values are read as absent
	// instead of failing the object: a date in a form nobody expected must
	// not hide a whole list of tokens.
	informational map[string]bool
}

func decodeObject(data []byte) (*object, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, jsonError(err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: want a JSON object, got null", ErrBadResponse)
	}
	return &object{m: m}, nil
}

// jsonError describes a decoding failure without repeating any input.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%w: invalid JSON at byte %d", ErrBadResponse, syn.Offset)
	case errors.As(err, &typ):
		return fmt.Errorf("%w: want a JSON object", ErrBadResponse)
	case strings.Contains(err.Error(), "unexpected end of JSON input"):
		return fmt.Errorf("%w: empty or truncated JSON", ErrBadResponse)
	}
	return fmt.Errorf("%w: invalid JSON", ErrBadResponse)
}

func (o *object) fail(key, want string) {
	if o.err == nil && !o.informational[key] {
		o.err = fmt.Errorf("%w: field %q: want %s", ErrBadResponse, key, want)
	}
}

// has reports whether key is present (even as null).
func (o *object) has(key string) bool { _, ok := o.m[key]; return ok }

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// str reads a string; absent or null is "".
func (o *object) str(key string) string {
	raw := o.m[key]
	if isNull(raw) {
		return ""
	}
	s, ok := rawString(raw)
	if !ok {
		o.fail(key, "a string")
	}
	return s
}

// boolean reads a bool; absent or null is false.
func (o *object) boolean(key string) bool {
	raw := o.m[key]
	if isNull(raw) {
		return false
	}
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		o.fail(key, "a boolean")
	}
	return b
}

// integer reads a non-negative whole number; absent or null is nil.
func (o *object) integer(key string) *int {
	raw := o.m[key]
	if isNull(raw) {
		return nil
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil || f < 0 || f > 1<<53 || f != float64(int64(f)) {
		o.fail(key, "a non-negative whole number")
		return nil
	}
	n := int(f)
	return &n
}

// timeLayouts are the date forms accepted: RFC 3339 with or without
// fractional seconds (Go's parser takes both with one layout), the same with
// a space for "T" or a zone offset without a colon, either without a zone
// (read as UTC), and a bare date.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// time reads a date; absent, null or "" is the zero time.
func (o *object) time(key string) time.Time {
	raw := o.m[key]
	if isNull(raw) {
		return time.Time{}
	}
	s, ok := rawString(raw)
	if !ok {
		o.fail(key, "a date string")
		return time.Time{}
	}
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	o.fail(key, "an RFC 3339 date")
	return time.Time{}
}

// scopes reads an array of strings, or one string of scopes separated by
// spaces or commas (the attribute table calls the type "string"); null is nil.
func (o *object) scopes(key string) []string {
	raw := o.m[key]
	if isNull(raw) {
		return nil
	}
	if s, ok := rawString(raw); ok {
		return splitScopes(s)
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		o.fail(key, "an array of strings or a string")
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if isNull(it) {
			continue
		}
		s, ok := rawString(it)
		if !ok {
			o.fail(key, "an array of strings or a string")
			return nil
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// tokenInformational are the Token fields only shown to a person: one the
// server sends in an unexpected type or form is unknown, not an error.
var tokenInformational = map[string]bool{
	"name": true, "client_id": true, "token_type": true, "scopes": true, "ip_last_accessed": true,
	"date_created": true, "date_expiration_access_token": true, "date_expiration_refresh_token": true,
	"date_last_accessed": true,
}

// decodeToken reads one OAuth Token object. Unknown fields are ignored;
// nulls are empty values, and so is an informational field (a date, the
// name, the scopes…) of an unexpected type or form. A credential or sid of
// the wrong type, or anything but a JSON object, is ErrBadResponse.
func decodeToken(data []byte) (Token, error) {
	o, err := decodeObject(data)
	if err != nil {
		return Token{}, err
	}
	o.informational = tokenInformational
	t := Token{
		AccessToken:    o.str("access_token"),
		RefreshToken:   o.str("refresh_token"),
		TokenSID:       o.str("token_sid"),
		PartnerSID:     o.str("partner_sid"),
		ClientID:       o.str("client_id"),
		Name:           o.str("name"),
		TokenType:      o.str("token_type"),
		Scopes:         o.scopes("scopes"),
		Created:        o.time("date_created"),
		AccessExpires:  o.time("date_expiration_access_token"),
		RefreshExpires: o.time("date_expiration_refresh_token"),
		LastAccessed:   o.time("date_last_accessed"),
		LastAccessedIP: o.str("ip_last_accessed"),
	}
	if o.err != nil {
		return Token{}, o.err
	}
	return t, nil
}

// listPage is one list envelope (carrierx-core-api.md §7.4).
type listPage struct {
	items    []json.RawMessage
	hasItems bool // "items" was present (possibly null or empty)
	hasMore  bool
	next     string
	count    *int
	total    *int // null in the token list sample
	offset   *int
	limit    *int
}

// listInformational are the envelope's counts: malformed, they are absent.
// "items" and "has_more" decide what is read, so they must be right.
var listInformational = map[string]bool{"count": true, "total": true, "offset": true, "limit": true}

// decodeList reads a list envelope. "pagination" is optional and read only
// for a string "next"; anything else there is ignored.
func decodeList(data []byte) (listPage, error) {
	o, err := decodeObject(data)
	if err != nil {
		return listPage{}, err
	}
	o.informational = listInformational
	p := listPage{
		hasItems: o.has("items"),
		hasMore:  o.boolean("has_more"),
		count:    o.integer("count"),
		total:    o.integer("total"),
		offset:   o.integer("offset"),
		limit:    o.integer("limit"),
	}
	if raw := o.m["items"]; !isNull(raw) {
		if err := json.Unmarshal(raw, &p.items); err != nil {
			o.fail("items", "an array")
		}
	}
	if pag, err := decodeObject(o.m["pagination"]); err == nil {
		if s, ok := rawString(pag.m["next"]); ok {
			p.next = strings.TrimSpace(s)
		}
	}
	if o.err != nil {
		return listPage{}, o.err
	}
	return p, nil
}
