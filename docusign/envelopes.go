package docusign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	envelopesPath  = "/v2.1/accounts/{accountId}/envelopes"
	envelopePath   = "/v2.1/accounts/{accountId}/envelopes/{envelopeId}"
	recipientsPath = "/v2.1/accounts/{accountId}/envelopes/{envelopeId}/recipients"
	// maxListCount is Docusign's largest listStatusChanges page.
	maxListCount = 1000
)

// Create creates an envelope, and sends it when def.Status is "sent" (Envelopes:create,
// POST /v2.1/accounts/{accountId}/envelopes). The request is never repeated. When it fails in
// a way that leaves the outcome unknown (a timeout, a 5xx response), the error matches
// ErrAmbiguous: look for the envelope before creating it again. After an expired-token response
// the client drops the token and returns the *APIError, which IsRetryable reports as
// retryable because Docusign rejected the request before acting on it.
func (s *EnvelopesService) Create(ctx context.Context, def *EnvelopeDefinition) (
	*EnvelopeSummary, *Response, error) {
	if def == nil {
		return nil, nil, errors.New("docusign Envelopes:create: envelope definition is nil: " +
			"pass the envelope to create")
	}
	body, err := json.Marshal(def)
	if err != nil {
		return nil, nil, fmt.Errorf("docusign Envelopes:create: encode envelope: %w", err)
	}
	ep := &endpoint{
		operation:    "Envelopes:create",
		method:       http.MethodPost,
		pathTemplate: envelopesPath,
		body:         body,
		contentType:  "application/json",
		mode:         modeNever,
	}
	var out EnvelopeSummary
	resp, err := s.client.call(ctx, ep, nil, decodeJSON(&out, maxJSONBody))
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// ListStatusChanges returns the envelopes whose status changed in a date window, or the
// envelopes with the given ids (Envelopes:listStatusChanges,
// GET /v2.1/accounts/{accountId}/envelopes). opts must set FromDate or EnvelopeIDs.
func (s *EnvelopesService) ListStatusChanges(ctx context.Context,
	opts *ListStatusChangesOptions) (*EnvelopesInformation, *Response, error) {
	query, err := opts.query()
	if err != nil {
		return nil, nil, err
	}
	ep := &endpoint{
		operation:    "Envelopes:listStatusChanges",
		method:       http.MethodGet,
		pathTemplate: envelopesPath,
		mode:         modeIdempotent,
	}
	var out EnvelopesInformation
	resp, err := s.client.call(ctx, ep, query, decodeJSON(&out, maxJSONBody))
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// query validates opts and encodes them as query parameters.
func (opts *ListStatusChangesOptions) query() (url.Values, error) {
	if opts == nil || (opts.FromDate.IsZero() && len(opts.EnvelopeIDs) == 0) {
		return nil, errors.New("docusign Envelopes:listStatusChanges: set FromDate or " +
			"EnvelopeIDs, because Docusign rejects a listing with neither")
	}
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("docusign Envelopes:listStatusChanges: %w", err)
	}
	q := url.Values{}
	if !opts.FromDate.IsZero() {
		q.Set("from_date", opts.FromDate.UTC().Format(time.RFC3339))
	}
	if !opts.ToDate.IsZero() {
		q.Set("to_date", opts.ToDate.UTC().Format(time.RFC3339))
	}
	setString(q, "from_to_status", opts.FromToStatus)
	setList(q, "status", opts.Status)
	setList(q, "envelope_ids", opts.EnvelopeIDs)
	setString(q, "custom_field", opts.CustomField)
	setString(q, "search_text", opts.SearchText)
	setInt(q, "count", opts.Count)
	setInt(q, "start_position", opts.StartPosition)
	setList(q, "include", opts.Include)
	setString(q, "order", opts.Order)
	setString(q, "order_by", opts.OrderBy)
	return q, nil
}

// validate checks the options that Docusign would reject with a less helpful message.
func (opts *ListStatusChangesOptions) validate() error {
	if !opts.ToDate.IsZero() && !opts.FromDate.IsZero() && opts.ToDate.Before(opts.FromDate) {
		return fmt.Errorf("ToDate %s is before FromDate %s: swap them",
			opts.ToDate.UTC().Format(time.RFC3339), opts.FromDate.UTC().Format(time.RFC3339))
	}
	if opts.Count < 0 || opts.Count > maxListCount {
		return fmt.Errorf("Count %d is out of range: pass 1 to %d, or 0 for Docusign's default",
			opts.Count, maxListCount)
	}
	if opts.StartPosition < 0 {
		return fmt.Errorf("StartPosition %d is negative: pass 0 or more", opts.StartPosition)
	}
	if opts.CustomField != "" && !strings.Contains(opts.CustomField, "=") {
		return fmt.Errorf("CustomField %q lacks '=': pass Name=Value",
			truncate(opts.CustomField, 60))
	}
	for _, id := range opts.EnvelopeIDs {
		if !isGUID(strings.TrimSpace(id)) {
			return fmt.Errorf("EnvelopeIDs entry %q is not a GUID: pass envelope ids as "+
				"Docusign returned them", truncate(id, 60))
		}
	}
	return nil
}

// Get returns one envelope (Envelopes:get,
// GET /v2.1/accounts/{accountId}/envelopes/{envelopeId}). opts may be nil.
func (s *EnvelopesService) Get(ctx context.Context, envelopeID string,
	opts *GetEnvelopeOptions) (*Envelope, *Response, error) {
	return s.get(ctx, envelopeID, opts, "")
}

func (s *EnvelopesService) get(ctx context.Context, envelopeID string,
	opts *GetEnvelopeOptions, action string) (*Envelope, *Response, error) {
	if err := checkID("Envelopes:get", "envelope id", envelopeID); err != nil {
		return nil, nil, err
	}
	query := url.Values{}
	if opts != nil {
		setList(query, "include", opts.Include)
	}
	ep := &endpoint{
		operation:    "Envelopes:get",
		action:       action,
		method:       http.MethodGet,
		pathTemplate: envelopePath,
		envelopeID:   envelopeID,
		mode:         modeIdempotent,
	}
	var out Envelope
	resp, err := s.client.call(ctx, ep, query, decodeJSON(&out, maxJSONBody), envelopeID)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// ListRecipients returns an envelope's recipients with their statuses
// (EnvelopeRecipients:list, GET /v2.1/accounts/{accountId}/envelopes/{envelopeId}/recipients).
func (s *EnvelopesService) ListRecipients(ctx context.Context, envelopeID string) (*Recipients,
	*Response, error) {
	if err := checkID("EnvelopeRecipients:list", "envelope id", envelopeID); err != nil {
		return nil, nil, err
	}
	ep := &endpoint{
		operation:    "EnvelopeRecipients:list",
		method:       http.MethodGet,
		pathTemplate: recipientsPath,
		envelopeID:   envelopeID,
		mode:         modeIdempotent,
	}
	var out Recipients
	resp, err := s.client.call(ctx, ep, nil, decodeJSON(&out, maxJSONBody), envelopeID)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}
