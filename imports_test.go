package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection enforces the layering in README.md: lower layers never
// reach up, and only main links the cgo/GL part of Fyne.
func TestImportDirection(t *testing.T) {
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"cxtokens/vault", []string{"fyne.io/", "net/http", "cxtokens/api", "cxtokens/tokens", "cxtokens/cli", "cxtokens/ui"}},
		{"cxtokens/api", []string{"fyne.io/", "cxtokens/vault", "cxtokens/tokens", "cxtokens/cli", "cxtokens/ui", "cxtokens/api/emulator"}},
		{"cxtokens/api/emulator", []string{"fyne.io/", "cxtokens/api", "cxtokens/vault", "cxtokens/tokens", "cxtokens/cli", "cxtokens/ui"}},
		{"cxtokens/tokens", []string{"fyne.io/", "cxtokens/cli", "cxtokens/ui"}},
		{"cxtokens/cli", []string{"fyne.io/", "cxtokens/ui"}},
		{"cxtokens/ui", []string{"fyne.io/fyne/v2/app", "cxtokens/cli"}},
	}
	for _, r := range rules {
		out, err := exec.Command("go", "list", "-deps", r.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", r.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == r.pkg {
				continue
			}
			for _, f := range r.forbidden {
				if dep == f || strings.HasPrefix(dep, f) && (strings.HasSuffix(f, "/") || strings.HasPrefix(dep, f+"/")) {
					t.Errorf("%s imports %s, which it must not", r.pkg, dep)
				}
			}
		}
	}
}
