package pdf

import (
	"fmt"
	"time"
)

// Agreement is the input of RenderAgreement: a short document with numbered clauses and a
// signature line for each party.
type Agreement struct {
	Title   string
	Intro   string // optional paragraph before the clauses
	Clauses []string
	Parties []AgreementParty
	Date    time.Time // PDF metadata date
}

// AgreementParty is one signature line of an Agreement.
type AgreementParty struct {
	Label      string // printed above the line, e.g. "Disclosing Party"
	SignAnchor string // anchor string of the signature tab, e.g. "/sig1/"
	DateAnchor string // anchor string of the date tab, e.g. "/date1/"
}

// RenderAgreement returns a PDF with the title, the clauses numbered from 1 and one
// signature line per party. As in RenderEngagementLetter, the anchors are white text in an
// uncompressed file, so Docusign-style anchor tabs find them and a test can read them.
func RenderAgreement(a Agreement) ([]byte, error) {
	w := newWriter(a.Title, a.Date)
	w.f.SetCompression(false)
	w.f.AddPage()
	w.heading(a.Title)
	if a.Intro != "" {
		w.paragraph(a.Intro)
	}
	for i, clause := range a.Clauses {
		w.paragraph(fmt.Sprintf("%d. %s", i+1, clause))
	}
	for _, p := range a.Parties {
		w.f.Ln(6)
		w.signatureBlock(p.Label, "", p.SignAnchor, p.DateAnchor)
	}
	return w.bytes()
}
