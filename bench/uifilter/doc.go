// Package uifilter holds the desktop list-filter benchmark of `make bench`:
// the real ui package on Fyne's test driver, a 10,000-token list, and one
// keystroke typed into the search field per iteration.
//
// It lives outside ui because the benchmark table owns it; it uses only
// ui's exported API and finds the search field the way a person would, by
// its placeholder. It must not import fyne.io/fyne/v2/app.
package uifilter
