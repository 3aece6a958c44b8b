package tools

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

// EventStore keeps the counted events of the cadence and budget rules, such as resends and
// downloads. *store.Store implements it and keeps them across restarts; when Deps.Store
// does not implement it, the events live in memory and a restart loses them.
type EventStore interface {
	RecordEvent(ctx context.Context, kind, key string, at time.Time, amount int64) (
		store.EventID, error)
	DeleteEvent(ctx context.Context, id store.EventID) error
	EventsSince(ctx context.Context, kind, key string, since time.Time) ([]store.Event, error)
	PruneEvents(ctx context.Context, kind string, before time.Time) (int, error)
}

var _ EventStore = (*store.Store)(nil)

// eventsFor returns the event store of deps: its Store when that is one, else memory.
func eventsFor(docs DocumentStore) EventStore {
	if events, ok := docs.(EventStore); ok {
		return events
	}
	return &memEvents{byKey: map[string][]store.Event{}}
}

// memEvents is an EventStore in memory, for servers and tests without a store.
type memEvents struct {
	mu    sync.Mutex
	next  int
	byKey map[string][]store.Event
}

func memKey(kind, key string) string { return kind + "\x00" + key }

func (m *memEvents) RecordEvent(_ context.Context, kind, key string, at time.Time,
	amount int64) (store.EventID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	id := store.EventID(memKey(kind, key) + "\x00" + strconv.Itoa(m.next))
	list := append(m.byKey[memKey(kind, key)], store.Event{ID: id, At: at, Amount: amount})
	for i := len(list) - 1; i > 0 && list[i].At.Before(list[i-1].At); i-- {
		list[i], list[i-1] = list[i-1], list[i]
	}
	m.byKey[memKey(kind, key)] = list
	return id, nil
}

func (m *memEvents) DeleteEvent(_ context.Context, id store.EventID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, list := range m.byKey {
		for i, ev := range list {
			if ev.ID == id {
				m.byKey[k] = append(list[:i:i], list[i+1:]...)
				return nil
			}
		}
	}
	return nil
}

func (m *memEvents) EventsSince(_ context.Context, kind, key string, since time.Time) (
	[]store.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Event
	for _, ev := range m.byKey[memKey(kind, key)] {
		if !ev.At.Before(since) {
			out = append(out, ev)
		}
	}
	return out, nil
}

func (m *memEvents) PruneEvents(_ context.Context, kind string, before time.Time) (int,
	error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pruned := 0
	prefix := kind + "\x00"
	for k, list := range m.byKey {
		if len(k) < len(prefix) || k[:len(prefix)] != prefix {
			continue
		}
		kept := list[:0]
		for _, ev := range list {
			if ev.At.Before(before) {
				pruned++
				continue
			}
			kept = append(kept, ev)
		}
		m.byKey[k] = kept
	}
	return pruned, nil
}

// counterFailed is the error of a call whose cadence or budget count could not be read or
// written. It fails closed: the action is not taken.
func counterFailed(what string, err error) *ToolError {
	return &ToolError{Code: CodeUnavailable, Retryable: true, RetryAfter: 5, cause: err,
		Message: "failed to " + what + " in the local store",
		NextStep: "retry in a few seconds; if it persists, ask the server operator to " +
			"check the data directory"}
}
