package tokens

import (
	"fmt"
	"strings"

	"cxtokens/vault"
)

// Format is how `get` renders a token.
type Format string

const (
	FormatRaw    Format = "raw"    // the value
	FormatHeader Format = "header" // Authorization: Bearer …
	FormatCurl   Format = "curl"   // a curl line for the test request, the token off its argv
	FormatEnv    Format = "env"    // export CARRIERX_TOKEN=… (and CARRIERX_BASE_URL)
)

// Formats lists every Format, in the order help texts show them.
var Formats = []Format{FormatRaw, FormatHeader, FormatCurl, FormatEnv}

// TestPath is the test request's path under a base URL (carrierx-core-api.md §8).
const TestPath = "/storage/containers"

// Render formats a record's secret; the only function that emits one.
// The result has no trailing newline. Shell-facing formats quote every value
// so that pasting the line into a POSIX shell runs exactly what it shows.
func Render(r vault.Record, f Format) (string, error) {
	switch f {
	case FormatRaw:
		return r.Secret, nil
	case FormatHeader:
		return "Authorization: Bearer " + r.Secret, nil
	case FormatCurl:
		// The header reaches curl on its stdin (-H @-), from printf, a shell
		// builtin: the token is never in a process's arguments, which
		// every user of the machine can read in /proc.
		return "printf 'Authorization: Bearer %s\\n' " + ShellQuote(r.Secret) + " | curl -sS -H @- " +
			ShellQuote(strings.TrimRight(r.BaseURL, "/")+TestPath), nil
	case FormatEnv:
		return "export CARRIERX_TOKEN=" + ShellQuote(r.Secret) + "\n" +
			"export CARRIERX_BASE_URL=" + ShellQuote(r.BaseURL), nil
	}
	return "", fmt.Errorf("unknown format %q (one of raw, header, curl, env)", string(f))
}

// Env is the environment exec adds: CARRIERX_TOKEN and CARRIERX_BASE_URL.
func Env(r vault.Record) []string {
	return []string{"CARRIERX_TOKEN=" + r.Secret, "CARRIERX_BASE_URL=" + r.BaseURL}
}

// ShellQuote quotes s for a POSIX shell: the whole value in single quotes,
// and each single quote inside it closed, escaped and reopened. Safe for
// any byte string, since nothing expands inside single quotes.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
