package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

// diskFull fails every write whose operation name contains op with ENOSPC, as a full disk
// would.
func diskFull(op string) func(string) error {
	return func(got string) error {
		if strings.Contains(got, op) {
			return syscall.ENOSPC
		}
		return nil
	}
}

func TestDiskFullKeepsOldVersion(t *testing.T) {
	tests := []struct {
		name string
		op   string
	}{
		{name: "chunks fail", op: "chunks"},
		{name: "metadata fails", op: "metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, t.TempDir(), testKey)
			defer s.Close()
			ctx := context.Background()
			key := DocumentKey{EnvelopeID: "env", DocumentID: "1"}
			if _, err := s.PutDocument(ctx, key, strings.NewReader("version 1")); err != nil {
				t.Fatalf("first PutDocument failed: %v", err)
			}
			s.failWrite = diskFull(tt.op)
			_, err := s.PutDocument(ctx, key, strings.NewReader("version 2"))
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("PutDocument on a full disk: err = %v, want ENOSPC", err)
			}
			if !strings.Contains(err.Error(), "put document env/1") {
				t.Errorf("error = %q, want it to name the document", err)
			}
			s.failWrite = nil
			var got bytes.Buffer
			if _, err := s.GetDocument(ctx, key, &got); err != nil {
				t.Fatalf("GetDocument after the failed write failed: %v", err)
			}
			if got.String() != "version 1" {
				t.Errorf("GetDocument = %q, want the earlier version kept", got.String())
			}
		})
	}
}

func TestDiskFullDuringArchiveAndUpkeep(t *testing.T) {
	s, now := archiveFixture(t, RetentionPolicy{Default: time.Hour})
	ctx := context.Background()
	s.failWrite = diskFull("archive record")
	_, err := s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: "env",
		Documents: []string{"archive"}})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("MarkArchived on a full disk: err = %v, want ENOSPC", err)
	}
	if _, err := s.ArchiveRecord("env"); !errors.Is(err, ErrNotFound) {
		t.Errorf("archive record after the failed write: err = %v, want ErrNotFound", err)
	}

	s.failWrite = nil
	_, err = s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: "env",
		Documents: []string{"archive"}})
	if err != nil {
		t.Fatalf("MarkArchived failed: %v", err)
	}
	s.failWrite = diskFull("delete")
	if _, err := s.RunUpkeep(ctx); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("RunUpkeep with failing deletes: err = %v, want ENOSPC", err)
	}
	*now = now.Add(2 * time.Hour)
	s.failWrite = diskFull("purge")
	if _, err := s.RunUpkeep(ctx); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("RunUpkeep with a failing purge: err = %v, want ENOSPC", err)
	}
	if !documentExists(t, s, "archive") {
		t.Errorf("archived copy gone after a failed purge, want it kept for the next run")
	}
	if _, err := s.ArchiveRecord("env"); err != nil {
		t.Errorf("archive record after a failed purge: err = %v, want it kept", err)
	}

	s.failWrite = nil
	report, err := s.RunUpkeep(ctx)
	if err != nil {
		t.Fatalf("RunUpkeep after the disk has space failed: %v", err)
	}
	if report.Purged != 1 {
		t.Errorf("purged = %d, want the envelope purged by the next run", report.Purged)
	}
}
