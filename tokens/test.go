package tokens

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"cxtokens/api"
	"cxtokens/vault"
)

// TestReport is one test request's result, also stored on the record.
type TestReport struct {
	Name       string
	Outcome    Outcome
	Status     int
	Latency    time.Duration
	Containers int
	Detail     string // one sentence, never a secret
	At         time.Time
	Err        error // TestMany only: the test could not run (unknown name, vault problem)
}

// Test runs the test request. err is only for vault problems or an unknown
// name (or a cancelled ctx); API failures are outcomes.
func (s *Service) Test(ctx context.Context, name string) (TestReport, error) {
	r, err := s.Get(name)
	if err != nil {
		return TestReport{Name: name}, err
	}
	rep := TestReport{Name: r.Name}
	c, err := s.client(r.BaseURL)
	if err != nil {
		// A stored base URL the client now refuses (say a newer, stricter
		// version): an outcome, since the token itself is fine.
		rep.Outcome, rep.Detail, rep.At = OutcomeNetwork, err.Error(), s.now()
		return rep, s.storeTest(r.ID, rep)
	}
	rep.At = s.now()
	start := time.Now()
	res, err := c.Test(ctx, r.Secret)
	if cerr := ctxErr(ctx); cerr != nil && err != nil {
		return rep, fmt.Errorf("test token %q: %w", r.Name, cerr)
	}
	rep.Status, rep.Latency, rep.Containers = res.Status, res.Latency, res.Containers
	if rep.Latency == 0 {
		rep.Latency = time.Since(start)
	}
	rep.Outcome, rep.Detail = classify(err)
	if rep.Status == 0 {
		var ae *api.Error
		if errors.As(err, &ae) {
			rep.Status = ae.Status
		}
	}
	if err == nil {
		rep.Detail = fmt.Sprintf("the test request (GET %s) answered %d and saw %d storage %s", TestPath, rep.Status, rep.Containers, plural(rep.Containers, "container", "containers"))
	}
	return rep, s.storeTest(r.ID, rep)
}

// classify turns a test request error into an outcome and a sentence.
func classify(err error) (Outcome, string) {
	switch {
	case err == nil:
		return OutcomeWorks, ""
	case errors.Is(err, api.ErrUnauthorized):
		return OutcomeInvalid, "the server does not accept the token (401): it is invalid, expired or revoked"
	case errors.Is(err, api.ErrForbidden):
		return OutcomeMissingScope, fmt.Sprintf("the token is valid but may not make the test request (GET %s, 403): that needs storage.read or storage.manage", TestPath)
	case errors.Is(err, api.ErrRateLimited):
		return OutcomeRateLimited, "the server is rate limiting requests (429); try again later"
	case errors.Is(err, api.ErrTLS):
		return OutcomeNetwork, "the TLS connection failed (check the base URL, the clock and the trusted certificates): " + err.Error()
	case errors.Is(err, api.ErrRedirect):
		return OutcomeNetwork, "the server redirected the request somewhere the token must not go, so it was not sent (check the base URL): " + err.Error()
	case errors.Is(err, api.ErrServer), errors.Is(err, api.ErrBadResponse):
		return OutcomeServerError, "the API had a problem; try again later: " + err.Error()
	case errors.Is(err, api.ErrNetwork), errors.Is(err, api.ErrTimeout), errors.Is(err, api.ErrDNS),
		errors.Is(err, api.ErrInsecureURL):
		return OutcomeNetwork, "could not reach the API (check the network and the base URL): " + err.Error()
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		// Any other status (404 from a wrong base URL, 400…) means the
		// server did not behave like the Core API for a valid request.
		return OutcomeServerError, "the server did not answer like the Core API (check the base URL): " + err.Error()
	}
	return OutcomeNetwork, "could not make the test request: " + err.Error()
}

func (s *Service) storeTest(id string, rep TestReport) error {
	_, err := s.update(id, func(r *vault.Record) {
		r.LastTest = &vault.TestResult{
			At:      rep.At,
			Outcome: string(rep.Outcome),
			Status:  rep.Status,
			Latency: rep.Latency,
			Detail:  rep.Detail,
		}
	})
	if err != nil {
		return fmt.Errorf("save test result for %q: %w", rep.Name, err)
	}
	return nil
}

// TestMany tests several tokens with bounded concurrency (0: 8). names nil
// tests every stored token. Reports come back in the order of names; a test
// that could not run has Err set.
func (s *Service) TestMany(ctx context.Context, names []string, concurrency int) []TestReport {
	if names == nil {
		recs, err := s.List()
		if err != nil {
			return []TestReport{{Err: err}}
		}
		for _, r := range recs {
			names = append(names, r.Name)
		}
	}
	if concurrency <= 0 {
		concurrency = 8
	}
	out := make([]TestReport, len(names))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = TestReport{Name: n, Err: ctx.Err()}
				return
			}
			defer func() { <-sem }()
			rep, err := s.Test(ctx, n)
			rep.Err = err
			out[i] = rep
		}()
	}
	wg.Wait()
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
