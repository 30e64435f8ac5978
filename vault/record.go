package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
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
// fields; String and GoString mask them.
//
// Times read back equal (time.Time.Equal, and also == for UTC or fixed-zone
// values) to what was stored; an empty Scopes slice reads back as nil.
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
	DetailsAt      time.Time // when the API fields above were last refreshed
	Note           string
	AddedAt        time.Time // set by Add when zero
	LastTest       *TestResult
}

// String formats the record with Secret and RefreshToken masked, so a
// record printed by mistake (%v, %+v, %s, a log line) does not leak them.
func (r Record) String() string { return r.format("vault.Record") }

// GoString is String for %#v.
func (r Record) GoString() string { return r.format("vault.Record") }

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
	tagTestAt         = 1
	tagTestOutcome    = 2
	tagTestStatus     = 3
	tagTestLatency    = 4
	tagTestDetail     = 5
)

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
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, tag byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	enc, err := t.MarshalBinary()
	if err != nil {
		// Only zone offsets that are not whole seconds fail; the instant
		// is what matters, so keep it in UTC.
		enc, _ = t.UTC().MarshalBinary()
	}
	return appendField(b, tag, enc)
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
	for _, s := range r.Scopes {
		b = appendField(b, tagScope, []byte(s))
	}
	b = appendTime(b, tagCreated, r.Created)
	b = appendTime(b, tagAccessExpires, r.AccessExpires)
	b = appendTime(b, tagRefreshExpires, r.RefreshExpires)
	b = appendTime(b, tagLastUsed, r.LastUsed)
	b = appendString(b, tagLastUsedIP, r.LastUsedIP)
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

// fields walks tag | uvarint length | value triples, calling fn for each.
// A tag other than repeatable may appear once.
func fields(p []byte, repeatable byte, fn func(tag byte, v []byte) error) error {
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
		if tag == 0 {
			return fmt.Errorf("%w: field 0", errPayloadBad)
		}
		if tag < 64 && tag != repeatable {
			if seen&(1<<tag) != 0 {
				return fmt.Errorf("%w: field %d repeated", errPayloadBad, tag)
			}
			seen |= 1 << tag
		}
		if err := fn(tag, v); err != nil {
			return err
		}
	}
	return nil
}

func decodeTime(v []byte, t *time.Time) error {
	if err := t.UnmarshalBinary(v); err != nil {
		return fmt.Errorf("%w: bad time", errPayloadBad)
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
	err := fields(p[1:], tagScope, func(tag byte, v []byte) error {
		switch tag {
		case tagName:
			r.Name = string(v)
		case tagSecret:
			r.Secret = string(v)
		case tagRefreshToken:
			r.RefreshToken = string(v)
		case tagBaseURL:
			r.BaseURL = string(v)
		case tagTokenSID:
			r.TokenSID = string(v)
		case tagPartnerSID:
			r.PartnerSID = string(v)
		case tagScope:
			r.Scopes = append(r.Scopes, string(v))
		case tagCreated:
			return decodeTime(v, &r.Created)
		case tagAccessExpires:
			return decodeTime(v, &r.AccessExpires)
		case tagRefreshExpires:
			return decodeTime(v, &r.RefreshExpires)
		case tagLastUsed:
			return decodeTime(v, &r.LastUsed)
		case tagLastUsedIP:
			r.LastUsedIP = string(v)
		case tagDetailsAt:
			return decodeTime(v, &r.DetailsAt)
		case tagNote:
			r.Note = string(v)
		case tagAddedAt:
			return decodeTime(v, &r.AddedAt)
		case tagLastTest:
			t, err := decodeTestResult(v)
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
	if r.Name == "" {
		return Record{}, fmt.Errorf("%w: no name", errPayloadBad)
	}
	return r, nil
}

func decodeTestResult(p []byte) (*TestResult, error) {
	var t TestResult
	err := fields(p, 0, func(tag byte, v []byte) error {
		switch tag {
		case tagTestAt:
			return decodeTime(v, &t.At)
		case tagTestOutcome:
			t.Outcome = string(v)
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
		case tagTestDetail:
			t.Detail = string(v)
		default:
			return fmt.Errorf("%w: unknown test field %d", errPayloadNewer, tag)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}
