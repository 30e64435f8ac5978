package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"cxtokens/api"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// usageError is a mistake in the command line itself: exit code 2.
type usageError struct {
	cmd string // "" for the top level
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// exitCode ends a run with a given code and no further message (the
// command has said what there was to say, or it is exec's child's code).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// errHelp is returned after help was printed on request: exit 0.
var errHelp = flag.ErrHelp

// report prints err for a person and returns the exit code.
func (a *app) report(err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	if errors.Is(err, errInterrupted) {
		fmt.Fprintln(a.stderr, "cxtokens: interrupted; nothing was changed")
		return 130
	}
	if errors.Is(err, context.Canceled) {
		// ^C or SIGTERM during a request (a.ctx): the shell's code for it.
		fmt.Fprintln(a.stderr, "cxtokens: interrupted")
		return 130
	}
	var ue *usageError
	if errors.As(err, &ue) {
		prefix := "cxtokens"
		if ue.cmd != "" {
			prefix += " " + ue.cmd
		}
		fmt.Fprintf(a.stderr, "%s: %s\n", prefix, ue.msg)
		if c := findCommand(ue.cmd); c != nil {
			fmt.Fprintf(a.stderr, "usage: cxtokens %s\nrun `cxtokens %s --help` for more, with an example\n", c.usage, c.name)
		} else {
			fmt.Fprintf(a.stderr, "run `cxtokens --help` for the commands\n")
		}
		return 2
	}
	fmt.Fprintf(a.stderr, "cxtokens: %s\n", errorText(err))
	return 1
}

// errorText is an error as a person reads it: the message and, when one
// fits, what to do about it.
func errorText(err error) string {
	msg := err.Error()
	if hint := hintFor(err); hint != "" && !strings.Contains(msg, hint) {
		msg += " — " + hint
	}
	return msg
}

// hintFor says what a person can do about an error, or "" when the message
// says it all. The most specific cause is checked first.
func hintFor(err error) string {
	var unknown *tokens.UnknownNameError
	var scope *tokens.ScopeError
	var locked *vault.LockedError
	switch {
	case errors.As(err, &unknown):
		return "see `cxtokens list`"
	case errors.As(err, &scope) && scope.Op == "revoke tokens" && scope.OthersTried:
		return "no other stored token of this base URL could revoke it either: add one that may manage tokens, then `cxtokens revoke NAME --using THAT_NAME`, or delete it in the portal (Account → Security Tokens)"
	case errors.As(err, &scope) && scope.Op == "revoke tokens":
		return "name a stored token that may manage tokens with --using, or leave --using out and cxtokens tries the stored tokens of this base URL"
	case errors.As(err, &scope):
		return "use a token that has one of those scopes (see `cxtokens info NAME`)"
	case errors.Is(err, vault.ErrBusy):
		return "another cxtokens (perhaps the desktop app) is using the vault right now; try again in a moment"
	case errors.Is(err, vault.ErrWrongPassphrase):
		return "check CXTOKENS_PASSPHRASE, or type the passphrase again"
	case errors.As(err, &locked) && locked.Hint != "":
		return "" // the vault says how to get in
	case errors.Is(err, vault.ErrKeyringUnavailable):
		if strings.Contains(err.Error(), "vault init --passphrase") {
			return "" // tokens said what to do (the vault could not be created)
		}
		return "the OS keyring (Secret Service) did not answer: run cxtokens where it is unlocked (a desktop session), or set CXTOKENS_PASSPHRASE if this vault has a passphrase"
	case errors.Is(err, tokens.ErrNoPassphrase):
		return "stdin is not a terminal, so cxtokens could not ask for the passphrase: set CXTOKENS_PASSPHRASE"
	case errors.Is(err, vault.ErrLocked):
		return "give the vault passphrase in CXTOKENS_PASSPHRASE or type it in a terminal; if the keyring entry is lost and the vault has no passphrase, restore an export with `cxtokens import`"
	case errors.Is(err, vault.ErrKeyNotFound):
		return "the vault's key is missing from the OS keyring: unlock with its passphrase (CXTOKENS_PASSPHRASE) or restore an export with `cxtokens import`; cxtokens never makes a new key, which would orphan the tokens"
	case errors.Is(err, vault.ErrNoVault):
		return "there is no vault yet: `cxtokens add` creates one, or `cxtokens vault init`"
	case errors.Is(err, vault.ErrVaultExists):
		return "use `cxtokens vault status` to see it, or --vault PATH for another one"
	case errors.Is(err, vault.ErrCorrupt):
		return "nothing was changed; restore the file from a backup, or an export with `cxtokens import` into a new vault"
	case errors.Is(err, vault.ErrNewerVersion):
		return "" // the vault's message already says to update cxtokens
	case errors.Is(err, vault.ErrExists):
		return "pick another name (see `cxtokens list`)"
	case errors.Is(err, vault.ErrInvalidName):
		return "a name is 1–64 printable characters without leading or trailing spaces"
	case errors.Is(err, tokens.ErrEmptyToken) || errors.Is(err, tokens.ErrInvalidToken):
		return "paste the token value alone (from the portal's Security Tokens page)"
	case errors.Is(err, tokens.ErrRevokeUnverified):
		return "check with `cxtokens test NAME`; `cxtokens forget NAME` removes it locally"
	case errors.Is(err, tokens.ErrWrongExportPass):
		return "check the passphrase (CXTOKENS_EXPORT_PASSPHRASE)"
	case errors.Is(err, tokens.ErrLoginRejected):
		return "check the login and password (the ones for the CarrierX portal of that account)"
	case errors.Is(err, api.ErrUnauthorized):
		return "the server answered 401: the token (or login) is invalid, expired or revoked"
	case errors.Is(err, api.ErrForbidden):
		return "the server answered 403: the credentials lack a scope this needs"
	case errors.Is(err, api.ErrRateLimited):
		return "the server is rate limiting requests; wait a little and try again"
	case errors.Is(err, api.ErrInvalidURL):
		return "a base URL looks like https://api.carrierx.com/core/v2"
	case errors.Is(err, api.ErrInsecureURL):
		return "use an https:// base URL (plain http only reaches 127.0.0.1 or localhost)"
	case errors.Is(err, api.ErrTLS):
		return "the TLS connection failed: check the base URL, and the system clock and certificates (behind a TLS-inspecting proxy, its CA must be trusted)"
	case errors.Is(err, api.ErrDNS):
		return "the host name did not resolve: check the base URL and your network"
	case errors.Is(err, api.ErrTimeout):
		return "the request timed out: check your network and the base URL"
	case errors.Is(err, api.ErrRedirect):
		return "the server redirected somewhere cxtokens will not send a token; check the base URL"
	case errors.Is(err, api.ErrNetwork):
		return "could not reach the API: check your network and the base URL"
	case errors.Is(err, api.ErrServer) || errors.Is(err, api.ErrBadResponse):
		return "the API had a problem; try again later"
	}
	return ""
}
