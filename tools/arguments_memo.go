package tools

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
)

// Bounds of argumentMemo. Status calls and other reads send the same few short arguments
// again and again, while large arguments, such as a create's documents, rarely repeat.
const (
	maxMemoArgumentBytes = 512
	maxMemoArguments     = 1024
)

// argumentFacts are the values that the audit record and the policy request take from a
// call's raw arguments.
type argumentFacts struct {
	// envelopeID is the envelope_id argument, or "" (decodeEnvelopeID).
	envelopeID string
	// digest is the audit record's digest of the arguments (digestArguments).
	digest string
	// profile and matterID are the routing profile and matter id (decodeRouting).
	profile, matterID string
}

// argumentMemo keeps the facts of recent short arguments by their exact bytes. All facts
// are functions of the bytes alone, so a hit returns what decoding would.
var argumentMemo = newArgumentCache[argumentFacts]()

// argumentCache maps the exact bytes of memoizable arguments to a value and keeps at most
// maxMemoArguments of them. Both memos of arguments use it.
type argumentCache[V any] struct {
	mu      sync.RWMutex
	entries map[string]V
}

func newArgumentCache[V any]() *argumentCache[V] {
	return &argumentCache[V]{entries: make(map[string]V)}
}

// get returns the value kept for raw.
func (c *argumentCache[V]) get(raw []byte) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	value, ok := c.entries[string(raw)]
	return value, ok
}

// put keeps value for raw, evicting another entry when the cache is full.
func (c *argumentCache[V]) put(raw []byte, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, replaced := c.entries[string(raw)]; !replaced {
		// Go's map iteration starts at a random entry, so this evicts an arbitrary one.
		for key := range c.entries {
			if len(c.entries) < maxMemoArguments {
				break
			}
			delete(c.entries, key)
		}
	}
	c.entries[string(raw)] = value
}

// len returns the number of entries.
func (c *argumentCache[V]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// memoizable reports whether arguments may be kept in a memo: at most maxMemoArgumentBytes
// long, and with no email address, so that none stays in memory after its call. An '@'
// can only appear as itself or as a \u escape, so arguments with either are left out.
func memoizable(raw []byte) bool {
	return len(raw) <= maxMemoArgumentBytes && bytes.IndexByte(raw, '@') < 0 &&
		!bytes.Contains(raw, []byte(`\u`))
}

// memoFacts returns the facts of raw and true, or false when raw is not memoizable.
func memoFacts(raw []byte) (argumentFacts, bool) {
	if !memoizable(raw) {
		return argumentFacts{}, false
	}
	if facts, ok := argumentMemo.get(raw); ok {
		return facts, true
	}
	facts := argumentFacts{envelopeID: decodeEnvelopeID(raw), digest: digestArguments(raw)}
	facts.profile, facts.matterID = decodeRouting(raw)
	argumentMemo.put(raw, facts)
	return facts, true
}

// decodeEnvelopeID returns the envelope_id of the JSON object raw, or "" when raw has none
// or does not decode.
func decodeEnvelopeID(raw []byte) string {
	var args struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(raw, &args) != nil {
		return ""
	}
	return args.EnvelopeID
}

// decodeRouting returns the profile and matter.id of the JSON object raw, or "" for both
// when raw does not decode into them.
func decodeRouting(raw []byte) (profile, matterID string) {
	var args struct {
		Profile string `json:"profile"`
		Matter  struct {
			ID string `json:"id"`
		} `json:"matter"`
	}
	if json.Unmarshal(raw, &args) != nil {
		return "", ""
	}
	return args.Profile, args.Matter.ID
}

// digestArguments returns "sha256:" and the hex SHA-256 of the arguments after redact,
// encoded with sorted keys, as argumentsDigest describes.
func digestArguments(raw []byte) string {
	if isEmptyJSON(raw) {
		return ""
	}
	data := raw
	var value any
	if json.Unmarshal(raw, &value) == nil {
		if canonical, err := json.Marshal(redact("", value)); err == nil {
			data = canonical
		}
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
