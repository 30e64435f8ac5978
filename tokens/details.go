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
	tok, via, err := lookupVia(ctx, c, r, s.helpers(r, ScopesRead, false))
	if via == "" && err == nil {
		tok, err = lookup(ctx, c, r.Secret, r)
		if errors.Is(err, api.ErrForbidden) {
			first := err
			// The others of its base URL whose scopes were never fetched
			// (those known to read tokens were asked already).
			tok, via, err = lookupVia(ctx, c, r, s.helpers(r, nil, true))
			if via == "" && err == nil {
				err = fmt.Errorf("%w (and %w for this base url)",
					&ScopeError{Name: r.Name, Op: "read its own record", Need: ScopesRead, Err: first}, ErrNoManagementToken)
			}
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

// lookupVia asks the helpers in turn for r's record and returns it with the
// name of the one that read it; "" and no error when none could (a helper
// that gets 401, 403 or 404 is dead, not allowed, or of another account).
// err is only for a cancelled ctx.
func lookupVia(ctx context.Context, c *api.Client, r vault.Record, helpers []vault.Record) (api.Token, string, error) {
	for _, h := range helpers {
		tok, err := lookup(ctx, c, h.Secret, r)
		if err == nil {
			return tok, h.Name, nil
		}
		if cerr := ctxErr(ctx); cerr != nil {
			return api.Token{}, "", cerr
		}
	}
	return api.Token{}, "", nil
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
