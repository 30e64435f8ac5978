// Package earlylog holds back what the standard logger prints while the
// program's packages initialise, so main can drop one known-harmless line
// before it reaches a person.
//
// Fyne's lang package looks up the user's locale in its init function and,
// for the POSIX locale "C.UTF-8" that containers, CI runners and minimal
// servers set, logs three lines about a malformed language tag (it then
// falls back to English, which is right). Because the binary links Fyne for
// the desktop app, every command-line call would print them.
//
// Go initialises packages in import-path order as far as dependencies allow,
// so this package, needing only the standard library and sorting before
// fyne.io, runs its init before Fyne's. It must import no other package of
// this module and nothing outside the standard library.
package earlylog

import (
	"bytes"
	"log"
	"os"
	"regexp"
	"sync"
)

var (
	mu   sync.Mutex
	held bytes.Buffer
)

type holder struct{}

func (holder) Write(p []byte) (int, error) {
	mu.Lock()
	defer mu.Unlock()
	return held.Write(p)
}

func init() {
	log.SetOutput(holder{})
}

// localeBlock is Fyne's report of the C locale: the error line and the
// Cause and At lines it logs beneath it.
var localeBlock = regexp.MustCompile(`(?m)^.*Fyne error:  Error parsing user locale C(\.[^\n]*)?\n(.*  Cause: [^\n]*\n)?(.*  At: [^\n]*/lang/locale\.go:\d+\n)?`)

// Release sends the standard logger to stderr again and writes what was held
// back, without Fyne's report of the C locale. main calls it first thing.
func Release() {
	mu.Lock()
	defer mu.Unlock()
	log.SetOutput(os.Stderr)
	os.Stderr.Write(localeBlock.ReplaceAll(held.Bytes(), nil))
	held.Reset()
}
