package tools

import (
	"context"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
)

// envelopeStates are the normalised states of get_envelope_status.
var envelopeStates = []string{"draft", "in_progress", "completed", "declined", "voided",
	"expired", "unknown"}

type envelopeIDInput struct {
	EnvelopeID string `json:"envelope_id" jsonschema:"minLength=36,maxLength=36"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (envelopeIDInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"envelope_id": "Envelope GUID, as create_envelope or list_envelopes return it.",
	})
}

func (in *envelopeIDInput) validate() *ToolError {
	return checkGUID("envelope_id", in.EnvelopeID, "envelope id")
}

type envelopeStatusInput struct {
	EnvelopeID string `json:"envelope_id" jsonschema:"minLength=36,maxLength=36"`
	Refresh    bool   `json:"refresh,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (envelopeStatusInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"envelope_id": "Envelope GUID, as create_envelope or list_envelopes return it.",
		"refresh": "Read from Docusign even if the stored status is fresh. Ignored, and the " +
			"stored status returned, until next_live_read_at: Docusign allows one status " +
			"read per envelope per 15 minutes.",
	})
}

type envelopeStatusOutput struct {
	EnvelopeID string `json:"envelope_id"`
	Status     string `json:"status"`
	State      string `json:"state"`

	EmailSubject string `json:"email_subject,omitempty"`
	CreatedAt    string `json:"created_at,omitempty"`
	SentAt       string `json:"sent_at,omitempty"`
	DeliveredAt  string `json:"delivered_at,omitempty"`
	CompletedAt  string `json:"completed_at,omitempty"`
	DeclinedAt   string `json:"declined_at,omitempty"`
	VoidedAt     string `json:"voided_at,omitempty"`
	VoidReason   string `json:"void_reason,omitempty"`
	ExpiresAt    string `json:"expires_at,omitempty"`
	ChangedAt    string `json:"status_changed_at,omitempty"`

	Recipients   []recipientStatus `json:"recipients"`
	CustomFields []fieldValue      `json:"custom_fields,omitempty"`

	Source         string `json:"source"`
	AgeSeconds     int    `json:"age_seconds"`
	NextLiveReadAt string `json:"next_live_read_at,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (envelopeStatusOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	setEnum(s, "state", envelopeStates...)
	describe(s, map[string]string{
		"status": "Docusign's raw status, such as created, sent, delivered, completed, declined " +
			"or voided.",
		"state": "Normalised state. expired is a voided envelope that lapsed; voided was voided " +
			"by a sender.",
		"source": "cache when the server's stored status answered, docusign when Docusign " +
			"was read for this call.",
		"age_seconds": "Seconds since Docusign reported this status. Completed, declined and " +
			"voided envelopes never change, so their stored status answers at any age.",
		"custom_fields": "The envelope's custom fields. Values that look like identity, bank " +
			"or card numbers are masked unless the server's policy lets this caller see them.",
		"next_live_read_at": "RFC 3339 time from which a call reads the status from " +
			"Docusign again; until then the stored status answers, refresh included. " +
			"Missing for a final status.",
	})
	setEnum(s, "source", statusSourceCache, statusSourceDocusign)
}

type recipientStatus struct {
	RecipientID   string `json:"recipient_id"`
	Type          string `json:"type" jsonschema:"enum=signer,enum=carbon_copy"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	RoleName      string `json:"role_name,omitempty"`
	RoutingOrder  int    `json:"routing_order"`
	Status        string `json:"status"`
	SentAt        string `json:"sent_at,omitempty"`
	DeliveredAt   string `json:"delivered_at,omitempty"`
	SignedAt      string `json:"signed_at,omitempty"`
	DeclinedAt    string `json:"declined_at,omitempty"`
	DeclineReason string `json:"decline_reason,omitempty"`
	// Tabs are the recipient's tabs that have a value, such as prefilled or entered text.
	Tabs []fieldValue `json:"tabs,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (recipientStatus) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"status": "Docusign's raw recipient status, such as created, sent, delivered, completed " +
			"or declined.",
		"tabs": "Tabs with a value, by label. Values that look like identity, bank or card " +
			"numbers are masked unless the server's policy lets this caller see them.",
	})
}

func newGetEnvelopeStatus(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[envelopeStatusInput, envelopeStatusOutput]{
		name: "get_envelope_status",
		description: "Reads only. Returns an envelope's status, subject, times, void reason " +
			"(telling an expired envelope from one a sender voided) and its recipients with " +
			"type, routing order, status, times and decline reason. A recently read or " +
			"final status comes from the server's store (source cache, with age_seconds). " +
			"Poll an envelope at most every 15 minutes: Docusign limits status polling per " +
			"envelope.",
		readOnly:   true,
		idempotent: true,
		validate: func(in *envelopeStatusInput) *ToolError {
			return checkGUID("envelope_id", in.EnvelopeID, "envelope id")
		},
		envelopeID: func(in *envelopeStatusInput) string { return in.EnvelopeID },
		run: func(ctx context.Context, in *envelopeStatusInput) (envelopeStatusOutput,
			[]content, *ToolError) {
			return getEnvelopeStatus(ctx, d, in)
		},
	})
}

// readEnvelopeStatus reads an envelope and its recipients from Docusign.
func readEnvelopeStatus(ctx context.Context, d *Deps, envelopeID string) (envelopeStatusOutput,
	*ToolError) {
	what := "envelope " + envelopeID
	env, _, err := d.Docusign.Envelopes.Get(ctx, envelopeID,
		&docusign.GetEnvelopeOptions{Include: []string{"recipients", "tabs", "custom_fields"}})
	if err != nil {
		return envelopeStatusOutput{}, fromDocusign(err, what, d.Now())
	}
	recipients := env.Recipients
	if recipients == nil {
		recipients, _, err = d.Docusign.Envelopes.ListRecipients(ctx, envelopeID)
		if err != nil {
			return envelopeStatusOutput{}, fromDocusign(err, what, d.Now())
		}
	}
	out := envelopeStatus(env)
	out.Recipients = recipientStatuses(recipients)
	out.CustomFields = customFieldValues(env.CustomFields)
	return out, nil
}

func envelopeStatus(env *docusign.Envelope) envelopeStatusOutput {
	return envelopeStatusOutput{
		EnvelopeID:   env.EnvelopeID,
		Status:       env.Status,
		State:        normalState(env),
		EmailSubject: env.EmailSubject,
		CreatedAt:    formatTime(env.CreatedDateTime),
		SentAt:       formatTime(env.SentDateTime),
		DeliveredAt:  formatTime(env.DeliveredDateTime),
		CompletedAt:  formatTime(env.CompletedDateTime),
		DeclinedAt:   formatTime(env.DeclinedDateTime),
		VoidedAt:     formatTime(env.VoidedDateTime),
		VoidReason:   env.VoidedReason,
		ExpiresAt:    formatTime(env.ExpireDateTime),
		ChangedAt:    formatTime(env.StatusChangedDateTime),
		Recipients:   []recipientStatus{},
	}
}

// normalState maps Docusign's open set of statuses to a few states. Docusign shows an expired
// envelope as voided, so a voided envelope counts as expired when it was voided at or after
// its expiry time, or, when either time is missing, its void reason mentions expiry.
func normalState(env *docusign.Envelope) string {
	switch strings.ToLower(env.Status) {
	case "created":
		return "draft"
	case "sent", "delivered", "signed", "correct":
		return "in_progress"
	case "completed":
		return "completed"
	case "declined":
		return "declined"
	case "voided":
		if isExpired(env) {
			return "expired"
		}
		return "voided"
	case "timedout":
		return "expired"
	}
	return "unknown"
}

// isExpired distinguishes an expired envelope from one voided by a sender. The times decide
// when both are known, because a sender's void reason may mention expiry too.
// NOTE: the exact void reason Docusign writes on expiry is not confirmed by a Docusign source,
// so the word is only the fallback.
func isExpired(env *docusign.Envelope) bool {
	voided, err1 := docusign.ParseTime(env.VoidedDateTime)
	expires, err2 := docusign.ParseTime(env.ExpireDateTime)
	if err1 == nil && err2 == nil {
		return !voided.Before(expires)
	}
	return strings.Contains(strings.ToLower(env.VoidedReason), "expire")
}

func recipientStatuses(r *docusign.Recipients) []recipientStatus {
	out := []recipientStatus{}
	if r == nil {
		return out
	}
	for _, s := range r.Signers {
		out = append(out, recipientStatus{
			RecipientID: s.RecipientID, Type: "signer", Name: s.Name, Email: s.Email,
			RoleName: s.RoleName, RoutingOrder: atoi(s.RoutingOrder), Status: s.Status,
			SentAt: formatTime(s.SentDateTime), DeliveredAt: formatTime(s.DeliveredDateTime),
			SignedAt: formatTime(s.SignedDateTime), DeclinedAt: formatTime(s.DeclinedDateTime),
			DeclineReason: s.DeclinedReason, Tabs: tabValues(s.Tabs),
		})
	}
	for _, c := range r.CarbonCopies {
		out = append(out, recipientStatus{
			RecipientID: c.RecipientID, Type: "carbon_copy", Name: c.Name, Email: c.Email,
			RoleName: c.RoleName, RoutingOrder: atoi(c.RoutingOrder), Status: c.Status,
			SentAt: formatTime(c.SentDateTime), DeliveredAt: formatTime(c.DeliveredDateTime),
			SignedAt: formatTime(c.SignedDateTime), DeclinedAt: formatTime(c.DeclinedDateTime),
			DeclineReason: c.DeclinedReason,
		})
	}
	return out
}

// atoi reads a number Docusign sent as a string, or 0 when it is not one.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

type voidEnvelopeInput struct {
	EnvelopeID string `json:"envelope_id" jsonschema:"minLength=36,maxLength=36"`
	Reason     string `json:"reason" jsonschema:"minLength=1,maxLength=200"`

	ConfirmationToken string `json:"confirmation_token,omitempty" jsonschema:"minLength=1"`

	SenderUserID string `json:"sender_user_id,omitempty" jsonschema:"minLength=36,maxLength=36"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (voidEnvelopeInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"envelope_id": "Envelope GUID.",
		"reason":      "Why the envelope is voided. Docusign shows it to the recipients.",
		"confirmation_token": "Token from a confirmation_required result, after the user " +
			"approved its summary. Pass it with the same envelope_id and reason.",
		"sender_user_id": "Docusign user GUID to act for. Default: the server's configured " +
			"user. The policy must allow the user.",
	})
}

type envelopeActionOutput struct {
	EnvelopeID string `json:"envelope_id"`
	Action     string `json:"action" jsonschema:"enum=voided,enum=resent"`
}

func newVoidEnvelope(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[voidEnvelopeInput, voidEnvelopeOutput]{
		name: "void_envelope",
		description: "Cancels an envelope for good: recipients can no longer sign, receive a " +
			"notice with the reason, and it cannot be undone. Confirm with the user first. " +
			"Only sent or delivered envelopes can be voided; a draft, completed, declined " +
			"or already voided one returns invalid_state, except that repeating a void " +
			"with the same reason returns action voided with replayed true and voids " +
			"nothing again. The server may require a " +
			"person's approval: it asks through the client, or returns action " +
			"confirmation_required with a token to pass back once the user approved.",
		destructive: true,
		idempotent:  true,
		write:       true,
		validate:    validateVoid,
		sender:      func(in *voidEnvelopeInput) string { return in.SenderUserID },
		envelopeID:  func(in *voidEnvelopeInput) string { return in.EnvelopeID },
		approve: func(ctx context.Context, call mcp.CallToolRequest,
			in *voidEnvelopeInput) (*mcp.CallToolResult, *ToolError) {
			return approveVoid(ctx, d, call, in)
		},
		run: func(ctx context.Context, in *voidEnvelopeInput) (voidEnvelopeOutput, []content,
			*ToolError) {
			if replayVoid(ctx, d, in) {
				return voidEnvelopeOutput{EnvelopeID: in.EnvelopeID, Action: "voided",
					Replayed: true}, nil, nil
			}
			summary, _, err := d.Docusign.Envelopes.Void(ctx, in.EnvelopeID, in.Reason)
			if terr := updateFailure(ctx, d, summary, err, in.EnvelopeID); terr != nil {
				return voidEnvelopeOutput{}, nil, terr
			}
			return voidEnvelopeOutput{EnvelopeID: in.EnvelopeID, Action: "voided"}, nil, nil
		},
		policyDetails: voidPolicyRequest,
	})
}

// replayVoid reads the envelope and reports whether it is already voided with in's reason,
// as it is when an earlier call's void reached Docusign but its result was lost, such as in
// a crash. Such a call is a replay, which must not send the void again. A failed read
// returns false and leaves the outcome to the void itself.
func replayVoid(ctx context.Context, d *Deps, in *voidEnvelopeInput) bool {
	env, _, err := d.Docusign.Envelopes.Get(ctx, in.EnvelopeID, nil)
	if err != nil || env == nil {
		d.Logger.DebugContext(ctx, "reading the envelope before a void failed",
			"envelope_id", in.EnvelopeID, "error", err)
		return false
	}
	return env.Status == "voided" &&
		strings.TrimSpace(env.VoidedReason) == strings.TrimSpace(in.Reason)
}

func validateVoid(in *voidEnvelopeInput) *ToolError {
	if terr := checkGUID("envelope_id", in.EnvelopeID, "envelope id"); terr != nil {
		return terr
	}
	if terr := checkSender(in.SenderUserID); terr != nil {
		return terr
	}
	if strings.TrimSpace(in.Reason) == "" {
		return invalidArgument("reason", "reason is missing: say why the envelope is voided, "+
			"in at most 200 characters; recipients see it")
	}
	return checkText("reason", in.Reason, true, 200)
}

func newResendEnvelope(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[resendEnvelopeInput, envelopeActionOutput]{
		name: "resend_envelope",
		description: "Emails the signing request again to the recipients whose turn it is. " +
			"Each call sends another email, so do not repeat it. Works on sent or " +
			"delivered envelopes. The policy limits resends per envelope (by default one " +
			"per hour and three in all); a denied resend names the next allowed time.",
		destructive: true,
		write:       true,
		validate:    (*resendEnvelopeInput).validate,
		envelopeID:  func(in *resendEnvelopeInput) string { return in.EnvelopeID },
		sender:      func(in *resendEnvelopeInput) string { return in.SenderUserID },
		policyDetails: func(in *resendEnvelopeInput) policy.Request {
			return policy.Request{Sender: in.SenderUserID}
		},
		run: func(ctx context.Context, in *resendEnvelopeInput) (envelopeActionOutput,
			[]content, *ToolError) {
			release, terr := d.reserveResend(ctx, in.EnvelopeID)
			if terr != nil {
				return envelopeActionOutput{}, nil, terr
			}
			summary, _, err := d.Docusign.Envelopes.Resend(ctx, in.EnvelopeID)
			if terr := updateFailure(ctx, d, summary, err, in.EnvelopeID); terr != nil {
				if terr.Code != CodeOutcomeUnknown {
					release()
				}
				return envelopeActionOutput{}, nil, terr
			}
			return envelopeActionOutput{EnvelopeID: in.EnvelopeID, Action: "resent"}, nil, nil
		},
	})
}

// updateFailure returns the failure of an envelope update, or nil. Docusign can respond to an
// update with 200 and an errorDetails body, which counts as a failure too.
func updateFailure(ctx context.Context, d *Deps, summary *docusign.EnvelopeUpdateSummary,
	err error, envelopeID string) *ToolError {
	what := "envelope " + envelopeID
	var terr *ToolError
	switch {
	case err != nil:
		terr = fromDocusign(err, what, d.Now())
	case summary != nil && summary.ErrorDetails != nil && summary.ErrorDetails.ErrorCode != "":
		details := summary.ErrorDetails
		terr = fromDocusign(&docusign.APIError{StatusCode: 200, ErrorCode: details.ErrorCode,
			Message: details.Message, Operation: "Envelopes:update"}, what, d.Now())
	default:
		return nil
	}
	if terr.Code == CodeInvalidState {
		addCurrentStatus(ctx, d, envelopeID, terr)
	}
	return terr
}

// addCurrentStatus reads the envelope's status and states it in an invalid_state error, so
// the agent need not call get_envelope_status. A failed read leaves the error as it was.
func addCurrentStatus(ctx context.Context, d *Deps, envelopeID string, terr *ToolError) {
	env, _, err := d.Docusign.Envelopes.Get(ctx, envelopeID, nil)
	if err != nil || env == nil || env.Status == "" {
		d.Logger.DebugContext(ctx, "reading the status for an invalid_state error failed",
			"envelope_id", envelopeID, "error", err)
		return
	}
	docusignText := strings.TrimPrefix(terr.Message,
		"envelope "+envelopeID+" is not in a state that allows this: ")
	terr.Message = "envelope " + envelopeID + " is " + env.Status +
		", a status that does not allow this: " + docusignText
	terr.NextStep = "do not repeat the call: only sent or delivered envelopes can be " +
		"voided or resent"
}
