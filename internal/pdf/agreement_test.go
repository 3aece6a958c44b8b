package pdf

import (
	"bytes"
	"testing"
)

func TestRenderAgreementAnchors(t *testing.T) {
	data, err := RenderAgreement(Agreement{
		Title:   "Mutual Non-Disclosure Agreement",
		Clauses: []string{"Each party keeps the other's information confidential."},
		Parties: []AgreementParty{
			{Label: "Disclosing Party", SignAnchor: "/sig1/", DateAnchor: "/date1/"},
			{Label: "Receiving Party", SignAnchor: "/sig2/", DateAnchor: "/date2/"},
		},
		Date: created,
	})
	if err != nil {
		t.Fatalf("RenderAgreement: %v", err)
	}
	info, err := Check(data)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if info.Pages != 1 {
		t.Errorf("pages = %d, want 1", info.Pages)
	}
	for _, anchor := range []string{"/sig1/", "/date1/", "/sig2/", "/date2/"} {
		if !bytes.Contains(data, []byte("("+anchor+")")) {
			t.Errorf("anchor %s not found as a text string in the PDF", anchor)
		}
	}
}
