package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

const (
	// defaultLifetime is what the doc's samples show when no lifetime is
	// asked for: 36,500 days.
	defaultLifetime = 36500 * 24 * time.Hour
	// maxLifetimeSeconds caps access_token_expires_in at the same 100 years,
	// which also keeps the arithmetic far from time.Duration overflow.
	maxLifetimeSeconds = 36500 * 24 * 3600
	maxNameRunes       = 128
	maxBodyBytes       = 1 << 20
	dateLayout         = "2006-01-02T15:04:05.000Z"
)

type partner struct {
	sid, login, password, name, companyName string
	clientID, clientSecret                  string
	scopes                                  []string
	created                                 time.Time
	parentSID                               string // "" for the seeded partner
}

// login is a Partner Login (§5.8): a sub-login of a partner whose tokens
// get tokenScopes.
type login struct {
	sid, login, password, partnerSID string
	tokenScopes                      []string
}

type token struct {
	sid, access, refresh, clientID, name, partnerSID string
	scopes                                           []string
	created, accessExp, refreshExp                   time.Time
	lastAccessed                                     time.Time // zero: never
	lastIP                                           string
	revoked                                          bool
	revokedAt                                        time.Time
}

// active is the doc's "active" token: not revoked and its access token
// not expired at now.
func (t *token) active(now time.Time) bool {
	return !t.revoked && now.Before(t.accessExp)
}

type container struct {
	sid, partnerSID string
	fields          map[string]any
}

// newUUID returns a random (version 4) UUID, the shape of every sid and
// token in the docs' samples.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newHex32 returns 32 random lowercase hex digits, the shape of client_id
// and client_secret in the samples.
func newHex32() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func formatTime(t time.Time) string { return t.UTC().Format(dateLayout) }

// mintLocked creates and indexes a token. s.mu must be held.
func (s *Server) mintLocked(p *partner, name string, scopes []string, lifetime time.Duration, now time.Time) *token {
	t := &token{
		sid:        newUUID(),
		access:     newUUID(),
		refresh:    newUUID(),
		clientID:   p.clientID,
		name:       name,
		partnerSID: p.sid,
		scopes:     slices.Clone(scopes),
		created:    now,
		accessExp:  now.Add(lifetime),
		refreshExp: now.Add(lifetime),
	}
	if t.scopes == nil {
		t.scopes = []string{}
	}
	s.tokens = append(s.tokens, t)
	s.bySID[t.sid] = t
	s.byAccess[t.access] = t
	s.byRefresh[t.refresh] = t
	return t
}

// rekeyLocked gives a freshly minted token the sid and access value a seed
// asked for. s.mu must be held.
func (s *Server) rekeyLocked(t *token, sid, access string) {
	delete(s.bySID, t.sid)
	delete(s.byAccess, t.access)
	t.sid, t.access = sid, access
	s.bySID[sid] = t
	s.byAccess[access] = t
}

func (s *Server) revokeLocked(t *token, now time.Time) {
	t.revoked = true
	t.revokedAt = now
}

// tokenJSON renders the <TOKEN> object of §4: exactly the sample's keys,
// plus partner when withRelated.
func (s *Server) tokenJSON(t *token, withRelated bool) map[string]any {
	m := map[string]any{
		"access_token":                  t.access,
		"client_id":                     t.clientID,
		"date_created":                  formatTime(t.created),
		"date_expiration_access_token":  formatTime(t.accessExp),
		"date_expiration_refresh_token": formatTime(t.refreshExp),
		"date_last_accessed":            nil,
		"ip_last_accessed":              nil,
		"name":                          t.name,
		"partner_sid":                   t.partnerSID,
		"refresh_token":                 t.refresh,
		"scopes":                        slices.Clone(t.scopes),
		"token_sid":                     t.sid,
		"token_type":                    "bearer",
	}
	if !t.lastAccessed.IsZero() {
		m["date_last_accessed"] = formatTime(t.lastAccessed)
	}
	if t.lastIP != "" {
		m["ip_last_accessed"] = t.lastIP
	}
	if withRelated {
		if p := s.partners[t.partnerSID]; p != nil {
			m["partner"] = partnerJSON(p)
		}
	}
	return m
}

// partnerJSON is the minimal Partner form of §5.4.
func partnerJSON(p *partner) map[string]any {
	return map[string]any{
		"partner_sid":      p.sid,
		"login":            p.login,
		"name":             p.name,
		"company_name":     p.companyName,
		"available_scopes": slices.Clone(p.scopes),
		"date_created":     formatTime(p.created),
	}
}

func loginJSON(l *login) map[string]any {
	return map[string]any{
		"login":        l.login,
		"login_sid":    l.sid,
		"partner_sid":  l.partnerSID,
		"token_scopes": slices.Clone(l.tokenScopes),
	}
}

// newContainer returns a container with the doc's <CONTAINER> sample
// values and every one of its fields.
func newContainer(sid, partnerSID string) *container {
	return &container{sid: sid, partnerSID: partnerSID, fields: map[string]any{
		"allow_publish":                     true,
		"allowed_classifications":           []string{},
		"available_bytes_percent":           int64(100),
		"available_files_percent":           int64(100),
		"blocked_classifications":           []string{},
		"container_sid":                     sid,
		"default_file_lifecycle_action":     "no_action",
		"default_file_lifecycle_ttl":        int64(-1),
		"default_file_publish":              "file_sid",
		"default_file_threshold_include":    true,
		"default_file_unique":               false,
		"durability_class":                  "unassigned",
		"encrypted":                         false,
		"external_attributes":               map[string]any{},
		"integer_key_1":                     nil,
		"integer_key_2":                     nil,
		"name":                              "N/A",
		"parent_container_sid":              nil,
		"partner_sid":                       partnerSID,
		"publish_domain":                    "https://storage.carrierx.com",
		"quota_bytes":                       int64(1073741824),
		"quota_files":                       int64(100),
		"string_key_1":                      nil,
		"string_key_2":                      nil,
		"string_key_3":                      nil,
		"string_key_4":                      nil,
		"threshold_action":                  nil,
		"threshold_available_bytes_percent": nil,
		"threshold_available_files_percent": nil,
		"threshold_bytes":                   nil,
		"threshold_bytes_target":            nil,
		"threshold_files":                   nil,
		"threshold_files_target":            nil,
		"threshold_grace_period":            int64(0),
		"threshold_total_bytes":             int64(0),
		"threshold_total_files":             int64(0),
		"total_bytes":                       int64(0),
		"total_files":                       int64(0),
		"type":                              "internal",
		"unique":                            false,
	}}
}

// containerJSON returns a copy, so field filtering never touches the store.
func containerJSON(c *container) map[string]any {
	m := make(map[string]any, len(c.fields))
	for k, v := range c.fields {
		switch v := v.(type) {
		case []string:
			m[k] = slices.Clone(v)
		case map[string]any:
			m[k] = map[string]any{}
		default:
			m[k] = v
		}
	}
	return m
}

// kind is a field's JSON type as far as filtering and ordering care.
type kind int

const (
	kString kind = iota
	kNumber
	kBool
	kDate
	kArray
	kObject
)

// schema lists a resource's top-level fields: the names filter, order and
// include_fields/exclude_fields accept.
type schema map[string]kind

var tokenSchema = schema{
	"access_token":                  kString,
	"client_id":                     kString,
	"date_created":                  kDate,
	"date_expiration_access_token":  kDate,
	"date_expiration_refresh_token": kDate,
	"date_last_accessed":            kDate,
	"ip_last_accessed":              kString,
	"name":                          kString,
	"partner":                       kObject,
	"partner_sid":                   kString,
	"refresh_token":                 kString,
	"scopes":                        kArray,
	"token_sid":                     kString,
	"token_type":                    kString,
}

var loginSchema = schema{
	"login":        kString,
	"login_sid":    kString,
	"partner_sid":  kString,
	"token_scopes": kArray,
}

var containerSchema = schema{
	"allow_publish":                     kBool,
	"allowed_classifications":           kArray,
	"available_bytes_percent":           kNumber,
	"available_files_percent":           kNumber,
	"blocked_classifications":           kArray,
	"container_sid":                     kString,
	"default_file_lifecycle_action":     kString,
	"default_file_lifecycle_ttl":        kNumber,
	"default_file_publish":              kString,
	"default_file_threshold_include":    kBool,
	"default_file_unique":               kBool,
	"durability_class":                  kString,
	"encrypted":                         kBool,
	"external_attributes":               kObject,
	"integer_key_1":                     kNumber,
	"integer_key_2":                     kNumber,
	"name":                              kString,
	"parent_container_sid":              kString,
	"partner_sid":                       kString,
	"publish_domain":                    kString,
	"quota_bytes":                       kNumber,
	"quota_files":                       kNumber,
	"string_key_1":                      kString,
	"string_key_2":                      kString,
	"string_key_3":                      kString,
	"string_key_4":                      kString,
	"threshold_action":                  kString,
	"threshold_available_bytes_percent": kNumber,
	"threshold_available_files_percent": kNumber,
	"threshold_bytes":                   kNumber,
	"threshold_bytes_target":            kNumber,
	"threshold_files":                   kNumber,
	"threshold_files_target":            kNumber,
	"threshold_grace_period":            kNumber,
	"threshold_total_bytes":             kNumber,
	"threshold_total_files":             kNumber,
	"total_bytes":                       kNumber,
	"total_files":                       kNumber,
	"type":                              kString,
	"unique":                            kBool,
}
