package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cxtokens/api/emulator"
	"cxtokens/tokens"
)

// latency is what the emulator adds before every response for row 4: a
// slow, far-away API, where testing tokens one at a time is what hurts.
const latency = 100 * time.Millisecond

// benchTestMany tests every seeded token through tokens.Service.TestMany,
// the bounded-concurrency workflow both front-ends share, against the loopback
// emulator with added latency, once with the bounded default concurrency
// and once one at a time (the reference), each test also storing its result
// in the vault as a person's test would.
func benchTestMany(ctx context.Context, cfg config, env *benchEnv) []row {
	figure := fmt.Sprintf("test %d tokens, +%d ms API latency, bounded concurrency", len(env.names), latency.Milliseconds())
	fail := func(err error) []row {
		return []row{errRow("4", figure, errors.New(env.scrub.scrub(err.Error())))}
	}
	svc := tokens.New(tokens.Options{VaultPath: env.vaultPath})
	defer svc.Close()
	// Open the vault (keyring unlock) before the clock starts: the app has
	// it open already when a person presses Test.
	if _, err := svc.Status(); err != nil {
		return fail(fmt.Errorf("open vault: %w", err))
	}
	env.em.SetFaults(emulator.Faults{Latency: latency})
	defer env.em.SetFaults(emulator.Faults{})

	testAll := func(concurrency int) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		start := time.Now()
		reps := svc.TestMany(ctx, env.names, concurrency)
		wall := time.Since(start)
		if len(reps) != len(env.names) {
			return 0, fmt.Errorf("TestMany gave %d reports for %d tokens", len(reps), len(env.names))
		}
		for _, r := range reps {
			if r.Err != nil {
				return 0, fmt.Errorf("test %q: %w", r.Name, r.Err)
			}
			if r.Outcome != tokens.OutcomeWorks {
				return 0, fmt.Errorf("test %q: outcome %q, not works: %s", r.Name, r.Outcome, r.Detail)
			}
		}
		return seconds(wall), nil
	}
	var bounded, seq sample
	// Bounded, one at a time, then bounded again: the slow reference runs
	// once (it takes ~100 × latency), the figure under test twice around it.
	for _, c := range []int{0, 1, 0} {
		logf("TestMany of %d tokens, concurrency %d (0: the default)", len(env.names), c)
		s, err := testAll(c)
		if err != nil {
			return fail(err)
		}
		if c == 1 {
			seq = append(seq, s)
		} else {
			bounded = append(bounded, s)
		}
	}
	b := bounded.median()
	r := row{id: "4", figure: figure, value: fmtDur(b), ref: fmtDur(seq.median()) + " (one at a time)",
		ratio: fmtRatio(b / seq.median()), target: "≤ " + fmtDur(2), result: verdict(b <= 2)}
	return []row{r.note("TestMany with concurrency 0 (its default bound) %s; with concurrency 1 %s; every test answered \"works\" and was stored in the vault",
		spread(bounded, fmtDur), spread(seq, fmtDur))}
}
