// Package proof is cxtokens' reliability and security proof suite: tests
// only, run by `make test`, that drive the real parts the way a person
// meets them (the built cxtokens binary, a real bbolt vault file, the OS
// keyring of scripts/session.sh, the Core API emulator over real HTTP on
// loopback) and check the promises DESIGN.md makes under faults, bad input
// and concurrent use:
//
//   - crash safety: processes adding, renaming and removing tokens are
//     killed with SIGKILL at random points; every operation that returned
//     success is in the vault afterwards, and the vault opens undamaged
//     (crash_test.go);
//   - sharing: the command line writes hundreds of times while the desktop
//     app's code path (tokens.Service) lists, reads and stores test results
//     in another process; nothing is lost and the only error is "busy",
//     retried; a lock held too long is "busy" after the timeout, never a
//     hang (share_test.go);
//   - faults from the emulator (latency, 429 with Retry-After, 5xx, stalled
//     and oversize answers, a redirect to another host) give the right test
//     outcome in words, through tokens.Service.Test and `cxtokens test`,
//     and never hang past the timeout (faults_test.go);
//   - bad input: damaged and newer-format vault files, wrong passphrases,
//     odd names and tokens, malformed import files are each a clear error
//     that changes nothing (badinput_test.go, import_test.go);
//   - secret hygiene: after an end-to-end run of every command, no token or
//     password shows up, in any common encoding, in any file written under
//     the run's home, config, cache and temp dirs, in any output but `get`'s
//     (and exec's child's, when it prints one on purpose), or in any error
//     string (hygiene_test.go, with the scanner and its own test in
//     scan_test.go);
//   - fuzzing: every Fuzz target of the module is run by scripts/fuzz.sh,
//     and this package adds targets for import files and for names given to
//     the command line (fuzz_test.go).
//
// The package has no non-test code but this comment. Child programs are
// this test binary re-executed with CXT_PROOF_CHILD set (see TestMain).
// Nothing here prints a token: failures show values masked (api.Mask).
//
// It imports the packages it proves (vault, api, api/emulator, tokens, cli)
// and must not import ui or Fyne; the desktop app's code path is exercised
// through tokens.Service, the type ui drives.
package proof
