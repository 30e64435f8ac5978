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
	AtLeast    bool   // Containers counts one page of more
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
	rep, err := s.runTest(ctx, r)
	if err != nil {
		return rep, err
	}
	return rep, s.storeTest(r.ID, rep)
}

// runTest makes the test request with r's token and says what came of it,
// without storing anything. err is only for a cancelled ctx.
func (s *Service) runTest(ctx context.Context, r vault.Record) (TestReport, error) {
	rep := TestReport{Name: r.Name}
	c, err := s.client(r.BaseURL)
	if err != nil {
		// A stored base URL the client now refuses (say a newer, stricter
		// version): an outcome, since the token itself is fine.
		rep.Outcome, rep.Detail, rep.At = OutcomeNetwork, err.Error(), s.now()
		return rep, nil
	}
	rep.At = s.now()
	start := time.Now()
	res, err := c.Test(ctx, r.Secret)
	if cerr := ctxErr(ctx); cerr != nil && err != nil {
		return rep, fmt.Errorf("test token %q: %w", r.Name, cerr)
	}
	rep.Status, rep.Latency, rep.Containers, rep.AtLeast = res.Status, res.Latency, res.Containers, res.AtLeast
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
		rep.Detail = fmt.Sprintf("the test request (GET %s) answered %d and saw %s", TestPath, rep.Status, rep.ContainerCount())
	}
	return rep, nil
}

// ContainerCount is how many storage containers the test request saw, in
// words: "1 storage container", "at least 10 storage containers".
func (rep TestReport) ContainerCount() string {
	s := fmt.Sprintf("%d storage %s", rep.Containers, plural(rep.Containers, "container", "containers"))
	if rep.AtLeast {
		s = "at least " + s
	}
	return s
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
	_, err := s.update(id, func(r *vault.Record) { r.LastTest = rep.stored() })
	if err != nil {
		return fmt.Errorf("save test result for %q: %w", rep.Name, err)
	}
	return nil
}

// stored is the report as the vault keeps it on the record.
func (rep TestReport) stored() *vault.TestResult {
	return &vault.TestResult{
		At:      rep.At,
		Outcome: string(rep.Outcome),
		Status:  rep.Status,
		Latency: rep.Latency,
		Detail:  rep.Detail,
	}
}

// TestMany tests several tokens with bounded concurrency (0: 8). names nil
// tests every stored token. Reports come back in the order of names; a test
// that could not run, or whose result could not be stored, has Err set.
//
// The results are stored by one writer in batches: each write takes every
// result that came in while the one before it committed, so a hundred tests
// cost a handful of vault writes, not a hundred, and the requests never
// wait for the vault.
func (s *Service) TestMany(ctx context.Context, names []string, concurrency int) []TestReport {
	var recs []vault.Record
	var out []TestReport
	if names == nil {
		all, err := s.List()
		if err != nil {
			return []TestReport{{Err: err}}
		}
		recs, out = all, make([]TestReport, len(all))
	} else {
		recs, out = make([]vault.Record, len(names)), make([]TestReport, len(names))
		for i, n := range names {
			r, err := s.Get(n)
			if err != nil {
				out[i] = TestReport{Name: n, Err: err}
				continue
			}
			recs[i] = r
		}
	}
	if concurrency <= 0 {
		concurrency = 8
	}

	done := make(chan int)
	stored := make(chan struct{})
	go func() {
		defer close(stored)
		for i := range done {
			batch := []int{i}
		more:
			for {
				select {
				case j, ok := <-done:
					if !ok {
						break more
					}
					batch = append(batch, j)
				default:
					break more
				}
			}
			s.storeTests(recs, out, batch)
		}
	}()

	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i := range out {
		if out[i].Err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = TestReport{Name: recs[i].Name, Err: ctx.Err()}
				return
			}
			rep, err := s.runTest(ctx, recs[i])
			<-sem
			out[i] = rep
			if err != nil {
				out[i].Err = err
				return
			}
			done <- i
		}()
	}
	wg.Wait()
	close(done)
	<-stored
	return out
}

// storeTests stores the reports at the indexes in batch in one vault write;
// one that cannot be stored gets its Err set.
func (s *Service) storeTests(recs []vault.Record, out []TestReport, batch []int) {
	ids := make([]string, len(batch))
	for j, i := range batch {
		ids[j] = recs[i].ID
	}
	var errs []error
	err := s.read(func(v *vault.Vault) error {
		var err error
		errs, err = v.ModifyEach(ids, func(j int, r *vault.Record) error {
			r.LastTest = out[batch[j]].stored()
			return nil
		})
		return err
	})
	for j, i := range batch {
		e := err
		if e == nil {
			e = errs[j]
		}
		if e != nil {
			out[i].Err = fmt.Errorf("save test result for %q: %w", out[i].Name, e)
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
