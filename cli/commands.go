package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"cxtokens/api"
	"cxtokens/api/emulator"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// commands is every subcommand, in the order `--help` lists them.
var commands []command

func init() {
	// Assigned in init because the run funcs refer back to the table
	// (for help and usage errors).
	commands = []command{
		{name: "list", usage: "list [--json]", run: (*app).cmdList,
			summary: "list the stored tokens (masked)",
			detail:  "Lists the stored tokens: name, masked token, base URL, last test and expiry.\nWith --json, prints a JSON array (see README.md for the shape).",
			example: "cxtokens list --json | jq -r '.[].name'"},
		{name: "add", usage: "add NAME [--base-url URL] [--note TEXT]", run: (*app).cmdAdd,
			summary: "store a token (from stdin, or a no-echo prompt)",
			detail: "Stores a token under NAME. The token is read from stdin when stdin is not a\n" +
				"terminal, else typed or pasted at a prompt that does not echo it. Spaces and line\n" +
				"breaks around it are trimmed. The token is pinned to its base URL, the production\n" +
				"API unless --base-url says otherwise, and is only ever sent there.",
			example: "pbpaste | cxtokens add prod --note 'CI deploys'\ncxtokens add sandbox --base-url https://sandbox.example/core/v2"},
		{name: "get", usage: "get NAME [--format raw|header|curl|env]", run: (*app).cmdGet,
			summary: "print a token (the only command that does)",
			detail: "Prints the token NAME to stdout: raw (the value), header (an Authorization\n" +
				"header), curl (a curl line for the test request, the token fed to curl on\n" +
				"stdin so no other user sees it in the process list) or env (export lines for\n" +
				"CARRIERX_TOKEN and CARRIERX_BASE_URL, shell-quoted).",
			example: "cxtokens get prod --format header | curl -H @- https://api.carrierx.com/core/v2/storage/containers\neval \"$(cxtokens get prod --format env)\""},
		{name: "test", usage: "test NAME… | --all [--json]", run: (*app).cmdTest,
			summary: "make the test request with a token",
			detail: "Makes the test request (GET /storage/containers) with the token and says what\n" +
				"came of it: works, invalid or revoked, missing scope, rate limited, server error,\n" +
				"or network or TLS error, with the status and latency. The result is stored with\n" +
				"the token. Several names, or --all, test those tokens 8 at a time, one line each\n" +
				"(--json: an array). Exits 0 only when every token tested works.",
			example: "cxtokens test prod || echo 'prod needs attention'\ncxtokens test --all"},
		{name: "info", usage: "info NAME [--json]", run: (*app).cmdInfo,
			summary: "what the API knows about a token",
			detail: "Asks the API about the token and shows its sid, partner, scopes in plain words,\n" +
				"creation and expiry dates, and the date, time and IP address of its last use.\n" +
				"Every call a token makes counts as a use, so another stored token of the same\n" +
				"base URL known to read token records asks instead, and is named; only when\n" +
				"there is none does the token ask itself, and then the last use shown is said\n" +
				"to be this lookup. A token that may not read token records is looked up with\n" +
				"any stored token of its base URL that can. If the API cannot be asked, the\n" +
				"stored details are shown and the exit code is 1.",
			example: "cxtokens info prod --json | jq .last_used_ip"},
		{name: "create", usage: "create NAME (--using TOKEN_NAME | --login LOGIN) [--scopes a,b] [--expires-in DURATION] [--base-url URL]", run: (*app).cmdCreate,
			summary: "create a token on the server and store it",
			detail: "Asks the server for a new token named NAME, authenticated with a stored\n" +
				"management token (--using) or a login and password (--login; the password is\n" +
				"read from stdin, or a no-echo prompt on a terminal). The new token and its\n" +
				"refresh token go straight into the vault; nothing secret is printed.\n" +
				"--scopes limits it (default: every scope of the account); --expires-in sets its\n" +
				"lifetime, like 90d, 12h or 1y (default: the server's, about 100 years).",
			example: "cxtokens create ci-sms --using admin --scopes sms.manage --expires-in 90d"},
		{name: "rename", usage: "rename OLD NEW", run: (*app).cmdRename,
			summary: "rename a token here and on the server",
			detail: "Renames the token locally and, when its sid is known, on the server too. The\n" +
				"local rename stands even if the server refuses (a warning says so).",
			example: "cxtokens rename prod prod-2024"},
		{name: "revoke", usage: "revoke NAME [--yes] [--using NAME]", run: (*app).cmdRevoke,
			summary: "revoke a token on the server, verify, then remove it",
			detail: "Revokes the token on the server (with itself, or the stored management token\n" +
				"--using), checks that the test request now answers 401, and only then removes\n" +
				"it from the vault. If either step fails, nothing is removed. A token that may\n" +
				"not revoke tokens is revoked, without --using, by another stored token of its\n" +
				"base URL that may, which is named. Asks first on a terminal; elsewhere --yes\n" +
				"is required.",
			example: "cxtokens revoke old-ci --yes"},
		{name: "forget", usage: "forget NAME [--yes]", run: (*app).cmdForget,
			summary: "remove a token from the vault only (does NOT revoke it)",
			detail: "Removes the token from this vault. It is NOT revoked: it keeps working on the\n" +
				"server for whoever else has it. Use revoke to end it. Asks first on a terminal;\n" +
				"elsewhere --yes is required.",
			example: "cxtokens forget copied-from-wiki --yes"},
		{name: "exec", passthrough: true, usage: "exec NAME -- CMD [ARGS…]", run: (*app).cmdExec,
			summary: "run a command with CARRIERX_TOKEN and CARRIERX_BASE_URL set",
			detail: "Runs CMD with CARRIERX_TOKEN and CARRIERX_BASE_URL set from the token NAME,\n" +
				"forwards SIGINT and SIGTERM to it, and exits with its exit code (128+N when a\n" +
				"signal N ended it; 127 when CMD is not found).",
			example: "cxtokens exec prod -- sh -c 'curl -H \"Authorization: Bearer $CARRIERX_TOKEN\" \"$CARRIERX_BASE_URL/storage/containers\"'"},
		{name: "export", usage: "export FILE", run: (*app).cmdExport,
			summary: "write an encrypted backup of every token",
			detail: "Writes every token, secrets included, to FILE, encrypted with a passphrase\n" +
				"(age, scrypt). The passphrase comes from CXTOKENS_EXPORT_PASSPHRASE, or is typed\n" +
				"twice at a no-echo prompt. FILE must not exist yet.",
			example: "cxtokens export ~/backup/cxtokens-$(date +%F).age"},
		{name: "import", usage: "import FILE", run: (*app).cmdImport,
			summary: "merge an encrypted backup into the vault",
			detail: "Reads an export file and adds its tokens by name: new names are added, a name\n" +
				"already stored with the same token is skipped, and a name stored with a\n" +
				"different token is a conflict and left alone. The passphrase comes from\n" +
				"CXTOKENS_EXPORT_PASSPHRASE, or a no-echo prompt.",
			example: "cxtokens --vault new.db import ~/backup/cxtokens-2024-09-11.age"},
		{name: "vault init", usage: "vault init [--passphrase] [--no-keyring]", run: (*app).cmdVaultInit,
			summary: "create the vault (keyring, passphrase or both)",
			detail: "Creates the vault. By default its key lives in the OS keyring. --passphrase\n" +
				"adds a passphrase (from CXTOKENS_PASSPHRASE, or typed twice), which also works\n" +
				"where no keyring is reachable (SSH, headless machines): then the vault uses the\n" +
				"passphrase only. --no-keyring never touches the keyring.",
			example: "CXTOKENS_PASSPHRASE=… cxtokens vault init --passphrase --no-keyring"},
		{name: "vault status", usage: "vault status", run: (*app).cmdVaultStatus,
			summary: "where the vault is and how it is unlocked",
			detail:  "Shows the vault's path, how many tokens it holds and which key sources unlock it.",
			example: "cxtokens vault status"},
		{name: "vault passphrase", usage: "vault passphrase", run: (*app).cmdVaultPassphrase,
			summary: "add or change the vault passphrase",
			detail: "Adds a passphrase to the vault, or changes it. The new passphrase comes from\n" +
				"CXTOKENS_NEW_PASSPHRASE (or CXTOKENS_PASSPHRASE when the vault has none yet), or\n" +
				"is typed twice. A passphrase is the way back in if the keyring entry is lost.",
			example: "cxtokens vault passphrase"},
		{name: "vault keyring", usage: "vault keyring [--remove]", run: (*app).cmdVaultKeyring,
			summary: "store the vault key in the OS keyring again (or --remove it)",
			detail: "Stores the vault's key in this machine's OS keyring, so the vault opens without\n" +
				"its passphrase. This is the way back after the keyring entry was lost: the\n" +
				"passphrase (CXTOKENS_PASSPHRASE or a prompt) opens the vault, then the key goes\n" +
				"back into the keyring. --remove deletes the keyring entry instead; the vault then\n" +
				"opens with its passphrase only (refused when it has none).",
			example: "CXTOKENS_PASSPHRASE=… cxtokens vault keyring"},
		{name: "emulator", usage: "emulator [--addr HOST:PORT] [--seed FILE]", run: (*app).cmdEmulator,
			summary: "run a local CarrierX Core API emulator",
			detail: "Serves an emulator of the CarrierX Core API on loopback until interrupted, and\n" +
				"prints one JSON line with its base_url, login, password and a bootstrap token,\n" +
				"so the whole app can be tried offline.",
			example: "cxtokens emulator --addr 127.0.0.1:8931"},
		{name: "demo", usage: "demo", run: (*app).cmdDemo,
			summary: "the desktop app against the emulator, with a throw-away vault",
			detail:  "Starts the desktop app against an in-process emulator with a throw-away vault\nand a few seeded tokens.",
			example: "cxtokens demo"},
		{name: "help", usage: "help [COMMAND]", run: (*app).cmdHelp,
			summary: "help for a command",
			detail:  "Shows the help of a command, or the list of commands.",
			example: "cxtokens help create"},
	}
}

// ctx is the context of one network command: cancelled on SIGINT/SIGTERM,
// so an interrupted request ends cleanly rather than mid-write.
func (a *app) ctx() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func (a *app) cmdList(c *command, args []string) error {
	fs := a.newFlags(c)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := a.parseArgs(c, fs, args, 0, 0); err != nil {
		return err
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	recs, err := svc.List()
	if err != nil {
		return err
	}
	now := time.Now()
	if *asJSON {
		out := make([]jsonToken, 0, len(recs))
		for _, r := range recs {
			out = append(out, toJSONToken(r, now))
		}
		return writeJSON(a.stdout, out)
	}
	if len(recs) == 0 {
		a.say("no tokens yet — add one with `cxtokens add NAME`")
		return nil
	}
	return writeList(a.stdout, recs, now)
}

func (a *app) cmdAdd(c *command, args []string) error {
	fs := a.newFlags(c)
	base := fs.String("base-url", "", "the API base `URL` the token belongs to (default "+api.DefaultBaseURL+")")
	note := fs.String("note", "", "a `TEXT` kept with the token")
	p, err := a.parseArgs(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	name := p.pos[0]
	var raw []byte
	if _, term := a.stdinTerminal(); term {
		raw, err = a.readSecret(fmt.Sprintf("Token for %q (input hidden): ", name))
	} else {
		raw, err = a.readInput(tokens.MaxTokenLen * 2)
		if err == nil && strings.TrimSpace(string(raw)) == "" {
			err = fmt.Errorf("add token %q: %w on stdin: pipe the token in, or run in a terminal to paste it", name, tokens.ErrEmptyToken)
		}
	}
	if err != nil {
		return err
	}
	defer clear(raw)
	svc, err := a.service()
	if err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	rec, warnings, err := svc.Add(ctx, tokens.AddInput{Name: name, Token: string(raw), BaseURL: *base, Note: *note})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		a.warn("%s", w)
	}
	a.say("added %q (%s) for %s — try it with `cxtokens test %s`", rec.Name, api.Mask(rec.Secret), rec.BaseURL, shellArg(rec.Name))
	return nil
}

func (a *app) cmdGet(c *command, args []string) error {
	fs := a.newFlags(c)
	format := fs.String("format", "raw", "`FORMAT`: raw, header, curl or env")
	p, err := a.parseArgs(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	f := tokens.Format(*format)
	valid := false
	for _, v := range tokens.Formats {
		valid = valid || v == f
	}
	if !valid {
		return usagef(c.name, "unknown --format %q (raw, header, curl or env)", *format)
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	r, err := svc.Get(p.pos[0])
	if err != nil {
		return err
	}
	out, err := tokens.Render(r, f)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(a.stdout, out)
	return err
}

func (a *app) cmdTest(c *command, args []string) error {
	fs := a.newFlags(c)
	asJSON := fs.Bool("json", false, "print JSON (an array when more than one token is tested)")
	all := fs.Bool("all", false, "test every stored token")
	p, err := a.parseArgs(c, fs, args, 0, -1)
	if err != nil {
		return err
	}
	switch {
	case *all && len(p.pos) > 0:
		return usagef(c.name, "give token names or --all, not both")
	case !*all && len(p.pos) == 0:
		return usagef(c.name, "missing argument")
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if len(p.pos) == 1 {
		rep, err := svc.Test(ctx, p.pos[0])
		if rep.Outcome == "" {
			return err // the test never ran
		}
		if *asJSON {
			if jerr := writeJSON(a.stdout, toJSONTest(rep)); jerr != nil {
				return jerr
			}
		} else {
			fmt.Fprintln(a.stdout, testLine(rep))
		}
		if err != nil {
			// The test ran but its result could not be stored.
			return err
		}
		if rep.Outcome != tokens.OutcomeWorks {
			a.say("cxtokens: test %q: %s", rep.Name, oneLine(rep.Detail))
			return exitCode(1)
		}
		return nil
	}

	var names []string // nil: every stored token
	if !*all {
		names = p.pos
	}
	reps := svc.TestMany(ctx, names, 0)
	if *all && len(reps) == 1 && reps[0].Name == "" && reps[0].Err != nil {
		return reps[0].Err // the vault could not be listed
	}
	failed := false
	var out []jsonTest
	for _, rep := range reps {
		if rep.Outcome == "" {
			failed = true
			a.say("cxtokens: %s", errorText(rep.Err))
			continue
		}
		if *asJSON {
			out = append(out, toJSONTest(rep))
		} else {
			fmt.Fprintln(a.stdout, testLine(rep))
		}
		if rep.Err != nil {
			failed = true
			a.say("cxtokens: %s", errorText(rep.Err))
		} else if rep.Outcome != tokens.OutcomeWorks {
			failed = true
			a.say("cxtokens: test %q: %s", rep.Name, oneLine(rep.Detail))
		}
	}
	if *asJSON {
		if out == nil {
			out = []jsonTest{}
		}
		if err := writeJSON(a.stdout, out); err != nil {
			return err
		}
	}
	if *all && len(reps) == 0 {
		a.say("cxtokens: no tokens stored yet; add one with `cxtokens add NAME`")
	}
	if failed {
		return exitCode(1)
	}
	return nil
}

// testLine is one test result as `cxtokens test` prints it.
func testLine(rep tokens.TestReport) string {
	line := fmt.Sprintf("%s: %s", rep.Name, rep.Outcome.Words())
	if rep.Status != 0 {
		line += fmt.Sprintf(" — %d in %s", rep.Status, humanLatency(rep.Latency))
	}
	if rep.Outcome == tokens.OutcomeWorks {
		line += ", " + rep.ContainerCount()
	}
	return line
}

func (a *app) cmdInfo(c *command, args []string) error {
	fs := a.newFlags(c)
	asJSON := fs.Bool("json", false, "print JSON")
	p, err := a.parseArgs(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	rep, derr := svc.Details(ctx, p.pos[0])
	rec := rep.Record
	if derr != nil {
		// Show what is stored, then fail: the person still learns what we know.
		var gerr error
		rec, gerr = svc.Get(p.pos[0])
		if gerr != nil {
			return gerr
		}
	}
	now := time.Now()
	if *asJSON {
		j := jsonInfo{jsonToken: toJSONToken(rec, now), ScopeWords: map[string]string{}, Via: jsonStr(rep.Via)}
		for _, s := range rec.Scopes {
			j.ScopeWords[s] = tokens.DescribeScope(s)
		}
		if derr != nil {
			msg := derr.Error()
			j.DetailsError = &msg
		}
		if err := writeJSON(a.stdout, j); err != nil {
			return err
		}
	} else if err := writeInfo(a.stdout, rec, rep.Via, now); err != nil {
		return err
	}
	if derr != nil {
		return fmt.Errorf("%w (shown: what was stored before)", derr)
	}
	return nil
}

func (a *app) cmdCreate(c *command, args []string) error {
	fs := a.newFlags(c)
	using := fs.String("using", "", "the `TOKEN_NAME` of a stored management token to create it with")
	login := fs.String("login", "", "a CarrierX `LOGIN` to create it with (password from stdin or a prompt)")
	scopes := fs.String("scopes", "", "comma-separated `SCOPES` (default: all of the account's)")
	expires := fs.String("expires-in", "", "lifetime `DURATION`: 90d, 12h, 1y, or seconds (default: the server's, ~100 years)")
	base := fs.String("base-url", "", "the API base `URL`, with --login (default "+api.DefaultBaseURL+")")
	p, err := a.parseArgs(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	if (*using == "") == (*login == "") {
		return usagef(c.name, "give exactly one of --using TOKEN_NAME or --login LOGIN")
	}
	in := tokens.CreateInput{Name: p.pos[0], Using: *using, Login: *login, BaseURL: *base}
	for _, s := range strings.Split(*scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			in.Scopes = append(in.Scopes, s)
		}
	}
	// "--scopes ''" (a script's unset variable) must not become the
	// server's default, every scope the account has.
	if flagGiven(fs, "scopes") && len(in.Scopes) == 0 {
		return usagef(c.name, "--scopes names no scope; leave it out to give the new token every scope the account has")
	}
	if *expires != "" {
		d, err := parseLifetime(*expires)
		if err != nil {
			return usagef(c.name, "--expires-in: %v", err)
		}
		in.ExpiresIn = d
	}
	if *login != "" {
		var pw []byte
		if _, term := a.stdinTerminal(); term {
			pw, err = a.readSecret(fmt.Sprintf("Password for %s: ", *login))
		} else {
			// The first line is the password: "printf '%s\n' …" works, and
			// so does a here-document with more after it.
			var all []byte
			all, err = a.readInput(4096)
			line, _, _ := bytes.Cut(all, []byte("\n"))
			pw = bytes.Clone(bytes.TrimSuffix(line, []byte("\r")))
			clear(all)
		}
		if err != nil {
			return err
		}
		if len(pw) == 0 {
			return fmt.Errorf("create token %q: no password: pipe it in, or run in a terminal to type it", in.Name)
		}
		in.Password = string(pw)
		clear(pw)
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	rec, err := svc.Create(ctx, in)
	if err != nil {
		return err
	}
	a.say("created %q on the server (sid %s, %d %s) and stored it — print it with `cxtokens get %s`",
		rec.Name, rec.TokenSID, len(rec.Scopes), plural(len(rec.Scopes), "scope", "scopes"), shellArg(rec.Name))
	return nil
}

// parseLifetime reads 90d, 2w, 1y, any Go duration (12h, 90m) or plain seconds.
func parseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n <= 0:
			return 0, errors.New("must be positive")
		case n > int64(maxLifetime/time.Second):
			return 0, errors.New("must be at most 200 years")
		}
		return time.Duration(n) * time.Second, nil
	}
	units := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}
	if len(s) > 1 {
		if u, ok := units[s[len(s)-1]]; ok {
			n, err := strconv.ParseFloat(s[:len(s)-1], 64)
			// Written so NaN fails too: every comparison with NaN is false.
			switch {
			case err != nil || !(n > 0 || n <= 0):
				return 0, fmt.Errorf("%q is not a lifetime like 90d, 12h or 1y", s)
			case !(n > 0):
				return 0, errors.New("must be positive")
			case !(n*float64(u) <= float64(maxLifetime)):
				return 0, errors.New("must be at most 200 years")
			}
			return time.Duration(n * float64(u)).Round(time.Second), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a lifetime like 90d, 12h or 1y", s)
	}
	switch {
	case d < time.Second:
		return 0, errors.New("must be at least one second")
	case d > maxLifetime:
		return 0, errors.New("must be at most 200 years")
	}
	return d, nil
}

// maxLifetime is the longest lifetime create asks for: 200 years, twice the
// API's default, and far inside what a time.Duration holds.
const maxLifetime = 200 * 365 * 24 * time.Hour

func (a *app) cmdRename(c *command, args []string) error {
	fs := a.newFlags(c)
	p, err := a.parseArgs(c, fs, args, 2, 2)
	if err != nil {
		return err
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	rep, err := svc.Rename(ctx, p.pos[0], p.pos[1])
	if err != nil {
		return err
	}
	switch {
	case rep.Unchanged:
		a.say("%q already has that name; nothing was changed", p.pos[0])
	case !rep.Remote:
		a.say("renamed %q to %q here (the server's name was not changed: its sid is unknown — `cxtokens info %s` learns it)", p.pos[0], p.pos[1], shellArg(p.pos[1]))
	case rep.RemoteErr != nil:
		a.say("renamed %q to %q here", p.pos[0], p.pos[1])
		msg := rep.RemoteErr.Error()
		if h := hintFor(rep.RemoteErr); h != "" {
			msg += " — " + h
		}
		a.warn("the server kept the old name: %s", msg)
	case rep.Via != "":
		a.say("renamed %q to %q here and on the server (using %q)", p.pos[0], p.pos[1], rep.Via)
	default:
		a.say("renamed %q to %q here and on the server", p.pos[0], p.pos[1])
	}
	return nil
}

func (a *app) cmdRevoke(c *command, args []string) error {
	fs := a.newFlags(c)
	yes := fs.Bool("yes", false, "do not ask")
	using := fs.String("using", "", "revoke with the stored management token `NAME` instead of the token itself")
	p, err := a.parseArgs(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	r, err := svc.Get(p.pos[0])
	if err != nil {
		return err
	}
	if !*yes {
		ok, err := a.confirm(c, fmt.Sprintf("Revoke %q on the server (%s)? It stops working everywhere.", r.Name, r.BaseURL))
		if err != nil {
			return err
		}
		if !ok {
			a.say("nothing revoked")
			return exitCode(1)
		}
	}
	ctx, cancel := a.ctx()
	defer cancel()
	rep, err := svc.Revoke(ctx, r.Name, *using)
	if err != nil {
		return err
	}
	how := ""
	if rep.Using != "" {
		how = fmt.Sprintf(" with %q", rep.Using)
	}
	if rep.Fallback {
		how += fmt.Sprintf(" (%q may not revoke tokens)", r.Name)
	}
	if rep.AlreadyInvalid {
		a.say("%q was already invalid on the server (confirmed: the test request answers %d); removed it from the vault", r.Name, rep.VerifyStatus)
		return nil
	}
	a.say("revoked %q on the server%s, confirmed (the test request now answers %d), and removed it from the vault", r.Name, how, rep.VerifyStatus)
	return nil
}

func (a *app) cmdForget(c *command, args []string) error {
	fs := a.newFlags(c)
	yes := fs.Bool("yes", false, "do not ask")
	p, err := a.parseArgs(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	name := p.pos[0]
	r, err := svc.Get(name)
	switch {
	case err == nil:
		name = r.Name
	case errors.Is(err, vault.ErrCorrupt) || errors.Is(err, vault.ErrNewerVersion):
		// Unreadable, but forget can still remove it; say so.
		a.warn("%q cannot be read (%v); forgetting removes it anyway", name, err)
	default:
		return err
	}
	if !*yes {
		ok, err := a.confirm(c, fmt.Sprintf("Forget %q? It is removed here but NOT revoked: it keeps working on the server.", name))
		if err != nil {
			return err
		}
		if !ok {
			a.say("nothing forgotten")
			return exitCode(1)
		}
	}
	if err := svc.Forget(name); err != nil {
		return err
	}
	a.say("forgot %q: removed from this vault only — it was NOT revoked on the server", name)
	return nil
}

func (a *app) cmdExport(c *command, args []string) error {
	fs := a.newFlags(c)
	p, err := a.parseArgs(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	file := p.pos[0]
	if _, err := os.Lstat(file); err == nil {
		return fmt.Errorf("export: %s already exists; choose another file name (an export is never overwritten)", file)
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	// Unlock the vault before asking for the export passphrase, so that a
	// locked vault fails before the person types anything.
	if _, err := svc.List(); err != nil {
		return err
	}
	pass, err := a.secretFromEnvOrPrompt("CXTOKENS_EXPORT_PASSPHRASE", "export passphrase", true)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer clear(pass)
	var n int
	err = writeNewFile(file, func(w io.Writer) error {
		var err error
		n, err = svc.Export(w, pass)
		return err
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	a.say("exported %d %s to %s (encrypted with the passphrase; keep both safe)", n, plural(n, "token", "tokens"), file)
	return nil
}

// writeNewFile writes a file that did not exist, mode 0600, so that it is
// either all there or not there at all: fill writes a temporary file beside
// it, which is synced and then linked into place (the link fails if the
// name was taken meanwhile, so nothing is ever overwritten). An
// interrupted or failed export leaves no half-written backup behind.
func writeNewFile(path string, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".cxtokens-export-*")
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot write %s: the directory %s does not exist", path, dir)
	case errors.As(err, &pe):
		return fmt.Errorf("cannot write %s: %w", path, pe.Err)
	case err != nil:
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; choose another file name (an export is never overwritten)", path)
		}
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the new name too survives a power cut
		d.Close()
	}
	return nil
}

func (a *app) cmdImport(c *command, args []string) error {
	fs := a.newFlags(c)
	p, err := a.parseArgs(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	f, err := os.Open(p.pos[0])
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	svc, err := a.service()
	if err != nil {
		return err
	}
	pass, err := a.secretFromEnvOrPrompt("CXTOKENS_EXPORT_PASSPHRASE", "export passphrase", false)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer clear(pass)
	rep, err := svc.Import(f, pass)
	if err != nil {
		return err
	}
	line := func(label string, names []string) {
		if len(names) > 0 {
			fmt.Fprintf(a.stdout, "%s: %s\n", label, strings.Join(quoteAll(names), ", "))
		}
	}
	line("added", rep.Added)
	line("skipped (already here, same token)", rep.Skipped)
	line("conflicts (same name, different token; left alone)", rep.Conflicts)
	line("refused", rep.Invalid)
	a.say("imported %d, skipped %d, %d %s, %d refused", len(rep.Added), len(rep.Skipped), len(rep.Conflicts), plural(len(rep.Conflicts), "conflict", "conflicts"), len(rep.Invalid))
	return nil
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if strings.HasPrefix(n, `"`) {
			out[i] = n // already "name": reason
			continue
		}
		out[i] = strconv.Quote(n)
	}
	return out
}

func (a *app) cmdVaultInit(c *command, args []string) error {
	fs := a.newFlags(c)
	withPass := fs.Bool("passphrase", false, "protect the vault with a passphrase too (or only, without a keyring)")
	noKeyring := fs.Bool("no-keyring", false, "do not use the OS keyring (needs --passphrase)")
	if _, err := a.parseArgs(c, fs, args, 0, 0); err != nil {
		return err
	}
	if *noKeyring && !*withPass {
		return usagef(c.name, "--no-keyring needs --passphrase: a vault needs at least one key source")
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	if !*withPass {
		if err := svc.Init(true, nil); err != nil {
			return err
		}
		a.say("created the vault %s; its key is in the OS keyring", svc.VaultPath())
		return nil
	}
	pass, err := a.secretFromEnvOrPrompt("CXTOKENS_PASSPHRASE", "vault passphrase", true)
	if err != nil {
		return fmt.Errorf("create vault: %w", err)
	}
	defer clear(pass)
	if *noKeyring {
		if err := svc.Init(false, pass); err != nil {
			return err
		}
		a.say("created the vault %s; it opens with the passphrase only", svc.VaultPath())
		return nil
	}
	keyring, err := svc.InitPreferKeyring(pass)
	if err != nil {
		return err
	}
	if !keyring {
		a.warn("the OS keyring is not reachable, so the vault uses the passphrase only")
		a.say("created the vault %s; it opens with the passphrase (CXTOKENS_PASSPHRASE or a prompt)", svc.VaultPath())
		return nil
	}
	a.say("created the vault %s; its key is in the OS keyring, and the passphrase opens it too", svc.VaultPath())
	return nil
}

func (a *app) cmdVaultStatus(c *command, args []string) error {
	fs := a.newFlags(c)
	if _, err := a.parseArgs(c, fs, args, 0, 0); err != nil {
		return err
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	st, unlockErr, err := svc.Inspect()
	if errors.Is(err, vault.ErrNoVault) {
		fmt.Fprintf(a.stdout, "vault:    %s\nstate:    not created yet (`cxtokens add` creates it, or `cxtokens vault init`)\n", svc.VaultPath())
		return nil
	}
	if err != nil && !(errors.Is(err, vault.ErrCorrupt) && st.ID != "") {
		return err
	}
	var sources []string
	if st.Keyring {
		sources = append(sources, "OS keyring")
	}
	if st.Passphrase {
		sources = append(sources, "passphrase")
	}
	count := strconv.Itoa(st.Count)
	if st.Count < 0 {
		count = "unknown (damaged pages)"
	}
	state := "open (its key is in the OS keyring)"
	withPass := ""
	if st.Passphrase {
		withPass = "; it opens with its passphrase (CXTOKENS_PASSPHRASE or a prompt)"
	}
	switch {
	case unlockErr == nil && !st.Keyring:
		state = "open"
	case unlockErr != nil && !st.Keyring:
		state = "locked: it opens with its passphrase (CXTOKENS_PASSPHRASE or a prompt)"
	case errors.Is(unlockErr, vault.ErrKeyNotFound) && st.Passphrase:
		state = "locked: its key is missing from the OS keyring" + withPass + ", and then `cxtokens vault keyring` puts the key back"
	case errors.Is(unlockErr, vault.ErrKeyNotFound):
		state = "locked: its key is missing from the OS keyring, and it has no passphrase: restore your tokens from an export (`cxtokens import`)"
	case errors.Is(unlockErr, vault.ErrKeyringUnavailable):
		state = "locked: the OS keyring cannot be reached from here" + withPass
	case unlockErr != nil:
		state = "locked: " + errorText(unlockErr)
	}
	fmt.Fprintf(a.stdout, "vault:    %s\nid:       %s\ntokens:   %s\nunlocks:  %s\nstate:    %s\nformat:   %d\n",
		st.Path, st.ID, count, strings.Join(sources, ", "), state, st.FormatVersion)
	if err == nil && unlockErr != nil && st.Keyring {
		return exitCode(1) // its keyring should open it and does not: the state line says why
	}
	return err // what a damaged vault could still tell is printed; the exit code says it is damaged
}

func (a *app) cmdVaultPassphrase(c *command, args []string) error {
	fs := a.newFlags(c)
	if _, err := a.parseArgs(c, fs, args, 0, 0); err != nil {
		return err
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	st, err := svc.Status() // opens (and unlocks) the vault first
	if err != nil {
		return err
	}
	env := "CXTOKENS_NEW_PASSPHRASE"
	if !st.Passphrase && a.cfg.Getenv(env) == "" {
		env = "CXTOKENS_PASSPHRASE"
	}
	pass, err := a.secretFromEnvOrPrompt(env, "vault passphrase", true)
	if err != nil {
		return fmt.Errorf("set passphrase: %w", err)
	}
	defer clear(pass)
	if err := svc.SetPassphrase(pass); err != nil {
		return err
	}
	if st.Passphrase {
		a.say("changed the vault passphrase")
	} else {
		a.say("added a passphrase: the vault now also opens with it (CXTOKENS_PASSPHRASE or a prompt)")
	}
	return nil
}

func (a *app) cmdVaultKeyring(c *command, args []string) error {
	fs := a.newFlags(c)
	remove := fs.Bool("remove", false, "delete the keyring entry; the vault opens with its passphrase only")
	if _, err := a.parseArgs(c, fs, args, 0, 0); err != nil {
		return err
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	if *remove {
		err := svc.RemoveFromKeyring()
		if errors.Is(err, vault.ErrNotInKeyring) {
			a.say("the vault key is not kept in the OS keyring; nothing was changed")
			return nil
		}
		if err != nil {
			return err
		}
		a.say("removed the vault key from the OS keyring; the vault opens with its passphrase only")
		return nil
	}
	err = svc.StoreInKeyring()
	if errors.Is(err, vault.ErrAlreadyInKeyring) {
		a.say("the vault key is already in the OS keyring; nothing was changed")
		return nil
	}
	if err != nil {
		return err
	}
	a.say("stored the vault key in the OS keyring; the vault opens without the passphrase again")
	return nil
}

func (a *app) cmdEmulator(c *command, args []string) error {
	fs := a.newFlags(c)
	addr := fs.String("addr", "127.0.0.1:0", "the loopback `HOST:PORT` to listen on (port 0: any free port)")
	seed := fs.String("seed", "", "a JSON `FILE` overriding the seeded partner and token")
	if _, err := a.parseArgs(c, fs, args, 0, 0); err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if err := emulator.Run(ctx, *addr, *seed, a.stdout); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	return nil
}

func (a *app) cmdDemo(c *command, args []string) error {
	fs := a.newFlags(c)
	if _, err := a.parseArgs(c, fs, args, 0, 0); err != nil {
		return err
	}
	return a.runDesktop(true)
}

func (a *app) cmdHelp(c *command, args []string) error {
	fs := a.newFlags(c)
	p, err := a.parseArgs(c, fs, args, 0, 2)
	if err != nil {
		return err
	}
	if len(p.pos) == 0 {
		a.printMainHelp(a.stdout)
		return nil
	}
	name := strings.Join(p.pos, " ")
	if name == "vault" {
		a.printVaultHelp()
		return nil
	}
	target := findCommand(name)
	if target == nil {
		return usagef(c.name, "unknown command %q", name)
	}
	// Build the command's flags so its help lists them.
	return target.run(a, target, []string{"--help"})
}

func (a *app) printVaultHelp() {
	fmt.Fprintln(a.stdout, "usage: cxtokens vault init|status|passphrase|keyring\n\ncommands:")
	for _, n := range []string{"vault init", "vault status", "vault passphrase", "vault keyring"} {
		c := findCommand(n)
		fmt.Fprintf(a.stdout, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(a.stdout, "\nexample:\n  cxtokens vault status")
}

// shellArg quotes a name for a command suggestion only when it needs it.
func shellArg(s string) string {
	q := s
	if s == "" || strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		q = tokens.ShellQuote(s)
	}
	if strings.HasPrefix(s, "-") {
		return "-- " + q // else it reads as a flag
	}
	return q
}
