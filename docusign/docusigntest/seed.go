package docusigntest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ys88io/docusign-mcp/internal/pdf"
)

// Ids of the seed templates, fixed so tests and the demo can name them.
const (
	EngagementLetterTemplateID = "8f3c2a10-5d4e-4b6a-9c71-0e2f4a6b8d01"
	MutualNDATemplateID        = "8f3c2a10-5d4e-4b6a-9c71-0e2f4a6b8d02"
	InternalApprovalTemplateID = "8f3c2a10-5d4e-4b6a-9c71-0e2f4a6b8d03"
)

func signHere(anchor string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"signHereTabs":[{"anchorString":%q,`+
		`"anchorUnits":"pixels","anchorXOffset":"0","anchorYOffset":"-10",`+
		`"tabLabel":"Signature"}],"dateSignedTabs":[{"anchorString":%q,`+
		`"anchorUnits":"pixels","anchorXOffset":"0","anchorYOffset":"-10",`+
		`"tabLabel":"Date Signed"}]}`, anchor, strings.Replace(anchor, "sig", "date", 1)))
}

func (s *Server) seedTemplates() {
	letter, err := pdf.RenderEngagementLetter(pdf.EngagementLetter{
		Firm: "Hale & Morrow LLP", FirmSigner: "Engagement Partner", Client: "[Client]",
		ClientName: "[Client representative]", Matter: "[Matter]",
		FeeTerms: "as set out in the fee schedule", Date: s.now(),
	})
	if err != nil {
		panic(fmt.Sprintf("docusigntest: render seed engagement letter: %v", err))
	}
	nda, err := pdf.RenderAgreement(ndaAgreement(s.now()))
	if err != nil {
		panic(fmt.Sprintf("docusigntest: render seed NDA: %v", err))
	}
	approval, err := pdf.RenderAgreement(approvalAgreement(s.now()))
	if err != nil {
		panic(fmt.Sprintf("docusigntest: render seed approval form: %v", err))
	}
	for _, t := range seedTemplateList(letter, nda, approval) {
		if _, err := s.AddTemplate(t); err != nil {
			panic(fmt.Sprintf("docusigntest: seed template: %v", err))
		}
	}
}

// seedTemplateList returns the engagement letter, mutual NDA and internal approval
// templates, given the PDF of each one's document.
func seedTemplateList(letter, nda, approval []byte) []Template {
	return []Template{
		{
			ID: EngagementLetterTemplateID, Name: "Client Engagement Letter",
			Description:  "Engagement letter signed by the client, then by the partner.",
			EmailSubject: "Please sign your engagement letter",
			Documents: []TemplateDocument{{ID: "1", Name: "Engagement Letter.pdf",
				Content: letter}},
			Roles: []TemplateRole{
				{RoleName: "Client", RecipientID: "1", RoutingOrder: 1,
					Tabs: signHere(pdf.ClientSignatureAnchor)},
				{RoleName: "Partner", RecipientID: "2", RoutingOrder: 2,
					Tabs: signHere(pdf.FirmSignatureAnchor)},
				{RoleName: "Billing", RecipientID: "3", RoutingOrder: 3, CarbonCopy: true},
			},
		},
		{
			ID: MutualNDATemplateID, Name: "Mutual NDA",
			Description:  "Mutual non-disclosure agreement; both parties sign in parallel.",
			EmailSubject: "Please sign the mutual NDA",
			Documents:    []TemplateDocument{{ID: "1", Name: "Mutual NDA.pdf", Content: nda}},
			Roles: []TemplateRole{
				{RoleName: "Disclosing Party", RecipientID: "1", RoutingOrder: 1,
					Tabs: signHere("/sig1/")},
				{RoleName: "Receiving Party", RecipientID: "2", RoutingOrder: 1,
					Tabs: signHere("/sig2/")},
			},
		},
		{
			ID: InternalApprovalTemplateID, Name: "Internal Approval",
			Description:  "Spend approval: manager, then finance; the requester gets a copy.",
			EmailSubject: "Approval requested",
			Documents: []TemplateDocument{{ID: "1", Name: "Approval Form.pdf",
				Content: approval}},
			Roles: []TemplateRole{
				{RoleName: "Manager", RecipientID: "1", RoutingOrder: 1,
					Tabs: signHere("/sig1/")},
				{RoleName: "Finance", RecipientID: "2", RoutingOrder: 2,
					Tabs: signHere("/sig2/")},
				{RoleName: "Requester", RecipientID: "3", RoutingOrder: 3, CarbonCopy: true},
			},
		},
	}
}

// ndaAgreement is the document of the mutual NDA template. Its anchors match signHere.
func ndaAgreement(date time.Time) pdf.Agreement {
	return pdf.Agreement{
		Title: "Mutual Non-Disclosure Agreement",
		Clauses: []string{
			"Each party may disclose confidential information to the other to evaluate a " +
				"possible business relationship.",
			"The receiving party keeps the information confidential, uses it only for that " +
				"purpose and returns or destroys it on request.",
			"This agreement lasts two years from the date of the last signature.",
		},
		Parties: []pdf.AgreementParty{
			{Label: "Disclosing Party", SignAnchor: "/sig1/", DateAnchor: "/date1/"},
			{Label: "Receiving Party", SignAnchor: "/sig2/", DateAnchor: "/date2/"},
		},
		Date: date,
	}
}

// approvalAgreement is the document of the internal approval template.
func approvalAgreement(date time.Time) pdf.Agreement {
	return pdf.Agreement{
		Title: "Internal Spend Approval",
		Intro: "Request: purchase of outside counsel services above the delegated limit.",
		Parties: []pdf.AgreementParty{
			{Label: "Manager approval", SignAnchor: "/sig1/", DateAnchor: "/date1/"},
			{Label: "Finance approval", SignAnchor: "/sig2/", DateAnchor: "/date2/"},
		},
		Date: date,
	}
}
