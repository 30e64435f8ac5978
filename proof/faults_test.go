package proof

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cxtokens/api"
	"cxtokens/api/emulator"
	"cxtokens/tokens"
)

// headerLog records the credential headers a server received.
type headerLog struct {
	mu       sync.Mutex
	requests int
	creds    []string // "Authorization" etc. that arrived, by header name only
}

func (h *headerLog) record(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests++
	for _, k := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		if r.Header.Get(k) != "" {
			h.creds = append(h.creds, k)
		}
	}
}

func (h *headerLog) get() (int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests, append([]string(nil), h.creds...)
}

// faultCase is one misbehaviour of the API and what a person must be told.
type faultCase struct {
	name      string
	faults    func(other *emu) emulator.Faults
	want      tokens.Outcome
	status    int           // the status the report carries; 0: don't care
	minTook   time.Duration // the report may not come sooner (retries waited, timeout hit)
	requests  int64         // requests the emulator must have seen; 0: don't care
	detailHas string        // a phrase the detail must contain
}

// faultCases take the client's per-request timeout, which differs between
// the Service tests (short) and the binary (its default).
func faultCases(timeout time.Duration) []faultCase {
	return []faultCase{
		{name: "latency under the timeout", want: tokens.OutcomeWorks, status: 200, minTook: 300 * time.Millisecond,
			faults: func(*emu) emulator.Faults { return emulator.Faults{Latency: 300 * time.Millisecond} }},
		{name: "429 retried after Retry-After", want: tokens.OutcomeWorks, status: 200, minTook: 2 * time.Second, requests: 3,
			faults: func(*emu) emulator.Faults { return emulator.Faults{RateLimit: 2, RetryAfter: time.Second} }},
		{name: "429 beyond the retry budget", want: tokens.OutcomeRateLimited, status: 429, minTook: 3 * time.Second, requests: 4,
			faults: func(*emu) emulator.Faults { return emulator.Faults{RateLimit: 50, RetryAfter: time.Second} }},
		{name: "429 asking for a longer wait than allowed", want: tokens.OutcomeRateLimited, status: 429, requests: 1,
			faults: func(*emu) emulator.Faults { return emulator.Faults{RateLimit: 50, RetryAfter: 10 * time.Minute} }},
		{name: "500", want: tokens.OutcomeServerError, status: 500, requests: 1,
			faults: func(*emu) emulator.Faults { return emulator.Faults{ServerError: 5} }},
		{name: "503", want: tokens.OutcomeServerError, status: 503, requests: 1,
			faults: func(*emu) emulator.Faults { return emulator.Faults{ServerError: 5, ServerStatus: 503} }},
		{name: "stalled", want: tokens.OutcomeNetwork, minTook: timeout, detailHas: "timed out",
			faults: func(*emu) emulator.Faults { return emulator.Faults{Stall: true} }},
		{name: "oversize body", want: tokens.OutcomeServerError, detailHas: "too large",
			faults: func(*emu) emulator.Faults { return emulator.Faults{Oversize: true} }},
		{name: "redirect to another host", want: tokens.OutcomeNetwork, detailHas: "redirect",
			faults: func(o *emu) emulator.Faults { return emulator.Faults{RedirectTo: o.srv.URL} }},
	}
}

// faultSetup is one case's emulators: the token's own, and another host
// that records which credentials reach it.
func faultSetup(t *testing.T, fc faultCase) (e, other *emu, otherLog *headerLog, tok string) {
	t.Helper()
	otherLog = &headerLog{}
	other = newEmu(t, emulator.Options{OnRequest: otherLog.record}, nil)
	e = newEmu(t, emulator.Options{}, nil)
	tok, _ = e.IssueToken("tested", []string{"storage.read"}, 0)
	return e, other, otherLog, tok
}

// checkFault checks what every fault case must show, whichever front-end.
func checkFault(t *testing.T, fc faultCase, e *emu, otherLog *headerLog, outcome tokens.Outcome, status int, detail string, took, timeout time.Duration) {
	t.Helper()
	if outcome != fc.want {
		t.Errorf("outcome %q (%s), want %q (%s); detail: %s", outcome, outcome.Words(), fc.want, fc.want.Words(), detail)
	}
	if fc.status != 0 && status != fc.status {
		t.Errorf("status %d, want %d", status, fc.status)
	}
	if took < fc.minTook {
		t.Errorf("answered after %s, before %s could have passed", took, fc.minTook)
	}
	// No hang: a stalled server is given up on well before twice the
	// timeout; retries add only the waits they announced (in minTook).
	if limit := fc.minTook + timeout; took >= limit {
		t.Errorf("answered after %s, more than %s", took, limit)
	}
	if fc.requests != 0 && e.Requests() != fc.requests {
		t.Errorf("the emulator saw %d requests, want %d", e.Requests(), fc.requests)
	}
	if fc.detailHas != "" && !strings.Contains(strings.ToLower(detail), fc.detailHas) {
		t.Errorf("detail %q does not say %q", detail, fc.detailHas)
	}
	if n, creds := otherLog.get(); len(creds) > 0 {
		t.Errorf("another host got %d requests carrying %v: the token left its base URL", n, creds)
	}
}

// TestFaults_ServiceTest drives each fault through tokens.Service.Test, the
// call behind the desktop app's Test button, with a 3 s request timeout.
func TestFaults_ServiceTest(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	for _, fc := range faultCases(timeout) {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			e, other, otherLog, tok := faultSetup(t, fc)
			svc := tokens.New(tokens.Options{
				VaultPath: filepath.Join(t.TempDir(), "vault.db"),
				Keyring:   newMemKeyring(),
				NewClient: func(base string) (*api.Client, error) {
					return api.New(api.Options{BaseURL: base, Timeout: timeout})
				},
			})
			t.Cleanup(func() { svc.Close() })
			if _, _, err := svc.Add(t.Context(), tokens.AddInput{Name: "tested", Token: tok, BaseURL: e.base}); err != nil {
				t.Fatal(err)
			}
			e.SetFaults(fc.faults(other))
			start := time.Now()
			rep, err := svc.Test(t.Context(), "tested")
			took := time.Since(start)
			if err != nil {
				t.Fatalf("Test: %v", err)
			}
			checkFault(t, fc, e, otherLog, rep.Outcome, rep.Status, rep.Detail, took, timeout)
			r, err := svc.Get("tested")
			if err != nil {
				t.Fatal(err)
			}
			if r.LastTest == nil || r.LastTest.Outcome != string(rep.Outcome) || r.LastTest.Status != rep.Status {
				t.Errorf("stored last test %+v, want the outcome %q and status %d", r.LastTest, rep.Outcome, rep.Status)
			}
		})
	}
}

// TestFaults_CLITest drives each fault through `cxtokens test` and
// `cxtokens test --json` of the built binary, whose request timeout is the
// API client's default. The words on stdout (the detail on stderr), the
// exit code (0 only when the token works) and the JSON outcome must all be
// right; each form runs against its own emulator.
func TestFaults_CLITest(t *testing.T) {
	t.Parallel()
	timeout := api.DefaultTimeout
	const pass = "faults passphrase"
	outcomes := []tokens.Outcome{tokens.OutcomeWorks, tokens.OutcomeInvalid, tokens.OutcomeMissingScope,
		tokens.OutcomeRateLimited, tokens.OutcomeServerError, tokens.OutcomeNetwork}
	statusRE := regexp.MustCompile(` — (\d{3}) in `)
	for _, fc := range faultCases(timeout) {
		for _, form := range []string{"text", "json"} {
			t.Run(fc.name+" "+form, func(t *testing.T) {
				t.Parallel()
				e, other, otherLog, tok := faultSetup(t, fc)
				w := newWorld(t)
				w.secret(tok, e.boot)
				path := newPassVault(t, w.root, pass)
				env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass}
				w.must(w.cliWith(runOpts{stdin: tok, env: env}, "add", "tested", "--base-url", e.base), 0)
				args := []string{"test", "tested"}
				if form == "json" {
					args = append(args, "--json")
				}
				e.SetFaults(fc.faults(other))
				r := w.cliWith(runOpts{env: env}, args...)
				wantCode := 1
				if fc.want == tokens.OutcomeWorks {
					wantCode = 0
				}
				if r.code != wantCode {
					t.Errorf("exit %d, want %d:\n%s", r.code, wantCode, w.mask(r.String()))
				}
				var outcome tokens.Outcome
				var status int
				var detail string
				if form == "json" {
					var rep struct {
						Outcome string `json:"outcome"`
						Words   string `json:"outcome_words"`
						Status  int    `json:"status"`
						Detail  string `json:"detail"`
					}
					if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
						t.Fatalf("test --json: %v:\n%s", err, w.mask(r.String()))
					}
					if rep.Words != tokens.Outcome(rep.Outcome).Words() {
						t.Errorf("outcome %q with the words %q", rep.Outcome, rep.Words)
					}
					outcome, status, detail = tokens.Outcome(rep.Outcome), rep.Status, rep.Detail
				} else {
					words, _, _ := strings.Cut(strings.TrimPrefix(r.stdout, "tested: "), " — ")
					words = strings.TrimSpace(strings.SplitN(words, ",", 2)[0])
					for _, o := range outcomes {
						if o.Words() == words {
							outcome = o
						}
					}
					if outcome == "" {
						t.Errorf("stdout %q names no outcome", w.mask(r.stdout))
					}
					if m := statusRE.FindStringSubmatch(r.stdout); m != nil {
						status, _ = strconv.Atoi(m[1])
					}
					detail = r.stdout + r.stderr
				}
				checkFault(t, fc, e, otherLog, outcome, status, detail, r.took, timeout)
			})
		}
	}
}
