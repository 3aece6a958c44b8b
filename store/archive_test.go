package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

func TestPruneWorkingCopiesAfterArchive(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	ctx := context.Background()
	pdf := []byte("%PDF-1.7\nsigned")
	working := DocumentKey{EnvelopeID: "env", DocumentID: "1"}
	if _, err := s.PutDocument(ctx, working, bytes.NewReader(pdf)); err != nil {
		t.Fatalf("PutDocument(working copy): %v", err)
	}
	meta, err := s.PutArchivedDocument(ctx, "env", "combined", bytes.NewReader(pdf))
	if err != nil {
		t.Fatalf("PutArchivedDocument: %v", err)
	}
	a := Archive{EnvelopeID: "env", Artifacts: []Artifact{{Name: "combined",
		DocumentID: "combined", StoreID: ArchivedDocumentPrefix + "combined",
		Size: meta.Size, SHA256: meta.SHA256}}}
	if _, err := s.SaveArchive(ctx, a, nil); err != nil {
		t.Fatalf("SaveArchive: %v", err)
	}
	n, err := s.PruneWorkingCopies(ctx, "env", time.Now().Add(-time.Hour))
	if err != nil || n != 0 {
		t.Errorf("PruneWorkingCopies(an hour ago) = %d, %v; want 0 for a fresh copy", n, err)
	}
	n, err = s.PruneWorkingCopies(ctx, "env", time.Now().Add(time.Hour))
	if err != nil || n != 1 {
		t.Errorf("PruneWorkingCopies(in an hour) = %d, %v; want the working copy", n, err)
	}
	if _, err := s.StatDocument(ctx, working); !errors.Is(err, ErrNotFound) {
		t.Errorf("working copy after pruning: err %v, want ErrNotFound", err)
	}
	var buf bytes.Buffer
	if _, err := s.GetArchivedDocument(ctx, "env", "combined", &buf); err != nil {
		t.Fatalf("GetArchivedDocument: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), pdf) {
		t.Errorf("archived copy differs from the stored bytes")
	}
	got, err := s.GetArchive(ctx, "env")
	if err != nil {
		t.Fatalf("GetArchive: %v", err)
	}
	if len(got.Artifacts) != 1 || got.Artifacts[0].SHA256 != meta.SHA256 {
		t.Errorf("GetArchive artifacts = %+v, want one with sha256 %s", got.Artifacts,
			meta.SHA256)
	}
	if _, err := s.GetArchive(ctx, "other"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetArchive(other): err %v, want ErrNotFound", err)
	}
}

func TestSaveArchiveRejectsEmpty(t *testing.T) {
	s := openTestCounters(t)
	if _, err := s.SaveArchive(context.Background(), Archive{EnvelopeID: "env"}, nil); err == nil {
		t.Errorf("SaveArchive without artifacts succeeded, want an error")
	}
}

func TestPurgeRemovesArchive(t *testing.T) {
	s := openTestCounters(t)
	ctx := context.Background()
	if _, err := s.PutArchivedDocument(ctx, "env", "certificate",
		bytes.NewReader([]byte("%PDF-1.7\n"))); err != nil {
		t.Fatalf("PutArchivedDocument: %v", err)
	}
	a := Archive{EnvelopeID: "env", Artifacts: []Artifact{{Name: "certificate",
		StoreID: ArchivedDocumentPrefix + "certificate"}}}
	if _, err := s.SaveArchive(ctx, a, nil); err != nil {
		t.Fatalf("SaveArchive: %v", err)
	}
	if err := s.RecordDelivery(ctx, Delivery{EventID: "e", EnvelopeID: "env"}); err != nil {
		t.Fatalf("RecordDelivery: %v", err)
	}
	if err := s.purgeEnvelope("env"); err != nil {
		t.Fatalf("purgeEnvelope: %v", err)
	}
	if _, err := s.GetArchive(ctx, "env"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetArchive after purge: err %v, want ErrNotFound", err)
	}
	if got, _ := s.Deliveries(ctx, "env"); len(got) != 0 {
		t.Errorf("Deliveries after purge returned %d records, want 0", len(got))
	}
}

func TestListEnvelopeStatesFilters(t *testing.T) {
	s := openTestCounters(t)
	ctx := context.Background()
	for id, status := range map[string]string{"a": "sent", "b": "completed", "c": "completed"} {
		if _, _, err := s.PutEnvelope(ctx, EnvelopeState{EnvelopeID: id, Status: status}); err != nil {
			t.Fatalf("PutEnvelope(%s): %v", id, err)
		}
	}
	// An archive record under env/ must not be read as a state.
	if _, err := s.PutArchivedDocument(ctx, "b", "combined",
		bytes.NewReader([]byte("%PDF-1.7\n"))); err != nil {
		t.Fatalf("PutArchivedDocument: %v", err)
	}
	a := Archive{EnvelopeID: "b", Artifacts: []Artifact{{StoreID: "archived-combined"}}}
	if _, err := s.SaveArchive(ctx, a, nil); err != nil {
		t.Fatalf("SaveArchive: %v", err)
	}
	got, err := s.ListEnvelopeStates(ctx, func(st EnvelopeState) bool {
		return st.Status == "completed"
	})
	if err != nil {
		t.Fatalf("ListEnvelopeStates: %v", err)
	}
	if len(got) != 2 || got[0].EnvelopeID != "b" || got[1].EnvelopeID != "c" {
		t.Errorf("ListEnvelopeStates(completed) = %+v, want b and c", got)
	}
}
