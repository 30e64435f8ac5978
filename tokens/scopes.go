package tokens

import (
	"strings"
	"time"
)

// scopeWords holds the plain-words description of every scope named in
// carrierx-core-api.md §3 (the sample scope list and the OAuth and storage
// scopes of the endpoint pages). Others fall back to area + action.
var scopeWords = map[string]string{
	"accesscontrol.manage":           "manage access control rules",
	"endpoints.manage":               "manage endpoints",
	"oauth.manage":                   "create, read and revoke tokens",
	"oauth.manage_all_tokens":        "create, read and revoke every token of the account",
	"oauth.create":                   "create tokens and logins",
	"oauth.read":                     "read tokens and logins",
	"oauth.update":                   "rename and update tokens and logins",
	"oauth.delete":                   "delete tokens and logins",
	"oauth.allow_token_scope_update": "change the scopes of existing tokens",
	"partners.manage":                "manage partner accounts",
	"phonenumber.manage":             "manage phone numbers",
	"push.manage":                    "manage push notifications",
	"shortener.manage":               "manage short links",
	"sms.manage":                     "send and manage SMS",
	"storage.manage":                 "manage storage containers and files",
	"storage.read":                   "read storage containers and files",
	"storage.create":                 "create storage containers and upload files",
	"storage.delete":                 "delete storage containers and files",
	"trunk_groups.manage":            "manage trunk groups",
	"trunk_groups.trunks.manage":     "manage the trunks of trunk groups",
}

// areaWords names the areas for the generic fallback.
var areaWords = map[string]string{
	"accesscontrol":       "access control rules",
	"endpoints":           "endpoints",
	"oauth":               "tokens and logins",
	"partners":            "partner accounts",
	"phonenumber":         "phone numbers",
	"push":                "push notifications",
	"shortener":           "short links",
	"sms":                 "SMS",
	"storage":             "storage containers and files",
	"trunk_groups":        "trunk groups",
	"trunk_groups.trunks": "the trunks of trunk groups",
}

// DescribeScope turns a scope into plain words ("sms.manage" → "send and manage SMS").
func DescribeScope(scope string) string {
	if w, ok := scopeWords[scope]; ok {
		return w
	}
	i := strings.LastIndexByte(scope, '.')
	if i <= 0 || i == len(scope)-1 {
		return strings.ReplaceAll(scope, "_", " ")
	}
	area, action := scope[:i], scope[i+1:]
	noun, ok := areaWords[area]
	if !ok {
		noun = strings.NewReplacer("_", " ", ".", " ").Replace(area)
	}
	switch action {
	case "manage":
		return "manage " + noun
	case "read":
		return "read " + noun
	case "create":
		return "create " + noun
	case "update":
		return "update " + noun
	case "delete":
		return "delete " + noun
	case "read_descendant":
		return "read the " + noun + " of sub-partners"
	}
	return strings.ReplaceAll(action, "_", " ") + " " + noun
}

// neverYears is the horizon beyond which an expiry is "never": CarrierX's
// default lifetime is about 100 years.
const neverYears = 50

// NeverExpires reports an expiry so far away it effectively never comes (> 50 years).
// A zero (unknown) expiry is not "never".
func NeverExpires(exp, now time.Time) bool {
	if exp.IsZero() {
		return false
	}
	return exp.After(now.AddDate(neverYears, 0, 0))
}
