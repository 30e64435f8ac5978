package tokens

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"cxtokens/api"
	"cxtokens/vault"
)

// AddInput is what a person gives to add a token.
type AddInput struct {
	Name    string
	Token   string // surrounding whitespace trimmed; inner whitespace/control chars refused
	BaseURL string // "": the default
	Note    string
}

// Format prints the input with the token masked, for every fmt verb.
func (in AddInput) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "tokens.AddInput{Name: %q, Token: %s, BaseURL: %q, Note: %q}", in.Name, api.Mask(in.Token), in.BaseURL, in.Note)
}

// MaxTokenLen bounds a pasted token; CarrierX tokens are 36 characters, and
// anything this long is a paste of the wrong thing.
const MaxTokenLen = 4096

var uuidShape = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// WarnNotUUID is the warning Add gives for a token that is not UUID-shaped.
const WarnNotUUID = "the token does not look like a CarrierX token (those are UUIDs such as 5ebc03d6-8b2b-44ad-bf65-72d4f1491dda); stored anyway"

// CleanToken trims what surrounds a pasted token (spaces, tabs, line breaks,
// a byte-order mark) and refuses one that is empty, too long, not UTF-8 or
// holds whitespace or control characters inside. The error never contains
// the value.
func CleanToken(raw string) (string, error) {
	t := strings.TrimFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' || r == 0 })
	switch {
	case t == "":
		return "", ErrEmptyToken
	case len(t) > MaxTokenLen:
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, MaxTokenLen)
	case !utf8.ValidString(t):
		return "", fmt.Errorf("%w: not valid UTF-8 text", ErrInvalidToken)
	}
	lower := strings.ToLower(t)
	if strings.HasPrefix(lower, "bearer ") || strings.HasPrefix(lower, "authorization:") {
		return "", fmt.Errorf("%w: paste the token alone, without %q", ErrInvalidToken, "Authorization: Bearer")
	}
	for _, r := range t {
		if unicode.IsSpace(r) {
			return "", fmt.Errorf("%w: it contains a space or line break inside", ErrInvalidToken)
		}
		if unicode.IsControl(r) || r == '\ufeff' || !unicode.IsPrint(r) {
			return "", fmt.Errorf("%w: it contains a control or invisible character", ErrInvalidToken)
		}
		if r > unicode.MaxASCII {
			// An HTTP header carries ASCII only, so such a token could never
			// be sent; usually a lookalike character came in with the copy.
			return "", fmt.Errorf("%w: it contains a non-ASCII character (%U), which an Authorization header cannot carry; copy the token again", ErrInvalidToken, r)
		}
	}
	return t, nil
}

// Add stores a token. Warnings (e.g. "not UUID-shaped") do not stop it. It
// makes no request: a token is stored even when the API is out of reach.
func (s *Service) Add(ctx context.Context, in AddInput) (rec vault.Record, warnings []string, err error) {
	if err := vault.ValidateName(in.Name); err != nil {
		return vault.Record{}, nil, fmt.Errorf("add token %q: %w", in.Name, err)
	}
	tok, err := CleanToken(in.Token)
	if err != nil {
		return vault.Record{}, nil, fmt.Errorf("add token %q: %w", in.Name, err)
	}
	if !uuidShape.MatchString(tok) {
		warnings = append(warnings, WarnNotUUID)
	}
	base := normalizeBaseURL(in.BaseURL)
	if base == "" {
		base = s.opts.DefaultBaseURL
	}
	c, err := s.client(base)
	if err != nil {
		return vault.Record{}, nil, fmt.Errorf("add token %q: %w", in.Name, err)
	}
	r := vault.Record{
		Name:    in.Name,
		Secret:  tok,
		BaseURL: c.BaseURL(),
		Note:    strings.TrimSpace(in.Note),
	}
	err = s.write(func(v *vault.Vault) error {
		existing, err := v.List()
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.Secret == tok {
				warnings = append(warnings, fmt.Sprintf("the same token is already stored as %q", e.Name))
			}
		}
		rec, err = v.Add(r)
		return err
	})
	if err != nil {
		// The vault's errors name the operation and the name already.
		return vault.Record{}, nil, err
	}
	return rec, warnings, nil
}

// sameBase reports whether two stored base URLs name the same API root.
func sameBase(a, b string) bool {
	return strings.EqualFold(normalizeBaseURL(a), normalizeBaseURL(b))
}
