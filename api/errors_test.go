package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestClient_StatusTable(t *testing.T) {
	const fieldBody = `{"message":"object validation error","errors":[{"field":"scopes","message":"field value is not allowed","reference_sid":null}]}`
	tests := []struct {
		name       string
		status     int
		body       string
		revoke     bool  // call Revoke (POST) rather than GetToken (GET)
		wantIs     error // nil with wantStatus 0: success
		wantStatus int
		wantMsg    string
		wantFields []FieldError
	}{
		{name: "200", status: 200, body: sampleToken},
		{name: "204 revoke", status: 204, revoke: true},
		{name: "204 get has no body", status: 204, wantIs: ErrBadResponse},
		{name: "400 field errors", status: 400, body: fieldBody, wantStatus: 400, wantMsg: "object validation error",
			wantFields: []FieldError{{Field: "scopes", Message: "field value is not allowed"}}},
		{name: "400 bad json", status: 400, body: `{"message":"No JSON object could be decoded","errors":[]}`, revoke: true,
			wantStatus: 400, wantMsg: "No JSON object could be decoded"},
		{name: "401", status: 401, body: `{"message":"Bad credentials","errors":[]}`, wantIs: ErrUnauthorized, wantStatus: 401, wantMsg: "Bad credentials"},
		{name: "401 revoke", status: 401, body: `{"message":"Unauthorized"}`, revoke: true, wantIs: ErrUnauthorized, wantStatus: 401, wantMsg: "Unauthorized"},
		{name: "403", status: 403, body: `{"message":"Forbidden","errors":[]}`, wantIs: ErrForbidden, wantStatus: 403, wantMsg: "Forbidden"},
		{name: "404", status: 404, body: `{"message":"Cannot find item by SID","errors":[]}`, wantIs: ErrNotFound, wantStatus: 404, wantMsg: "Cannot find item by SID"},
		{name: "415", status: 415, body: `{"message":"Unsupported media type"}`, revoke: true, wantStatus: 415, wantMsg: "Unsupported media type"},
		{name: "422", status: 422, body: `{"message":"object validation error","errors":[{"field":"name","message":"too long","reference_sid":"x-1"}]}`,
			wantStatus: 422, wantMsg: "object validation error", wantFields: []FieldError{{Field: "name", Message: "too long", ReferenceSID: "x-1"}}},
		{name: "429", status: 429, body: `{"message":"Too many requests"}`, wantIs: ErrRateLimited, wantStatus: 429, wantMsg: "Too many requests"},
		{name: "500 html", status: 500, body: `<html><body>oops</body></html>`, wantIs: ErrServer, wantStatus: 500, wantMsg: "Internal Server Error"},
		{name: "502 empty", status: 502, wantIs: ErrServer, wantStatus: 502, wantMsg: "Bad Gateway"},
		{name: "503 odd json", status: 503, body: `{"message":5,"errors":"down"}`, wantIs: ErrServer, wantStatus: 503, wantMsg: "Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tt.status, tt.body)
			}))
			c, _ := newTestClient(t, base, Options{MaxRetries: -1})
			var err error
			method, path := "GET", "/oauth/tokens/"+sampleSID
			if tt.revoke {
				method, path = "POST", "/oauth/revoke"
				err = c.Revoke(context.Background(), callerToken, "")
			} else {
				_, err = c.GetToken(context.Background(), callerToken, sampleSID)
			}
			if tt.wantIs == nil && tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("error = %v, want none", err)
				}
				return
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == tt.wantIs; got != want {
					t.Errorf("errors.Is(err, %v) = %t, want %t (err: %v)", s, got, want, err)
				}
			}
			if tt.wantStatus == 0 {
				return
			}
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("error %v is not *Error", err)
			}
			if he.Status != tt.wantStatus || he.Method != method || he.Path != path || he.Message != tt.wantMsg {
				t.Errorf("*Error = %+v, want %d %s %s %q", *he, tt.wantStatus, method, path, tt.wantMsg)
			}
			if !reflect.DeepEqual(he.Fields, tt.wantFields) {
				t.Errorf("Fields = %+v, want %+v", he.Fields, tt.wantFields)
			}
			for _, f := range tt.wantFields {
				if !strings.Contains(err.Error(), f.Field+": "+f.Message) {
					t.Errorf("error text %q lacks the field error", err.Error())
				}
			}
		})
	}
}

func TestError_Error(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Status: 404, Method: "GET", Path: "/oauth/tokens/x", Message: "Cannot find item by SID"},
			"GET /oauth/tokens/x: 404 Cannot find item by SID"},
		{Error{Status: 422, Method: "POST", Path: "/oauth/token", Message: "object validation error",
			Fields: []FieldError{{Field: "scopes", Message: "not allowed"}, {Message: "also bad"}, {Field: "name"}}},
			"POST /oauth/token: 422 object validation error (scopes: not allowed; also bad; name)"},
		{Error{Status: 500, Method: "GET", Path: "/x"}, "GET /x: 500"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantMsg    string
		wantFields []FieldError
	}{
		{"documented", `{"message":"object validation error","errors":[{"field":"scopes","message":"field value is not allowed","reference_sid":null}]}`,
			"object validation error", []FieldError{{Field: "scopes", Message: "field value is not allowed"}}},
		{"empty", ``, "", nil},
		{"not json", `Bad Gateway`, "", nil},
		{"array", `[1,2]`, "", nil},
		{"null", `null`, "", nil},
		{"oauth style", `{"error":"invalid_grant","error_description":"bad password"}`, "bad password", nil},
		{"error only", `{"error":"invalid_grant"}`, "invalid_grant", nil},
		{"errors as strings", `{"errors":["one","two"]}`, "", []FieldError{{Message: "one"}, {Message: "two"}}},
		{"errors as map", `{"errors":{"name":"too long","scopes":["bad","worse"]}}`, "",
			[]FieldError{{Field: "name", Message: "too long"}, {Field: "scopes", Message: "bad; worse"}}},
		{"mistyped entries skipped", `{"errors":[5,null,{"field":7},{"field":"ok","message":true}]}`, "", []FieldError{{Field: "ok"}}},
		{"message mistyped", `{"message":{"a":1},"detail":"fallback"}`, "fallback", nil},
		{"control characters", "{\"message\":\"line one\\nline\\u0007two\\t\"}", "line one line two", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, fields := parseErrorBody([]byte(tt.body), secrets{}.scrub)
			if msg != tt.wantMsg || !reflect.DeepEqual(fields, tt.wantFields) {
				t.Errorf("parseErrorBody = %q, %+v; want %q, %+v", msg, fields, tt.wantMsg, tt.wantFields)
			}
		})
	}
	long := `{"message":"` + strings.Repeat("x", 5000) + `","errors":[` + strings.Repeat(`"e",`, 100) + `"e"]}`
	msg, fields := parseErrorBody([]byte(long), secrets{}.scrub)
	if len([]rune(msg)) > maxMessageLen+1 || len(fields) > maxFieldCount {
		t.Errorf("long body: message %d runes, %d fields; want them bounded", len([]rune(msg)), len(fields))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999999999999", 0, false},
		{"9223372036854775807", (1 << 31) * time.Second, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"Thu, 02 Jan 2025 03:04:15 GMT", 10 * time.Second, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %t; want %v, %t", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestClient_BadResponse(t *testing.T) {
	tests := []struct{ name, body string }{
		{"empty", ``},
		{"truncated", `{"access_token":"abc`},
		{"syntax", `{"access_token" "abc"}`},
		{"null", `null`},
		{"array", `[]`},
		{"string", `"token"`},
		{"access_token number", `{"access_token":5}`},
		{"token_sid object", `{"token_sid":{}}`},
		{"refresh_token array", `{"refresh_token":["x"]}`},
		{"partner_sid bool", `{"partner_sid":true}`},
		{"html", `<html>maintenance</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, tt.body)
			}))
			c, _ := newTestClient(t, base, Options{})
			_, err := c.GetToken(context.Background(), callerToken, sampleSID)
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("error = %v, want ErrBadResponse", err)
			}
			var he *Error
			if errors.As(err, &he) || errors.Is(err, ErrNetwork) {
				t.Errorf("a malformed 2xx is neither *Error nor a network failure: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "GET /oauth/tokens/"+sampleSID+": malformed response") {
				t.Errorf("error text %q lacks the request context", err)
			}
		})
	}
}

func TestDecodeToken_Lenient(t *testing.T) {
	ts := time.Date(2024, 9, 11, 13, 46, 42, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want Token
	}{
		{"unknown fields ignored", `{"token_sid":"s","partner":{"login":"x"},"future_field":[1,2,{}],"with_related":true}`,
			Token{TokenSID: "s"}},
		{"nulls", `{"access_token":null,"date_last_accessed":null,"ip_last_accessed":null,"scopes":null,"date_created":null}`,
			Token{}},
		{"empty object", `{}`, Token{}},
		{"scopes space string", `{"scopes":"oauth.read storage.read"}`, Token{Scopes: []string{"oauth.read", "storage.read"}}},
		{"scopes comma string", `{"scopes":"oauth.read, storage.read,,"}`, Token{Scopes: []string{"oauth.read", "storage.read"}}},
		{"scopes empty string", `{"scopes":""}`, Token{Scopes: []string{}}},
		{"scopes array with null", `{"scopes":["oauth.read",null," storage.read "]}`, Token{Scopes: []string{"oauth.read", "storage.read"}}},
		{"date without millis", `{"date_created":"2024-09-11T13:46:42Z"}`, Token{Created: ts}},
		{"date with millis", `{"date_created":"2024-09-11T13:46:42.500Z"}`, Token{Created: ts.Add(500 * time.Millisecond)}},
		{"date with offset", `{"date_created":"2024-09-11T15:46:42+02:00"}`, Token{Created: ts}},
		{"date without zone", `{"date_created":"2024-09-11T13:46:42.000"}`, Token{Created: ts}},
		{"date with space", `{"date_created":"2024-09-11 13:46:42"}`, Token{Created: ts}},
		{"date lower case", `{"date_created":"2024-09-11t13:46:42z"}`, Token{Created: ts}},
		{"date empty string", `{"date_created":""}`, Token{}},
		{"last use", `{"date_last_accessed":"2024-09-11T13:46:42.000Z","ip_last_accessed":"203.0.113.9"}`,
			Token{LastAccessed: ts, LastAccessedIP: "203.0.113.9"}},
		{"date with offset without colon", `{"date_created":"2024-09-11T13:46:42.211+0000"}`, Token{Created: ts.Add(211 * time.Millisecond)}},
		{"bare date", `{"date_last_accessed":"2024-09-11"}`, Token{LastAccessed: time.Date(2024, 9, 11, 0, 0, 0, 0, time.UTC)}},
		// What is only shown to a person is unknown when malformed, never fatal.
		{"name object", `{"token_sid":"s","name":{}}`, Token{TokenSID: "s"}},
		{"scopes number", `{"token_sid":"s","scopes":5}`, Token{TokenSID: "s"}},
		{"scopes mixed", `{"token_sid":"s","scopes":["a",1]}`, Token{TokenSID: "s"}},
		{"date garbage", `{"token_sid":"s","date_created":"yesterday"}`, Token{TokenSID: "s"}},
		{"date number", `{"token_sid":"s","date_created":1726062402}`, Token{TokenSID: "s"}},
		{"ip bool", `{"token_sid":"s","ip_last_accessed":true}`, Token{TokenSID: "s"}},
		{"type and client id numbers", `{"token_sid":"s","token_type":1,"client_id":2}`, Token{TokenSID: "s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeToken([]byte(tt.body))
			if err != nil {
				t.Fatalf("decodeToken: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decodeToken = %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeList_Lenient(t *testing.T) {
	tests := []struct {
		name                    string
		body                    string
		wantItems               int
		wantMore                bool
		wantNext                string
		wantTotalNil, wantCount bool
	}{
		{"documented", `{"count":1,"has_more":false,"items":[{}],"limit":10,"offset":0,"pagination":{},"total":null}`, 1, false, "", true, true},
		{"next", `{"has_more":true,"items":[],"pagination":{"next":"https://h/core/v2/x?offset=10","previous":null}}`, 0, true, "https://h/core/v2/x?offset=10", true, false},
		{"pagination null", `{"items":null,"pagination":null,"has_more":null}`, 0, false, "", true, false},
		{"pagination odd", `{"items":[],"pagination":[1],"total":3}`, 0, false, "", false, false},
		{"next mistyped", `{"items":[],"pagination":{"next":5}}`, 0, false, "", true, false},
		{"float count", `{"items":[],"count":2.0}`, 0, false, "", true, true},
		{"counts malformed are absent", `{"items":[{}],"count":-1,"total":"1","limit":1.5,"offset":{}}`, 1, false, "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodeList([]byte(tt.body))
			if err != nil {
				t.Fatalf("decodeList: %v", err)
			}
			if len(p.items) != tt.wantItems || p.hasMore != tt.wantMore || p.next != tt.wantNext ||
				(p.total == nil) != tt.wantTotalNil || (p.count != nil) != tt.wantCount {
				t.Errorf("decodeList = %+v", p)
			}
		})
	}
}

func TestClient_NetworkErrors(t *testing.T) {
	refused, refusedBase := serve(t, http.NotFoundHandler())
	refused.Close()

	plain, _ := serve(t, http.NotFoundHandler())
	plainAsTLS := strings.Replace(plain.URL, "http://", "https://", 1) + "/core/v2"

	_, tlsBase, _ := serveTLS(t, http.NotFoundHandler())

	dnsFail := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.DNSError{Err: "no such host", Name: "api.invalid", IsNotFound: true}
		},
	}}

	tests := []struct {
		name string
		base string
		hc   *http.Client
		want error
	}{
		{"connection refused", refusedBase, nil, ErrNetwork},
		{"unknown authority", tlsBase, nil, ErrTLS},
		{"plain server, https client", plainAsTLS, nil, ErrTLS},
		{"name not resolved", "https://api.invalid/core/v2", dnsFail, ErrDNS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, tt.base, Options{HTTPClient: tt.hc, Timeout: 5 * time.Second})
			res, err := c.Test(context.Background(), callerToken)
			t.Logf("error text: %v", err)
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrNetwork) {
				t.Fatalf("error = %v, want %v (and ErrNetwork)", err, tt.want)
			}
			for _, other := range []error{ErrTimeout, ErrTLS, ErrDNS} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
			var he *Error
			if errors.As(err, &he) || res.Status != 0 {
				t.Errorf("a transport failure has no status: %+v %v", res, err)
			}
			if !strings.HasPrefix(err.Error(), "GET /storage/containers: ") || strings.Contains(err.Error(), "://") {
				t.Errorf("error text %q: want the method and path, never the URL", err)
			}
		})
	}
}

func TestCauseText(t *testing.T) {
	err := errors.New(`failed to parse Location "https://evil.example/x?access_token=abc def" now`)
	got := causeText(err, secrets{})
	if strings.Contains(got, "access_token") || !strings.Contains(got, "?…") {
		t.Errorf("causeText = %q, want the query cut", got)
	}
}
