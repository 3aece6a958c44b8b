package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/internal/pdf"
)

// demoSigner is a simulated signer of the demo envelope. The names and addresses are
// invented; example.com is reserved for documentation.
type demoSigner struct {
	recipientID int
	name, email string
	role        string
	signAnchor  string
	dateAnchor  string
}

var demoSigners = []demoSigner{
	{recipientID: 1, name: "Avery Client", email: "avery.client@example.com", role: "client",
		signAnchor: pdf.ClientSignatureAnchor, dateAnchor: pdf.ClientDateAnchor},
	{recipientID: 2, name: "Morgan Partner", email: "morgan.partner@example.com", role: "firm",
		signAnchor: pdf.FirmSignatureAnchor, dateAnchor: pdf.FirmDateAnchor},
}

// demo walks one envelope through its life and writes a transcript to out.
type demo struct {
	mcp     *client.Client
	control simControl
	out     io.Writer
	// polled is set after the first status call. Before each later one the demo moves the
	// simulator's clock 15 minutes ahead, because Docusign allows one status read per
	// envelope per 15 minutes and the simulator counts faster reads as violations.
	polled bool
	// clockNoted is set once the demo has printed why the server warns about the clock.
	clockNoted bool
}

// statusResult is the part of get_envelope_status's output the demo reads.
type statusResult struct {
	Status     string `json:"status"`
	Recipients []struct {
		RecipientID string `json:"recipient_id"`
		Status      string `json:"status"`
	} `json:"recipients"`
}

// downloadResult is the part of download_document's output the demo reads.
type downloadResult struct {
	URI    string `json:"uri"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func (d *demo) run(ctx context.Context) error {
	envelopeID, err := d.createEnvelope(ctx)
	if err != nil {
		return err
	}
	if _, err := d.status(ctx, envelopeID); err != nil {
		return err
	}
	for i, s := range demoSigners {
		if err := d.control.act(ctx, envelopeID, s.recipientID, "open"); err != nil {
			return err
		}
		if err := d.control.act(ctx, envelopeID, s.recipientID, "sign"); err != nil {
			return err
		}
		fmt.Fprintf(d.out, "signer %d (%s) opened and signed through the simulator\n",
			s.recipientID, s.role)
		if i == len(demoSigners)-1 {
			break // waitCompleted reports the status after the last signature
		}
		if _, err := d.status(ctx, envelopeID); err != nil {
			return err
		}
	}
	if err := d.waitCompleted(ctx, envelopeID); err != nil {
		return err
	}
	for _, documentID := range []string{"combined", "certificate"} {
		if err := d.download(ctx, envelopeID, documentID); err != nil {
			return err
		}
	}
	fmt.Fprintf(d.out, "done: envelope %s is completed and both files are PDFs\n", envelopeID)
	return nil
}

// createEnvelope sends the engagement letter to both signers and one carbon copy.
func (d *demo) createEnvelope(ctx context.Context) (string, error) {
	letter, err := pdf.RenderEngagementLetter(pdf.EngagementLetter{
		Firm: "Hale & Morrow LLP", FirmSigner: demoSigners[1].name,
		Client: "Northwind Traders Ltd", ClientName: demoSigners[0].name,
		Matter: "Acquisition of Contoso GmbH", FeeTerms: "USD 450 per hour, billed monthly",
		Date: time.Now().UTC(),
	})
	if err != nil {
		return "", fmt.Errorf("render engagement letter: %w", err)
	}
	var signers []map[string]any
	for _, s := range demoSigners {
		signers = append(signers, map[string]any{
			"recipient_id": s.recipientID, "name": s.name, "email": s.email,
			"routing_order": s.recipientID,
			"tabs": []map[string]any{
				{"type": "sign_here", "anchor_string": s.signAnchor},
				{"type": "date_signed", "anchor_string": s.dateAnchor},
			},
		})
	}
	args := map[string]any{
		"source": "documents", "status": "sent",
		"email_subject": "Please sign: engagement letter",
		"documents": []map[string]any{{"document_id": 1, "name": "Engagement letter.pdf",
			"file_extension": "pdf", "content_base64": base64.StdEncoding.EncodeToString(letter)}},
		"signers": signers,
		"carbon_copies": []map[string]any{{"recipient_id": 3, "name": "Riley Assistant",
			"email": "riley.assistant@example.com", "routing_order": 2}},
	}
	var created struct {
		EnvelopeID string `json:"envelope_id"`
		Status     string `json:"status"`
	}
	if err := d.callTool(ctx, "create_envelope", args, &created); err != nil {
		return "", err
	}
	fmt.Fprintf(d.out, "create_envelope: envelope %s, status %s\n"+
		"  engagement letter: %d pages, %d bytes; "+
		"signers in routing order 1 then 2; 1 carbon copy\n",
		created.EnvelopeID, created.Status, pdf.PageCount(letter), len(letter))
	return created.EnvelopeID, nil
}

// status calls get_envelope_status and prints the envelope's and recipients' statuses.
func (d *demo) status(ctx context.Context, envelopeID string) (statusResult, error) {
	var st statusResult
	if d.polled {
		if err := d.control.advanceClock(ctx, pollInterval); err != nil {
			return st, err
		}
		fmt.Fprintf(d.out, "simulator clock moved %s ahead, Docusign's status polling "+
			"interval\n", pollInterval)
		if !d.clockNoted {
			// The server keeps this host's clock, so it warns once that the
			// simulator's Connect messages now come from the future.
			fmt.Fprintln(d.out, "  the server's clock stays, so it logs one warning "+
				"that Connect messages come from the future")
			d.clockNoted = true
		}
	}
	d.polled = true
	if err := d.callTool(ctx, "get_envelope_status", map[string]any{"envelope_id": envelopeID},
		&st); err != nil {
		return st, err
	}
	var parts []string
	for _, r := range st.Recipients {
		parts = append(parts, "recipient "+r.RecipientID+" "+r.Status)
	}
	fmt.Fprintf(d.out, "get_envelope_status: %s (%s)\n", st.Status, strings.Join(parts, ", "))
	return st, nil
}

// waitCompleted polls get_envelope_status until the envelope is completed. The
// simulator completes an envelope when its last signer signs, so one call normally
// suffices; the loop covers a backend that completes asynchronously.
func (d *demo) waitCompleted(ctx context.Context, envelopeID string) error {
	for attempt := 1; ; attempt++ {
		st, err := d.status(ctx, envelopeID)
		if err != nil {
			return err
		}
		if st.Status == "completed" {
			return nil
		}
		if attempt == 20 {
			return fmt.Errorf("envelope %s is %s after %d status calls, want completed",
				envelopeID, st.Status, attempt)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for envelope %s to complete: %w", envelopeID, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// download calls download_document, reads the file back through resources/read and
// checks that it is a PDF whose size and SHA-256 match what the tool reported.
func (d *demo) download(ctx context.Context, envelopeID, documentID string) error {
	var dl downloadResult
	err := d.callTool(ctx, "download_document",
		map[string]any{"envelope_id": envelopeID, "document_id": documentID}, &dl)
	if err != nil {
		return err
	}
	data, err := d.readResource(ctx, dl.URI)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	switch {
	case !bytes.HasPrefix(data, []byte("%PDF-")):
		return fmt.Errorf("document %s of envelope %s does not begin with %%PDF-", documentID,
			envelopeID)
	case int64(len(data)) != dl.Size || hex.EncodeToString(sum[:]) != dl.SHA256:
		return fmt.Errorf("document %s read back as %d bytes with SHA-256 %x, but "+
			"download_document reported %d bytes with SHA-256 %s", documentID, len(data), sum,
			dl.Size, dl.SHA256)
	}
	fmt.Fprintf(d.out, "download_document %s: %d bytes, SHA-256 %s, begins with %%PDF-\n",
		documentID, dl.Size, dl.SHA256)
	return nil
}

// callTool calls a tool and decodes its structured content into out. An isError
// result becomes an error that carries the tool's message.
func (d *demo) callTool(ctx context.Context, name string, args map[string]any, out any) error {
	res, err := d.mcp.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{
		Name: name, Arguments: args}})
	if err != nil {
		return fmt.Errorf("call %s: %w", name, err)
	}
	if res.IsError {
		return fmt.Errorf("%s returned an error: %s", name, resultText(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return fmt.Errorf("encode %s result: %w", name, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode %s result %s: %w", name, truncate(string(raw), 200), err)
	}
	return nil
}

// readResource reads a blob resource and returns its decoded bytes.
func (d *demo) readResource(ctx context.Context, uri string) ([]byte, error) {
	res, err := d.mcp.ReadResource(ctx, mcp.ReadResourceRequest{
		Params: mcp.ReadResourceParams{URI: uri}})
	if err != nil {
		return nil, fmt.Errorf("read resource %s: %w", uri, err)
	}
	for _, c := range res.Contents {
		if blob, ok := c.(mcp.BlobResourceContents); ok {
			data, err := base64.StdEncoding.DecodeString(blob.Blob)
			if err != nil {
				return nil, fmt.Errorf("decode resource %s: %w", uri, err)
			}
			return data, nil
		}
	}
	return nil, fmt.Errorf("resource %s has no binary contents", uri)
}

// resultText joins the text items of a tool result.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if text, ok := c.(mcp.TextContent); ok {
			parts = append(parts, text.Text)
		}
	}
	return strings.Join(parts, " ")
}

// simControl calls the simulator's control API, which acts as a signer.
type simControl struct {
	baseURL string
	http    *http.Client
}

func newSimControl(simURL string) simControl {
	return simControl{baseURL: simURL + "/sim", http: &http.Client{Timeout: 30 * time.Second}}
}

// pollInterval is the shortest time between two status reads of one envelope that Docusign
// allows.
const pollInterval = 15 * time.Minute

// advanceClock moves the simulator's clock ahead by d.
func (s simControl) advanceClock(ctx context.Context, d time.Duration) error {
	body := strings.NewReader(fmt.Sprintf(`{"seconds":%d}`, int64(d/time.Second)))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		s.baseURL+"/clock/advance", body)
	if err != nil {
		return fmt.Errorf("build simulator request: %w", err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("advance the simulator clock: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		text, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("advance the simulator clock: HTTP %d: %s", resp.StatusCode,
			bytes.TrimSpace(text))
	}
	return nil
}

// act posts a signer action such as open or sign for one recipient.
func (s simControl) act(ctx context.Context, envelopeID string, recipientID int,
	action string) error {
	url := fmt.Sprintf("%s/envelopes/%s/recipients/%d/%s",
		s.baseURL, envelopeID, recipientID, action)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return fmt.Errorf("build simulator request: %w", err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("simulator %s for recipient %d: %w", action, recipientID, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("simulator %s for recipient %d: HTTP %d: %s", action, recipientID,
			resp.StatusCode, bytes.TrimSpace(body))
	}
	return nil
}
