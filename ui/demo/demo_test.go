package demo

import (
	"context"
	"os"
	"testing"
	"time"

	"cxtokens/tokens"
)

func TestStart_SeedsEveryState(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	e, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	recs, err := e.Service.List()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for i, r := range recs {
		byName[r.Name] = i
	}
	if len(recs) != len(seeded) {
		t.Fatalf("seeded %d tokens, want %d", len(recs), len(seeded))
	}
	outcome := func(name string) tokens.Outcome {
		r := recs[byName[name]]
		if r.LastTest == nil {
			t.Fatalf("%q was not tested", name)
		}
		return tokens.Outcome(r.LastTest.Outcome)
	}
	if got := outcome("production"); got != tokens.OutcomeWorks {
		t.Errorf("production: %s", got)
	}
	if got := outcome("old-laptop"); got != tokens.OutcomeInvalid {
		t.Errorf("old-laptop (revoked): %s, want invalid", got)
	}
	if r := recs[byName["ci-storage"]]; len(r.Scopes) != 1 || r.TokenSID == "" {
		t.Errorf("ci-storage details: scopes %v, sid %q", r.Scopes, r.TokenSID)
	}
	if left := time.Until(recs[byName["sandbox-trial"]].AccessExpires); left < 3*24*time.Hour || left > 6*24*time.Hour {
		t.Errorf("sandbox-trial expires in %v, want a few days", left)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e.dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s behind", e.dir)
	}
}
