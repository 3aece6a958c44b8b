package tools

import (
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/policy"
)

func TestMaskSensitive(t *testing.T) {
	tests := []struct {
		name       string
		input      string
		want       string
		wantMasked bool
	}{
		{name: "us ssn", input: "SSN 123-45-6789.", want: "SSN ***-**-6789.",
			wantMasked: true},
		{name: "ssn with spaces", input: "123 45 6789", want: "*** ** 6789", wantMasked: true},
		{name: "visa test card", input: "card 4111 1111 1111 1111",
			want: "card **** **** **** 1111", wantMasked: true},
		{name: "card without separators", input: "5555555555554444",
			want: "************4444", wantMasked: true},
		{name: "luhn invalid digits", input: "order 4111111111111112",
			want: "order 4111111111111112"},
		{name: "iban in groups", input: "pay to GB82 WEST 1234 5698 7654 32",
			want: "pay to **** **** **** **** **54 32", wantMasked: true},
		{name: "iban with wrong check digits", input: "GB00WEST12345698765432",
			want: "GB00WEST12345698765432"},
		{name: "date and amount", input: "due 2026-06-01, 1,250.00 USD",
			want: "due 2026-06-01, 1,250.00 USD"},
		{name: "phone number", input: "+1 415 555 0100", want: "+1 415 555 0100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, masked := maskSensitive(tt.input)
			if got != tt.want {
				t.Errorf("maskSensitive(%q) = %q, want %q", tt.input, got, tt.want)
			}
			if masked != tt.wantMasked {
				t.Errorf("maskSensitive(%q) masked = %v, want %v", tt.input, masked,
					tt.wantMasked)
			}
		})
	}
}

func TestMaskResultSkipsIDs(t *testing.T) {
	raw := []byte(`{"envelope_id":"4111111111111111","reason":"4111111111111111",` +
		`"list":["123-45-6789"]}`)
	got, err := maskResult(raw)
	if err != nil {
		t.Fatalf("maskResult failed: %v", err)
	}
	want := `{"envelope_id":"4111111111111111","list":["***-**-6789"],` +
		`"reason":"************1111"}`
	if string(got) != want {
		t.Errorf("maskResult = %s, want %s", got, want)
	}
}

func TestVoidReasonMaskedOverHTTP(t *testing.T) {
	const reason = "sent to the wrong client, SSN 123-45-6789"
	tests := []struct {
		name      string
		sensitive bool
		want      string
	}{
		{name: "masked by default", want: "sent to the wrong client, SSN ***-**-6789"},
		{name: "shown with see_sensitive", sensitive: true, want: reason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(d *Deps) {
				d.Policy = &scopedDecider{scope: policy.Scope{SeeSensitive: tt.sensitive}}
			})
			c := h.httpClient(t)
			var created createEnvelopeOutput
			mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")),
				&created)
			args := map[string]any{"envelope_id": created.EnvelopeID, "reason": reason}
			var voided envelopeActionOutput
			mustSucceed(t, callTool(t, c, "void_envelope", args), &voided)
			res := callTool(t, c, "get_envelope_status",
				map[string]any{"envelope_id": created.EnvelopeID})
			var out envelopeStatusOutput
			mustSucceed(t, res, &out)
			if out.VoidReason != tt.want {
				t.Errorf("void_reason = %q, want %q", out.VoidReason, tt.want)
			}
			if !tt.sensitive && strings.Contains(resultText(res), "6789") &&
				strings.Contains(resultText(res), "123-45") {
				t.Errorf("result text %s shows the unmasked number", resultText(res))
			}
		})
	}
}

func TestFieldValuesMaskedOverHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.httpClient(t)
	args := documentsEnvelope(t, "sent")
	args["custom_fields"] = []any{map[string]any{"name": "Card", "value": "4111 1111 1111 1111"}}
	signer := args["signers"].([]any)[0].(map[string]any)
	signer["tabs"] = []any{map[string]any{"type": "text", "label": "SSN", "value": "123-45-6789",
		"document_id": 7, "page": 1, "x": 100, "y": 200}}
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", args), &created)
	var out envelopeStatusOutput
	mustSucceed(t, callTool(t, c, "get_envelope_status",
		map[string]any{"envelope_id": created.EnvelopeID}), &out)
	wantFields := []fieldValue{{Name: "Card", Value: "**** **** **** 1111"}}
	if !jsonEqual(out.CustomFields, wantFields) {
		t.Errorf("custom_fields = %+v, want %+v", out.CustomFields, wantFields)
	}
	if len(out.Recipients) == 0 {
		t.Fatalf("get_envelope_status returned no recipients")
	}
	wantTabs := []fieldValue{{Name: "SSN", Value: "***-**-6789"}}
	if !jsonEqual(out.Recipients[0].Tabs, wantTabs) {
		t.Errorf("signer tabs = %+v, want %+v", out.Recipients[0].Tabs, wantTabs)
	}
}
