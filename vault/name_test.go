package vault

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var nameTests = []struct {
	name    string
	in      string
	wantErr bool
}{
	{"simple", "prod", false},
	{"spaces inside", "Sub Partner #2 (EU)", false},
	{"punctuation", "ci/cd: deploy-bot_01.v2", false},
	{"one char", "x", false},
	{"64 ascii", strings.Repeat("a", 64), false},
	{"64 runes of 3 bytes", strings.Repeat("名", 64), false},
	{"accents", "Zürich café", false},
	{"emoji", "🔑 keys", false},
	{"empty", "", true},
	{"65 chars", strings.Repeat("a", 65), true},
	{"65 runes", strings.Repeat("é", 65), true},
	{"leading space", " prod", true},
	{"trailing space", "prod ", true},
	{"only space", " ", true},
	{"leading tab", "\tprod", true},
	{"newline", "pr\nod", true},
	{"carriage return", "prod\r", true},
	{"NUL", "pr\x00od", true},
	{"DEL", "prod\x7f", true},
	{"C1 control", "prod\u0085x", true},
	{"NBSP inside", "a\u00a0b", true},
	{"zero width space", "a\u200bb", true},
	{"right-to-left override", "abc\u202edef", true},
	{"BOM", "\ufeffprod", true},
	{"invalid UTF-8", "pr\xffod", true},
	{"lone continuation byte", "\x80", true},
	{"ideographic space trailing", "prod\u3000", true},
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	for _, tt := range nameTests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateName(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidName) {
				t.Errorf("error %v does not wrap ErrInvalidName", err)
			}
		})
	}
}

func TestFoldName(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{"Prod", "pROD"},
		{"Kube", "\u212aube"}, // Kelvin sign
		{"ſtate", "STATE"},    // long s
		{"ΣΊΣΥΦΟΣ", "σίσυφος"},
		{"ǅ", "ǆ"},
		{"caf\u00e9", "CAFE\u0301"}, // é composed, and e with a combining accent
		{"\u212b", "\u00e5"},        // Angstrom sign and å
	}
	for _, p := range same {
		if foldName(p[0]) != foldName(p[1]) {
			t.Errorf("foldName(%q) != foldName(%q)", p[0], p[1])
		}
	}
	if foldName("prod") == foldName("prod2") {
		t.Error("different names fold equal")
	}
}

// FuzzValidateName is seeded from the table above. A name ValidateName
// accepts must meet every rule; folding never panics, is idempotent and
// agrees with strings.EqualFold.
func FuzzValidateName(f *testing.F) {
	for _, tt := range nameTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateName(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidName) {
				t.Fatalf("error %v does not wrap ErrInvalidName", err)
			}
		} else {
			n := utf8.RuneCountInString(s)
			if !utf8.ValidString(s) || n < 1 || n > MaxNameLen {
				t.Fatalf("accepted %q (%d runes)", s, n)
			}
			for i, r := range s {
				if unicode.IsControl(r) || (i == 0 || i+utf8.RuneLen(r) == len(s)) && unicode.IsSpace(r) {
					t.Fatalf("accepted %q with rune %U at %d", s, r, i)
				}
			}
		}
		f1 := foldName(s)
		if foldName(f1) != f1 {
			t.Fatalf("foldName not idempotent for %q", s)
		}
		if utf8.ValidString(s) && !strings.EqualFold(norm.NFC.String(s), f1) {
			t.Fatalf("foldName(%q) = %q, not EqualFold to its composed form", s, f1)
		}
	})
}

func TestSortRecords(t *testing.T) {
	t.Parallel()
	var rs []Record
	for i, tt := range nameTests {
		if tt.wantErr {
			continue
		}
		for _, v := range []string{tt.in, strings.ToUpper(tt.in), strings.ToLower(tt.in) + string(rune('a'+i%26))} {
			rs = append(rs, Record{Name: v, Note: v})
		}
	}
	for _, n := range []string{"\u212aube", "kube", "Kube", "ſtate", "STATE", "_x", "[x", "ax"} {
		rs = append(rs, Record{Name: n, Note: n})
	}
	want := slices.Clone(rs)
	slices.SortStableFunc(want, func(a, b Record) int {
		if c := strings.Compare(foldName(a.Name), foldName(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	for seed := range uint64(20) {
		got := slices.Clone(rs)
		rand.New(rand.NewPCG(seed, seed)).Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		sortRecords(got)
		for i := range got {
			if got[i].Name != want[i].Name || got[i].Note != got[i].Name {
				t.Fatalf("seed %d: position %d holds %q (note %q), want %q", seed, i, got[i].Name, got[i].Note, want[i].Name)
			}
		}
	}
}
