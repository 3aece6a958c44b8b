package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// envelopeURITemplate is the URI of an envelope's known state, which clients read and
// subscribe to.
const envelopeURITemplate = "docusign://envelopes/{envelopeId}"

// envelopeURIPrefix starts every envelope URI. The envelope id follows it.
const envelopeURIPrefix = "docusign://envelopes/"

// envelopeReadTool is the tool whose policy decides who may read an envelope's state, through
// the resource, a subscription or wait_for_envelope.
const envelopeReadTool = "get_envelope_status"

// envelopeURI returns the resource URI of an envelope.
func envelopeURI(envelopeID string) string { return envelopeURIPrefix + envelopeID }

// envelopeIDFromURI returns the envelope id of an envelope URI, or false when uri names
// something else, such as a document of the envelope.
func envelopeIDFromURI(uri string) (string, bool) {
	id, ok := strings.CutPrefix(uri, envelopeURIPrefix)
	if !ok || id == "" || strings.ContainsAny(id, "/?#") {
		return "", false
	}
	return id, true
}

// envelopeView is the known state of an envelope, as the envelope resource and
// wait_for_envelope return it.
type envelopeView struct {
	EnvelopeID string `json:"envelope_id"`
	URI        string `json:"uri"`
	Status     string `json:"status"`
	State      string `json:"state"`
	Source     string `json:"source"`
	ObservedAt string `json:"observed_at"`
	Archived   bool   `json:"archived"`

	EmailSubject string `json:"email_subject,omitempty"`
	SentAt       string `json:"sent_at,omitempty"`
	CompletedAt  string `json:"completed_at,omitempty"`
	DeclinedAt   string `json:"declined_at,omitempty"`
	VoidedAt     string `json:"voided_at,omitempty"`
	VoidReason   string `json:"void_reason,omitempty"`

	Recipients []recipientView `json:"recipients"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (envelopeView) JSONSchemaExtend(s *jsonschema.Schema) {
	setEnum(s, "state", envelopeStates...)
	setEnum(s, "source", store.SourceCreate, store.SourceDocusign, store.SourceVoid,
		store.SourceWebhook)
	describe(s, map[string]string{
		"uri": "The envelope's resource URI, to read or subscribe to.",
		"status": "Docusign's raw status, such as sent, delivered, completed, declined or " +
			"voided.",
		"state": "Normalised state. expired is a voided envelope that lapsed.",
		"source": "What reported the status: create (create_envelope), docusign (a status " +
			"read), void (void_envelope) or webhook (a Docusign Connect message).",
		"observed_at": "RFC 3339 time at which Docusign reported the status.",
		"archived":    "Whether this server has archived the completed envelope's documents.",
		"recipients": "The recipients as last reported; empty when the source reported the " +
			"status alone.",
	})
}

// recipientView is a recipient's progress, with the email address masked.
type recipientView struct {
	RecipientID   string `json:"recipient_id"`
	Type          string `json:"type" jsonschema:"enum=signer,enum=carbon_copy"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	RoutingOrder  int    `json:"routing_order"`
	Status        string `json:"status"`
	SignedAt      string `json:"signed_at,omitempty"`
	DeclinedAt    string `json:"declined_at,omitempty"`
	DeclineReason string `json:"decline_reason,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (recipientView) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"email": "The address with its local part masked but the first letter; " +
			"get_envelope_status returns it in full.",
		"status": "Docusign's raw recipient status, such as sent, delivered, completed or " +
			"declined.",
	})
}

// EnvelopeResourceTemplate returns the resource template that serves an envelope's known
// state as JSON through resources/read. It reads the server's store, and Docusign only when
// the store has no state of the envelope, under the same policy, cadence and budget as
// get_envelope_status.
func EnvelopeResourceTemplate(deps Deps) server.ServerResourceTemplate {
	return envelopeResourceTemplate(deps.withDefaults())
}

func envelopeResourceTemplate(d *Deps) server.ServerResourceTemplate {
	template := mcp.NewResourceTemplate(envelopeURITemplate, "envelope",
		mcp.WithTemplateDescription("An envelope's known status and recipients, from "+
			"Docusign Connect messages and earlier reads. Subscribe to it for "+
			"notifications/resources/updated when it changes."),
		mcp.WithTemplateMIMEType("application/json"))
	return server.ServerResourceTemplate{Template: template, Handler: d.readEnvelopeResource}
}

func (d *Deps) readEnvelopeResource(ctx context.Context, req mcp.ReadResourceRequest) (
	[]mcp.ResourceContents, error) {
	envelopeID := templateArgument(req.Params.Arguments, "envelopeId")
	terr := checkGUID("envelopeId", envelopeID, "envelope id")
	// Docusign and the store write envelope ids in lower case.
	envelopeID = strings.ToLower(envelopeID)
	if terr == nil {
		terr = d.decide(ctx, envelopeReadTool, true, envelopeID)
	}
	var view envelopeView
	if terr == nil {
		view, terr = d.knownEnvelope(ctx, envelopeID)
	}
	var raw []byte
	if terr == nil {
		raw, terr = d.encodeView(ctx, view)
	}
	if terr != nil {
		// NOTE: mcp-go v1.2.1 sends every resource handler error as JSON-RPC -32603, so
		// the message carries the code and the next step.
		return nil, fmt.Errorf("read %s: %s", req.Params.URI, terr.json())
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI,
		MIMEType: "application/json", Text: string(raw)}}, nil
}

// knownEnvelope returns the stored state of an envelope, or, when nothing is stored, reads it
// as get_envelope_status does, which stores it.
func (d *Deps) knownEnvelope(ctx context.Context, envelopeID string) (envelopeView,
	*ToolError) {
	if state, ok := d.cachedEnvelope(ctx, envelopeID); ok {
		return d.viewOf(ctx, state), nil
	}
	return d.readEnvelope(ctx, envelopeID)
}

// readEnvelope returns the envelope's state as get_envelope_status returns it: from the store
// while that call would serve it, else read from Docusign under the same cadence and budget.
func (d *Deps) readEnvelope(ctx context.Context, envelopeID string) (envelopeView,
	*ToolError) {
	readCtx, cancel := context.WithTimeout(ctx, d.callBudget())
	defer cancel()
	out, _, terr := getEnvelopeStatus(readCtx, d, &envelopeStatusInput{EnvelopeID: envelopeID})
	if terr != nil {
		return envelopeView{}, terr
	}
	if state, ok := d.cachedEnvelope(ctx, envelopeID); ok {
		return d.viewOf(ctx, state), nil
	}
	// Without a store, the read itself is all that is known.
	view := viewFromStatus(out)
	view.Source = store.SourceDocusign
	view.ObservedAt = d.Now().UTC().Format(time.RFC3339)
	return view, nil
}

// viewOf returns the view of a stored state. The state's status wins over its snapshot's,
// because the store keeps the status further along the lifecycle.
func (d *Deps) viewOf(ctx context.Context, state store.EnvelopeState) envelopeView {
	view := envelopeView{Recipients: []recipientView{}}
	if snapshot, ok := d.snapshots.decode(state.EnvelopeID, state.Snapshot); ok {
		view = viewFromStatus(snapshot)
	}
	if view.State == "" || !strings.EqualFold(view.Status, state.Status) {
		view.State = normalState(&docusign.Envelope{Status: state.Status})
	}
	view.EnvelopeID = state.EnvelopeID
	view.URI = envelopeURI(state.EnvelopeID)
	view.Status = state.Status
	view.Source = state.Source
	view.ObservedAt = state.ObservedAt.UTC().Format(time.RFC3339)
	view.Archived = d.isArchived(ctx, state.EnvelopeID)
	return view
}

// decodeSnapshot reads a stored snapshot in either form the store holds: the
// get_envelope_status output that a status read stores, or Docusign's envelope JSON, as a
// Connect message carries it.
func decodeSnapshot(raw json.RawMessage) (envelopeStatusOutput, bool) {
	if len(raw) == 0 {
		return envelopeStatusOutput{}, false
	}
	var probe struct {
		Snake string `json:"envelope_id"`
		Camel string `json:"envelopeId"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return envelopeStatusOutput{}, false
	}
	if probe.Snake == "" && probe.Camel != "" {
		var env docusign.Envelope
		if json.Unmarshal(raw, &env) != nil {
			return envelopeStatusOutput{}, false
		}
		out := envelopeStatus(&env)
		out.Recipients = recipientStatuses(env.Recipients)
		out.CustomFields = customFieldValues(env.CustomFields)
		return out, true
	}
	var out envelopeStatusOutput
	if json.Unmarshal(raw, &out) != nil {
		return envelopeStatusOutput{}, false
	}
	return out, true
}

func viewFromStatus(out envelopeStatusOutput) envelopeView {
	view := envelopeView{
		EnvelopeID: out.EnvelopeID, URI: envelopeURI(out.EnvelopeID), Status: out.Status,
		State: out.State, EmailSubject: out.EmailSubject, SentAt: out.SentAt,
		CompletedAt: out.CompletedAt, DeclinedAt: out.DeclinedAt, VoidedAt: out.VoidedAt,
		VoidReason: out.VoidReason, Recipients: make([]recipientView, 0, len(out.Recipients)),
	}
	for _, r := range out.Recipients {
		view.Recipients = append(view.Recipients, recipientView{
			RecipientID: r.RecipientID, Type: r.Type, Name: r.Name, Email: maskEmails(r.Email),
			RoutingOrder: r.RoutingOrder, Status: r.Status, SignedAt: r.SignedAt,
			DeclinedAt: r.DeclinedAt, DeclineReason: r.DeclineReason,
		})
	}
	return view
}

// encodeView returns the JSON of view with sensitive numbers masked, unless the caller's
// policy scope may see them.
func (d *Deps) encodeView(ctx context.Context, view envelopeView) ([]byte, *ToolError) {
	raw, err := json.Marshal(view)
	if err == nil && !policy.ScopeOf(ctx, d.Policy).SeeSensitive {
		raw, err = maskResult(raw)
	}
	if err != nil {
		return nil, &ToolError{Code: CodeInternal, Message: "failed to encode the envelope",
			cause: err}
	}
	return raw, nil
}

// archiveReader returns the archive record of an envelope. *store.Store implements it.
type archiveReader interface {
	GetArchive(ctx context.Context, envelopeID string) (store.Archive, error)
}

var _ archiveReader = (*store.Store)(nil)

// isArchived reports whether the completion pipeline has archived the envelope. A failed
// read is logged and counts as not archived.
func (d *Deps) isArchived(ctx context.Context, envelopeID string) bool {
	archives, ok := d.Envelopes.(archiveReader)
	if !ok {
		return false
	}
	_, err := archives.GetArchive(ctx, envelopeID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		d.Logger.Warn("reading the archive record failed", "envelope_id", envelopeID,
			"err", err)
	}
	return err == nil
}
