package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// AuditArchive is the audit record kind of an archived envelope.
const AuditArchive = "archive"

// errDownloadAborted ends a download whose store write already failed.
var errDownloadAborted = errors.New("store write failed")

// documentRef names one document to archive and its artifact name.
type documentRef struct {
	Name       string
	DocumentID string
}

// runArchive downloads, checks and stores an envelope's signed documents, records the
// archive, and queues the deliveries. An envelope archived earlier only gets its
// deliveries queued, so a run after a crash repeats no download.
func (a *Archiver) runArchive(ctx context.Context, job store.Job) error {
	id := job.EnvelopeID
	archive, err := a.store.GetArchive(ctx, id)
	if err == nil {
		return a.finishArchive(ctx, job, archive)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}

	list, _, err := a.opts.Documents.List(ctx, id)
	if err != nil {
		return fmt.Errorf("list documents of %s: %w", id, err)
	}
	state, err := a.store.GetEnvelope(ctx, id)
	if err != nil && !errors.Is(err, store.ErrEnvelopeNotFound) {
		return err
	}
	archive = store.Archive{EnvelopeID: id, CompletedAt: completedAt(state)}
	for _, ref := range documentsToArchive(list) {
		art, err := a.archiveDocument(ctx, id, ref)
		if err != nil {
			return err
		}
		archive.Artifacts = append(archive.Artifacts, art)
	}

	archive.ArchivedAt = a.opts.Now().UTC()
	saved, err := a.store.SaveArchive(ctx, archive, customFields(state.Snapshot))
	if err != nil {
		return err
	}
	cutoff := a.opts.Now().Add(-a.opts.WorkingCopyGrace)
	if _, err := a.store.PruneWorkingCopies(ctx, id, cutoff); err != nil {
		// The store's upkeep job prunes them on its next run.
		a.logger.Warn("pruning working copies after archiving failed", "envelope_id", id,
			"err", err)
	}
	return a.finishArchive(ctx, job, saved)
}

// finishArchive queues a delivery per downstream target, audits the archive and deletes
// the archive job.
func (a *Archiver) finishArchive(ctx context.Context, job store.Job,
	archive store.Archive) error {
	if err := a.queueDeliveries(ctx, archive); err != nil {
		return err
	}
	a.audit(store.AuditRecord{Kind: AuditArchive, EnvelopeID: archive.EnvelopeID,
		Attempt: job.Attempts + 1, Outcome: "ok"})
	a.logger.Info("envelope archived", "envelope_id", archive.EnvelopeID,
		"artifacts", len(archive.Artifacts), "attempts", job.Attempts+1)
	return a.store.DeleteJob(ctx, store.JobArchive, job.ID)
}

// documentsToArchive returns combined, certificate and every signer attachment. Docusign
// lists the certificate as type summary and uploaded documents as type content. A document
// of type attachment, or one with an attachment tab, is a signer's attachment.
// NOTE: docusign.EnvelopeDocument does not decode attachmentTabId yet, so only the type
// attachment marks an attachment here.
func documentsToArchive(list *docusign.EnvelopeDocumentsResult) []documentRef {
	refs := []documentRef{{Name: "combined", DocumentID: "combined"},
		{Name: "certificate", DocumentID: "certificate"}}
	if list == nil {
		return refs
	}
	for _, d := range list.EnvelopeDocuments {
		if strings.EqualFold(d.Type, "attachment") && d.DocumentID != "" {
			refs = append(refs, documentRef{Name: "attachment-" + d.DocumentID,
				DocumentID: d.DocumentID})
		}
	}
	return refs
}

// archiveDocument streams one document from Docusign into its archived copy and checks
// it. A copy that fails a check is deleted.
func (a *Archiver) archiveDocument(ctx context.Context, envelopeID string,
	ref documentRef) (store.Artifact, error) {
	pr, pw := io.Pipe()
	type result struct {
		info *docusign.DownloadInfo
		err  error
	}
	done := make(chan result, 1)
	go func() {
		info, _, err := a.opts.Documents.Download(ctx, envelopeID, ref.DocumentID, pw,
			a.opts.MaxDocumentBytes)
		_ = pw.CloseWithError(err)
		done <- result{info: info, err: err}
	}()
	meta, putErr := a.store.PutArchivedDocument(ctx, envelopeID, ref.DocumentID, pr)
	_ = pr.CloseWithError(errDownloadAborted)
	res := <-done
	var err error
	switch {
	// A download that failed because the store stopped reading reports the store's error.
	case res.err != nil && !errors.Is(res.err, errDownloadAborted):
		err = fmt.Errorf("download %s of %s: %w", ref.DocumentID, envelopeID, res.err)
	case putErr != nil:
		err = fmt.Errorf("store %s of %s: %w", ref.DocumentID, envelopeID, putErr)
	case res.err != nil:
		err = fmt.Errorf("download %s of %s: %w", ref.DocumentID, envelopeID, res.err)
	default:
		err = checkArtifact(ref, meta, res.info)
	}
	if err != nil {
		// The copy is deleted even when Close cancelled ctx, so none is left half-checked.
		cleanupCtx := context.WithoutCancel(ctx)
		derr := a.store.DeleteArchivedDocument(cleanupCtx, envelopeID, ref.DocumentID)
		if derr != nil {
			a.logger.Error("deleting a rejected archived copy failed",
				"envelope_id", envelopeID, "document_id", ref.DocumentID, "err", derr)
		}
		return store.Artifact{}, err
	}
	storeID := store.ArchivedDocumentKey(envelopeID, ref.DocumentID).DocumentID
	return store.Artifact{Name: ref.Name, DocumentID: ref.DocumentID, StoreID: storeID,
		Size: meta.Size, SHA256: meta.SHA256, MIMEType: meta.MIMEType,
		ArchivedAt: meta.StoredAt}, nil
}

// checkArtifact rejects an empty or non-PDF document, and one whose stored size or hash
// differs from what the download wrote.
func checkArtifact(ref documentRef, meta store.DocumentMeta, info *docusign.DownloadInfo) error {
	if meta.Size == 0 {
		return fmt.Errorf("document %s is empty: Docusign returned no bytes", ref.DocumentID)
	}
	// The store sniffs the type from the first bytes, so application/pdf means the file
	// starts with the PDF magic %PDF-.
	if meta.MIMEType != "application/pdf" {
		return fmt.Errorf("document %s is not a PDF: its bytes are %s", ref.DocumentID,
			meta.MIMEType)
	}
	if info == nil || info.Size != meta.Size || info.SHA256 != meta.SHA256 {
		var wrote int64
		if info != nil {
			wrote = info.Size
		}
		return fmt.Errorf("document %s: the store has %d bytes but the download wrote %d, "+
			"or their SHA-256 differ", ref.DocumentID, meta.Size, wrote)
	}
	return nil
}

// completedAt returns the completion time from an envelope state's snapshot, which is a
// tool's status output (completed_at) or a Connect envelope summary (completedDateTime),
// else when the completed state was observed.
func completedAt(st store.EnvelopeState) time.Time {
	var snap struct {
		CompletedAt       string `json:"completed_at"`
		CompletedDateTime string `json:"completedDateTime"`
	}
	if len(st.Snapshot) > 0 && json.Unmarshal(st.Snapshot, &snap) == nil {
		for _, raw := range []string{snap.CompletedAt, snap.CompletedDateTime} {
			if t, err := docusign.ParseTime(raw); err == nil && !t.IsZero() {
				return t.UTC()
			}
		}
	}
	if strings.EqualFold(st.Status, "completed") {
		return st.ObservedAt.UTC()
	}
	return time.Time{}
}

// customFields returns the envelope custom fields in a snapshot by name: a tool's status
// output lists them as custom_fields, a Connect envelope summary as customFields.
func customFields(snapshot json.RawMessage) map[string]string {
	var snap struct {
		Fields []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"custom_fields"`
		CustomFields *docusign.CustomFields `json:"customFields"`
	}
	if len(snapshot) == 0 || json.Unmarshal(snapshot, &snap) != nil {
		return nil
	}
	out := map[string]string{}
	for _, f := range snap.Fields {
		out[f.Name] = f.Value
	}
	if snap.CustomFields != nil {
		for _, f := range snap.CustomFields.TextCustomFields {
			out[f.Name] = f.Value
		}
		for _, f := range snap.CustomFields.ListCustomFields {
			out[f.Name] = f.Value
		}
	}
	return out
}
