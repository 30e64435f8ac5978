package vault

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TestResult is the outcome of the last test request made with a token.
type TestResult struct {
	At      time.Time
	Outcome string // tokens.Outcome* words: "works", "invalid", "missing_scope", "rate_limited", "server_error", "network_error"
	Status  int    // HTTP status, 0 when no response
	Latency time.Duration
	Detail  string // short human detail, never a secret
}

// Record is one stored token. Secret and RefreshToken are the only secret
// fields; every way of printing a Record (fmt, slog) masks them, and it
// refuses to be marshalled to JSON.
//
// Times read back equal (time.Time.Equal) to what was stored, in the same
// location when that was UTC or Local, else at the same offset; an empty
// Scopes slice reads back as nil.
type Record struct {
	ID             string // random, assigned by Add; stable for the record's life
	Name           string // unique, case-insensitive
	Secret         string // the access token value
	RefreshToken   string // when we got one from a create call
	BaseURL        string // the API base URL the token is pinned to
	TokenSID       string
	PartnerSID     string
	Scopes         []string
	Created        time.Time // date_created from the API
	AccessExpires  time.Time
	RefreshExpires time.Time
	LastUsed       time.Time // date_last_accessed as last seen from the API; zero if never
	LastUsedIP     string
	LastUseLookup  bool      // LastUsed is the details lookup itself, made with this token for want of another
	DetailsAt      time.Time // when the API fields above were last refreshed
	Note           string
	AddedAt        time.Time // set by Add when zero
	LastTest       *TestResult
}

// String formats the record with Secret and RefreshToken masked, so a
// record printed by mistake does not leak them.
func (r Record) String() string { return r.format("vault.Record") }

// Format prints String for every fmt verb (%v, %+v, %#v, %s, %d, %x…), and
// %q quotes it: no verb prints a secret.
func (r Record) Format(f fmt.State, verb rune) {
	s := r.String()
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	io.WriteString(f, s)
}

// LogValue is String, for log/slog.
func (r Record) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalJSON refuses: a Record holds secrets, and code that means to write
// them out (an export) builds its own shape field by field.
func (r Record) MarshalJSON() ([]byte, error) {
	return nil, errors.New("vault.Record holds secrets and is not marshalled to JSON")
}

func (r Record) format(typeName string) string {
	var b strings.Builder
	b.WriteString(typeName)
	b.WriteByte('{')
	sep := ""
	field := func(name, value string) {
		b.WriteString(sep)
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(value)
		sep = ", "
	}
	str := func(name, value string) {
		if value != "" {
			field(name, strconv.Quote(value))
		}
	}
	tm := func(name string, t time.Time) {
		if !t.IsZero() {
			field(name, t.Format(time.RFC3339))
		}
	}
	str("ID", r.ID)
	str("Name", r.Name)
	if r.Secret != "" {
		field("Secret", maskSecret(r.Secret))
	}
	if r.RefreshToken != "" {
		field("RefreshToken", maskSecret(r.RefreshToken))
	}
	str("BaseURL", r.BaseURL)
	str("TokenSID", r.TokenSID)
	str("PartnerSID", r.PartnerSID)
	if len(r.Scopes) > 0 {
		field("Scopes", fmt.Sprintf("%q", r.Scopes))
	}
	tm("Created", r.Created)
	tm("AccessExpires", r.AccessExpires)
	tm("RefreshExpires", r.RefreshExpires)
	tm("LastUsed", r.LastUsed)
	str("LastUsedIP", r.LastUsedIP)
	if r.LastUseLookup {
		field("LastUseLookup", "true")
	}
	tm("DetailsAt", r.DetailsAt)
	str("Note", r.Note)
	tm("AddedAt", r.AddedAt)
	if t := r.LastTest; t != nil {
		field("LastTest", fmt.Sprintf("{At: %s, Outcome: %q, Status: %d, Latency: %s, Detail: %q}",
			t.At.Format(time.RFC3339), t.Outcome, t.Status, t.Latency, t.Detail))
	}
	b.WriteByte('}')
	return b.String()
}

// maskSecret shows the first and last four characters of a secret long
// enough for that to leave most of it hidden, and nothing of a short one.
func maskSecret(s string) string {
	r := []rune(s)
	if len(r) < 16 {
		return "…"
	}
	return string(r[:4]) + "…" + string(r[len(r)-4:])
}

// The plaintext of a sealed record is a version byte followed by
// tag | uvarint length | bytes fields. It is a hand-rolled encoding rather
// than JSON because List decodes every record on each call and JSON was the
// slow part at 10,000 records. Unknown tags mean a newer writer added a
// field: decoding refuses them (ErrNewerVersion) rather than drop them and
// lose data on the next Update.
const payloadVersion = 1

// Record field tags. Never reuse or renumber one.
const (
	tagName           = 1
	tagSecret         = 2
	tagRefreshToken   = 3
	tagBaseURL        = 4
	tagTokenSID       = 5
	tagPartnerSID     = 6
	tagScope          = 7 // repeated, one per scope, in order
	tagCreated        = 8
	tagAccessExpires  = 9
	tagRefreshExpires = 10
	tagLastUsed       = 11
	tagLastUsedIP     = 12
	tagDetailsAt      = 13
	tagNote           = 14
	tagAddedAt        = 15
	tagLastTest       = 16 // nested fields below
	tagScopeCodes     = 17 // repeated: a run of known scopes, one byte each (knownScopes index + 1)
	tagLastUseLookup  = 18 // varint 1 when set
	tagTestAt         = 1
	tagTestOutcome    = 2
	tagTestStatus     = 3
	tagTestLatency    = 4
	tagTestDetail     = 5
)

// String fields have two packed forms, marked in the tag's top bits (the
// field number is the low six). tagUUID: the 16 bytes of a canonical
// lower-case UUID instead of its 36 characters (tokens and sids are UUIDs;
// packing them saves a fifth of a typical record). tagKnown: one byte, an
// index + 1 into knownStrings.
const (
	tagUUID   = 0x80
	tagKnown  = 0x40
	fieldMask = 0x3f
)

// knownStrings are values most records repeat: the default base URL and
// the test outcome words. Append only, like knownScopes.
var knownStrings = [...]string{
	"https://api.carrierx.com/core/v2",
	"works", "invalid", "missing_scope", "rate_limited", "server_error", "network_error",
}

var knownCodes = func() map[string]byte {
	m := make(map[string]byte, len(knownStrings))
	for i, s := range knownStrings {
		m[s] = byte(i + 1)
	}
	return m
}()

// knownScopes packs the CarrierX scope names of carrierx-core-api.md §3 to
// one byte each (index + 1): the default scope list alone is 190 bytes of
// text per token, the largest part of a record. Scopes not in the table
// are stored as text. Append only: a code, once written, means its scope
// forever.
var knownScopes = [...]string{
	"accesscontrol.manage", "endpoints.manage", "oauth.manage", "partners.manage",
	"phonenumber.manage", "push.manage", "shortener.manage", "sms.manage",
	"storage.manage", "trunk_groups.manage", "trunk_groups.trunks.manage",
	"oauth.manage_all_tokens", "oauth.create", "oauth.read", "oauth.update",
	"oauth.delete", "oauth.allow_token_scope_update", "storage.read",
	"storage.create", "storage.delete",
}

var scopeCodes = func() map[string]byte {
	m := make(map[string]byte, len(knownScopes))
	for i, s := range knownScopes {
		m[s] = byte(i + 1)
	}
	return m
}()

var (
	errPayloadNewer = errors.New("record written by a newer version")
	errPayloadBad   = errors.New("malformed record payload")
)

func appendField(b []byte, tag byte, v []byte) []byte {
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendString(b []byte, tag byte, s string) []byte {
	if s == "" {
		return b
	}
	if c, ok := knownCodes[s]; ok {
		return append(b, tag|tagKnown, 1, c)
	}
	if u, ok := packUUID(s); ok {
		return appendField(b, tag|tagUUID, u[:])
	}
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Time zones in the time encoding.
const (
	zoneUTC   = 0
	zoneLocal = 1
	zoneFixed = 2 // followed by the offset in seconds (zig-zag varint); the zone name is not kept
)

// appendTime stores t as zone | seconds since 1970 (zig-zag varint) |
// fraction (uvarint: milliseconds<<1|1 when whole milliseconds, as API
// times are, else nanoseconds<<1), about 8 bytes where MarshalBinary takes
// 15.
func appendTime(b []byte, tag byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	var v []byte
	switch loc := t.Location(); {
	case loc == time.UTC:
		v = append(v, zoneUTC)
	case loc == time.Local:
		v = append(v, zoneLocal)
	default:
		_, off := t.Zone()
		v = binary.AppendVarint(append(v, zoneFixed), int64(off))
	}
	v = binary.AppendVarint(v, t.Unix())
	ns := uint64(t.Nanosecond())
	if ns%1e6 == 0 {
		v = binary.AppendUvarint(v, ns/1e6<<1|1)
	} else {
		v = binary.AppendUvarint(v, ns<<1)
	}
	return appendField(b, tag, v)
}

func appendVarint(b []byte, tag byte, n int64) []byte {
	if n == 0 {
		return b
	}
	return appendField(b, tag, binary.AppendVarint(nil, n))
}

// encodeRecord encodes every field of r except ID, which is the record's
// key and is bound to the ciphertext as associated data instead.
func encodeRecord(r *Record) []byte {
	b := make([]byte, 0, 256)
	b = append(b, payloadVersion)
	b = appendString(b, tagName, r.Name)
	b = appendString(b, tagSecret, r.Secret)
	b = appendString(b, tagRefreshToken, r.RefreshToken)
	b = appendString(b, tagBaseURL, r.BaseURL)
	b = appendString(b, tagTokenSID, r.TokenSID)
	b = appendString(b, tagPartnerSID, r.PartnerSID)
	b = appendScopes(b, r.Scopes)
	b = appendTime(b, tagCreated, r.Created)
	b = appendTime(b, tagAccessExpires, r.AccessExpires)
	b = appendTime(b, tagRefreshExpires, r.RefreshExpires)
	b = appendTime(b, tagLastUsed, r.LastUsed)
	b = appendString(b, tagLastUsedIP, r.LastUsedIP)
	if r.LastUseLookup {
		b = appendVarint(b, tagLastUseLookup, 1)
	}
	b = appendTime(b, tagDetailsAt, r.DetailsAt)
	b = appendString(b, tagNote, r.Note)
	b = appendTime(b, tagAddedAt, r.AddedAt)
	if t := r.LastTest; t != nil {
		var n []byte
		n = appendTime(n, tagTestAt, t.At)
		n = appendString(n, tagTestOutcome, t.Outcome)
		n = appendVarint(n, tagTestStatus, int64(t.Status))
		n = appendVarint(n, tagTestLatency, int64(t.Latency))
		n = appendString(n, tagTestDetail, t.Detail)
		b = appendField(b, tagLastTest, n)
	}
	return b
}

// appendScopes writes runs of known scopes as one tagScopeCodes field each
// and other scopes as tagScope text fields, keeping their order.
func appendScopes(b []byte, scopes []string) []byte {
	var run []byte
	flush := func() {
		if len(run) > 0 {
			b = appendField(b, tagScopeCodes, run)
			run = run[:0]
		}
	}
	for _, s := range scopes {
		if c, ok := scopeCodes[s]; ok {
			run = append(run, c)
			continue
		}
		flush()
		b = appendField(b, tagScope, []byte(s))
	}
	flush()
	return b
}

// packUUID returns the 16 bytes of s when s is a canonical lower-case UUID
// (8-4-4-4-12 hex digits), the only form that formats back identically.
func packUUID(s string) (u [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	j := 0
	for i := 0; i < 36; i += 2 {
		if s[i] == '-' {
			i--
			continue
		}
		hi, ok1 := lowerHex(s[i])
		lo, ok2 := lowerHex(s[i+1])
		if !ok1 || !ok2 {
			return u, false
		}
		u[j] = hi<<4 | lo
		j++
	}
	return u, j == 16
}

func lowerHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// formatUUID writes the 36-character form of the 16 bytes u into dst.
func formatUUID(dst, u []byte) {
	const digits = "0123456789abcdef"
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = digits[c>>4], digits[c&0xf]
		j += 2
	}
}

// texts decodes the string fields of one payload with few allocations
// (List decodes 10,000 records at a time): text fields become substrings of
// a single copy of the payload, and packed UUIDs are formatted into one
// buffer that becomes a single string when the record is done.
type texts struct {
	base  []byte // the whole payload; every field value is a reslice of it
	s     string // string(base), made on first use
	uuids [maxUUIDs * 36]byte
	dst   [maxUUIDs]*string
	n     int
}

// maxUUIDs bounds the packed UUID fields of one record: each string field
// can appear once, so the bound is the number of string fields.
const maxUUIDs = 16

// str decodes a string field in any of its forms into *dst.
func (t *texts) str(tag byte, v []byte, dst *string) error {
	switch tag &^ fieldMask {
	case 0:
		// v is a reslice of base, so their capacities give its offset.
		off := cap(t.base) - cap(v)
		if off < 0 || off+len(v) > len(t.base) {
			*dst = string(v)
			return nil
		}
		if t.s == "" {
			t.s = string(t.base)
		}
		*dst = t.s[off : off+len(v)]
	case tagUUID:
		if len(v) != 16 {
			return fmt.Errorf("%w: packed UUID of %d bytes", errPayloadBad, len(v))
		}
		if t.n == maxUUIDs {
			return fmt.Errorf("%w: too many UUID fields", errPayloadBad)
		}
		formatUUID(t.uuids[t.n*36:(t.n+1)*36], v)
		t.dst[t.n] = dst
		t.n++
	case tagKnown:
		if len(v) != 1 || v[0] == 0 {
			return fmt.Errorf("%w: bad known-string code", errPayloadBad)
		}
		if int(v[0]) > len(knownStrings) {
			return fmt.Errorf("%w: unknown string code %d", errPayloadNewer, v[0])
		}
		*dst = knownStrings[v[0]-1]
	default:
		return fmt.Errorf("%w: unknown string form %#x", errPayloadNewer, tag)
	}
	return nil
}

// finish stores the packed UUIDs.
func (t *texts) finish() {
	if t.n == 0 {
		return
	}
	all := string(t.uuids[:t.n*36])
	for i := range t.n {
		*t.dst[i] = all[i*36 : (i+1)*36]
	}
}

// fields walks tag | uvarint length | value triples, calling fn for each.
// A tag not in repeatable may appear once (a field counts once whether
// stored as text or as a packed UUID).
func fields(p []byte, repeatable []byte, fn func(tag byte, v []byte) error) error {
	var seen uint64
	for len(p) > 0 {
		tag := p[0]
		p = p[1:]
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return fmt.Errorf("%w: bad length for field %d", errPayloadBad, tag)
		}
		v := p[k : k+int(n)]
		p = p[k+int(n):]
		field := tag & fieldMask
		if field == 0 {
			return fmt.Errorf("%w: field 0", errPayloadBad)
		}
		if bytes.IndexByte(repeatable, field) < 0 {
			if seen&(1<<field) != 0 {
				return fmt.Errorf("%w: field %d repeated", errPayloadBad, field)
			}
			seen |= 1 << field
		}
		if err := fn(tag, v); err != nil {
			return err
		}
	}
	return nil
}

var errBadTime = fmt.Errorf("%w: bad time", errPayloadBad)

func decodeTime(v []byte, t *time.Time) error {
	bad := errBadTime
	if len(v) == 0 {
		return bad
	}
	zone, p := v[0], v[1:]
	var loc *time.Location
	switch zone {
	case zoneUTC:
		loc = time.UTC
	case zoneLocal:
		loc = time.Local
	case zoneFixed:
		off, k := binary.Varint(p)
		if k <= 0 || off <= -86400 || off >= 86400 {
			return bad
		}
		p = p[k:]
		loc = time.FixedZone("", int(off))
	default:
		return fmt.Errorf("%w: time zone kind %d", errPayloadNewer, zone)
	}
	sec, k := binary.Varint(p)
	if k <= 0 {
		return bad
	}
	p = p[k:]
	frac, k := binary.Uvarint(p)
	if k <= 0 || k != len(p) {
		return bad
	}
	ns := frac >> 1
	if frac&1 == 1 {
		ns *= 1e6
	}
	if ns >= 1e9 {
		return bad
	}
	*t = time.Unix(sec, int64(ns)).In(loc)
	if t.IsZero() {
		// The zero time is never written; reading it back means damage.
		return bad
	}
	return nil
}

func decodeVarint(v []byte) (int64, error) {
	n, k := binary.Varint(v)
	if k <= 0 || k != len(v) {
		return 0, fmt.Errorf("%w: bad number", errPayloadBad)
	}
	return n, nil
}

// decodeRecord is the inverse of encodeRecord. It returns an error wrapping
// errPayloadNewer or errPayloadBad, never panics, and copies every value out
// of p (p may point into a bbolt page).
func decodeRecord(p []byte) (Record, error) {
	var r Record
	if len(p) == 0 {
		return r, fmt.Errorf("%w: empty", errPayloadBad)
	}
	switch {
	case p[0] > payloadVersion:
		return r, fmt.Errorf("%w: payload version %d", errPayloadNewer, p[0])
	case p[0] != payloadVersion:
		return r, fmt.Errorf("%w: payload version %d", errPayloadBad, p[0])
	}
	tx := texts{base: p}
	err := fields(p[1:], []byte{tagScope, tagScopeCodes}, func(tag byte, v []byte) error {
		var dst *string
		switch tag & fieldMask {
		case tagName:
			dst = &r.Name
		case tagSecret:
			dst = &r.Secret
		case tagRefreshToken:
			dst = &r.RefreshToken
		case tagBaseURL:
			dst = &r.BaseURL
		case tagTokenSID:
			dst = &r.TokenSID
		case tagPartnerSID:
			dst = &r.PartnerSID
		case tagLastUsedIP:
			dst = &r.LastUsedIP
		case tagNote:
			dst = &r.Note
		}
		if dst != nil {
			return tx.str(tag, v, dst)
		}
		switch tag {
		case tagScope:
			var s string
			if err := tx.str(tag, v, &s); err != nil {
				return err
			}
			r.Scopes = append(r.Scopes, s)
		case tagScopeCodes:
			if len(v) == 0 {
				return fmt.Errorf("%w: empty scope run", errPayloadBad)
			}
			r.Scopes = slices.Grow(r.Scopes, len(v))
			for _, c := range v {
				if c == 0 || int(c) > len(knownScopes) {
					// A newer build knows more scopes.
					return fmt.Errorf("%w: unknown scope code %d", errPayloadNewer, c)
				}
				r.Scopes = append(r.Scopes, knownScopes[c-1])
			}
		case tagCreated:
			return decodeTime(v, &r.Created)
		case tagAccessExpires:
			return decodeTime(v, &r.AccessExpires)
		case tagRefreshExpires:
			return decodeTime(v, &r.RefreshExpires)
		case tagLastUsed:
			return decodeTime(v, &r.LastUsed)
		case tagLastUseLookup:
			n, err := decodeVarint(v)
			r.LastUseLookup = n != 0
			return err
		case tagDetailsAt:
			return decodeTime(v, &r.DetailsAt)
		case tagAddedAt:
			return decodeTime(v, &r.AddedAt)
		case tagLastTest:
			t, err := decodeTestResult(v, &tx)
			r.LastTest = t
			return err
		default:
			return fmt.Errorf("%w: unknown field %d", errPayloadNewer, tag)
		}
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	tx.finish()
	if r.Name == "" {
		return Record{}, fmt.Errorf("%w: no name", errPayloadBad)
	}
	return r, nil
}

func decodeTestResult(p []byte, tx *texts) (*TestResult, error) {
	t := new(TestResult)
	err := fields(p, nil, func(tag byte, v []byte) error {
		switch tag {
		case tagTestAt:
			return decodeTime(v, &t.At)
		case tagTestOutcome, tagTestOutcome | tagUUID, tagTestOutcome | tagKnown:
			return tx.str(tag, v, &t.Outcome)
		case tagTestStatus:
			n, err := decodeVarint(v)
			if err != nil || n < 0 || n > 999 {
				return fmt.Errorf("%w: bad status", errPayloadBad)
			}
			t.Status = int(n)
		case tagTestLatency:
			n, err := decodeVarint(v)
			if err != nil {
				return err
			}
			t.Latency = time.Duration(n)
		case tagTestDetail, tagTestDetail | tagUUID, tagTestDetail | tagKnown:
			return tx.str(tag, v, &t.Detail)
		default:
			return fmt.Errorf("%w: unknown test field %d", errPayloadNewer, tag)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}
