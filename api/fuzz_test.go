package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
)

func FuzzDecodeToken(f *testing.F) {
	for _, s := range []string{
		sampleToken, `{}`, `null`, `[]`, ``, `{"scopes":"a b,c"}`, `{"scopes":["a",null]}`,
		`{"date_created":"2024-09-11T13:46:42Z"}`, `{"date_created":"2024-09-11 13:46:42.1"}`,
		`{"access_token":5}`, `{"ip_last_accessed":null,"date_last_accessed":null}`, `{"a":{"b":[1,2,{"c":null}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := decodeToken(data)
		if err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("decode error %v does not match ErrBadResponse", err)
			}
			return
		}
		// A decoded token formats and marshals without panicking.
		_ = tok.String()
		_ = tok.GoString()
		if _, err := json.Marshal(tok); err != nil {
			t.Fatalf("marshal a decoded token: %v", err)
		}
		// Array items are kept as given (trimmed); only the string form is split.
		for _, s := range tok.Scopes {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("scope %q empty or untrimmed", s)
			}
		}
	})
}

func FuzzDecodeList(f *testing.F) {
	for _, s := range []string{
		`{"count":1,"has_more":false,"items":[{}],"limit":10,"offset":0,"pagination":{},"total":null}`,
		`{"has_more":true,"items":[],"pagination":{"next":"https://h/core/v2/x?offset=10"}}`,
		`{"items":null,"pagination":null}`, `{"items":5}`, `{"count":-1}`, `{"count":1e300}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodeList(data)
		if err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("decode error %v does not match ErrBadResponse", err)
			}
			return
		}
		for _, n := range []*int{p.count, p.total, p.offset, p.limit} {
			if n != nil && *n < 0 {
				t.Fatalf("negative count decoded: %d", *n)
			}
		}
		for _, it := range p.items {
			if _, err := decodeToken(it); err != nil && !errors.Is(err, ErrBadResponse) {
				t.Fatalf("item decode error %v does not match ErrBadResponse", err)
			}
		}
	})
}

func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"message":"object validation error","errors":[{"field":"scopes","message":"field value is not allowed","reference_sid":null}]}`,
		`{"errors":{"a":"b","c":["d"]}}`, `{"errors":["x"]}`, `{"error_description":"x"}`, `<html>`, ``, `null`,
		"{\"message\":\"a\\u0000b\\u001b[31m\"}",
	} {
		f.Add([]byte(s), 400)
	}
	f.Fuzz(func(t *testing.T, data []byte, status int) {
		msg, fields := parseErrorBody(data, secrets{}.scrub)
		check := func(s string) {
			if len([]rune(s)) > maxMessageLen+1 {
				t.Fatalf("text of %d runes not bounded", len([]rune(s)))
			}
			if strings.ContainsFunc(s, unicode.IsControl) {
				t.Fatalf("control character in %q", s)
			}
		}
		check(msg)
		if len(fields) > maxFieldCount {
			t.Fatalf("%d fields not bounded", len(fields))
		}
		for _, fe := range fields {
			check(fe.Field)
			check(fe.Message)
			check(fe.ReferenceSID)
		}
		e := &Error{Status: status, Method: "GET", Path: "/x", Message: msg, Fields: fields}
		_ = e.Error()
		_ = errors.Is(e, ErrServer)
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "0", "-1", "120", "Thu, 02 Jan 2025 03:04:15 GMT", "soon", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d, ok := parseRetryAfter(v, now); d < 0 || !ok && d != 0 {
			t.Fatalf("parseRetryAfter(%q) = %v, %t", v, d, ok)
		}
	})
}
