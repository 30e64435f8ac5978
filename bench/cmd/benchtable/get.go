package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
)

// The reference secret's attributes in the session keyring.
var refAttrs = []string{"service", "cxtokens-bench", "account", "reference"}

// benchGet times `cxtokens get NAME` against `secret-tool lookup` of a
// secret in the same keyring: both ask the Secret Service for one secret
// and print it, which is the floor any keyring-backed tool stands on;
// cxtokens also opens the vault file and decrypts the record.
func benchGet(ctx context.Context, cfg config, env *benchEnv) []row {
	const figure = "`cxtokens get NAME` wall time"
	fail := func(err error) []row {
		return []row{errRow("1", figure, errors.New(env.scrub.scrub(err.Error())))}
	}
	if len(env.names) == 0 {
		return fail(errors.New("no seeded tokens"))
	}
	name := env.names[len(env.names)/2]
	want := env.secrets[name]
	ref := rand.Text()
	env.scrub.add(ref)
	store := append([]string{"store", "--label", "cxtokens bench reference"}, refAttrs...)
	if _, err := run(ctx, env.appEnv, ref, "secret-tool", store...); err != nil {
		return fail(err)
	}
	lookup := append([]string{"lookup"}, refAttrs...)
	defer run(context.WithoutCancel(ctx), env.appEnv, "", "secret-tool", append([]string{"clear"}, refAttrs...)...)

	get := func() (float64, error) {
		res, err := run(ctx, env.appEnv, "", cfg.bin, "get", name)
		if err != nil {
			return 0, err
		}
		if strings.TrimRight(string(res.stdout), "\n") != want {
			return 0, errors.New("cxtokens get: token mismatch")
		}
		return seconds(res.wall), nil
	}
	look := func() (float64, error) {
		res, err := run(ctx, env.appEnv, "", "secret-tool", lookup...)
		if err != nil {
			return 0, err
		}
		if strings.TrimRight(string(res.stdout), "\n") != ref {
			return 0, errors.New("secret-tool lookup: secret mismatch")
		}
		return seconds(res.wall), nil
	}
	var cx, st sample
	const warmup = 3
	for i := -warmup; i < cfg.getRuns; i++ {
		first, second := get, look
		if i%2 != 0 {
			first, second = look, get
		}
		a, err := first()
		if err != nil {
			return fail(err)
		}
		b, err := second()
		if err != nil {
			return fail(err)
		}
		if i < 0 {
			continue
		}
		if i%2 != 0 {
			a, b = b, a
		}
		cx, st = append(cx, a), append(st, b)
	}
	r := relRow("1", fmt.Sprintf("%s, median of %d", figure, cfg.getRuns), cx.median(), st.median(),
		"(secret-tool lookup)", fmtDur, 1.5).
		note("get: cxtokens %s; secret-tool %s; runs interleaved, order alternating, after %d warm-ups each; keyring-backed vault of %d tokens",
			spread(cx, fmtDur), spread(st, fmtDur), warmup, len(env.names))
	return []row{r}
}
