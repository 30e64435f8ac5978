package api

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNew_BaseURL(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{in: "", want: DefaultBaseURL},
		{in: "https://api.carrierx.com/core/v2/", want: "https://api.carrierx.com/core/v2"},
		{in: "  https://api.carrierx.com/core/v2  ", want: "https://api.carrierx.com/core/v2"},
		{in: "HTTPS://api.carrierx.com/core/v2", want: "https://api.carrierx.com/core/v2"},
		{in: "http://127.0.0.1:8080/core/v2", want: "http://127.0.0.1:8080/core/v2"},
		{in: "http://127.9.8.7/core/v2", want: "http://127.9.8.7/core/v2"},
		{in: "http://[::1]:9/core/v2", want: "http://[::1]:9/core/v2"},
		{in: "http://localhost:9/core/v2", want: "http://localhost:9/core/v2"},
		{in: "http://LocalHost/core/v2", want: "http://LocalHost/core/v2"},
		{in: "http://api.carrierx.com/core/v2", wantErr: ErrInsecureURL},
		{in: "http://10.0.0.1/core/v2", wantErr: ErrInsecureURL},
		{in: "http://127.0.0.1.example.com/core/v2", wantErr: ErrInsecureURL},
		{in: "http://localhost.example.com/core/v2", wantErr: ErrInsecureURL},
		{in: "http://128.0.0.1/core/v2", wantErr: ErrInsecureURL},
		{in: "ftp://api.carrierx.com/core/v2", wantErr: ErrInvalidURL},
		{in: "api.carrierx.com/core/v2", wantErr: ErrInvalidURL},
		{in: "https:///core/v2", wantErr: ErrInvalidURL},
		{in: "https://user:pw@api.carrierx.com/core/v2", wantErr: ErrInvalidURL},
		{in: "https://api.carrierx.com/core/v2?x=1", wantErr: ErrInvalidURL},
		{in: "https://api.carrierx.com/core/v2#frag", wantErr: ErrInvalidURL},
		{in: "https://api.carrierx.com:port/", wantErr: ErrInvalidURL},
		{in: "mailto:someone@example.com", wantErr: ErrInvalidURL},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := New(Options{BaseURL: tt.in})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("New(%q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.in, err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNew_URLErrorHidesCredentials(t *testing.T) {
	_, err := New(Options{BaseURL: "https://user:hunter2-password@api.carrierx.com/core/v2"})
	if err == nil || containsAny(err.Error(), "hunter2") {
		t.Fatalf("New with credentials in the URL: error %v", err)
	}
}

func TestNew_Defaults(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.timeout != DefaultTimeout || c.maxRetries != DefaultMaxRetries || c.maxWait != DefaultMaxRetryWait {
		t.Errorf("defaults: timeout %v retries %d wait %v", c.timeout, c.maxRetries, c.maxWait)
	}
	if c.userAgent != "cxtokens/"+Version {
		t.Errorf("user agent %q", c.userAgent)
	}
	tr, ok := c.hc.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport is %T", c.hc.Transport)
	}
	if tr.Proxy == nil {
		t.Error("no proxy function: proxies from the environment are ignored")
	}
	if tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion < 0x0303 || tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("TLS config %+v: want TLS >= 1.2 with verification", tr.TLSClientConfig)
	}
	if c.hc.CheckRedirect == nil {
		t.Error("no redirect policy")
	}
	c, err = New(Options{MaxRetries: -1, Timeout: time.Second, UserAgent: "x/1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxRetries != 0 || c.timeout != time.Second || c.userAgent != "x/1" {
		t.Errorf("options not applied: retries %d timeout %v ua %q", c.maxRetries, c.timeout, c.userAgent)
	}
}

func TestNew_HTTPClientGetsRedirectPolicy(t *testing.T) {
	mine := &http.Client{Timeout: time.Second}
	c, err := New(Options{HTTPClient: mine})
	if err != nil {
		t.Fatal(err)
	}
	if c.hc == mine || c.hc.CheckRedirect == nil || mine.CheckRedirect != nil {
		t.Error("the caller's client must be copied, not changed, and the copy must get the redirect policy")
	}
	if _, err := New(Options{HTTPClient: mine, CAFile: "x.pem"}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("HTTPClient with CAFile: %v, want ErrInvalidInput", err)
	}
}

func TestNew_CAFile(t *testing.T) {
	dir := t.TempDir()
	_, pemBytes := testCert(t)
	good := filepath.Join(dir, "good.pem")
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(good, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    string
		wantErr error
	}{
		{"good", good, nil},
		{"no PEM", junk, ErrInvalidInput},
		{"missing", filepath.Join(dir, "missing.pem"), os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Options{CAFile: tt.file})
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("New(CAFile) error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"5ebc03d6-8b2b-44ad-bf65-72d4f1491dda", "5ebc…1dda"},
		{"abcdefghijkl", "abcd…ijkl"},
		{"abcdefghijk", "…"},
		{"", "…"},
		{"ééééxxxxéééé", "éééé…éééé"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(len %d) = %q, want %q", len(tt.in), got, tt.want)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
