package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

const auditSummary = `Check and read the audit log of Docusign calls and tool calls in a data
directory's store. ACTION is one of:

  verify   check the hash chain; exit status 1 names the first bad record
  tail     print the newest records (-n), one JSON object per line
  query    print the records that match --envelope-id, --caller, --kind, --since, --until
  totals   print Docusign calls per caller between --since and --until, for cost attribution
  prune    delete records beyond --max-records or older than --max-age
  retention  print the saved retention, or save --max-records and --max-age for serve and
           prune to apply

verify, tail, query, totals and retention without flags open the store read-only, and the
others open it for writing. All of them fail, naming the process, while serve has the store
open.`

// auditFlags holds the flags of the audit command before they are checked.
type auditFlags struct {
	fs                    *flag.FlagSet
	dataDir, storeKeyFile envSetting
	envelopeID, caller    *string
	kind, since, until    *string
	tail                  *int
	replay                *bool
	maxRecords            *uint64
	maxAge                *time.Duration
}

func newAuditFlags(action string) *auditFlags {
	f := &auditFlags{fs: newFlagSet("audit "+action, auditSummary)}
	f.dataDir = envSetting{flag: "data-dir", env: "DOCUSIGN_MCP_DATA_DIR",
		usage: "data directory that serve uses; default: the per-user data directory"}
	f.storeKeyFile = envSetting{flag: "store-key-file", env: "DOCUSIGN_MCP_STORE_KEY_FILE",
		usage: "file with the store's AES key as 64 hex characters; default: store.key " +
			"in the data directory, as serve --simulator writes it"}
	f.dataDir.register(f.fs)
	f.storeKeyFile.register(f.fs)
	f.envelopeID = f.fs.String("envelope-id", "", "query: only records of this envelope")
	f.caller = f.fs.String("caller", "", "query: only records of this principal")
	f.kind = f.fs.String("kind", "", "query: only records of this kind, one of\n"+
		auditKindList())
	f.since = f.fs.String("since", "", "query, totals: records at or after this RFC 3339 time")
	f.until = f.fs.String("until", "", "query, totals: records before this RFC 3339 time")
	f.tail = f.fs.Int("n", 20, "tail: number of records to print")
	f.replay = f.fs.Bool("replay", false, "if the store was not closed cleanly, open it "+
		"for writing once to replay its log, which keeps every synced record")
	f.maxRecords = f.fs.Uint64("max-records", 0, fmt.Sprintf("prune, retention: number "+
		"of newest records to keep (default: the saved retention, else %d)",
		store.DefaultAuditMaxRecords))
	f.maxAge = f.fs.Duration("max-age", 0, fmt.Sprintf("prune, retention: delete records "+
		"older than this, e.g. 8760h for a year (default: the saved retention, else %s)",
		store.DefaultAuditMaxAge))
	return f
}

// runAuditCommand runs one audit action.
func runAuditCommand(ctx context.Context, args []string, env environment) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		f := newAuditFlags("ACTION")
		if len(args) > 0 && isHelpFlag(args[0]) {
			f.fs.SetOutput(env.stdout)
			f.fs.Usage()
			return errHelp
		}
		return &usageError{msg: "docusign-mcp audit: missing ACTION: use verify, tail, " +
			"query, totals, prune or retention"}
	}
	action := args[0]
	run, ok := auditActions[action]
	if !ok {
		return &usageError{msg: fmt.Sprintf("docusign-mcp audit: unknown action %q: use "+
			"verify, tail, query, totals, prune or retention", action)}
	}
	f := newAuditFlags(action)
	if err := parseFlags(f.fs, args[1:], env); err != nil {
		return err
	}
	f.dataDir.resolve(f.fs, env.getenv)
	f.storeKeyFile.resolve(f.fs, env.getenv)
	return run(ctx, f, env)
}

func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// auditActions maps each action to its function.
var auditActions = map[string]func(context.Context, *auditFlags, environment) error{
	"verify": runAuditVerify,
	"tail":   runAuditTail,
	"query":  runAuditQuery,
	"totals": runAuditTotals,
	"prune":  runAuditPrune,
	// retention is defined in audit_retention.go.
	"retention": runAuditRetention,
}

func runAuditVerify(ctx context.Context, f *auditFlags, env environment) error {
	s, err := f.openStore(env, true)
	if err != nil {
		return err
	}
	defer s.Close()
	summary, err := store.VerifyAudit(ctx, s)
	if err == nil {
		headFile := filepath.Join(f.dataDir.value, store.AuditHeadFileName)
		err = store.VerifyAuditHeadFile(summary, headFile)
	}
	if err != nil {
		return fmt.Errorf("audit verify failed: %w", err)
	}
	fmt.Fprintf(env.stdout, "OK: %d audit records verified", summary.Records)
	if summary.Records > 0 {
		fmt.Fprintf(env.stdout, " (%d to %d)", summary.First, summary.Last)
	}
	if summary.Checkpoint > 0 {
		fmt.Fprintf(env.stdout, ", pruned through %d", summary.Checkpoint)
	}
	fmt.Fprintln(env.stdout)
	return nil
}

func runAuditTail(ctx context.Context, f *auditFlags, env environment) error {
	if *f.tail < 1 {
		return &usageError{msg: fmt.Sprintf("docusign-mcp audit tail: -n is %d: use 1 "+
			"or more", *f.tail)}
	}
	return printRecords(ctx, f, env, store.AuditQuery{Limit: *f.tail})
}

func runAuditQuery(ctx context.Context, f *auditFlags, env environment) error {
	if err := checkAuditKind("query", *f.kind); err != nil {
		return err
	}
	since, until, err := f.timeRange()
	if err != nil {
		return err
	}
	return printRecords(ctx, f, env, store.AuditQuery{EnvelopeID: *f.envelopeID,
		Caller: *f.caller, Kind: *f.kind, Since: since, Until: until})
}

func printRecords(ctx context.Context, f *auditFlags, env environment,
	q store.AuditQuery) error {
	s, err := f.openStore(env, true)
	if err != nil {
		return err
	}
	defer s.Close()
	records, err := store.QueryAudit(ctx, s, q)
	if err != nil {
		return err
	}
	return printJSONLines(env.stdout, records)
}

func runAuditTotals(ctx context.Context, f *auditFlags, env environment) error {
	since, until, err := f.timeRange()
	if err != nil {
		return err
	}
	s, err := f.openStore(env, true)
	if err != nil {
		return err
	}
	defer s.Close()
	totals, err := store.AuditCallTotals(ctx, s, since, until)
	if err != nil {
		return err
	}
	return printJSONLines(env.stdout, totals)
}

func runAuditPrune(_ context.Context, f *auditFlags, env environment) error {
	if err := f.checkLimits(); err != nil {
		return err
	}
	s, err := f.openStore(env, false)
	if err != nil {
		return err
	}
	defer s.Close()
	log, err := store.OpenAuditLog(s, store.AuditOptions{MaxRecords: *f.maxRecords,
		MaxAge: *f.maxAge})
	if err != nil {
		return err
	}
	pruned, err := log.Prune()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "pruned %d audit records\n", pruned)
	return nil
}

func printJSONLines[T any](w io.Writer, items []T) error {
	enc := json.NewEncoder(w)
	for _, item := range items {
		if err := enc.Encode(item); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	return nil
}

// timeRange parses --since and --until.
func (f *auditFlags) timeRange() (since, until time.Time, err error) {
	for _, p := range []struct {
		name  string
		value string
		out   *time.Time
	}{{"since", *f.since, &since}, {"until", *f.until, &until}} {
		if p.value == "" {
			continue
		}
		*p.out, err = time.Parse(time.RFC3339, p.value)
		if err != nil {
			return time.Time{}, time.Time{}, &usageError{msg: fmt.Sprintf("docusign-mcp "+
				"audit: --%s %q is not an RFC 3339 time such as 2026-01-31T09:00:00Z",
				p.name, p.value)}
		}
	}
	return since, until, nil
}

// openStore opens the store of the data directory with its key, read-only unless writable.
// It sets f.dataDir to the directory used, the default one when the flag was empty.
func (f *auditFlags) openStore(env environment, readOnly bool) (*store.Store, error) {
	dataDir := f.dataDir.value
	if dataDir == "" {
		dir, problem := defaultDataDir(env.getenv)
		if problem != "" {
			return nil, &usageError{msg: "docusign-mcp audit: " + problem}
		}
		dataDir = dir
	}
	f.dataDir.value = dataDir

	keyFile := f.storeKeyFile.value
	if keyFile == "" {
		keyFile = filepath.Join(dataDir, "store.key")
	}
	key, problem := readStoreKey(keyFile)
	if problem != "" {
		return nil, &usageError{msg: "docusign-mcp audit: store key file " + problem +
			"; set " + f.storeKeyFile.name()}
	}

	dir := filepath.Join(dataDir, "store")
	var s *store.Store
	var err error
	if readOnly {
		s, err = openReadOnly(dir, key, *f.replay)
	} else if _, statErr := os.Stat(filepath.Join(dir, "MANIFEST")); statErr != nil {
		err = fmt.Errorf("open store %s: no Badger database there: set the data "+
			"directory that serve uses", dir)
	} else {
		s, err = store.Open(dir, store.Options{EncryptionKey: key})
	}
	var locked *store.LockedError
	if errors.As(err, &locked) {
		return nil, fmt.Errorf("%w: stop that process or wait until it exits, then retry", err)
	}
	return s, err
}

// openReadOnly opens the store read-only. When it was not closed cleanly and replay is set, it
// first opens it for writing, which replays Badger's log, and closes it again.
func openReadOnly(dir string, key []byte, replay bool) (*store.Store, error) {
	s, err := store.OpenReadOnly(dir, store.Options{EncryptionKey: key})
	if !errors.Is(err, store.ErrReplayNeeded) {
		return s, err
	}
	if !replay {
		return nil, fmt.Errorf("%w, or rerun with --replay", err)
	}
	w, err := store.Open(dir, store.Options{EncryptionKey: key})
	if err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return store.OpenReadOnly(dir, store.Options{EncryptionKey: key})
}
