package docusign

import "time"

// ListStatusChangesOptions are the query parameters of Envelopes:listStatusChanges. Docusign
// requires FromDate or EnvelopeIDs, so ListStatusChanges rejects a call with neither before
// sending it. Zero values are not sent.
type ListStatusChangesOptions struct {
	// FromDate starts the date window that FromToStatus tests. It is sent as RFC 3339 in UTC.
	FromDate time.Time
	// ToDate ends the date window. Docusign defaults it to now.
	ToDate time.Time
	// FromToStatus names the event that the window tests: Changed (Docusign's default), Created,
	// Sent, Delivered, Signed, Completed, Declined, Voided, Deleted, TimedOut or Processing.
	FromToStatus string
	// Status filters on current status (created, sent, delivered, signed, completed, declined,
	// voided, deleted, processing, timedout, or any), sent as a comma-separated list.
	Status []string
	// EnvelopeIDs lists envelope GUIDs, sent as a comma-separated list.
	EnvelopeIDs []string
	// CustomField filters on one envelope custom field, as "Name=Value".
	CustomField string
	// SearchText is free text matched against envelope fields.
	SearchText string
	// Count is the page size, at most 1000. Zero leaves Docusign's default.
	Count int
	// StartPosition is the 0-based index of the first result.
	StartPosition int
	// Include lists extra data: custom_fields, documents, attachments, extensions, folders,
	// recipients, powerform, payment_tabs.
	Include []string
	// Order is asc or desc.
	Order string
	// OrderBy is one of last_modified, created, completed, sent, status, status_changed,
	// subject, envelope_name, expire, signer_list, user_name, action_required.
	OrderBy string
}

// GetEnvelopeOptions are the query parameters of Envelopes:get.
type GetEnvelopeOptions struct {
	// Include lists extra data: custom_fields, documents, attachments, extensions, folders,
	// recipients, powerform, tabs, payment_tabs.
	Include []string
}

// ListTemplatesOptions are the query parameters of Templates:list. Zero values are not sent.
type ListTemplatesOptions struct {
	// SearchText matches template names and other fields, at most 48 characters.
	SearchText string
	// Count is the page size. Zero leaves Docusign's default.
	Count int
	// StartPosition is the 0-based index of the first result.
	StartPosition int
	// FolderIDs limits the search to these folders, sent as a comma-separated list.
	FolderIDs []string
	// Include lists extra data: powerforms, documents, folders, favorite_template_status,
	// advanced_templates, recipients, custom_fields, notifications.
	Include []string
	// Order is asc or desc.
	Order string
	// OrderBy is name, modified or used.
	OrderBy string
	// UserFilter is owned_by_me, shared_with_me or all.
	UserFilter string
}
