package tools

import "github.com/invopop/jsonschema"

// resendEnvelopeInput is the input of resend_envelope.
type resendEnvelopeInput struct {
	EnvelopeID   string `json:"envelope_id" jsonschema:"minLength=36,maxLength=36"`
	SenderUserID string `json:"sender_user_id,omitempty" jsonschema:"minLength=36,maxLength=36"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (resendEnvelopeInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"envelope_id": "Envelope GUID, as create_envelope or list_envelopes return it.",
		"sender_user_id": "Docusign user GUID to act for. Default: the server's configured " +
			"user. The policy must allow the user.",
	})
}

func (in *resendEnvelopeInput) validate() *ToolError {
	if terr := checkGUID("envelope_id", in.EnvelopeID, "envelope id"); terr != nil {
		return terr
	}
	return checkSender(in.SenderUserID)
}

// checkSender checks the optional sender_user_id: empty, or a user GUID.
func checkSender(id string) *ToolError {
	if id == "" {
		return nil
	}
	return checkGUID("sender_user_id", id, "Docusign user id")
}
