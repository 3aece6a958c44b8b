package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// AuditHeadFileName is the file beside the store, in the data directory, that repeats the
// audit log's head. A copy of the store directory restored from an older backup rolls the
// head key back with the records, but not this file.
const AuditHeadFileName = "audit-head.json"

// writeHeadFile replaces the head file with mark unless it already names a newer record. It
// writes a temporary file and renames it, so a reader never sees half a file. The file is not
// synced, so after a crash it may lag the log, which VerifyAuditHeadFile accepts.
func (l *AuditLog) writeHeadFile(mark auditMark) error {
	l.fileMu.Lock()
	defer l.fileMu.Unlock()
	if mark.Seq <= l.fileSeq {
		return nil
	}
	raw, err := json.Marshal(mark)
	if err != nil {
		return err
	}
	path := l.opts.HeadFile
	tmp, err := os.CreateTemp(filepath.Dir(path), ".audit-head-*")
	if err != nil {
		return fmt.Errorf("write audit head file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return fmt.Errorf("write audit head file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write audit head file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write audit head file: %w", err)
	}
	l.fileSeq = mark.Seq
	return nil
}

// VerifyAuditHeadFile compares a verified log with the head file at path. The file may lag
// the log, because it is written after each commit, but it must not name a record the log
// lacks, and for the log's newest record it must carry the same hash. A missing file passes,
// because serve writes it only from its first append on.
func VerifyAuditHeadFile(summary AuditSummary, path string) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read audit head file: %w", err)
	}
	var mark auditMark
	if err := json.Unmarshal(raw, &mark); err != nil {
		return fmt.Errorf("audit head file %s is not valid JSON: %w", path, err)
	}
	if mark.Seq > summary.Last && mark.Seq > summary.Checkpoint {
		return &AuditError{Seq: summary.Last + 1, Problem: fmt.Sprintf("record is missing: "+
			"the head file %s names record %d but the log ends at %d, so the store was "+
			"rolled back or records were cut from the end", path, mark.Seq, summary.Last)}
	}
	if mark.Seq == summary.Last && summary.Last > 0 && mark.Hash != summary.LastHash {
		return &AuditError{Seq: mark.Seq, Problem: fmt.Sprintf("hash differs from the head "+
			"file %s: the record was replaced", path)}
	}
	return nil
}
