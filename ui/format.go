package ui

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"cxtokens/api"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// expiryWarning is how close an expiry must be before the list, the tray and
// a notification warn about it.
const expiryWarning = 14 * 24 * time.Hour

// stamp is a date and time as the window shows it, in local time.
func stamp(t time.Time) string {
	return t.Local().Format("2 Jan 2006, 15:04")
}

// span says a positive duration in the two largest units a person cares
// about: "3 days 4 h", "5 h 12 min", "40 s".
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	switch {
	case days >= 60:
		// Whole days only, to the nearest: a 90-day token just created
		// expires "in 90 days", not in 89.
		return fmt.Sprintf("%d days", int((d+12*time.Hour)/(24*time.Hour)))
	case days > 1:
		return fmt.Sprintf("%d days %d h", days, hours)
	case days == 1:
		return fmt.Sprintf("1 day %d h", hours)
	case hours > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	case mins > 0:
		return fmt.Sprintf("%d min", mins)
	default:
		return fmt.Sprintf("%d s", int(d/time.Second))
	}
}

// ago says how long ago t was, coarsely: "just now", "5 min ago", "3 days ago".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	case d < 48*time.Hour:
		return "yesterday"
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	default:
		return "on " + t.Local().Format("2 Jan 2006")
	}
}

// expiry describes when a token's access stops working.
type expiry int

const (
	expiryUnknown expiry = iota // never fetched from the API
	expiryNever                 // so far away it never comes
	expiryFine
	expirySoon // within expiryWarning
	expired
)

func expiryOf(r vault.Record, now time.Time) expiry {
	switch {
	case r.AccessExpires.IsZero():
		return expiryUnknown
	case tokens.NeverExpires(r.AccessExpires, now):
		return expiryNever
	case !r.AccessExpires.After(now):
		return expired
	case r.AccessExpires.Sub(now) <= expiryWarning:
		return expirySoon
	default:
		return expiryFine
	}
}

// expiryShort is the few words the list shows beside a token that needs
// attention; "" when it does not.
func expiryShort(r vault.Record, now time.Time) string {
	switch expiryOf(r, now) {
	case expired:
		return "expired"
	case expirySoon:
		d := r.AccessExpires.Sub(now)
		if d < 24*time.Hour {
			return "expires today"
		}
		return fmt.Sprintf("expires in %d d", int((d+12*time.Hour)/(24*time.Hour))) // to the nearest day
	}
	return ""
}

// expiryLong is the detail pane's line for the expiry.
func expiryLong(r vault.Record, now time.Time) string {
	switch expiryOf(r, now) {
	case expiryUnknown:
		return unknown
	case expiryNever:
		return "never expires (" + r.AccessExpires.Local().Format("2006") + ")"
	case expired:
		return "expired " + span(now.Sub(r.AccessExpires)) + " ago (" + stamp(r.AccessExpires) + ")"
	default:
		return "in " + span(r.AccessExpires.Sub(now)) + " (" + stamp(r.AccessExpires) + ")"
	}
}

// host is the part of a base URL a person recognises an account by.
func host(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return baseURL
	}
	return u.Host
}

// account is the list's second line: where the token works.
func account(r vault.Record) string {
	base := r.BaseURL
	if base == "" {
		base = api.DefaultBaseURL
	}
	s := host(base)
	if r.PartnerSID != "" {
		s += " · account " + short(r.PartnerSID)
	}
	return s
}

// short is the first eight characters of a sid, enough to tell accounts apart.
func short(sid string) string {
	if len(sid) > 8 {
		return sid[:8] + "…"
	}
	return sid
}

// outcomeWords is a stored test outcome in words.
func outcomeWords(o string) string {
	return tokens.Outcome(o).Words()
}

// testLine is the detail pane's line for the last test.
func testLine(t *vault.TestResult, now time.Time) string {
	if t == nil {
		return "not tested yet"
	}
	var b strings.Builder
	b.WriteString(outcomeWords(t.Outcome))
	if t.Status != 0 {
		fmt.Fprintf(&b, " · HTTP %d", t.Status)
	}
	if t.Latency > 0 {
		b.WriteString(" in " + millis(t.Latency))
	}
	b.WriteString(" · " + ago(t.At, now))
	return b.String()
}

// lastUse is the detail pane's line for the last use the API reported.
func lastUse(r vault.Record) string {
	var s string
	switch {
	case r.DetailsAt.IsZero():
		return unknown
	case r.LastUsed.IsZero():
		return "never used"
	case r.LastUsedIP != "":
		s = stamp(r.LastUsed) + " from " + r.LastUsedIP
	default:
		s = stamp(r.LastUsed)
	}
	if r.LastUseLookup {
		s += "\nthat was the details lookup itself: no other stored token of this base URL may read token records"
	}
	return s
}

// scopesUnknown is what the scopes row says when there are no scopes to show.
func scopesUnknown(r vault.Record) string {
	if r.DetailsAt.IsZero() {
		return unknown
	}
	return "none"
}

// millis is a latency as people read it; loopback answers take under 1 ms.
func millis(d time.Duration) string {
	if d < time.Millisecond {
		return "under 1 ms"
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// unknown stands for a field the server has not been asked about yet; the
// detail pane says once, above the fields, how to fill them in.
const unknown = "—"
