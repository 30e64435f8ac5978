package ui

import (
	"context"
	"strconv"
	"strings"

	"cxtokens/tokens"
)

// testAll tests every stored token (8 at a time) and sums up the outcomes in
// the status bar, or in a notification when it was started from the tray.
func (u *UI) testAll(t trigger, fromTray bool) {
	u.touch()
	u.do(job{label: "Testing every token…", trigger: t, timeout: networkTimeout, action: "test all tokens"},
		func(ctx context.Context) (func(), error) {
			reps := u.remote.TestMany(ctx, nil, 0)
			if len(reps) == 1 && reps[0].Name == "" && reps[0].Err != nil {
				return nil, reps[0].Err // the vault could not be listed
			}
			recs, gen, err := u.loadRecords()
			if err != nil {
				return nil, err
			}
			return func() {
				u.setRecords(recs, gen)
				sum := summarizeTests(reps)
				u.setStatus(sum.line)
				if fromTray {
					u.notify(sum.title, sum.body)
				}
			}, nil
		})
}

// testSummary is what a test of every token came to, in words.
type testSummary struct {
	line        string // for the status bar
	title, body string // for a notification
}

func summarizeTests(reps []tokens.TestReport) testSummary {
	counts := map[string]int{}
	var order, failed []string
	for _, rep := range reps {
		words := rep.Outcome.Words()
		if rep.Outcome == "" {
			words = "not tested"
		}
		if counts[words] == 0 {
			order = append(order, words)
		}
		counts[words]++
		if rep.Outcome != tokens.OutcomeWorks || rep.Err != nil {
			failed = append(failed, "“"+rep.Name+"”: "+words)
		}
	}
	n := len(reps)
	if n == 0 {
		return testSummary{line: "No tokens to test.", title: "No tokens to test", body: "Add a token first."}
	}
	parts := make([]string, len(order))
	for i, w := range order {
		k := counts[w]
		if w == tokens.OutcomeWorks.Words() && k > 1 {
			w = "work" // "2 work", not "2 works"
		}
		parts[i] = strconv.Itoa(k) + " " + w
	}
	s := testSummary{line: "Tested " + plural(n, "token") + ": " + strings.Join(parts, ", ") + "."}
	if len(failed) == 0 {
		s.title, s.body = "Every token works", "All "+plural(n, "token")+" answered the test request."
		if n == 1 {
			s.title, s.body = "The token works", "It answered the test request."
		}
		return s
	}
	s.title = strconv.Itoa(len(failed)) + " of " + plural(n, "token") + " failed the test"
	s.body = strings.Join(failed, "; ") + "."
	return s
}

// plural is n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
