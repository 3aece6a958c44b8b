package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

func TestParseRetention(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name        string
		spec        string
		wantDefault time.Duration
		wantMatter  map[string]time.Duration
		wantErr     string
	}{
		{name: "empty keeps forever", spec: ""},
		{name: "days years and duration", spec: "default=90d, NDA=3y,trial=36h",
			wantDefault: 90 * day,
			wantMatter:  map[string]time.Duration{"nda": 3 * 365 * day, "trial": 36 * time.Hour}},
		{name: "forever entry", spec: "default=7y,litigation=forever",
			wantDefault: 7 * 365 * day, wantMatter: map[string]time.Duration{"litigation": 0}},
		{name: "missing equals", spec: "nda", wantErr: "use MATTER=PERIOD"},
		{name: "empty matter", spec: "=3d", wantErr: "use MATTER=PERIOD"},
		{name: "bad unit", spec: "nda=3w", wantErr: `period "3w" is invalid`},
		{name: "negative days", spec: "nda=-3d", wantErr: `period "-3d" is invalid`},
		{name: "negative duration", spec: "nda=-3h", wantErr: `period "-3h" is invalid`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRetention(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRetention(%q) error = %v, want it to contain %q",
						tt.spec, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRetention(%q) failed: %v", tt.spec, err)
			}
			if got.Default != tt.wantDefault {
				t.Errorf("default = %v, want %v", got.Default, tt.wantDefault)
			}
			if len(got.ByMatter) != len(tt.wantMatter) {
				t.Errorf("matter entries = %v, want %v", got.ByMatter, tt.wantMatter)
			}
			for matter, want := range tt.wantMatter {
				if d, ok := got.ByMatter[matter]; !ok || d != want {
					t.Errorf("period of %q = %v (present %t), want %v", matter, d, ok, want)
				}
			}
		})
	}
}

func TestRetentionPeriodByMatterField(t *testing.T) {
	p := RetentionPolicy{MatterField: "Practice", Default: time.Hour,
		ByMatter: map[string]time.Duration{"nda": 2 * time.Hour}}
	tests := []struct {
		name   string
		fields map[string]string
		want   time.Duration
	}{
		{name: "configured field any case", fields: map[string]string{"practice": " NDA "},
			want: 2 * time.Hour},
		{name: "unknown matter uses default", fields: map[string]string{"Practice": "m&a"},
			want: time.Hour},
		{name: "default field name ignored", fields: map[string]string{"Matter Type": "nda"},
			want: time.Hour},
		{name: "no fields", fields: nil, want: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Period(p.matterType(tt.fields)); got != tt.want {
				t.Errorf("period = %v, want %v", got, tt.want)
			}
		})
	}
}

// archiveFixture stores three documents of one envelope and returns the store and its clock.
func archiveFixture(t *testing.T, policy RetentionPolicy) (*Store, *time.Time) {
	t.Helper()
	s, err := Open(t.TempDir(), Options{EncryptionKey: testKey, Retention: policy})
	if err != nil {
		t.Fatalf("Open failed: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return now }
	for _, id := range []string{"1", "combined", "archive"} {
		key := DocumentKey{EnvelopeID: "env", DocumentID: id}
		if _, err := s.PutDocument(context.Background(), key,
			strings.NewReader("bytes of "+id)); err != nil {
			t.Fatalf("PutDocument(%s) failed: %v", id, err)
		}
	}
	return s, &now
}

func documentExists(t *testing.T, s *Store, id string) bool {
	t.Helper()
	_, err := s.GetDocument(context.Background(), DocumentKey{EnvelopeID: "env", DocumentID: id},
		io.Discard)
	if err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetDocument(%s) failed: %v", id, err)
	}
	return err == nil
}

func TestUpkeepPrunesWorkingCopies(t *testing.T) {
	s, _ := archiveFixture(t, RetentionPolicy{})
	ctx := context.Background()
	rec, err := s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: "env",
		CustomFields: map[string]string{"Matter Type": "NDA"}, Documents: []string{"archive"}})
	if err != nil {
		t.Fatalf("MarkArchived failed: %v", err)
	}
	if rec.MatterType != "NDA" {
		t.Errorf("matter type = %q, want NDA from the custom field", rec.MatterType)
	}
	report, err := s.RunUpkeep(ctx)
	if err != nil {
		t.Fatalf("RunUpkeep failed: %v", err)
	}
	if report.Pruned != 2 {
		t.Errorf("pruned = %d, want the 2 working copies", report.Pruned)
	}
	if report.Purged != 0 {
		t.Errorf("purged = %d, want 0 because the policy keeps envelopes forever", report.Purged)
	}
	for id, want := range map[string]bool{"archive": true, "1": false, "combined": false} {
		if got := documentExists(t, s, id); got != want {
			t.Errorf("document %s stored = %t after upkeep, want %t", id, got, want)
		}
	}
}

func TestUpkeepPurgesAfterRetention(t *testing.T) {
	policy := RetentionPolicy{Default: 48 * time.Hour,
		ByMatter: map[string]time.Duration{"litigation": 0}}
	tests := []struct {
		name       string
		matter     string
		after      time.Duration
		wantPurged bool
	}{
		{name: "before the period", matter: "nda", after: 47 * time.Hour},
		{name: "at the period", matter: "nda", after: 48 * time.Hour, wantPurged: true},
		{name: "kept forever", matter: "Litigation", after: 10 * 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, now := archiveFixture(t, policy)
			ctx := context.Background()
			stateKey := []byte("env/env/state")
			err := s.db.Update(func(txn *badger.Txn) error {
				return txn.Set(stateKey, []byte(`{"status":"completed"}`))
			})
			if err != nil {
				t.Fatalf("write envelope state: %v", err)
			}
			_, err = s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: "env",
				CustomFields: map[string]string{"Matter Type": tt.matter},
				Documents:    []string{"archive", "combined"}})
			if err != nil {
				t.Fatalf("MarkArchived failed: %v", err)
			}
			*now = now.Add(tt.after)
			report, err := s.RunUpkeep(ctx)
			if err != nil {
				t.Fatalf("RunUpkeep failed: %v", err)
			}
			if got := report.Purged == 1; got != tt.wantPurged {
				t.Errorf("purged = %d, want purged %t", report.Purged, tt.wantPurged)
			}
			if got := documentExists(t, s, "archive"); got == tt.wantPurged {
				t.Errorf("archive stored = %t, want %t", got, !tt.wantPurged)
			}
			_, err = s.ArchiveRecord("env")
			if got := errors.Is(err, ErrNotFound); got != tt.wantPurged {
				t.Errorf("archive record gone = %t (err %v), want %t", got, err, tt.wantPurged)
			}
			err = s.db.View(func(txn *badger.Txn) error {
				_, err := txn.Get(stateKey)
				return err
			})
			if got := errors.Is(err, badger.ErrKeyNotFound); got != tt.wantPurged {
				t.Errorf("envelope state gone = %t (err %v), want %t", got, err, tt.wantPurged)
			}
		})
	}
}

func TestMarkArchivedKeepsFirstDate(t *testing.T) {
	s, now := archiveFixture(t, RetentionPolicy{})
	ctx := context.Background()
	first, err := s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: "env",
		Documents: []string{"archive"}})
	if err != nil {
		t.Fatalf("first MarkArchived failed: %v", err)
	}
	*now = now.Add(time.Hour)
	second, err := s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: "env",
		Documents: []string{"combined"}})
	if err != nil {
		t.Fatalf("second MarkArchived failed: %v", err)
	}
	if !second.ArchivedAt.Equal(first.ArchivedAt) {
		t.Errorf("archived at = %v, want the first date %v", second.ArchivedAt, first.ArchivedAt)
	}
	if strings.Join(second.Documents, ",") != "archive,combined" {
		t.Errorf("documents = %q, want both archived copies", second.Documents)
	}
}

func TestMarkArchivedRejects(t *testing.T) {
	s, _ := archiveFixture(t, RetentionPolicy{})
	tests := []struct {
		name    string
		req     ArchiveRequest
		wantErr string
	}{
		{name: "no documents", req: ArchiveRequest{EnvelopeID: "env"},
			wantErr: "name at least one stored document"},
		{name: "document not stored",
			req:     ArchiveRequest{EnvelopeID: "env", Documents: []string{"certificate"}},
			wantErr: "store the document before archiving"},
		{name: "bad envelope id",
			req:     ArchiveRequest{EnvelopeID: "a/b", Documents: []string{"1"}},
			wantErr: "invalid document key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.MarkArchived(context.Background(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("MarkArchived error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	if _, err := s.ArchiveRecord("env"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ArchiveRecord after rejected calls: err = %v, want ErrNotFound", err)
	}
}

func TestStartUpkeepRunsUntilClose(t *testing.T) {
	s, err := Open(t.TempDir(), Options{EncryptionKey: testKey})
	if err != nil {
		t.Fatalf("Open failed: %v", err)
	}
	ctx := context.Background()
	for _, id := range []string{"1", "archive"} {
		key := DocumentKey{EnvelopeID: "env", DocumentID: id}
		if _, err := s.PutDocument(ctx, key, bytes.NewReader([]byte(id))); err != nil {
			t.Fatalf("PutDocument failed: %v", err)
		}
	}
	_, err = s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: "env", Documents: []string{"archive"}})
	if err != nil {
		t.Fatalf("MarkArchived failed: %v", err)
	}
	s.StartUpkeep(5*time.Millisecond, nil)
	deadline := time.Now().Add(5 * time.Second)
	for documentExists(t, s, "1") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if documentExists(t, s, "1") {
		t.Errorf("working copy still stored after 5s of scheduled upkeep, want it pruned")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close with upkeep running failed: %v", err)
	}
}
