// Package emulator is an in-process stand-in for the CarrierX Core API that
// behaves as shared/carrierx-core-api.md describes, for tests, demos and
// `cxtokens emulator`.
//
// It owns the emulated partner, tokens, logins and storage containers, the
// HTTP routes under BasePath, opt-in faults and Run (the listener behind the
// CLI command). It must not import Fyne, vault, api or any other cxtokens
// package. State lives in memory only.
//
// # Routes
//
// All under /core/v2, each needing one of the listed scopes:
//
//	POST       /oauth/token               oauth.manage_all_tokens | oauth.manage | oauth.create
//	POST       /oauth/token/{partner_sid} same
//	GET        /oauth/tokens              oauth.manage_all_tokens | oauth.manage | oauth.read
//	GET        /oauth/tokens/{sid}        same
//	PATCH|PUT  /oauth/tokens/{sid}        oauth.manage_all_tokens | oauth.manage | oauth.update
//	POST       /oauth/revoke              oauth.manage_all_tokens | oauth.manage
//	GET|POST   /oauth/logins              oauth.manage | oauth.read, oauth.manage | oauth.create
//	PATCH|PUT  /oauth/logins/{sid}        oauth.manage | oauth.update
//	GET        /storage/containers        storage.manage | storage.read
//	GET        /storage/containers/{sid}  same
//
// An unknown path is 404 "Not Found", a known path with another method 405
// with an Allow header (OPTIONS answers 204 with CORS headers). Both are
// decided before authentication.
//
// # Seed
//
// One partner (random partner_sid, login "emulator_partner", a random
// 32-hex password, client_id and client_secret, available_scopes =
// DefaultScopes: the docs' sample list plus oauth.read, oauth.create,
// oauth.update, oauth.manage_all_tokens, oauth.allow_token_scope_update and
// storage.read), one bootstrap token named "bootstrap" holding every
// available scope, and one container with every field of the docs'
// <CONTAINER> sample. Options.Seed or a seed file (LoadSeed) override the
// login, password, token, scopes and sids. No sub-partner is seeded;
// AddSubPartner adds one.
//
// # Decisions where the docs are silent ([INFERRED])
//
// Authentication and scopes:
//   - Bearer and Basic are accepted on every route. Basic with the partner
//     login has every available scope; with a sub-login, its token_scopes.
//   - No or empty Authorization, or a scheme other than Bearer/Basic → 401
//     "Unauthorized". An unknown, revoked or expired bearer token, bad
//     Basic credentials, or two Authorization headers → 401 "Bad
//     credentials". A missing scope → 403 "Forbidden", with the needed
//     scopes in errors[0].message.
//   - Every request whose bearer token authenticates sets the token's
//     date_last_accessed (Options.Now) and ip_last_accessed, even when it
//     then fails with 403 or 4xx; the response to that very request already
//     shows them. The IP is the connection's, or the first address of
//     Options.IPHeader when that option is set and the header holds a bare
//     IP. Basic requests touch no token.
//   - A token minted by any caller may hold any of its partner's
//     available_scopes (the docs' only rule), not just the caller's scopes.
//
// Creating tokens (POST /oauth/token):
//   - Bodies: application/x-www-form-urlencoded or application/json; an
//     empty body is accepted as no fields; anything else → 415.
//   - scopes: a JSON array of strings, a string of names separated by
//     spaces and/or commas, or in forms repeated "scopes" keys (each value
//     may itself be a space/comma list); "scopes[]" and OAuth's "scope"
//     are aliases. Duplicates are dropped; absent or null → every available
//     scope; present but naming none → 422; a name outside available_scopes
//     → 422 {"message":"object validation error","errors":[{"field":"scopes",
//     "message":"field value is not allowed: \"x\"","reference_sid":null}]}.
//   - name: optional, empty allowed (absent → ""); more than 128
//     characters, invalid UTF-8 or control characters → 422.
//   - access_token_expires_in: whole seconds from 1 to 3,153,600,000
//     (36,500 days), JSON number, numeric string or form value; anything
//     else → 422. Absent → 36,500 days. Both expirations get the same date.
//   - An Authorization header, when sent, is checked before the body, as
//     on every route: bad credentials → 401 whatever the body; a token
//     without a creating scope → 403 (and the attempt counts as its use).
//   - grant_type absent: needs an Authorization header (else 401
//     Unauthorized) with a creating scope; the token is for the caller's
//     partner.
//   - grant_type=password: username and password (missing → 400) are the
//     partner login or a sub-login (wrong → 401 "Bad credentials", field
//     password); the new token gets the login's scopes (a sub-login's
//     token_scopes), which need not include a creating scope: the grant
//     itself authorizes. No header is needed; one that is sent must be
//     valid and belong to the same partner (else 403), and must hold a
//     creating scope unless it is the Basic form of the same login.
//   - grant_type=refresh_token: refresh_token (missing → 400) must be
//     unrevoked and unexpired (else 401 "Bad credentials", field
//     refresh_token). Refresh rotates: a new record (new token_sid, access
//     and refresh values) keeps the name, scopes and lifetime unless the
//     body gives new ones, and the old token is revoked at once.
//   - Any other grant_type → 400. client_id, client_secret and token_type
//     are accepted and not checked; every token's client_id is its
//     partner's.
//   - POST /oauth/token/{partner_sid}: a direct sub-partner of the caller's
//     partner (see AddSubPartner), else 404 "Cannot find item by SID";
//     grant_type must be absent (else 400); scopes default to the
//     sub-partner's available_scopes.
//
// Reading, updating and revoking tokens:
//   - Callers see only their own partner's tokens. "Active" means not
//     revoked and access token not expired: only those are listed, and GET,
//     PATCH and PUT by sid of any other token → 404 "Cannot find item by SID".
//   - with_related takes exactly true or false (else 400); true adds a
//     minimal partner object (partner_sid, login, name, company_name,
//     available_scopes, date_created).
//   - PATCH|PUT need Content-Type application/json (else 415) and one JSON
//     object (else 400 "No JSON object could be decoded"). Writable: name,
//     scopes, date_expiration_access_token, date_expiration_refresh_token
//     (RFC 3339; past dates allowed, which expires the token). PATCH with a
//     read-only field (access_token, client_id, client_secret, date_created,
//     date_last_accessed, ip_last_accessed, partner, partner_sid,
//     refresh_token, token_sid, token_type) or an unknown one → 422 with one
//     error per field; PUT ignores them. Neither resets absent fields.
//     Changing the scope set also needs oauth.allow_token_scope_update
//     (else 403); sending the current set does not.
//   - POST /oauth/revoke takes form or JSON. token= may be an access or a
//     refresh token value and revokes that token record; absent revokes the
//     calling bearer token (with Basic → 400); present but empty → 422, so
//     an unset variable in a script never revokes the caller. An unknown,
//     already revoked or another partner's value → 404 "Cannot find item
//     by SID" (not an idempotent 204, so a typo is not mistaken for
//     success). Expired tokens can still be revoked. Success → 204 with an
//     empty body; the token then gets 401, leaves lists and 404s by sid.
//
// Lists (§7.4–7.7):
//   - limit: 1–1000, default 10; 0, negative, over 1000, non-integer or
//     repeated → 400. offset: 0 or more, default 0; beyond the end gives an
//     empty page. after/before → 400 (not emulated).
//   - total is null for tokens (as in the sample) and a number elsewhere.
//     pagination is {} on the last page, else {"next": the absolute request
//     URL with offset raised by limit and every other argument kept}.
//   - order: "field", "field asc", "field desc" (several joined by commas)
//     or "shuffle"; nulls sort first; unknown or list/object field → 400.
//     Without order (or with an empty one), items come in creation order.
//   - filter: the grammar is in filter.go; operators eq ne gt ge lt le like
//     ilike notlike in notin contains notcontains, joined by and. Values are
//     typed by the field: numbers, true/false, dates (2024-09-11 or any
//     RFC 3339 form, compared at millisecond precision), text; bare null is
//     JSON null (eq/ne/in/notin only). like uses % and _ with \ as escape
//     and applies to text and date fields; contains/notcontains apply to
//     list fields (scopes) only. ne, notin, notlike and notcontains are the
//     exact negations of their pair (so null ne "x" holds). Unknown field,
//     operator, value type or junk → 400 with the reason in errors. Only
//     top-level fields (no dot paths).
//   - include_fields / exclude_fields, or includeFields / excludeFields (one
//     spelling per request): comma-separated top-level names; unknown name
//     → 400; include applies first. GET by sid takes them too.
//   - A malformed query string → 400.
//
// Other:
//   - Error bodies: {"message": label, "errors": [{"field","message",
//     "reference_sid": null}]} for every 4xx and 5xx; labels are §7.2's
//     ("Bad Request", "No JSON object could be decoded", "Bad credentials",
//     "Unauthorized", "Forbidden", "Cannot find item by SID", "Not Found",
//     "object validation error", "Unsupported media type") plus "Method Not
//     Allowed", "Conflict" (duplicate sub-login), "Request Entity Too Large"
//     (bodies over 1 MiB) and "Too Many Requests".
//   - Faults answer before authentication: 429 carries Retry-After (whole
//     seconds, at least 1) and a "Too Many Requests" body; ServerError uses
//     the status's text as the label; RedirectTo answers 307 with Location =
//     RedirectTo + path + query; Oversize turns a 200 body into a valid JSON
//     object whose first member is OversizeBytes of padding, streamed.
//   - Dates are emitted in UTC with milliseconds and Z
//     (2024-09-11T13:46:42.211Z).
//   - POST /oauth/logins (JSON) makes a sub-login "<partner login>_<suffix>"
//     with a password and token_scopes (default: all available); PATCH|PUT
//     change only the password (PATCH rejects other fields with 422).
//   - Run refuses non-loopback addresses (ErrNotLoopback) unless
//     RunConfig.AllowRemote, because it serves plain HTTP and prints a
//     password and a full-scope token.
//
// # Test hooks
//
// Options.Now (see ManualClock), Options.IPHeader, Options.Seed,
// Options.OnRequest, SetFaults/Faults, IssueToken, AddSubPartner, AddLogin,
// TokenRecord, Revoked, Requests, Seed.
package emulator
