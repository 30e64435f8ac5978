package vault

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestRecord_EncodeDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Record
	}{
		{"full", sampleRecord("full")},
		{"name only", Record{Name: "n"}},
		{"empty last test", Record{Name: "n", LastTest: &TestResult{}}},
		{"negative latency and local time", Record{Name: "n", Created: time.Date(1969, 1, 2, 3, 4, 5, 6, time.Local), LastTest: &TestResult{Latency: -1}}},
		{"fixed zone", Record{Name: "n", LastUsed: time.Date(2030, 1, 1, 0, 0, 0, 0, time.FixedZone("X", -(3*3600+30*60)))}},
		{"empty scope kept", Record{Name: "n", Scopes: []string{"", "a"}}},
		{"last use is the lookup", Record{Name: "n", LastUsed: time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC), LastUseLookup: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRecord(encodeRecord(&tt.r))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			sameRecord(t, got, tt.r)
			for _, p := range [][2]time.Time{{got.Created, tt.r.Created}, {got.LastUsed, tt.r.LastUsed}} {
				if _, off := p[0].Zone(); func() int { _, o := p[1].Zone(); return o }() != off {
					t.Errorf("zone offset not kept: %v vs %v", p[0], p[1])
				}
			}
		})
	}
}

func TestDecodeRecord_Errors(t *testing.T) {
	t.Parallel()
	good := encodeRecord(&Record{Name: "n", Note: "x"})
	tests := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{"empty", nil, errPayloadBad},
		{"version 0", []byte{0}, errPayloadBad},
		{"newer version", []byte{2, tagName, 1, 'n'}, errPayloadNewer},
		{"no name", []byte{1}, errPayloadBad},
		{"unknown tag", append(bytes.Clone(good), 99, 0), errPayloadNewer},
		{"length past end", []byte{1, tagName, 5, 'n'}, errPayloadBad},
		{"huge length", []byte{1, tagName, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, errPayloadBad},
		{"bad varint", []byte{1, tagName, 0x80}, errPayloadBad},
		{"repeated name", append(bytes.Clone(good), tagName, 1, 'm'), errPayloadBad},
		{"tag 0", []byte{1, 0, 0, tagName, 1, 'n'}, errPayloadBad},
		{"bad time", []byte{1, tagName, 1, 'n', tagCreated, 2, 1, 2}, errPayloadBad},
		{"bad status", []byte{1, tagName, 1, 'n', tagLastTest, 3, tagTestStatus, 1, 0x80}, errPayloadBad},
		{"status out of range", []byte{1, tagName, 1, 'n', tagLastTest, 4, tagTestStatus, 2, 0xd0, 0x0f}, errPayloadBad},
		{"unknown test field", []byte{1, tagName, 1, 'n', tagLastTest, 2, 9, 0}, errPayloadNewer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeRecord(tt.in); !errors.Is(err, tt.wantErr) {
				t.Errorf("decodeRecord: %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func testKeys(t testing.TB) *keys {
	k, err := deriveKeys(bytes.Repeat([]byte{7}, keySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FuzzDecodeRecord feeds random plaintext payloads to the decoder: it
// must return an error or a record, never panic, and what it accepts must
// survive a re-encode unchanged.
func FuzzDecodeRecord(f *testing.F) {
	full := sampleRecord("seed")
	f.Add(encodeRecord(&full))
	bench := benchRecord(1)
	bench.DetailsAt, bench.AddedAt = time.Time{}, time.Time{}
	bench.LastTest.At = time.Date(2025, 1, 1, 0, 0, 0, 1, time.Local)
	f.Add(encodeRecord(&bench))
	f.Add(encodeRecord(&Record{Name: "n", LastTest: &TestResult{}}))
	f.Add([]byte{1, tagName, 1, 'n', tagLastTest, 3, tagTestStatus, 1, 0x80})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		r, err := decodeRecord(p)
		if err != nil {
			if !errors.Is(err, errPayloadBad) && !errors.Is(err, errPayloadNewer) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		enc := encodeRecord(&r)
		r2, err := decodeRecord(enc)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !bytes.Equal(encodeRecord(&r2), enc) {
			t.Fatal("re-encode not stable")
		}
	})
}

// FuzzOpenRecord feeds random stored values (what a damaged or hostile
// file holds) to the full read path: always an error, never a panic.
func FuzzOpenRecord(f *testing.F) {
	k := testKeys(f)
	r := sampleRecord("seed")
	const id = "0102030405060708"
	key := k.nameKey(r.Name)
	// A fixed nonce: fuzzing re-runs this set-up in worker processes, and
	// the seed "good" must be the same value in all of them.
	nonce := bytes.Repeat([]byte{9}, nonceSize)
	good := append(append(idBytes(id), sealVersion), nonce...)
	good = k.aead().Seal(good, nonce, encodeRecord(&r), recordAD(nil, id, key))
	f.Add(good)
	f.Add(good[:recordIDSize+1+nonceSize])
	f.Add([]byte{})
	f.Add(append(idBytes(id), 2))
	f.Add(append(idBytes(id), make([]byte, 60)...))
	f.Fuzz(func(t *testing.T, val []byte) {
		got, err := slotOf(key, val).open(k, nil)
		if bytes.Equal(val, good) {
			if err != nil {
				t.Fatalf("good value: %v", err)
			}
			return
		}
		if err == nil {
			t.Fatalf("forged value accepted as record %q", got.Name)
		}
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNewerVersion) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
