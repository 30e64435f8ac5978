package earlylog

import "testing"

func TestLocaleBlock(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"fyne locale report", "2026/12/03 19:59:45 Fyne error:  Error parsing user locale C\n2026/12/03 19:59:45   Cause: language: tag is not well-formed\n2026/12/03 19:59:45   At: /x/fyne/v2@v2.7.1/lang/locale.go:35\n", ""},
		{"other lines stay", "2026/12/03 19:59:45 Fyne error:  Error occurred loading built-in translations\n2026/12/03 19:59:45   Cause: x\n", "2026/12/03 19:59:45 Fyne error:  Error occurred loading built-in translations\n2026/12/03 19:59:45   Cause: x\n"},
		{"a real locale is not C", "Fyne error:  Error parsing user locale Cx-YZ!\n", "Fyne error:  Error parsing user locale Cx-YZ!\n"},
	}
	for _, tt := range tests {
		if got := string(localeBlock.ReplaceAll([]byte(tt.in), nil)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
