package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// gcDiscardRatio is the share of stale data at which Badger rewrites a value-log file.
const gcDiscardRatio = 0.5

// maxGCRewrites bounds the value-log files one upkeep run rewrites, so a run ends even
// while writes keep creating garbage.
const maxGCRewrites = 100

// UpkeepReport counts what one upkeep run did.
type UpkeepReport struct {
	Pruned     int // working copies of archived envelopes deleted
	Purged     int // archived envelopes deleted after their retention period
	GCRewrites int // value-log files rewritten to reclaim space
}

// RunUpkeep prunes the working copies of archived envelopes, purges archived envelopes
// whose retention period has passed, and reclaims value-log space. A failure on one
// envelope is returned after the others were handled.
func (s *Store) RunUpkeep(ctx context.Context) (UpkeepReport, error) {
	var report UpkeepReport
	records, err := s.archiveRecords(ctx)
	if err != nil {
		return report, err
	}
	var errs []error
	for _, rec := range records {
		if s.expired(rec) {
			if err := s.purgeEnvelope(rec.EnvelopeID); err != nil {
				errs = append(errs, err)
				continue
			}
			report.Purged++
			continue
		}
		n, err := s.pruneWorkingCopies(ctx, rec)
		report.Pruned += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	report.GCRewrites, err = s.collectValueLog()
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return report, fmt.Errorf("store upkeep: %w", err)
	}
	return report, nil
}

// expired reports whether rec's retention period has passed. A zero period never does.
func (s *Store) expired(rec ArchiveRecord) bool {
	period := s.retention.Period(rec.MatterType)
	return period > 0 && !s.now().Before(rec.ArchivedAt.Add(period))
}

// pruneWorkingCopies deletes the envelope's documents that rec does not name.
func (s *Store) pruneWorkingCopies(ctx context.Context, rec ArchiveRecord) (int, error) {
	docs, err := s.envelopeDocuments(ctx, rec.EnvelopeID)
	if err != nil {
		return 0, err
	}
	pruned := 0
	for id, meta := range docs {
		if slices.Contains(rec.Documents, id) {
			continue
		}
		key := DocumentKey{EnvelopeID: rec.EnvelopeID, DocumentID: id}
		if err := s.deleteDocument(key, meta); err != nil {
			return pruned, fmt.Errorf("prune working copy: %w", err)
		}
		pruned++
	}
	return pruned, nil
}

// purgeEnvelope drops every stored document and the cached state of an envelope, then its
// archive record, so an interrupted purge is finished by the next run. The audit log and
// idempotency records keep their own retention.
func (s *Store) purgeEnvelope(envelopeID string) error {
	err := s.injectedFault("purge envelope")
	if err == nil {
		// DropPrefix removes the keys from the LSM tree itself, not only behind tombstones.
		s.listeners.states.beginWrite(envelopeID)
		err = s.db.DropPrefix([]byte("doc/"+envelopeID+"/"), []byte("env/"+envelopeID+"/"))
		s.listeners.states.endWrite(envelopeID)
	}
	if err == nil {
		err = s.db.Update(func(txn *badger.Txn) error {
			return txn.Delete(archiveKey(envelopeID))
		})
	}
	if err != nil {
		return fmt.Errorf("purge envelope %s: %w", envelopeID, err)
	}
	return nil
}

// collectValueLog rewrites value-log files until Badger finds none worth rewriting.
func (s *Store) collectValueLog() (int, error) {
	rewrites := 0
	for rewrites < maxGCRewrites {
		err := s.db.RunValueLogGC(gcDiscardRatio)
		if errors.Is(err, badger.ErrNoRewrite) || errors.Is(err, badger.ErrRejected) {
			return rewrites, nil
		}
		if err != nil {
			return rewrites, fmt.Errorf("value-log GC: %w", err)
		}
		rewrites++
	}
	return rewrites, nil
}

// StartUpkeep runs RunUpkeep every interval until Close, logging each run that changed
// something and each failure. It does nothing when interval is not positive.
func (s *Store) StartUpkeep(interval time.Duration, logger *slog.Logger) {
	if interval <= 0 || s.upkeepCtx == nil {
		return
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s.upkeepDone.Add(1)
	go func() {
		defer s.upkeepDone.Done()
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-s.upkeepCtx.Done():
				return
			case <-ticker.C:
				s.runUpkeepOnce(logger)
			}
		}
	}()
}

func (s *Store) runUpkeepOnce(logger *slog.Logger) {
	report, err := s.RunUpkeep(s.upkeepCtx)
	if err != nil && s.upkeepCtx.Err() == nil {
		logger.Error("store upkeep failed", "err", err, "pruned", report.Pruned,
			"purged", report.Purged)
		return
	}
	if report != (UpkeepReport{}) {
		logger.Info("store upkeep done", "pruned", report.Pruned, "purged", report.Purged,
			"gc_rewrites", report.GCRewrites)
	}
}
