// Package posixlocale keeps Fyne from complaining about the C locale.
//
// Fyne 2.7.1 reads the user's locale while its packages initialise and logs
// three lines of "Error parsing user locale C" to stderr when the locale is
// "C.UTF-8" (the default of many containers and CI machines): it turns the
// "C" before the dot into a language tag, which is not one. Every subcommand
// would print that noise. Plain "C" (or "POSIX") is understood as "no
// locale" and logs nothing, so while Fyne initialises we show it that, and
// main puts the environment back before anything can see it (exec passes
// the environment to its child).
//
// It imports only the standard library and no cxtokens package. Its import
// path sorts before fyne.io, and it has no imports Fyne's packages lack, so Go
// initialises it before them (the spec orders ready packages by import path).
package posixlocale

import (
	"os"
	"strings"
)

var (
	key, orig string // the variable we changed and its value
)

func init() { Apply() }

// Apply shows Fyne a plain "C" where the effective locale variable is
// "C.<charset>" or "POSIX.<charset>"; otherwise it changes nothing.
func Apply() {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "C.") || strings.HasPrefix(v, "POSIX.") {
			key, orig = k, v
			os.Setenv(k, "C")
		}
		return
	}
}

// Restore puts back the value Apply changed, if any.
func Restore() {
	if key != "" {
		os.Setenv(key, orig)
		key, orig = "", ""
	}
}
