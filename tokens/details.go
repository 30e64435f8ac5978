package tokens

import (
	"context"
	"errors"
	"fmt"

	"cxtokens/api"
	"cxtokens/vault"
)

// DetailsReport is what the API knows about a token, also stored on the record.
type DetailsReport struct {
	Record vault.Record
	Via    string // name of the other stored token that read the record; "" if the token itself
}

// Details asks the API for a token's record (by sid when known, else by
// finding its own value in the token list) and stores what it says.
//
// Every call a token makes is a use of it, and the server reports the last
// one: a lookup made with the token itself would show up as its own last
// use. So another stored token of the same base URL known to read token
// records asks first, and is named in Via. Failing that the token asks
// itself, and the record says its last use is that lookup (LastUseLookup).
// When it may not read tokens (403), the other stored tokens of its base
// URL whose scopes are not known are tried too.
func (s *Service) Details(ctx context.Context, name string) (DetailsReport, error) {
	r, err := s.Get(name)
	if err != nil {
		return DetailsReport{}, err
	}
	c, err := s.client(r.BaseURL)
	if err != nil {
		return DetailsReport{}, fmt.Errorf("details of %q: %w", r.Name, err)
	}
	var tok api.Token
	via := ""
	for _, h := range s.helpers(r, ScopesRead, false) {
		if tok, err = lookup(ctx, c, h.Secret, r); err == nil {
			via = h.Name
			break
		}
		if cerr := ctxErr(ctx); cerr != nil {
			return DetailsReport{}, fmt.Errorf("details of %q: %w", r.Name, cerr)
		}
		// Dead, no longer allowed, or of another account: ask elsewhere.
	}
	if via == "" {
		tok, err = lookup(ctx, c, r.Secret, r)
		if errors.Is(err, api.ErrForbidden) {
			tok, via, err = s.lookupVia(ctx, c, r, err)
		}
	}
	if err != nil {
		return DetailsReport{}, fmt.Errorf("details of %q: %w", r.Name, err)
	}
	now := s.now()
	rec, err := s.update(r.ID, func(rec *vault.Record) {
		applyToken(rec, tok)
		rec.LastUseLookup = via == "" && !tok.LastAccessed.IsZero()
		rec.DetailsAt = now
	})
	if err != nil {
		return DetailsReport{}, fmt.Errorf("save details of %q: %w", r.Name, err)
	}
	return DetailsReport{Record: rec, Via: via}, nil
}

// lookup fetches r's server record with the bearer token auth.
func lookup(ctx context.Context, c *api.Client, auth string, r vault.Record) (api.Token, error) {
	if r.TokenSID != "" {
		tok, err := c.GetToken(ctx, auth, r.TokenSID)
		if err == nil && tok.AccessToken == r.Secret {
			return tok, nil
		}
		if err != nil && !errors.Is(err, api.ErrNotFound) {
			return api.Token{}, err
		}
		// The stored sid is stale or belongs to another token (an import
		// from elsewhere, say): find the token by its value instead.
	}
	return c.FindToken(ctx, auth, r.Secret)
}

// lookupVia tries the other stored tokens of the same base URL whose scopes
// were never fetched (those known to read tokens were asked already), until
// one can read r's record.
func (s *Service) lookupVia(ctx context.Context, c *api.Client, r vault.Record, firstErr error) (api.Token, string, error) {
	for _, o := range s.helpers(r, nil, true) { // need nil: only the unknown ones
		tok, err := lookup(ctx, c, o.Secret, r)
		if err == nil {
			return tok, o.Name, nil
		}
		if cerr := ctxErr(ctx); cerr != nil {
			return api.Token{}, "", cerr
		}
		// 401/403/404 from this helper: it is dead, not allowed, or of
		// another account. Try the next one.
	}
	return api.Token{}, "", fmt.Errorf("%w (and %w for this base url)",
		&ScopeError{Name: r.Name, Op: "read its own record", Need: ScopesRead, Err: firstErr}, ErrNoManagementToken)
}

// applyToken copies what the API says about a token onto a record. The
// local name stays: it is the person's label and may differ from the
// server's.
func applyToken(rec *vault.Record, t api.Token) {
	rec.TokenSID = t.TokenSID
	rec.PartnerSID = t.PartnerSID
	rec.Scopes = append([]string(nil), t.Scopes...)
	rec.Created = t.Created
	rec.AccessExpires = t.AccessExpires
	rec.RefreshExpires = t.RefreshExpires
	rec.LastUsed = t.LastAccessed
	rec.LastUsedIP = t.LastAccessedIP
}
