package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"cxtokens/api"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// The --json shapes below are documented in README.md (section cli) and
// are a stable interface: keys are snake_case, times RFC 3339 in UTC,
// unknown values null, and the token only ever appears masked.

// jsonToken is one token in `list --json` and `info --json`.
type jsonToken struct {
	Name             string    `json:"name"`
	TokenMasked      string    `json:"token_masked"`
	BaseURL          string    `json:"base_url"`
	Note             string    `json:"note"`
	AddedAt          *string   `json:"added_at"`
	TokenSID         *string   `json:"token_sid"`
	PartnerSID       *string   `json:"partner_sid"`
	Scopes           []string  `json:"scopes"`
	CreatedAt        *string   `json:"created_at"`
	ExpiresAt        *string   `json:"expires_at"`
	RefreshExpiresAt *string   `json:"refresh_expires_at"`
	NeverExpires     bool      `json:"never_expires"`
	LastUsedAt       *string   `json:"last_used_at"`
	LastUsedIP       *string   `json:"last_used_ip"`
	LastUseLookup    bool      `json:"last_used_is_lookup"`
	DetailsAt        *string   `json:"details_at"`
	HasRefreshToken  bool      `json:"has_refresh_token"`
	LastTest         *jsonLast `json:"last_test"`
}

// jsonLast is the last test stored on a token.
type jsonLast struct {
	TestedAt  string `json:"tested_at"`
	Outcome   string `json:"outcome"`
	Words     string `json:"outcome_words"`
	Status    int    `json:"status"`
	LatencyMS int64  `json:"latency_ms"`
	Detail    string `json:"detail"`
}

// jsonInfo is `info --json`: the token plus how its details were fetched.
type jsonInfo struct {
	jsonToken
	ScopeWords   map[string]string `json:"scope_words"`
	Via          *string           `json:"via"`
	DetailsError *string           `json:"details_error"`
}

// jsonTest is `test --json`.
type jsonTest struct {
	Name       string `json:"name"`
	Outcome    string `json:"outcome"`
	Words      string `json:"outcome_words"`
	Status     int    `json:"status"`
	LatencyMS  int64  `json:"latency_ms"`
	Containers int    `json:"containers"`
	AtLeast    bool   `json:"containers_at_least"`
	Detail     string `json:"detail"`
	TestedAt   string `json:"tested_at"`
}

func jsonTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func jsonStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toJSONToken(r vault.Record, now time.Time) jsonToken {
	j := jsonToken{
		Name:             r.Name,
		TokenMasked:      api.Mask(r.Secret),
		BaseURL:          r.BaseURL,
		Note:             r.Note,
		AddedAt:          jsonTime(r.AddedAt),
		TokenSID:         jsonStr(r.TokenSID),
		PartnerSID:       jsonStr(r.PartnerSID),
		Scopes:           r.Scopes,
		CreatedAt:        jsonTime(r.Created),
		ExpiresAt:        jsonTime(r.AccessExpires),
		RefreshExpiresAt: jsonTime(r.RefreshExpires),
		NeverExpires:     tokens.NeverExpires(r.AccessExpires, now),
		LastUsedAt:       jsonTime(r.LastUsed),
		LastUsedIP:       jsonStr(r.LastUsedIP),
		LastUseLookup:    r.LastUseLookup,
		DetailsAt:        jsonTime(r.DetailsAt),
		HasRefreshToken:  r.RefreshToken != "",
	}
	if r.DetailsAt.IsZero() && len(r.Scopes) == 0 {
		j.Scopes = nil // never fetched: unknown, not "none"
	} else if j.Scopes == nil {
		j.Scopes = []string{}
	}
	if lt := r.LastTest; lt != nil {
		j.LastTest = &jsonLast{
			TestedAt:  lt.At.UTC().Format(time.RFC3339),
			Outcome:   lt.Outcome,
			Words:     tokens.Outcome(lt.Outcome).Words(),
			Status:    lt.Status,
			LatencyMS: lt.Latency.Milliseconds(),
			Detail:    lt.Detail,
		}
	}
	return j
}

func toJSONTest(rep tokens.TestReport) jsonTest {
	return jsonTest{
		Name:       rep.Name,
		Outcome:    string(rep.Outcome),
		Words:      rep.Outcome.Words(),
		Status:     rep.Status,
		LatencyMS:  rep.Latency.Milliseconds(),
		Containers: rep.Containers,
		AtLeast:    rep.AtLeast,
		Detail:     rep.Detail,
		TestedAt:   rep.At.UTC().Format(time.RFC3339),
	}
}

// writeJSON prints v as indented JSON. encoding/json leaves C1 controls and
// format characters (bidi overrides, zero-width marks) raw; text from the
// API or a note may hold them, so they are written as \u escapes here: the
// same JSON to a parser, and inert on a terminal.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, escapeJSONText(buf.String()))
	return err
}

// escapeJSONText escapes, as \uXXXX (a surrogate pair above U+FFFF), the
// non-ASCII runes printable would escape (DEL, C1 controls, format
// characters). JSON's own syntax is ASCII, and encoding/json has escaped the
// ASCII controls inside strings, so such a rune can only stand inside a
// string, where the escape means the same.
func escapeJSONText(s string) string {
	unsafe := func(r rune) bool { return r >= 0x7f && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) }
	if !strings.ContainsFunc(s, unsafe) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafe(r):
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// humanTime is a time for a person: local time with its zone.
func humanTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

func humanLatency(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

func expiryWords(exp, now time.Time) string {
	switch {
	case exp.IsZero():
		return "unknown" // info asks the API; list says where to look
	case tokens.NeverExpires(exp, now):
		return "never (" + exp.Local().Format("2006-01-02") + ")"
	case !exp.After(now):
		return "EXPIRED " + humanTime(exp)
	}
	left := exp.Sub(now)
	days := int(left.Hours() / 24)
	if days >= 1 {
		return fmt.Sprintf("%s (in %d %s)", humanTime(exp), days, plural(days, "day", "days"))
	}
	return fmt.Sprintf("%s (in %s)", humanTime(exp), left.Round(time.Minute))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printable makes text that came from outside (the API, an import file, a
// note) safe to print on a terminal: control and format characters, which
// could move the cursor, recolour the screen or set the clipboard (OSC 52),
// and invalid UTF-8 are shown escaped, as Go would quote them.
func printable(s string) string {
	unsafe := func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError }
	if !strings.ContainsFunc(s, unsafe) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case unsafe(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// writeList prints the token table.
func writeList(w io.Writer, recs []vault.Record, now time.Time) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTOKEN\tBASE URL\tLAST TEST\tEXPIRES")
	for _, r := range recs {
		last := "-"
		if lt := r.LastTest; lt != nil {
			last = tokens.Outcome(lt.Outcome).Words() + " " + lt.At.Local().Format("2006-01-02")
		}
		exp := "?"
		switch {
		case r.AccessExpires.IsZero():
		case tokens.NeverExpires(r.AccessExpires, now):
			exp = "never"
		case !r.AccessExpires.After(now):
			exp = "EXPIRED"
		default:
			exp = r.AccessExpires.Local().Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", printable(r.Name), api.Mask(r.Secret), printable(r.BaseURL), last, exp)
	}
	return tw.Flush()
}

// writeInfo prints a token's details for a person.
func writeInfo(w io.Writer, r vault.Record, via string, now time.Time) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	row := func(k, v string) {
		if k != "" {
			k += ":"
		}
		fmt.Fprintf(tw, "%s\t%s\n", k, printable(v))
	}
	orUnknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	row("name", r.Name)
	row("token", api.Mask(r.Secret))
	row("base url", r.BaseURL)
	row("token sid", orUnknown(r.TokenSID))
	row("partner sid", orUnknown(r.PartnerSID))
	row("created", humanTime(r.Created))
	row("expires", expiryWords(r.AccessExpires, now))
	if !r.RefreshExpires.IsZero() || r.RefreshToken != "" {
		row("refresh expires", expiryWords(r.RefreshExpires, now))
	}
	switch {
	case !r.LastUsed.IsZero():
		ip := r.LastUsedIP
		if ip == "" {
			ip = "an unknown address"
		}
		row("last used", humanTime(r.LastUsed)+" from "+ip)
		if r.LastUseLookup {
			row("", "(this lookup itself: no other stored token of this base URL may read token records)")
		}
	case !r.DetailsAt.IsZero():
		row("last used", "never")
	default:
		row("last used", "unknown")
	}
	if lt := r.LastTest; lt != nil {
		v := fmt.Sprintf("%s (%s)", tokens.Outcome(lt.Outcome).Words(), humanTime(lt.At))
		if lt.Status != 0 {
			v = fmt.Sprintf("%s — %d in %s (%s)", tokens.Outcome(lt.Outcome).Words(), lt.Status, humanLatency(lt.Latency), humanTime(lt.At))
		}
		row("last test", v)
	} else {
		row("last test", "never (run `cxtokens test "+r.Name+"`)")
	}
	if r.Note != "" {
		row("note", r.Note)
	}
	if !r.DetailsAt.IsZero() {
		d := humanTime(r.DetailsAt)
		if via != "" {
			d += fmt.Sprintf(" (read with %q, so the lookup is not a use of this token)", via)
		}
		row("details from api", d)
	}
	switch {
	case len(r.Scopes) > 0:
		row("scopes", fmt.Sprintf("%d", len(r.Scopes)))
		for _, s := range r.Scopes {
			fmt.Fprintf(tw, "  %s\t%s\n", printable(s), printable(tokens.DescribeScope(s)))
		}
	case !r.DetailsAt.IsZero():
		row("scopes", "none")
	default:
		row("scopes", "unknown")
	}
	return tw.Flush()
}

// oneLine squeezes a server-provided detail onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
