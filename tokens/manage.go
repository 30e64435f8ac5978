package tokens

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cxtokens/api"
	"cxtokens/vault"
)

// CreateInput asks the server for a new token.
type CreateInput struct {
	Name      string
	Using     string // name of a stored management token; or Login/Password
	Login     string
	Password  string
	BaseURL   string // with Login; "" : default. With Using: the management token's base URL
	Scopes    []string
	ExpiresIn time.Duration
	Note      string
}

// Format prints the input with the password hidden, for every fmt verb.
func (in CreateInput) Format(f fmt.State, verb rune) {
	pw := ""
	if in.Password != "" {
		pw = "[hidden]"
	}
	fmt.Fprintf(f, "tokens.CreateInput{Name: %q, Using: %q, Login: %q, Password: %s, BaseURL: %q, Scopes: %q, ExpiresIn: %s, Note: %q}",
		in.Name, in.Using, in.Login, pw, in.BaseURL, in.Scopes, in.ExpiresIn, in.Note)
}

// Create makes a token on the server and stores it (with its refresh token).
// The name is checked against the vault first, and the vault is created if
// needed, so that no token is made on the server that cannot be stored. If
// storing still fails, the new token is revoked again (with itself).
func (s *Service) Create(ctx context.Context, in CreateInput) (vault.Record, error) {
	fail := func(err error) (vault.Record, error) {
		return vault.Record{}, fmt.Errorf("create token %q: %w", in.Name, err)
	}
	if err := vault.ValidateName(in.Name); err != nil {
		return fail(err)
	}
	if (in.Using == "") == (in.Login == "") {
		return fail(errors.New("give either a stored management token or a login, not both or neither"))
	}
	if in.ExpiresIn < 0 {
		return fail(errors.New("the lifetime must not be negative"))
	}
	var scopes []string
	for _, sc := range in.Scopes {
		if sc = strings.TrimSpace(sc); sc != "" {
			scopes = append(scopes, sc)
		}
	}

	var (
		auth     api.Auth
		base     string
		authName string
	)
	if in.Using != "" {
		m, err := s.Get(in.Using)
		if err != nil {
			return fail(err)
		}
		if b := normalizeBaseURL(in.BaseURL); b != "" && !sameBase(b, m.BaseURL) {
			return fail(fmt.Errorf("%w: %q is for %s, not %s", ErrBaseURLMismatch, m.Name, m.BaseURL, b))
		}
		auth, base, authName = api.Auth{Bearer: m.Secret}, m.BaseURL, m.Name
	} else {
		base = normalizeBaseURL(in.BaseURL)
		if base == "" {
			base = s.opts.DefaultBaseURL
		}
		auth, authName = api.Auth{Login: in.Login, Password: in.Password}, "login "+in.Login
	}
	c, err := s.client(base)
	if err != nil {
		return fail(err)
	}

	// The name must be free, and the vault writable, before the server
	// makes a token we would otherwise have to throw away.
	err = s.write(func(v *vault.Vault) error {
		_, err := v.Get(in.Name)
		if err == nil {
			return vault.ErrExists
		}
		if errors.Is(err, vault.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fail(err)
	}

	tok, err := c.CreateToken(ctx, auth, api.CreateRequest{Name: in.Name, Scopes: scopes, ExpiresIn: in.ExpiresIn})
	if err != nil {
		if in.Using != "" {
			err = scopeErr(err, authName, "create tokens", ScopesCreate)
		} else if errors.Is(err, api.ErrUnauthorized) {
			err = fmt.Errorf("%w: %w", ErrLoginRejected, err)
		}
		return fail(err)
	}
	if tok.AccessToken == "" {
		return fail(fmt.Errorf("%w: the server answered without a token", api.ErrBadResponse))
	}
	r := vault.Record{
		Name:         in.Name,
		Secret:       tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		BaseURL:      c.BaseURL(),
		Note:         strings.TrimSpace(in.Note),
		DetailsAt:    s.now(),
	}
	applyToken(&r, tok)
	var rec vault.Record
	err = s.write(func(v *vault.Vault) error {
		var err error
		rec, err = v.Add(r)
		return err
	})
	if err != nil {
		// A live token that nobody holds is worse than none: take it back.
		if rerr := c.Revoke(ctx, tok.AccessToken, ""); rerr != nil {
			return fail(fmt.Errorf("%w; the new token (sid %s) could not be stored and is still valid on the server: revoke it in the portal (%v)", err, tok.TokenSID, rerr))
		}
		return fail(fmt.Errorf("%w; the new token could not be stored, so it was revoked on the server again", err))
	}
	return rec, nil
}

// RenameReport says whether the server-side name changed too.
type RenameReport struct {
	Unchanged bool   // the token already had exactly that name: nothing was done
	Remote    bool   // the server was asked (sid known)
	RemoteErr error  // non-nil: local rename done, server rename failed
	Via       string // another stored token used for the server rename; "" if itself
}

// Rename renames a token locally and then, when its sid is known, on the
// server. The local rename comes first and stands on its own: the local
// name is the person's label, and a token without a token-update scope
// (most scoped tokens) could otherwise never be renamed here. A server
// failure is reported in RenameReport.RemoteErr, with the local rename kept.
func (s *Service) Rename(ctx context.Context, oldName, newName string) (RenameReport, error) {
	if err := vault.ValidateName(newName); err != nil {
		return RenameReport{}, fmt.Errorf("rename %q to %q: %w", oldName, newName, err)
	}
	if oldName == newName {
		if _, err := s.Get(oldName); err != nil {
			return RenameReport{}, err
		}
		return RenameReport{Unchanged: true}, nil
	}
	// One transaction finds, renames and returns the record, so another
	// process changing it meanwhile can neither be undone nor make us miss it.
	var r vault.Record
	err := s.read(func(v *vault.Vault) error {
		var err error
		r, err = v.Modify(oldName, func(r *vault.Record) error {
			r.Name = newName
			return nil
		})
		return err
	})
	if errors.Is(err, vault.ErrNoVault) || errors.Is(err, vault.ErrNotFound) {
		return RenameReport{}, &UnknownNameError{Name: oldName}
	}
	if err != nil {
		return RenameReport{}, fmt.Errorf("rename %q to %q: %w", oldName, newName, err)
	}
	if r.TokenSID == "" {
		return RenameReport{}, nil
	}
	rep := RenameReport{Remote: true}
	c, err := s.client(r.BaseURL)
	if err != nil {
		rep.RemoteErr = err
		return rep, nil
	}
	_, err = c.RenameToken(ctx, r.Secret, r.TokenSID, newName)
	if errors.Is(err, api.ErrForbidden) {
		first := err
		err = &ScopeError{Name: newName, Op: "rename itself on the server", Need: ScopesRename, Err: first}
		for _, o := range s.helpers(r, ScopesRename, true) {
			if _, herr := c.RenameToken(ctx, o.Secret, r.TokenSID, newName); herr == nil {
				rep.Via, err = o.Name, nil
				break
			}
		}
	}
	rep.RemoteErr = err
	return rep, nil
}

// helpers lists other stored tokens of r's base URL that are known to hold
// one of need, for operations r may not do itself; with maybe, then those
// whose scopes were never fetched, which the server may still allow.
func (s *Service) helpers(r vault.Record, need []string, maybe bool) []vault.Record {
	recs, err := s.List()
	if err != nil {
		return nil
	}
	var known, unknown []vault.Record
	for _, o := range recs {
		if o.ID == r.ID || o.Secret == r.Secret || !sameBase(o.BaseURL, r.BaseURL) {
			continue
		}
		switch {
		case hasAnyScope(o.Scopes, need):
			known = append(known, o)
		case maybe && len(o.Scopes) == 0:
			unknown = append(unknown, o)
		}
	}
	return append(known, unknown...)
}

// RevokeReport says how the revoke was verified.
type RevokeReport struct {
	Using          string // "" : the token revoked itself
	Fallback       bool   // Using was chosen because the token may not revoke itself
	VerifyStatus   int    // status of the verifying test request (401 expected)
	AlreadyInvalid bool   // the server revoke found the token already dead (401/404), and the test confirmed it
}

// Revoke revokes on the server (with the token itself, or the stored token
// named using), verifies the token now gets 401, then removes it from the
// vault. If the server revoke fails nothing is removed; if the verification
// does not answer 401 nothing is removed either, and the error wraps
// ErrRevokeUnverified.
func (s *Service) Revoke(ctx context.Context, name, using string) (RevokeReport, error) {
	r, err := s.Get(name)
	if err != nil {
		return RevokeReport{}, err
	}
	fail := func(err error) (RevokeReport, error) {
		return RevokeReport{Using: using}, fmt.Errorf("revoke %q: %w", r.Name, err)
	}
	auth, target := r.Secret, ""
	if using != "" {
		m, err := s.Get(using)
		if err != nil {
			return fail(err)
		}
		if !sameBase(m.BaseURL, r.BaseURL) {
			return fail(fmt.Errorf("%w: %q is for %s, %q for %s", ErrBaseURLMismatch, m.Name, m.BaseURL, r.Name, r.BaseURL))
		}
		using = m.Name
		auth, target = m.Secret, r.Secret
	}
	c, err := s.client(r.BaseURL)
	if err != nil {
		return fail(err)
	}
	rep := RevokeReport{Using: using}
	err = c.Revoke(ctx, auth, target)
	if errors.Is(err, api.ErrForbidden) && using == "" {
		// It may not revoke tokens, itself included: another stored token
		// of its base URL that may (or might: scopes never fetched) does it.
		for _, h := range s.helpers(r, ScopesRevoke, true) {
			if herr := c.Revoke(ctx, h.Secret, r.Secret); herr == nil {
				using, err = h.Name, nil
				rep.Using, rep.Fallback = h.Name, true
				break
			}
			if cerr := ctxErr(ctx); cerr != nil {
				return fail(cerr)
			}
		}
	}
	if err != nil {
		// A dead token cannot revoke itself (401), and a management token
		// gets 404 for a value the server no longer knows. Both may mean it
		// is already revoked; only the verification below may decide that.
		gone := (using == "" && errors.Is(err, api.ErrUnauthorized)) || (using != "" && errors.Is(err, api.ErrNotFound))
		if !gone {
			who := r.Name
			if using != "" {
				who = using
			}
			err = scopeErr(err, who, "revoke tokens", ScopesRevoke)
			if se := (*ScopeError)(nil); errors.As(err, &se) {
				se.OthersTried = using == "" // the fallback above asked them
			}
			return fail(err)
		}
		rep.AlreadyInvalid = true
	}

	res, terr := c.Test(ctx, r.Secret)
	rep.VerifyStatus = res.Status
	var ae *api.Error
	if rep.VerifyStatus == 0 && errors.As(terr, &ae) {
		rep.VerifyStatus = ae.Status
	}
	if !errors.Is(terr, api.ErrUnauthorized) {
		out, detail := classify(terr)
		if detail == "" {
			detail = "the test request still works"
		}
		what := "the server accepted the revoke"
		if rep.AlreadyInvalid {
			what = "the server refused the revoke"
		}
		return RevokeReport{Using: using, VerifyStatus: rep.VerifyStatus}, fmt.Errorf("revoke %q: %w: %s, but the check afterwards says %s (%s); the token was kept in the vault",
			r.Name, ErrRevokeUnverified, what, out.Words(), detail)
	}

	err = s.read(func(v *vault.Vault) error { return v.Delete(r.ID) })
	if err != nil {
		return rep, fmt.Errorf("revoke %q: revoked on the server, but removing it from the vault failed: %w", r.Name, err)
	}
	return rep, nil
}

// Forget removes a token locally only; it stays valid on the server.
func (s *Service) Forget(name string) error {
	target, label := name, name
	r, err := s.Get(name)
	switch {
	case err == nil:
		target, label = r.ID, r.Name
	case errors.Is(err, vault.ErrCorrupt) || errors.Is(err, vault.ErrNewerVersion):
		// A record that cannot be read can still be removed: the vault
		// deletes by name or id without decrypting. Otherwise one damaged
		// record would block every later write and export.
	default:
		return err
	}
	if err := s.read(func(v *vault.Vault) error { return v.Delete(target) }); err != nil {
		return fmt.Errorf("forget %q: %w", label, err)
	}
	return nil
}
