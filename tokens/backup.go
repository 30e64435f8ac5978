package tokens

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"

	"cxtokens/vault"
)

// exportFormat names the JSON document inside an export file.
const exportFormat = "cxtokens-export"

// exportVersion is the version of that document this code writes and reads.
const exportVersion = 1

// maxExportSize bounds what Import decrypts; 10 000 tokens take under 10 MiB.
const maxExportSize = 64 << 20

// exportDoc is the plaintext inside the age file. It is written and read
// only here; field names are part of the file format and never change.
type exportDoc struct {
	Format     string        `json:"format"`
	Version    int           `json:"version"`
	ExportedAt time.Time     `json:"exported_at"`
	Tokens     []exportToken `json:"tokens"`
}

type exportToken struct {
	Name           string      `json:"name"`
	Token          string      `json:"token"`
	RefreshToken   string      `json:"refresh_token,omitempty"`
	BaseURL        string      `json:"base_url"`
	TokenSID       string      `json:"token_sid,omitempty"`
	PartnerSID     string      `json:"partner_sid,omitempty"`
	Scopes         []string    `json:"scopes,omitempty"`
	Created        time.Time   `json:"created,omitzero"`
	AccessExpires  time.Time   `json:"access_expires,omitzero"`
	RefreshExpires time.Time   `json:"refresh_expires,omitzero"`
	LastUsed       time.Time   `json:"last_used,omitzero"`
	LastUsedIP     string      `json:"last_used_ip,omitempty"`
	LastUseLookup  bool        `json:"last_use_lookup,omitempty"`
	DetailsAt      time.Time   `json:"details_at,omitzero"`
	Note           string      `json:"note,omitempty"`
	AddedAt        time.Time   `json:"added_at,omitzero"`
	LastTest       *exportTest `json:"last_test,omitempty"`
}

type exportTest struct {
	At        time.Time `json:"at"`
	Outcome   string    `json:"outcome"`
	Status    int       `json:"status"`
	LatencyNS int64     `json:"latency_ns"`
	Detail    string    `json:"detail,omitempty"`
}

// Export writes every stored token, secrets included, to w as an age file
// encrypted to the passphrase (scrypt recipient). It returns how many
// tokens it wrote. Nothing is written to w before the vault has been read.
func (s *Service) Export(w io.Writer, passphrase []byte) (int, error) {
	if len(passphrase) == 0 {
		return 0, fmt.Errorf("export: %w", ErrEmptyPassphrase)
	}
	recs, err := s.List()
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	doc := exportDoc{Format: exportFormat, Version: exportVersion, ExportedAt: s.now().UTC(), Tokens: []exportToken{}}
	for _, r := range recs {
		doc.Tokens = append(doc.Tokens, toExport(r))
	}
	plain, err := json.Marshal(doc)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	defer clear(plain)

	rcpt, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	if s.opts.ScryptWorkFactor > 0 {
		rcpt.SetWorkFactor(s.opts.ScryptWorkFactor)
	}
	ew, err := age.Encrypt(w, rcpt)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	if _, err := ew.Write(plain); err != nil {
		return 0, fmt.Errorf("export: write: %w", err)
	}
	if err := ew.Close(); err != nil {
		return 0, fmt.Errorf("export: write: %w", err)
	}
	return len(doc.Tokens), nil
}

// ImportReport says what import did, by name.
type ImportReport struct {
	Added     []string
	Skipped   []string // same name, same token: nothing to do
	Conflicts []string // same name, different token: left as is
	Invalid   []string // entries refused (bad name or token), each "name: reason"
}

// maxImportWorkFactor is the highest scrypt cost (log2) import accepts.
const maxImportWorkFactor = 18

// Import reads an export file and adds the tokens whose names are not in
// the vault. A name already there with the same token is skipped; with a
// different token it is a conflict and the stored token is left alone.
// Nothing is added unless the whole file decrypts and parses.
func (s *Service) Import(r io.Reader, passphrase []byte) (ImportReport, error) {
	var rep ImportReport
	if len(passphrase) == 0 {
		return rep, fmt.Errorf("import: %w", ErrEmptyPassphrase)
	}
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	// age accepts a file's own scrypt cost up to 2^22 (GBs of memory, many
	// seconds); a hostile file could use that to stall us. Export writes
	// age's default, 2^18, so nothing we make needs more.
	id.SetMaxWorkFactor(maxImportWorkFactor)
	pr, err := age.Decrypt(r, id)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			if len(nomatch.StanzaTypes) > 0 && nomatch.StanzaTypes[0] != "scrypt" {
				return rep, fmt.Errorf("import: %w: it is encrypted to a key, not a passphrase", ErrNotExport)
			}
			return rep, fmt.Errorf("import: %w", ErrWrongExportPass)
		}
		return rep, fmt.Errorf("import: %w: %v", ErrNotExport, err)
	}
	plain, err := io.ReadAll(io.LimitReader(pr, maxExportSize+1))
	defer clear(plain)
	if err != nil {
		return rep, fmt.Errorf("import: %w: %v", ErrNotExport, err)
	}
	if len(plain) > maxExportSize {
		return rep, fmt.Errorf("import: %w: larger than %d MiB", ErrNotExport, maxExportSize>>20)
	}
	toks, err := parseExport(plain)
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}

	err = s.write(func(v *vault.Vault) error {
		for _, t := range toks {
			rec, reason := fromExport(t)
			if reason != "" {
				rep.Invalid = append(rep.Invalid, fmt.Sprintf("%q: %s", t.Name, reason))
				continue
			}
			if _, err := s.client(rec.BaseURL); err != nil {
				rep.Invalid = append(rep.Invalid, fmt.Sprintf("%q: %v", t.Name, err))
				continue
			}
			old, err := v.Get(rec.Name)
			switch {
			case err == nil && old.Secret == rec.Secret:
				rep.Skipped = append(rep.Skipped, old.Name)
				continue
			case err == nil:
				rep.Conflicts = append(rep.Conflicts, old.Name)
				continue
			case !errors.Is(err, vault.ErrNotFound):
				return err
			}
			if _, err := v.Add(rec); err != nil {
				if errors.Is(err, vault.ErrExists) {
					// Two entries of the file differing only in case.
					rep.Conflicts = append(rep.Conflicts, rec.Name)
					continue
				}
				return fmt.Errorf("add %q: %w", rec.Name, err)
			}
			rep.Added = append(rep.Added, rec.Name)
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	return rep, nil
}

// parseExport decodes the plaintext of an export file. It never echoes the
// input in an error, since the input holds secrets.
func parseExport(plain []byte) ([]exportToken, error) {
	dec := json.NewDecoder(bytes.NewReader(plain))
	var doc exportDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: the content is not valid JSON", ErrNotExport)
	}
	if doc.Format != exportFormat {
		return nil, fmt.Errorf("%w: unknown content", ErrNotExport)
	}
	if doc.Version > exportVersion {
		return nil, fmt.Errorf("%w: made by a newer version of cxtokens (format %d); update cxtokens", ErrNotExport, doc.Version)
	}
	if doc.Version < 1 {
		return nil, fmt.Errorf("%w: bad format version", ErrNotExport)
	}
	return doc.Tokens, nil
}

func toExport(r vault.Record) exportToken {
	t := exportToken{
		Name: r.Name, Token: r.Secret, RefreshToken: r.RefreshToken, BaseURL: r.BaseURL,
		TokenSID: r.TokenSID, PartnerSID: r.PartnerSID, Scopes: r.Scopes,
		Created: r.Created, AccessExpires: r.AccessExpires, RefreshExpires: r.RefreshExpires,
		LastUsed: r.LastUsed, LastUsedIP: r.LastUsedIP, LastUseLookup: r.LastUseLookup, DetailsAt: r.DetailsAt,
		Note: r.Note, AddedAt: r.AddedAt,
	}
	if lt := r.LastTest; lt != nil {
		t.LastTest = &exportTest{At: lt.At, Outcome: lt.Outcome, Status: lt.Status, LatencyNS: int64(lt.Latency), Detail: lt.Detail}
	}
	return t
}

// fromExport checks one entry like Add would and returns the record, or a
// reason it was refused.
func fromExport(t exportToken) (vault.Record, string) {
	if err := vault.ValidateName(t.Name); err != nil {
		return vault.Record{}, err.Error()
	}
	tok, err := CleanToken(t.Token)
	if err != nil {
		return vault.Record{}, err.Error()
	}
	if t.RefreshToken != "" {
		if _, err := CleanToken(t.RefreshToken); err != nil {
			return vault.Record{}, "refresh token: " + err.Error()
		}
	}
	base := normalizeBaseURL(t.BaseURL)
	if base == "" || strings.ContainsAny(base, " \t\r\n") {
		return vault.Record{}, "missing or bad base url"
	}
	r := vault.Record{
		Name: t.Name, Secret: tok, RefreshToken: t.RefreshToken, BaseURL: base,
		TokenSID: t.TokenSID, PartnerSID: t.PartnerSID, Scopes: t.Scopes,
		Created: t.Created, AccessExpires: t.AccessExpires, RefreshExpires: t.RefreshExpires,
		LastUsed: t.LastUsed, LastUsedIP: t.LastUsedIP, LastUseLookup: t.LastUseLookup, DetailsAt: t.DetailsAt, Note: t.Note,
	}
	if lt := t.LastTest; lt != nil {
		r.LastTest = &vault.TestResult{At: lt.At, Outcome: lt.Outcome, Status: lt.Status, Latency: time.Duration(lt.LatencyNS), Detail: lt.Detail}
	}
	if err := r.Validate(); err != nil {
		return vault.Record{}, err.Error()
	}
	return r, ""
}
