package vault

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxNameLen is the longest token name, in characters (runes).
const MaxNameLen = 64

// ValidateName checks a token name: 1–64 printable characters, no leading
// or trailing space, no control characters.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrInvalidName)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w %q: not valid UTF-8", ErrInvalidName, name)
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLen {
		return fmt.Errorf("%w %q: %d characters, at most %d", ErrInvalidName, name, n, MaxNameLen)
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fmt.Errorf("%w %q: leading or trailing space", ErrInvalidName, name)
	}
	for _, r := range name {
		// IsPrint admits letters, marks, numbers, punctuation, symbols and
		// the ASCII space only: control, format, private-use and the other
		// space characters (NBSP, ideographic space…) are out, so two names
		// that look alike on screen are less likely to differ invisibly.
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w %q: character %U is not printable", ErrInvalidName, name, r)
		}
	}
	return nil
}

// foldName maps a name to the canonical form used for case-insensitive
// uniqueness: composed (NFC) first, so "é" typed as one character and as e
// plus a combining accent is the same name, then every rune becomes the
// smallest member of its Unicode simple case-folding orbit. Two composed
// names fold equal exactly when strings.EqualFold says they are equal
// (unlike ToLower, which misses K/k/K-sign and friends).
func foldName(name string) string {
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// An ASCII letter's orbit starts with its upper-case form (the
		// Kelvin sign and long s come later), so this is the same fold,
		// without the per-rune orbit walk that List's sort would pay.
		return strings.ToUpper(name)
	}
	name = norm.NFC.String(name)
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < least {
				least = f
			}
		}
		b.WriteRune(least)
	}
	return b.String()
}

// MaxTestStatus is the highest HTTP status a stored test result may hold.
const MaxTestStatus = 999

// Validate checks that r is a record the vault can store and read back: a
// valid name and, for a stored test result, an HTTP status from 0 (no
// answer) to 999. Add, Update and Modify refuse anything else, so no write
// can leave a record the next List fails to read (an import file, for one,
// comes from outside).
func (r Record) Validate() error {
	if err := ValidateName(r.Name); err != nil {
		return err
	}
	if t := r.LastTest; t != nil && (t.Status < 0 || t.Status > MaxTestStatus) {
		return fmt.Errorf("%w: test status %d is not an HTTP status", ErrInvalidRecord, t.Status)
	}
	return nil
}
