package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Event kinds that the tools count, so that their limits hold across restarts.
const (
	// EventResend is one resend of an envelope; its key is the envelope id.
	EventResend = "resend"
	// EventDownload is one document download; its key is the principal and its amount the
	// bytes.
	EventDownload = "download"
)

// eventPrefix starts the keys of counted events: evt/<kind>\x00<key>\x00<time><nonce>.
const eventPrefix = "evt/"

// Event is one counted event: when it happened and its amount, such as bytes.
type Event struct {
	ID     EventID
	At     time.Time
	Amount int64
}

// EventID names one stored event, for DeleteEvent.
type EventID string

// RecordEvent stores an event of kind for key at at with amount, synced to disk, and
// returns its id. Kind and key must be non-empty and free of NUL bytes.
func (s *Store) RecordEvent(ctx context.Context, kind, key string, at time.Time,
	amount int64) (EventID, error) {
	prefix, err := eventKeyPrefix(kind, key)
	if err != nil {
		return "", fmt.Errorf("record event: %w", err)
	}
	nonce := make([]byte, 4)
	_, _ = rand.Read(nonce)
	k := binary.BigEndian.AppendUint64(prefix, uint64(at.UnixNano()))
	k = append(k, nonce...)
	v := binary.BigEndian.AppendUint64(nil, uint64(amount))
	if err := s.checkSpace(len(k) + len(v)); err != nil {
		return "", fmt.Errorf("record %s event: %w", kind, err)
	}
	err = s.updateSynced(ctx, func(txn *badger.Txn) error { return txn.Set(k, v) })
	if err != nil {
		return "", fmt.Errorf("record %s event: %w", kind, err)
	}
	return EventID(k), nil
}

// DeleteEvent removes the event id, such as one for an action that did not happen. A
// missing event is not an error.
func (s *Store) DeleteEvent(ctx context.Context, id EventID) error {
	if !strings.HasPrefix(string(id), eventPrefix) {
		return errors.New("delete event: id is not an event id: pass one from RecordEvent")
	}
	err := s.updateSynced(ctx, func(txn *badger.Txn) error { return txn.Delete([]byte(id)) })
	if err != nil {
		return fmt.Errorf("delete event: %w", err)
	}
	return nil
}

// EventsSince returns the events of kind for key at or after since, oldest first. The zero
// since returns them all.
func (s *Store) EventsSince(ctx context.Context, kind, key string, since time.Time) (
	[]Event, error) {
	prefix, err := eventKeyPrefix(kind, key)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	var events []Event
	err = s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: prefix})
		defer it.Close()
		for it.Seek(eventSeek(prefix, since)); it.ValidForPrefix(prefix); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			ev, err := decodeEvent(it.Item(), len(prefix))
			if err != nil {
				return err
			}
			events = append(events, ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s events: %w", kind, err)
	}
	return events, nil
}

// SumSince returns the count and the summed amount of the events of kind for key at or
// after since.
func (s *Store) SumSince(ctx context.Context, kind, key string, since time.Time) (int,
	int64, error) {
	events, err := s.EventsSince(ctx, kind, key, since)
	var sum int64
	for _, ev := range events {
		sum += ev.Amount
	}
	return len(events), sum, err
}

// PruneEvents deletes the events of kind, for every key, that happened before before, and
// returns how many it deleted.
func (s *Store) PruneEvents(ctx context.Context, kind string, before time.Time) (int, error) {
	if kind == "" || strings.ContainsRune(kind, 0) {
		return 0, errors.New("prune events: empty kind or NUL byte in it: name an event kind")
	}
	prefix := []byte(eventPrefix + kind + "\x00")
	var stale [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			if at, ok := eventTime(k, len(prefix)); ok && at.Before(before) {
				stale = append(stale, k)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune %s events: %w", kind, err)
	}
	for _, k := range stale {
		if err := s.DeleteEvent(ctx, EventID(k)); err != nil {
			return 0, fmt.Errorf("prune %s events: %w", kind, err)
		}
	}
	return len(stale), nil
}

func eventKeyPrefix(kind, key string) ([]byte, error) {
	if kind == "" || key == "" {
		return nil, errors.New("empty event kind or key: name both")
	}
	if strings.ContainsRune(kind, 0) || strings.ContainsRune(key, 0) {
		return nil, errors.New("NUL byte in event kind or key: remove it")
	}
	return []byte(eventPrefix + kind + "\x00" + key + "\x00"), nil
}

func eventSeek(prefix []byte, since time.Time) []byte {
	if since.IsZero() {
		return prefix
	}
	return binary.BigEndian.AppendUint64(append([]byte{}, prefix...), uint64(since.UnixNano()))
}

func decodeEvent(item *badger.Item, prefixLen int) (Event, error) {
	k := item.KeyCopy(nil)
	at, _ := eventTime(k, prefixLen)
	v, err := item.ValueCopy(nil)
	if err != nil {
		return Event{}, err
	}
	if len(v) != 8 {
		return Event{}, fmt.Errorf("event %q has a %d-byte value, expected 8: the store "+
			"may be corrupt", k[:prefixLen], len(v))
	}
	return Event{ID: EventID(k), At: at, Amount: int64(binary.BigEndian.Uint64(v))}, nil
}

// eventTime reads the time in the last 12 bytes of an event key: the time, then a nonce.
func eventTime(k []byte, prefixLen int) (time.Time, bool) {
	if len(k) < prefixLen+12 {
		return time.Time{}, false
	}
	tail := k[len(k)-12:]
	return time.Unix(0, int64(binary.BigEndian.Uint64(tail[:8]))).UTC(), true
}
