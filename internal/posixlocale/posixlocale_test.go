package posixlocale

import (
	"os"
	"testing"
)

func TestApplyRestore(t *testing.T) {
	tests := []struct {
		name               string
		lcAll, lcMsg, lang string
		wantVar, wantSeen  string
	}{
		{"C.UTF-8 in LANG", "", "", "C.UTF-8", "LANG", "C"},
		{"POSIX.UTF-8 in LC_ALL", "POSIX.UTF-8", "", "en_US.UTF-8", "LC_ALL", "C"},
		{"real locale left alone", "", "", "de_DE.UTF-8", "LANG", "de_DE.UTF-8"},
		{"LC_MESSAGES wins over LANG", "", "fr_FR.UTF-8", "C.UTF-8", "LANG", "C.UTF-8"},
		{"plain C left alone", "", "", "C", "LANG", "C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LC_ALL", tt.lcAll)
			t.Setenv("LC_MESSAGES", tt.lcMsg)
			t.Setenv("LANG", tt.lang)
			orig := map[string]string{"LC_ALL": tt.lcAll, "LC_MESSAGES": tt.lcMsg, "LANG": tt.lang}
			Apply()
			if got := getenv(tt.wantVar); got != tt.wantSeen {
				t.Errorf("after Apply %s = %q, want %q", tt.wantVar, got, tt.wantSeen)
			}
			Restore()
			for k, v := range orig {
				if got := getenv(k); got != v {
					t.Errorf("after Restore %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func getenv(k string) string { v, _ := os.LookupEnv(k); return v }
