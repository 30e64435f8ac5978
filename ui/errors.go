package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"

	"cxtokens/api"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// errorMessage is the one place that turns an error into words for a person:
// a short title and a sentence that says what happened and what to do next.
// known is false for errors it does not recognise; the caller then logs the
// detail (errors from vault, api and tokens never carry a token value).
func errorMessage(err error) (title, sentence string, known bool) {
	var scope *tokens.ScopeError
	switch {
	// The workflows' own errors first: they say most about what to do.
	case errors.As(err, &scope):
		need := make([]string, len(scope.Need))
		for i, sc := range scope.Need {
			need[i] = "“" + tokens.DescribeScope(sc) + "” (" + sc + ")"
		}
		return "Permission missing", "“" + scope.Name + "” may not " + scope.Op + ": that needs a scope it lacks, " +
			strings.Join(need, " or ") + ". Use a stored token that has one, or create a token with it.", true
	case errors.Is(err, tokens.ErrNoManagementToken):
		return "No token can do this", "None of the stored tokens of this account may do this. Add or create a token with the oauth.manage scope, then try again.", true
	case errors.Is(err, tokens.ErrEmptyToken):
		return "No token pasted", "The token field is empty. Paste the token from the portal (Account → Security Tokens, reveal, copy).", true
	case errors.Is(err, tokens.ErrInvalidToken):
		return "That is not a token", "That does not look like a token" + reason(err, tokens.ErrInvalidToken) + ". Paste the token alone, exactly as the portal shows it.", true
	case errors.Is(err, tokens.ErrBaseURLMismatch):
		return "Different accounts", "The two tokens belong to different base URLs, so one cannot act for the other. Choose a token of the same account.", true
	case errors.Is(err, tokens.ErrRevokeUnverified):
		return "Revoke not confirmed", "After the revoke, a check shows the server still accepts the token, so it was kept in the vault. Try again, or delete it in the portal under Account → Security Tokens.", true
	case errors.Is(err, tokens.ErrLoginRejected):
		return "Login not accepted", "The server did not accept that login and password. Check them (they are the ones for the CarrierX portal of that account) and try again.", true
	case errors.Is(err, tokens.ErrNoPassphrase), errors.Is(err, tokens.ErrEmptyPassphrase):
		return "Passphrase needed", "This vault is protected by a passphrase. Enter it to unlock the vault.", true

	// The vault first: its sentinels are the most specific.
	case errors.Is(err, vault.ErrNotFound):
		return "Token not found", "That token is no longer in the vault; it may have been removed from the command line. The list has been reloaded.", true
	case errors.Is(err, vault.ErrExists):
		return "Name already used", "Another token already has that name. Choose a different name.", true
	case errors.Is(err, vault.ErrInvalidName):
		return "Invalid name", "A name is 1 to 64 printable characters with no spaces at either end. Choose a different name.", true
	case errors.Is(err, vault.ErrBusy):
		return "Vault busy", "Another cxtokens process is using the vault right now. Wait a moment and try again.", true
	case errors.Is(err, vault.ErrWrongPassphrase):
		return "Wrong passphrase", "That passphrase does not open this vault. Check Caps Lock and try again.", true
	case errors.Is(err, vault.ErrLocked):
		return "Vault locked", "Unlock the vault with its passphrase, then try again.", true
	case errors.Is(err, vault.ErrKeyringUnavailable):
		return "Keyring unavailable", "The system keyring did not answer. Unlock it (or sign in to your desktop session) and try again; on a machine without a keyring, create the vault with a passphrase: cxtokens vault init --passphrase.", true
	case errors.Is(err, vault.ErrKeyNotFound):
		return "Vault key missing", "The vault's key is not in the system keyring any more. Unlock the vault with its passphrase if it has one, or restore the vault from a backup with cxtokens import.", true
	case errors.Is(err, vault.ErrCorrupt):
		return "Vault damaged", "The vault file is damaged and was left untouched. Restore it from a backup with cxtokens import.", true
	case errors.Is(err, vault.ErrNewerVersion):
		return "Newer vault", "This vault was written by a newer version of cxtokens. Update the app to open it.", true
	case errors.Is(err, vault.ErrNoVault):
		return "No vault yet", "There is no vault here yet. Add a token to create one.", true
	case errors.Is(err, vault.ErrVaultExists):
		return "Vault exists", "A vault already exists at that path. Open it instead of creating a new one.", true

	// Then the API, whose *api.Error answers errors.Is for its sentinels.
	case errors.Is(err, api.ErrUnauthorized):
		return "Token rejected", "The server says this token is invalid, expired or revoked. Create a new one (Create token, or the portal) and forget this one.", true
	case errors.Is(err, api.ErrForbidden):
		return "Permission missing", "The token works but lacks the scope this action needs. Use a token that can manage tokens (for example oauth.manage).", true
	case errors.Is(err, api.ErrNotFound):
		return "Not found on the server", "The server does not know that item any more. Refresh the details and try again.", true
	case errors.Is(err, api.ErrRateLimited):
		return "Rate limited", "The API asked us to slow down. Wait a minute and try again.", true
	case errors.Is(err, api.ErrServer):
		return "Server error", "The CarrierX API had a problem answering. Try again in a few minutes.", true
	case errors.Is(err, api.ErrInvalidURL):
		return "Invalid base URL", "That base URL cannot be used" + reason(err, api.ErrInvalidURL) + ". A base URL looks like " + api.DefaultBaseURL + ".", true
	case errors.Is(err, api.ErrInsecureURL):
		return "Insecure base URL", "Use an https:// base URL; plain http:// is allowed only for 127.0.0.1 or localhost.", true
	case errors.Is(err, api.ErrRedirect):
		return "Redirect refused", "The server redirected somewhere the token must not go. Check the base URL.", true
	case errors.Is(err, api.ErrBadResponse):
		return "Unexpected answer", "The server's answer could not be read. Check that the base URL points at the Core API (…/core/v2).", true
	case errors.Is(err, api.ErrTLS):
		return "Secure connection failed", "The server's certificate was not accepted. If a corporate proxy inspects TLS, give cxtokens its CA bundle; otherwise check the base URL.", true
	case errors.Is(err, api.ErrDNS):
		return "Host not found", "The API host name could not be resolved. Check the base URL and your network connection.", true
	case errors.Is(err, api.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "No answer in time", "The request took too long. Check your network connection or proxy and try again.", true
	case errors.Is(err, api.ErrNetwork):
		return "Network problem", "The API could not be reached. Check your network connection or proxy and try again.", true
	case errors.Is(err, context.Canceled):
		return "Cancelled", "The action was cancelled before it finished.", true
	}
	return "Something went wrong", "The action did not complete. Try again; if it keeps failing, run the same action with the cxtokens command line to see more detail.", false
}

// logUnknown sends the detail of an error errorMessage did not recognise to
// Fyne's log, for the developer; the dialog shows only the generic sentence.
func logUnknown(action string, err error) {
	if _, _, known := errorMessage(err); !known {
		fyne.LogError(action, err)
	}
}

// reason is the detail a sentinel-wrapping error adds after the sentinel's
// own text (": it contains a space inside"), or "". Those details are
// written for people and never hold a token value.
func reason(err, sentinel error) string {
	msg, prefix := err.Error(), sentinel.Error()+": "
	if i := strings.Index(msg, prefix); i >= 0 {
		return ": " + msg[i+len(prefix):]
	}
	return ""
}
