package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Audit record kinds.
const (
	// AuditDocusignCall is one HTTP request to Docusign, token and userinfo requests included.
	AuditDocusignCall = "docusign_call"
	// AuditToolCall is one MCP tool call with its policy decision and outcome.
	AuditToolCall = "tool_call"
)

// Policy decisions of a tool call record.
const (
	DecisionAllow = "allow"
	DecisionDeny  = "deny"
	// DecisionError means the policy check failed, which counts as a denial.
	DecisionError = "error"
)

// genesisHash is the previous hash of the first record ever appended.
var genesisHash = strings.Repeat("0", 64)

// Keys of the audit log. Record keys end in a zero-padded sequence number so that Badger's
// key order is the append order.
const (
	auditRecordPrefix = "audit/rec/"
	auditHeadKey      = "audit/head"
	auditCheckKey     = "audit/checkpoint"
	auditSeqDigits    = 20
)

// AuditRecord is one entry of the audit log. Its JSON encoding is canonical: the fields are
// encoded in declaration order, the struct holds no map, and times are UTC, so encoding a
// decoded record gives back the same bytes. It never holds a token, a document, an argument
// value or an email address.
type AuditRecord struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Kind string    `json:"kind"`
	// Caller is the principal that made the tool call or caused the Docusign call.
	Caller     string `json:"caller,omitempty"`
	Tool       string `json:"tool,omitempty"`
	EnvelopeID string `json:"envelope_id,omitempty"`

	// Fields of a Docusign call.
	Operation    string `json:"operation,omitempty"`
	Action       string `json:"action,omitempty"`
	Method       string `json:"method,omitempty"`
	PathTemplate string `json:"path_template,omitempty"`
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int    `json:"status_code,omitempty"`
	ErrorCode  string `json:"error_code,omitempty"`
	TraceToken string `json:"trace_token,omitempty"`
	// LatencyMicros is the request's duration in microseconds.
	LatencyMicros int64 `json:"latency_us,omitempty"`
	Attempt       int   `json:"attempt,omitempty"`

	// Fields of a tool call.
	// ArgsDigest is a SHA-256 of the arguments with personal data replaced, so equal calls
	// can be matched without storing who was asked to sign.
	ArgsDigest string `json:"args_digest,omitempty"`
	// Decision is the policy outcome: DecisionAllow, DecisionDeny or DecisionError.
	Decision   string `json:"decision,omitempty"`
	PolicyRule string `json:"policy_rule,omitempty"`
	// Code is the decision's stable reason code, such as sender_not_allowed. Empty when the
	// decider gave none, and then left out of the encoding, so older records hash the same.
	Code string `json:"code,omitempty"`
	// Outcome is "ok", or the tool error code of a failed call.
	Outcome string `json:"outcome,omitempty"`
	// Profile and MatterID are the routing profile and matter id of a call that passed
	// them. Empty ones are left out of the encoding, so older records hash the same.
	Profile  string `json:"profile,omitempty"`
	MatterID string `json:"matter_id,omitempty"`
	// KeyID names the HMAC key that verified a Connect delivery, never the key itself.
	// Empty in other records and then left out of the encoding, so they hash the same.
	KeyID string `json:"key_id,omitempty"`

	// Prev is the Hash of the record before this one, or of the pruning checkpoint.
	Prev string `json:"prev"`
	// Hash is the hex SHA-256 of the record's canonical JSON without the hash field.
	Hash string `json:"hash,omitempty"`
}

// auditMark is a position in the chain: the newest record (the head) or the last pruned one
// (the checkpoint). It is stored under its own key, apart from the records, so that records
// cut from the end of the log are detected.
type auditMark struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// AuditOptions configures an AuditLog.
type AuditOptions struct {
	// MaxRecords is the number of newest records Prune keeps. 0 means the retention saved
	// in the store (SaveAuditRetention), else DefaultAuditMaxRecords.
	MaxRecords uint64
	// MaxAge is how long Prune keeps a record. 0 means the saved retention, else
	// DefaultAuditMaxAge.
	MaxAge time.Duration
	// PruneEvery runs Prune after this many appends. 0 means DefaultAuditPruneEvery.
	PruneEvery int
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// HeadFile, when set, is a file outside the store that repeats the head after each
	// append, such as AuditHeadFileName in the data directory.
	HeadFile string
	// BatchWindow is how long AppendBatched lets records wait for their shared disk sync.
	// 0 means DefaultAuditBatchWindow.
	BatchWindow time.Duration
}

// Defaults of AuditOptions.
const (
	DefaultAuditMaxRecords = 1_000_000
	DefaultAuditMaxAge     = 400 * 24 * time.Hour
	DefaultAuditPruneEvery = 1000
	// DefaultAuditBatchWindow bounds how long a batched record stays unsynced.
	DefaultAuditBatchWindow = 50 * time.Millisecond
)

// AuditLog is the tamper-evident, append-only log of Docusign calls and tool calls, kept in
// the Store. Each record carries the hash of the one before it. Appends go through a queue
// to one committer goroutine, which chains the queued records in queue order and commits
// many in one Badger transaction. Append then syncs before it returns, while AppendBatched
// returns at once and leaves commit and sync to the background. It is safe for concurrent
// use, but a Store must have at most one AuditLog, because each keeps the head in memory.
type AuditLog struct {
	db    *badger.DB
	guard *closeGuard
	opts  AuditOptions
	// fault is the store's injectedFault, which tests set to fail a group commit.
	fault func(op string) error

	mu      sync.Mutex
	head    auditMark
	appends int
	// committed is a copy of head that readers take without waiting for l.mu, which the
	// committer holds while it commits.
	committed atomic.Pointer[auditMark]
	// openSeq is the head's sequence number when the log was opened. The head file names
	// only records after it, so a log that appended nothing leaves the file alone. That
	// way a store restored from an older copy does not move the file back.
	openSeq uint64

	fileMu  sync.Mutex
	fileSeq uint64 // newest sequence number written to the head file

	batch auditBatch
	// queue holds the records that wait for the committer goroutine.
	queue auditQueue
	// syncing counts the goroutines that sync a committed group, which Close waits for.
	syncing sync.WaitGroup
}

// OpenAuditLog returns the audit log of s, continuing the chain from its stored head.
func OpenAuditLog(s *Store, opts AuditOptions) (*AuditLog, error) {
	saved, _, err := LoadAuditRetention(s)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	if opts.MaxRecords == 0 {
		opts.MaxRecords = saved.MaxRecords
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = saved.MaxAge
	}
	if opts.PruneEvery == 0 {
		opts.PruneEvery = DefaultAuditPruneEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BatchWindow <= 0 {
		opts.BatchWindow = DefaultAuditBatchWindow
	}
	l := &AuditLog{db: s.db, guard: s.guard, opts: opts, fault: s.injectedFault}
	l.queue.idle = sync.NewCond(&l.queue.mu)
	err = s.db.View(func(txn *badger.Txn) error {
		var err error
		l.head, err = readHead(txn)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	l.committed.Store(&auditMark{Seq: l.head.Seq, Hash: l.head.Hash})
	l.openSeq = l.head.Seq
	s.guard.addQueue(l)
	return l, nil
}

// readHead returns the head to append after. It fails when a record is stored past the head,
// because appending would overwrite that record and hide the mismatch from verification.
func readHead(txn *badger.Txn) (auditMark, error) {
	head, found, err := readMark(txn, auditHeadKey)
	if err != nil {
		return auditMark{}, err
	}
	if !found {
		if head, _, err = readCheckpoint(txn); err != nil {
			return auditMark{}, err
		}
	}
	item := txn.NewIterator(badger.IteratorOptions{Reverse: true,
		Prefix: []byte(auditRecordPrefix)})
	defer item.Close()
	item.Seek(auditRecordKey(math.MaxUint64))
	if !item.Valid() {
		return head, nil
	}
	last, err := parseRecordKey(item.Item().Key())
	if err != nil {
		return auditMark{}, err
	}
	if last > head.Seq {
		return auditMark{}, fmt.Errorf("audit record %d is stored past the head %d: run "+
			"docusign-mcp audit verify and keep a copy of the store before appending again",
			last, head.Seq)
	}
	return head, nil
}

// Append assigns rec the next sequence number, the time (unless set), the previous hash and
// its own hash, and returns once the record is committed with the new head and synced to
// disk. It returns the record as stored. Concurrent appends share one transaction and one
// sync.
func (l *AuditLog) Append(rec AuditRecord) (AuditRecord, error) {
	item := &auditItem{rec: rec, durable: true}
	if err := l.appendWait(item); err != nil {
		return AuditRecord{}, fmt.Errorf("append audit record: %w", err)
	}
	if err := l.finishAppend(item); err != nil {
		return item.stored, err
	}
	return item.stored, nil
}

// finishAppend returns the sync's error of a committed durable item, writes the head file,
// and prunes when its record made a prune due.
func (l *AuditLog) finishAppend(item *auditItem) error {
	if err := l.finishDurable(item); err != nil {
		return fmt.Errorf("append audit record %d: %w", item.stored.Seq, err)
	}
	if item.prune {
		if _, err := l.Prune(); err != nil {
			return fmt.Errorf("append audit record %d: %w", item.stored.Seq, err)
		}
	}
	return nil
}

// committedHead returns the newest committed record's mark.
func (l *AuditLog) committedHead() auditMark { return *l.committed.Load() }

// sealRecord sets rec.Hash and returns the canonical JSON to store. Hash is the last field
// and is left out when empty, so the stored JSON is the hashed JSON with the hash field
// appended, the bytes that json.Marshal of the sealed record gives.
func sealRecord(rec *AuditRecord) ([]byte, error) {
	rec.Hash = ""
	body, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode audit record %d: %w", rec.Seq, err)
	}
	sum := sha256.Sum256(body)
	rec.Hash = hex.EncodeToString(sum[:])
	value := make([]byte, 0, len(body)+len(`,"hash":""`)+len(rec.Hash))
	value = append(value, body[:len(body)-1]...)
	value = append(value, `,"hash":"`...)
	value = append(value, rec.Hash...)
	return append(value, `"}`...), nil
}

// recordHash returns the hex SHA-256 of rec's canonical JSON without its hash field.
func recordHash(rec AuditRecord) (string, error) {
	rec.Hash = ""
	body, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("encode audit record %d: %w", rec.Seq, err)
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]), nil
}

// decodeRecord parses a stored value strictly: unknown fields are rejected, and encoding the
// result again must give the stored bytes back, so no byte can change unnoticed.
func decodeRecord(value []byte) (AuditRecord, error) {
	var rec AuditRecord
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return AuditRecord{}, fmt.Errorf("not a valid record: %w", err)
	}
	again, err := json.Marshal(rec)
	if err != nil {
		return AuditRecord{}, fmt.Errorf("not a valid record: %w", err)
	}
	if !bytes.Equal(again, value) {
		return AuditRecord{}, errors.New("not in canonical encoding")
	}
	return rec, nil
}

func auditRecordKey(seq uint64) []byte {
	return fmt.Appendf(nil, "%s%0*d", auditRecordPrefix, auditSeqDigits, seq)
}

// parseRecordKey returns the sequence number in a record key.
func parseRecordKey(key []byte) (uint64, error) {
	digits := strings.TrimPrefix(string(key), auditRecordPrefix)
	seq, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || len(digits) != auditSeqDigits {
		return 0, fmt.Errorf("invalid audit record key %q", key)
	}
	return seq, nil
}

// readMark reads the head or checkpoint under key.
func readMark(txn *badger.Txn, key string) (auditMark, bool, error) {
	item, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return auditMark{}, false, nil
	}
	if err != nil {
		return auditMark{}, false, fmt.Errorf("read %s: %w", key, err)
	}
	var mark auditMark
	err = item.Value(func(v []byte) error { return json.Unmarshal(v, &mark) })
	if err != nil {
		return auditMark{}, false, fmt.Errorf("read %s: %w", key, err)
	}
	return mark, true, nil
}

// readCheckpoint returns the checkpoint, or the genesis mark before any pruning.
func readCheckpoint(txn *badger.Txn) (auditMark, bool, error) {
	mark, found, err := readMark(txn, auditCheckKey)
	if err != nil || found {
		return mark, found, err
	}
	return auditMark{Hash: genesisHash}, false, nil
}

// scanRecords calls fn with each stored record key and value in sequence order, from the
// first record with a sequence number of at least from. fn returns false to stop.
func scanRecords(ctx context.Context, txn *badger.Txn, from uint64,
	fn func(key, value []byte) (bool, error)) error {
	item := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100,
		Prefix: []byte(auditRecordPrefix)})
	defer item.Close()
	for item.Seek(auditRecordKey(from)); item.Valid(); item.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		item := item.Item()
		value, err := item.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("read %s: %w", item.Key(), err)
		}
		more, err := fn(item.KeyCopy(nil), value)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
