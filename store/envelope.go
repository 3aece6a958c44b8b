package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// ErrEnvelopeNotFound is returned by GetEnvelope when no state is stored for an envelope.
var ErrEnvelopeNotFound = errors.New("envelope state not found in store")

// Sources of an envelope state.
const (
	// SourceCreate is the status create_envelope received.
	SourceCreate = "create"
	// SourceDocusign is a live read of the envelope.
	SourceDocusign = "docusign"
	// SourceVoid is a void that Docusign accepted.
	SourceVoid = "void"
	// SourceWebhook is a Docusign Connect notification.
	SourceWebhook = "webhook"
)

// maxPutAttempts bounds the retries of PutEnvelope on a write conflict.
const maxPutAttempts = 5

// EnvelopeState is the last known status of an envelope, with where and when it was seen.
type EnvelopeState struct {
	EnvelopeID string `json:"envelope_id"`
	// Status is Docusign's raw envelope status, such as sent or completed.
	Status string `json:"status"`
	// Source is the origin of the status: SourceCreate, SourceDocusign, SourceVoid or
	// SourceWebhook.
	Source string `json:"source"`
	// ObservedAt is when Docusign reported the status to this server.
	ObservedAt time.Time `json:"observed_at"`
	// Snapshot is the caller's full view of the envelope, recipients included, from the
	// same observation. It is empty when the source reported the status alone.
	Snapshot json.RawMessage `json:"snapshot,omitempty"`
}

// Age returns how long ago the state was observed, at now.
func (e EnvelopeState) Age(now time.Time) time.Duration { return now.Sub(e.ObservedAt) }

// statusRanks orders Docusign's envelope statuses along the lifecycle. A status missing here,
// such as one Docusign adds later, has no rank and may replace any state that is not final.
var statusRanks = map[string]int{
	"created":   0,
	"sent":      1,
	"correct":   1,
	"delivered": 2,
	"signed":    3,
	"completed": 4,
	"declined":  4,
	"voided":    4,
	"timedout":  4,
}

// IsFinalStatus reports whether an envelope status can never change again: completed,
// declined, voided, or timedout (an expired envelope).
func IsFinalStatus(status string) bool {
	switch strings.ToLower(status) {
	case "completed", "declined", "voided", "timedout":
		return true
	}
	return false
}

// NextEnvelopeState returns the state to keep when next is observed while cur is stored (found
// false means nothing is stored), and whether next replaced cur. A state never moves back
// along the lifecycle, a final state never changes to another status, and an observation
// older than the stored one of the same rank is ignored, unless it has the same status and
// brings a snapshot where the stored state has none.
func NextEnvelopeState(cur EnvelopeState, found bool, next EnvelopeState) (EnvelopeState,
	bool) {
	if !found {
		return next, true
	}
	curStatus, nextStatus := strings.ToLower(cur.Status), strings.ToLower(next.Status)
	if IsFinalStatus(curStatus) && nextStatus != curStatus {
		return cur, false
	}
	curRank, curKnown := statusRanks[curStatus]
	nextRank, nextKnown := statusRanks[nextStatus]
	if curKnown && nextKnown && nextRank < curRank {
		return cur, false
	}
	if next.Source == SourceCreate && nextStatus == curStatus && len(next.Snapshot) == 0 &&
		len(cur.Snapshot) > 0 {
		// A Connect message that overtook the create's response already stored this
		// status with a full view, which the create's bare status would drop.
		return cur, false
	}
	sameRank := nextStatus == curStatus || (curKnown && nextKnown && nextRank == curRank)
	if sameRank && next.ObservedAt.Before(cur.ObservedAt) {
		// An older view of the same status still fills a state stored without one, such
		// as create_envelope's, so that status calls need no Docusign read. The older
		// time is kept, so the state ages from the view's observation.
		if nextStatus == curStatus && len(cur.Snapshot) == 0 && len(next.Snapshot) > 0 {
			return next, true
		}
		return cur, false
	}
	if len(next.Snapshot) == 0 && nextStatus == curStatus && IsFinalStatus(curStatus) {
		// A final envelope no longer changes, so its fuller view stays true.
		next.Snapshot = cur.Snapshot
	}
	return next, true
}

// GetEnvelope returns the stored state of an envelope, or ErrEnvelopeNotFound. States come
// from an in-memory cache that every committed change invalidates, so the returned
// Snapshot may share its bytes with the cache and with other callers: callers must not
// modify them.
func (s *Store) GetEnvelope(ctx context.Context, envelopeID string) (EnvelopeState, error) {
	if err := ctx.Err(); err != nil {
		return EnvelopeState{}, fmt.Errorf("get envelope state %s: %w", envelopeID, err)
	}
	// A closed store fails every read, cached or not, as Badger's View does.
	if !s.db.IsClosed() {
		if state, ok := s.listeners.states.get(envelopeID); ok {
			return state, nil
		}
	}
	generation := s.listeners.states.currentGeneration()
	var state EnvelopeState
	var version uint64
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		state, version, _, err = readEnvelopeVersion(txn, envelopeID)
		return err
	})
	if err != nil {
		return EnvelopeState{}, fmt.Errorf("get envelope state %s: %w", envelopeID, err)
	}
	if state.EnvelopeID == "" {
		return EnvelopeState{}, fmt.Errorf("get envelope state %s: %w", envelopeID,
			ErrEnvelopeNotFound)
	}
	s.listeners.states.fill(envelopeID, state, version, generation)
	return state, nil
}

// PutEnvelope records an observed state through NextEnvelopeState and returns the state kept
// and whether next replaced the stored one. A zero ObservedAt means now.
func (s *Store) PutEnvelope(ctx context.Context, next EnvelopeState) (EnvelopeState, bool,
	error) {
	if next.EnvelopeID == "" || strings.ContainsAny(next.EnvelopeID, "/\x00") {
		return EnvelopeState{}, false, fmt.Errorf("put envelope state: invalid envelope id %q: "+
			"use the envelope GUID", next.EnvelopeID)
	}
	if next.ObservedAt.IsZero() {
		next.ObservedAt = s.now()
	}
	next.ObservedAt = next.ObservedAt.UTC()
	for range maxPutAttempts {
		if err := ctx.Err(); err != nil {
			return EnvelopeState{}, false, fmt.Errorf("put envelope state %s: %w",
				next.EnvelopeID, err)
		}
		kept, applied, err := s.putEnvelopeCached(next)
		if errors.Is(err, badger.ErrConflict) {
			continue
		}
		if err != nil {
			return EnvelopeState{}, false, fmt.Errorf("put envelope state %s: %w",
				next.EnvelopeID, err)
		}
		if applied {
			s.listeners.notify(kept)
		}
		return kept, applied, nil
	}
	return EnvelopeState{}, false, fmt.Errorf("put envelope state %s: %d write conflicts in "+
		"a row: retry the call", next.EnvelopeID, maxPutAttempts)
}

// putEnvelopeCached runs putEnvelopeOnce between beginWrite and endWrite of the state
// cache, so the cache never keeps a state that the write replaced. It returns before the
// listeners run, which may read the state back.
func (s *Store) putEnvelopeCached(next EnvelopeState) (EnvelopeState, bool, error) {
	s.listeners.states.beginWrite(next.EnvelopeID)
	defer s.listeners.states.endWrite(next.EnvelopeID)
	return s.putEnvelopeOnce(next)
}

func (s *Store) putEnvelopeOnce(next EnvelopeState) (EnvelopeState, bool, error) {
	var kept EnvelopeState
	var applied bool
	err := s.db.Update(func(txn *badger.Txn) error {
		cur, found, err := readEnvelope(txn, next.EnvelopeID)
		if err != nil {
			return err
		}
		kept, applied = NextEnvelopeState(cur, found, next)
		if !applied {
			return nil
		}
		raw, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		return txn.Set(envelopeKey(next.EnvelopeID), raw)
	})
	return kept, applied, err
}

func readEnvelope(txn *badger.Txn, envelopeID string) (EnvelopeState, bool, error) {
	state, _, found, err := readEnvelopeVersion(txn, envelopeID)
	return state, found, err
}

// readEnvelopeVersion is readEnvelope that also returns the Badger version of the state,
// the commit timestamp of its write, which grows with each committed change.
func readEnvelopeVersion(txn *badger.Txn, envelopeID string) (EnvelopeState, uint64, bool,
	error) {
	item, err := txn.Get(envelopeKey(envelopeID))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return EnvelopeState{}, 0, false, nil
	}
	if err != nil {
		return EnvelopeState{}, 0, false, err
	}
	var state EnvelopeState
	err = item.Value(func(v []byte) error { return json.Unmarshal(v, &state) })
	if err != nil {
		return EnvelopeState{}, 0, false, fmt.Errorf("decode stored state: %w", err)
	}
	return state, item.Version(), true, nil
}

func envelopeKey(envelopeID string) []byte { return []byte("env/" + envelopeID + "/state") }
