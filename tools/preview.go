package tools

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
)

type previewEnvelopeOutput struct {
	Profile      string `json:"profile,omitempty"`
	MatterID     string `json:"matter_id,omitempty"`
	Source       string `json:"source"`
	Status       string `json:"status"`
	EmailSubject string `json:"email_subject"`
	EmailMessage string `json:"email_message,omitempty"`
	TemplateID   string `json:"template_id,omitempty"`
	TemplateName string `json:"template_name,omitempty"`

	Recipients   []previewRecipient   `json:"recipients"`
	Documents    []previewDocument    `json:"documents"`
	CustomFields []previewCustomField `json:"custom_fields"`
	Notification *previewNotification `json:"notification,omitempty"`

	Policy           previewPolicy `json:"policy"`
	RequiresApproval bool          `json:"requires_approval"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (previewEnvelopeOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"recipients": "Everyone the envelope goes to, by routing order: recipients with " +
			"the same routing_order receive it in parallel, a higher one after all lower " +
			"ones have finished.",
		"documents": "Documents by name and size. A template's documents have a page " +
			"count but no size.",
		"notification": "Reminder and expiration settings. Missing: the account's defaults.",
		"policy": "What the policy decides for create_envelope with the same arguments. " +
			"Preview itself creates nothing.",
		"requires_approval": "Whether create_envelope with these arguments asks a person " +
			"to confirm before it sends.",
	})
}

type previewRecipient struct {
	RecipientID  string       `json:"recipient_id,omitempty"`
	Type         string       `json:"type" jsonschema:"enum=signer,enum=carbon_copy"`
	Role         string       `json:"role,omitempty"`
	Name         string       `json:"name"`
	Email        string       `json:"email"`
	RoutingOrder int          `json:"routing_order"`
	Tabs         []previewTab `json:"tabs,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (previewRecipient) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"email": "Address as the caller passed it. An address that the routing profile " +
			"adds is masked unless the caller may see sensitive values.",
	})
}

type previewTab struct {
	Type         string `json:"type"`
	Label        string `json:"label,omitempty"`
	Value        string `json:"value,omitempty"`
	AnchorString string `json:"anchor_string,omitempty"`
	DocumentID   string `json:"document_id,omitempty"`
	Page         string `json:"page,omitempty"`
}

type previewDocument struct {
	DocumentID    string `json:"document_id"`
	Name          string `json:"name"`
	FileExtension string `json:"file_extension,omitempty"`
	SizeBytes     int    `json:"size_bytes,omitempty"`
	Pages         string `json:"pages,omitempty"`
}

type previewCustomField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Show  bool   `json:"show"`
}

type previewNotification struct {
	ReminderDelayDays     int `json:"reminder_delay_days,omitempty"`
	ReminderFrequencyDays int `json:"reminder_frequency_days,omitempty"`
	ExpireAfterDays       int `json:"expire_after_days,omitempty"`
	ExpireWarnDays        int `json:"expire_warn_days,omitempty"`
}

type previewPolicy struct {
	Allowed bool   `json:"allowed"`
	Code    string `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Rule    string `json:"rule,omitempty"`
}

const previewEnvelopeDescription = "Shows the envelope that create_envelope would create " +
	"with the same arguments, without creating or sending anything and without asking " +
	"for approval: recipients with roles and routing order (same order = parallel), " +
	"copies, documents by name and size, tabs, custom fields, reminders and expiration, " +
	"and the subject, after the routing profile is expanded and the template is checked. " +
	"It also says whether the policy would allow the create and whether it would need " +
	"approval. Takes exactly the arguments of create_envelope."

func newPreviewEnvelope(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[createEnvelopeInput, previewEnvelopeOutput]{
		name:        "preview_envelope",
		description: previewEnvelopeDescription,
		readOnly:    true,
		idempotent:  true,
		validate: func(in *createEnvelopeInput) *ToolError {
			return validateRoutedCreate(d, in)
		},
		sender: func(in *createEnvelopeInput) string { return in.SenderUserID },
		// The preview reads templates as sender_user_id, so the senders rule applies to
		// it; the other rules of a create are reported in the output instead.
		policyDetails: func(in *createEnvelopeInput) policy.Request {
			return policy.Request{Sender: in.SenderUserID}
		},
		run: func(ctx context.Context, in *createEnvelopeInput) (previewEnvelopeOutput,
			[]content, *ToolError) {
			return previewEnvelope(ctx, d, in)
		},
	})
}

// previewEnvelope builds the envelope definition as create_envelope does, template
// pre-flight included, and describes it instead of sending it.
func previewEnvelope(ctx context.Context, d *Deps, in *createEnvelopeInput) (
	previewEnvelopeOutput, []content, *ToolError) {
	in.ConfirmationToken = ""
	var template *docusign.EnvelopeTemplate
	if in.Source == "template" {
		var terr *ToolError
		if template, terr = lookUpTemplate(ctx, d, in); terr != nil {
			return previewEnvelopeOutput{}, nil, terr
		}
	}
	def, terr := definitionFor(in, template)
	if terr != nil {
		return previewEnvelopeOutput{}, nil, terr
	}
	out := previewEnvelopeOutput{Source: in.Source, Status: def.Status,
		EmailSubject: def.EmailSubject, EmailMessage: def.EmailBlurb,
		TemplateID: def.TemplateID, Documents: previewDocuments(in, template),
		CustomFields: previewCustomFields(def.CustomFields),
		Notification: previewNotificationOf(def.Notification)}
	if template != nil {
		out.TemplateName = template.Name
		if out.EmailSubject == "" {
			out.EmailSubject = template.EmailSubject
		}
	}
	if in.routing != nil {
		out.Profile, out.MatterID = in.routing.profile.Name, in.Matter.ID
	}
	out.Recipients = previewRecipients(def, template)
	maskProfileEmails(ctx, d, in.routing, out.Recipients)
	out.Policy = d.previewDecision(ctx, in)
	out.RequiresApproval = d.sendNeedsApproval(ctx, in)
	return out, nil, nil
}

// previewDecision returns the policy's decision on create_envelope with the expanded input,
// without recording it as this call's decision.
func (d *Deps) previewDecision(ctx context.Context, in *createEnvelopeInput) previewPolicy {
	req := createPolicyRequest(in)
	req.Principal, req.Tool = policy.PrincipalFrom(ctx), "create_envelope"
	ctx = withDecisionNote(ctx)
	decision, err := d.Policy.Decide(ctx, req)
	if err != nil {
		return previewPolicy{Code: "policy_error", Reason: "the policy check failed"}
	}
	return previewPolicy{Allowed: decision.Allow, Code: decision.Code,
		Reason: decision.Reason, Rule: decision.Rule}
}

// withDecisionNote gives ctx a decision note of its own, so that a decision made for the
// preview does not replace the call's decision in the audit record.
func withDecisionNote(ctx context.Context) context.Context {
	return context.WithValue(ctx, decisionNoteKey{}, &decisionNote{})
}

// sendNeedsApproval reports whether create_envelope would ask a person to confirm.
func (d *Deps) sendNeedsApproval(ctx context.Context, in *createEnvelopeInput) bool {
	if in.Status != "sent" || d.Approval == nil {
		return false
	}
	scope, err := d.Approval.ApprovalScope(ctx, policy.PrincipalFrom(ctx))
	return err != nil || slices.Contains(scope.RequireApproval, ApprovalSend)
}

// maskProfileEmails masks the addresses that the routing profile added from the policy
// file, unless the caller's scope may see sensitive values. The caller's own addresses stay
// as they were passed.
func maskProfileEmails(ctx context.Context, d *Deps, plan *routingPlan,
	recipients []previewRecipient) {
	if plan == nil || policy.ScopeOf(ctx, d.Policy).SeeSensitive {
		return
	}
	for i, r := range recipients {
		if slices.ContainsFunc(plan.fixedEmails, func(e string) bool {
			return strings.EqualFold(e, r.Email)
		}) {
			recipients[i].Email = maskEmail(r.Email)
		}
	}
}

func previewDocuments(in *createEnvelopeInput,
	template *docusign.EnvelopeTemplate) []previewDocument {
	docs := []previewDocument{}
	if template != nil {
		for _, doc := range template.Documents {
			docs = append(docs, previewDocument{DocumentID: doc.DocumentID, Name: doc.Name,
				Pages: doc.Pages})
		}
		return docs
	}
	for _, doc := range in.Documents {
		docs = append(docs, previewDocument{DocumentID: strconv.Itoa(doc.DocumentID),
			Name: doc.Name, FileExtension: doc.FileExtension, SizeBytes: len(doc.data)})
	}
	return docs
}

func previewCustomFields(fields *docusign.CustomFields) []previewCustomField {
	out := []previewCustomField{}
	if fields == nil {
		return out
	}
	for _, f := range fields.TextCustomFields {
		out = append(out, previewCustomField{Name: f.Name, Value: f.Value,
			Show: f.Show == "true"})
	}
	return out
}

func previewNotificationOf(n *docusign.Notification) *previewNotification {
	if n == nil {
		return nil
	}
	out := &previewNotification{}
	if r := n.Reminders; r != nil {
		out.ReminderDelayDays, _ = strconv.Atoi(r.ReminderDelay)
		out.ReminderFrequencyDays, _ = strconv.Atoi(r.ReminderFrequency)
	}
	if e := n.Expirations; e != nil {
		out.ExpireAfterDays, _ = strconv.Atoi(e.ExpireAfter)
		out.ExpireWarnDays, _ = strconv.Atoi(e.ExpireWarn)
	}
	return out
}
