package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// BasePath is the prefix every Core route is served under.
const BasePath = "/core/v2"

// Faults are opt-in misbehaviours for tests. Zero value: none.
//
// They apply before authentication, in this order: Latency, Stall,
// RedirectTo, RateLimit, ServerError; Oversize rewrites 200 answers. A
// request whose context ends during Latency or Stall is aborted
// (http.ErrAbortHandler), so no answer is sent.
type Faults struct {
	Latency      time.Duration // added before every response
	RateLimit    int           // the next N requests get 429
	RetryAfter   time.Duration // Retry-After sent with those 429s (whole seconds, min 1)
	ServerError  int           // the next N requests get 500 (or ServerStatus)
	ServerStatus int           // status for ServerError; 0 means 500
	RedirectTo   string        // non-empty: every request gets 307 to this URL + original path
	Stall        bool          // requests block until the client gives up (context done)
	Oversize     bool          // 200 answers carry a body larger than any sane limit (~64 MiB, streamed)
	// OversizeBytes is the size of the padding Oversize adds; 0 means 64 MiB.
	OversizeBytes int64
}

// Options configure a Server.
type Options struct {
	Now      func() time.Time // nil: time.Now
	IPHeader string           // trusted header for the client IP ("" : X-Forwarded-For is trusted only if set here)

	// Seed overrides the seeded partner and bootstrap token; nil or empty
	// fields are generated (random sids and token, DefaultScopes). New
	// panics if it does not pass Seed.Validate.
	Seed *Seed

	// OnRequest, when set, is called with every incoming request before
	// faults or routing (tests use it to see which headers arrived). It
	// runs on the serving goroutine and must not keep r.
	OnRequest func(r *http.Request)
}

// Seed describes the seeded partner and bootstrap token. It is also the
// shape of the --seed file (see LoadSeed).
type Seed struct {
	PartnerSID string   `json:"partner_sid"`
	Login      string   `json:"login"`
	Password   string   `json:"password"`
	Token      string   `json:"token"`  // bootstrap access token, every available scope
	Scopes     []string `json:"scopes"` // the partner's available_scopes

	PartnerName  string `json:"partner_name,omitempty"`  // Partner.name; default "Emulated Partner"
	TokenSID     string `json:"token_sid,omitempty"`     // the bootstrap token's token_sid
	ContainerSID string `json:"container_sid,omitempty"` // the seeded container's container_sid
}

// Server is the emulator; it implements http.Handler. Safe for concurrent use.
type Server struct {
	opts Options
	now  func() time.Time

	// mu guards everything below it. Handlers hold it for the whole of
	// their work (bodies are read before taking it), which keeps every
	// request atomic without finer locking.
	mu         sync.Mutex
	seed       Seed
	root       *partner
	partners   map[string]*partner // by partner_sid
	logins     []*login
	tokens     []*token // creation order, revoked ones included
	bySID      map[string]*token
	byAccess   map[string]*token
	byRefresh  map[string]*token
	containers []*container

	fmu    sync.Mutex
	faults Faults

	requests atomic.Int64
}

// DefaultScopes returns the seeded partner's available_scopes: the scope
// list of every token sample in the docs plus the oauth and storage scopes
// the app's calls need (oauth.read, oauth.create, oauth.update,
// oauth.manage_all_tokens, oauth.allow_token_scope_update, storage.read).
func DefaultScopes() []string {
	return []string{
		"accesscontrol.manage", "endpoints.manage", "oauth.manage", "partners.manage",
		"phonenumber.manage", "push.manage", "shortener.manage", "sms.manage",
		"storage.manage", "trunk_groups.manage", "trunk_groups.trunks.manage",
		"oauth.read", "oauth.create", "oauth.update", "oauth.manage_all_tokens",
		"oauth.allow_token_scope_update", "storage.read",
	}
}

// New returns a server with one seeded partner, one bootstrap token with
// every scope and one storage container.
func New(opts Options) *Server {
	s := &Server{
		opts:      opts,
		now:       opts.Now,
		partners:  map[string]*partner{},
		bySID:     map[string]*token{},
		byAccess:  map[string]*token{},
		byRefresh: map[string]*token{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	var seed Seed
	if opts.Seed != nil {
		seed = *opts.Seed
		seed.Scopes = slices.Clone(seed.Scopes)
	}
	if err := seed.Validate(); err != nil {
		panic(fmt.Sprintf("emulator: invalid seed: %v", err))
	}
	if seed.PartnerSID == "" {
		seed.PartnerSID = newUUID()
	}
	if seed.Login == "" {
		seed.Login = "emulator_partner"
	}
	if seed.Password == "" {
		seed.Password = newHex32()
	}
	if seed.Token == "" {
		seed.Token = newUUID()
	}
	if len(seed.Scopes) == 0 {
		seed.Scopes = DefaultScopes()
	}
	if seed.PartnerName == "" {
		seed.PartnerName = "Emulated Partner"
	}
	if seed.TokenSID == "" {
		seed.TokenSID = newUUID()
	}
	if seed.ContainerSID == "" {
		seed.ContainerSID = newUUID()
	}
	s.seed = seed

	now := s.now()
	s.root = &partner{
		sid:          seed.PartnerSID,
		login:        seed.Login,
		password:     seed.Password,
		name:         seed.PartnerName,
		companyName:  seed.PartnerName,
		clientID:     newHex32(),
		scopes:       slices.Clone(seed.Scopes),
		created:      now,
		parentSID:    "",
		clientSecret: newHex32(),
	}
	s.partners[s.root.sid] = s.root
	boot := s.mintLocked(s.root, "bootstrap", seed.Scopes, defaultLifetime, now)
	s.rekeyLocked(boot, seed.TokenSID, seed.Token)
	s.containers = append(s.containers, newContainer(seed.ContainerSID, s.root.sid))
	return s
}

// Seed returns the seeded credentials, with every generated field filled in.
func (s *Server) Seed() Seed {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.seed
	out.Scopes = slices.Clone(s.seed.Scopes)
	return out
}

// SetFaults replaces the active faults.
func (s *Server) SetFaults(f Faults) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.faults = f
}

// Faults returns the active faults; RateLimit and ServerError count down as
// requests consume them, so a test can see how many were used.
func (s *Server) Faults() Faults {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.faults
}

// Requests returns how many requests the server has received, faulted
// ones included.
func (s *Server) Requests() int64 { return s.requests.Load() }

// IssueToken mints a token for the seeded partner directly (test set-up),
// with the given name, scopes (nil: all) and lifetime (0: ~100 years),
// and returns its access token value and sid.
//
// Unlike the API it does not validate: scopes outside available_scopes are
// recorded as given, and a negative lifetime makes a token that has
// already expired.
func (s *Server) IssueToken(name string, scopes []string, lifetime time.Duration) (token, sid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if scopes == nil {
		scopes = s.root.scopes
	}
	if lifetime == 0 {
		lifetime = defaultLifetime
	}
	t := s.mintLocked(s.root, name, scopes, lifetime, s.now())
	return t.access, t.sid
}

// AddSubPartner creates a sub-partner of the seeded partner (test set-up
// for POST /oauth/token/{partner_sid}) with the given name and
// available_scopes (nil: the parent's), and returns its partner_sid.
// Sub-partners have no login of their own.
func (s *Server) AddSubPartner(name string, scopes []string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if scopes == nil {
		scopes = s.root.scopes
	}
	p := &partner{
		sid:          newUUID(),
		name:         name,
		companyName:  name,
		clientID:     newHex32(),
		clientSecret: newHex32(),
		scopes:       slices.Clone(scopes),
		created:      s.now(),
		parentSID:    s.root.sid,
	}
	s.partners[p.sid] = p
	return p.sid
}

// AddLogin adds a sub-login of the seeded partner (test set-up, as POST
// /oauth/logins would) whose tokens get tokenScopes (nil: the partner's),
// and returns its login_sid. Unlike the API it does not validate.
func (s *Server) AddLogin(name, password string, tokenScopes []string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tokenScopes == nil {
		tokenScopes = s.root.scopes
	}
	l := &login{sid: newUUID(), login: name, password: password, partnerSID: s.root.sid, tokenScopes: slices.Clone(tokenScopes)}
	s.logins = append(s.logins, l)
	return l.sid
}

// TokenInfo is the server's record of a token, for tests. It holds no
// secret values.
type TokenInfo struct {
	SID            string
	PartnerSID     string
	ClientID       string
	Name           string
	Scopes         []string
	Created        time.Time
	AccessExpires  time.Time
	RefreshExpires time.Time
	LastAccessed   time.Time // zero: never used
	LastIP         string    // "": never used
	Revoked        bool
	RevokedAt      time.Time
}

// TokenRecord returns the record of the token whose access token value or
// token_sid is tokenOrSID, revoked and expired ones included.
func (s *Server) TokenRecord(tokenOrSID string) (TokenInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.byAccess[tokenOrSID]
	if t == nil {
		t = s.bySID[tokenOrSID]
	}
	if t == nil {
		return TokenInfo{}, false
	}
	return TokenInfo{
		SID:            t.sid,
		PartnerSID:     t.partnerSID,
		ClientID:       t.clientID,
		Name:           t.name,
		Scopes:         slices.Clone(t.scopes),
		Created:        t.created,
		AccessExpires:  t.accessExp,
		RefreshExpires: t.refreshExp,
		LastAccessed:   t.lastAccessed,
		LastIP:         t.lastIP,
		Revoked:        t.revoked,
		RevokedAt:      t.revokedAt,
	}, true
}

// Revoked reports whether the token with this access token value exists
// and has been revoked. Unknown values report false.
func (s *Server) Revoked(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.byAccess[token]
	return t != nil && t.revoked
}

// ManualClock is a settable clock for Options.Now, safe for concurrent use.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock that reads start until moved.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{t: start} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
