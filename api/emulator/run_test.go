package emulator_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cxtokens/api/emulator"
)

// startRun runs emulator.Run in the background and returns the decoded
// first line, the raw line's keys, and a stop function that cancels and
// returns Run's error.
func startRun(t *testing.T, addr, seedFile string) (emulator.Banner, []string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := emulator.Run(ctx, addr, seedFile, pw)
		pw.CloseWithError(io.EOF)
		errc <- err
	}()
	linec := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(pr).ReadString('\n')
		linec <- line
		_, _ = io.Copy(io.Discard, pr) // Run writes nothing more, but never block it
	}()
	var line string
	select {
	case line = <-linec:
	case err := <-errc:
		cancel()
		t.Fatalf("Run returned before printing: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("Run printed nothing in 10 s")
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(line), &raw); err != nil || !strings.HasSuffix(line, "\n") {
		cancel()
		t.Fatalf("first line is not one JSON object: %v", err)
	}
	var b emulator.Banner
	_ = json.Unmarshal([]byte(line), &b)
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("Run did not return 10 s after cancel")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return b, sortedKeys(raw), stop
}

func TestRun_BannerAndServe(t *testing.T) {
	b, keys, stop := startRun(t, "", "")
	if !slices.Equal(keys, []string{"base_url", "login", "password", "token"}) {
		t.Errorf("banner keys %v", keys)
	}
	if !strings.HasPrefix(b.BaseURL, "http://127.0.0.1:") || !strings.HasSuffix(b.BaseURL, "/core/v2") || b.Login == "" || b.Password == "" || b.Token == "" {
		t.Fatalf("banner base_url %q login %q, empty password %v, empty token %v", b.BaseURL, b.Login, b.Password == "", b.Token == "")
	}
	c := &http.Client{Timeout: 10 * time.Second}
	status, body, err := send(c, http.MethodGet, b.BaseURL+"/storage/containers", bearer(b.Token), "", "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("bearer with the printed token: %d %v %s", status, err, redact(body))
	}
	status, _, err = send(c, http.MethodGet, b.BaseURL+"/oauth/tokens", basic(b.Login, b.Password), "", "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("basic with the printed login: %d %v", status, err)
	}
	var env struct {
		Items []struct {
			AccessToken string   `json:"access_token"`
			Scopes      []string `json:"scopes"`
		} `json:"items"`
	}
	_, body, _ = send(c, http.MethodGet, b.BaseURL+"/oauth/tokens", bearer(b.Token), "", "")
	if err := json.Unmarshal(body, &env); err != nil || len(env.Items) != 1 || env.Items[0].AccessToken != b.Token ||
		!slices.Equal(env.Items[0].Scopes, emulator.DefaultScopes()) {
		t.Errorf("the printed token is not the listed bootstrap token with every scope")
	}
	if err := stop(); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if _, _, err := send(c, http.MethodGet, b.BaseURL+"/storage/containers", bearer(b.Token), "", ""); err == nil {
		t.Errorf("still serving after Run returned")
	}
}

func TestRun_SeedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.json")
	seed := `{"login":"demo_partner","password":"pw-123","token":"5ebc03d6-8b2b-44ad-bf65-72d4f1491dda",
	 "scopes":["storage.read","oauth.manage"],"partner_sid":"cee93bf3-5746-43fe-a1a2-822c05fef687",
	 "partner_name":"Demo","token_sid":"b3f45e4d-7d46-467b-9724-272f57ac420e","container_sid":"a291fe99-43d6-446f-a63e-91f93030dc7e"}`
	if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _, stop := startRun(t, "127.0.0.1:0", path)
	if b.Login != "demo_partner" || b.Password != "pw-123" || b.Token != "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda" {
		t.Fatalf("banner does not carry the seed: login %q", b.Login)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	status, body, err := send(c, http.MethodGet, b.BaseURL+"/oauth/tokens/b3f45e4d-7d46-467b-9724-272f57ac420e", bearer(b.Token), "", "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("seeded token sid: %d %v", status, err)
	}
	var tok map[string]any
	_ = json.Unmarshal(body, &tok)
	if mustJSON(t, tok["scopes"]) != `["storage.read","oauth.manage"]` || tok["partner_sid"] != "cee93bf3-5746-43fe-a1a2-822c05fef687" {
		t.Errorf("seeded token scopes %v partner %v", tok["scopes"], tok["partner_sid"])
	}
	status, _, _ = send(c, http.MethodGet, b.BaseURL+"/storage/containers/a291fe99-43d6-446f-a63e-91f93030dc7e", basic("demo_partner", "pw-123"), "", "")
	if status != http.StatusOK {
		t.Errorf("seeded container: %d", status)
	}
	// Scopes outside the seeded list are refused.
	status, _, _ = send(c, http.MethodPost, b.BaseURL+"/oauth/token", bearer(b.Token), formCT, "scopes=sms.manage")
	if status != http.StatusUnprocessableEntity {
		t.Errorf("scope outside the seed: %d, want 422", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRun_Rejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name     string
		addr     string
		seed     string
		wantLoop bool
	}{
		{"all interfaces", "0.0.0.0:0", "", true},
		{"empty host", ":0", "", true},
		{"public address", "192.0.2.1:0", "", true},
		{"hostname", "example.invalid:0", "", true},
		{"no port", "127.0.0.1", "", true},
		{"missing seed file", "", filepath.Join(dir, "absent.json"), false},
		{"unknown seed key", "", write("typo.json", `{"logon":"x"}`), false},
		{"seed not json", "", write("bad.json", `{"login":`), false},
		{"seed trailing data", "", write("trail.json", `{"login":"a"} {}`), false},
		{"seed bad scope", "", write("scope.json", `{"scopes":["Storage Read"]}`), false},
		{"seed login colon", "", write("colon.json", `{"login":"a:b"}`), false},
		{"seed token space", "", write("space.json", `{"token":"a b"}`), false},
		{"seed sid slash", "", write("slash.json", `{"token_sid":"a/b"}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out strings.Builder
			err := emulator.Run(ctx, tt.addr, tt.seed, &out)
			if err == nil {
				t.Fatalf("Run accepted it")
			}
			if errors.Is(err, emulator.ErrNotLoopback) != tt.wantLoop {
				t.Errorf("err %v; ErrNotLoopback %v, want %v", err, errors.Is(err, emulator.ErrNotLoopback), tt.wantLoop)
			}
			if out.Len() != 0 {
				t.Errorf("printed a banner before failing")
			}
		})
	}
	if _, err := emulator.LoadSeed(write("ok.json", `{"login":"x","scopes":["storage.read"]}`)); err != nil {
		t.Errorf("LoadSeed of a valid file: %v", err)
	}
}

func TestRunWith_Options(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- emulator.RunWith(ctx, emulator.RunConfig{Out: pw, Options: emulator.Options{
			Now:  func() time.Time { return t0 },
			Seed: &emulator.Seed{Login: "with_options"},
		}})
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var b emulator.Banner
	if err := json.Unmarshal([]byte(line), &b); err != nil || b.Login != "with_options" {
		t.Fatalf("banner login %q err %v", b.Login, err)
	}
	_, body, _ := send(&http.Client{Timeout: 10 * time.Second}, http.MethodGet, b.BaseURL+"/oauth/tokens", bearer(b.Token), "", "")
	if !strings.Contains(string(body), `"date_created":"2024-09-11T13:46:42.211Z"`) {
		t.Errorf("RunConfig.Options.Now not used")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("RunWith: %v", err)
	}
}
