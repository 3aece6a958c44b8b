package pdf

import (
	"fmt"
	"time"
)

// Anchor strings of the engagement letter. Docusign places a tab wherever a document
// contains its anchorString, so signHereTabs with these anchors land on the signature lines.
const (
	ClientSignatureAnchor = "/sig1/"
	FirmSignatureAnchor   = "/sig2/"
	ClientDateAnchor      = "/date1/"
	FirmDateAnchor        = "/date2/"
)

// EngagementLetter is the input of RenderEngagementLetter.
type EngagementLetter struct {
	Firm       string // e.g. "Hale & Morrow LLP"
	FirmSigner string // partner who signs second
	Client     string // client company
	ClientName string // client representative who signs first
	Matter     string // e.g. "Acquisition of Northwind Ltd"
	FeeTerms   string // e.g. "USD 450 per hour, billed monthly"
	Date       time.Time
}

// RenderEngagementLetter returns a two-page engagement letter. The anchors "/sig1/" and
// "/date1/" mark the client's signature line, "/sig2/" and "/date2/" the firm's. Anchors are
// printed in white so they do not show, and the file is left uncompressed so a test can
// find them in the bytes.
func RenderEngagementLetter(l EngagementLetter) ([]byte, error) {
	w := newWriter("Engagement Letter - "+l.Matter, l.Date)
	w.f.SetCompression(false)
	w.f.AddPage()
	w.letterFirstPage(l)
	w.f.AddPage()
	w.letterSecondPage(l)
	return w.bytes()
}

func (w *writer) letterFirstPage(l EngagementLetter) {
	w.heading(l.Firm)
	w.paragraph(l.Date.UTC().Format("2 January 2006"))
	w.paragraph(fmt.Sprintf("%s\nAttention: %s", l.Client, l.ClientName))
	w.subheading("Engagement Letter: " + l.Matter)
	w.paragraph(fmt.Sprintf("Dear %s,", l.ClientName))
	w.paragraph(fmt.Sprintf("Thank you for choosing %s. This letter sets out the scope of "+
		"our engagement, our fees and the terms on which we will act for %s in the matter "+
		"named above.", l.Firm, l.Client))
	w.subheading("1. Scope of the engagement")
	w.paragraph("We will advise on the structure of the transaction, review and negotiate " +
		"the transaction documents, coordinate due diligence and attend the closing. Work " +
		"outside this scope needs a written amendment to this letter.")
	w.subheading("2. Fees and expenses")
	w.paragraph(fmt.Sprintf("Our fees are %s. Disbursements such as filing fees and courier "+
		"costs are charged at cost. Invoices are payable within 30 days.", l.FeeTerms))
	w.subheading("3. Conflicts and confidentiality")
	w.paragraph("We have run a conflict check and found no conflict. We keep all client " +
		"information confidential, except where the law requires disclosure.")
}

func (w *writer) letterSecondPage(l EngagementLetter) {
	w.subheading("4. Term and termination")
	w.paragraph("Either party may end this engagement by written notice. Fees for work done " +
		"before termination remain payable.")
	w.subheading("5. Governing law")
	w.paragraph("This letter is governed by the laws of the State of New York.")
	w.paragraph("Please sign below to confirm your agreement to these terms.")
	w.f.Ln(6)
	w.signatureBlock("For "+l.Client, l.ClientName, ClientSignatureAnchor, ClientDateAnchor)
	w.f.Ln(8)
	w.signatureBlock("For "+l.Firm, l.FirmSigner, FirmSignatureAnchor, FirmDateAnchor)
}

// signatureBlock prints a signature line with its anchors in white just above the line.
func (w *writer) signatureBlock(party, name, signAnchor, dateAnchor string) {
	w.f.SetFont("Helvetica", "B", 10)
	w.f.MultiCell(textWidth, lineHeight, w.tr(party), "", "L", false)
	w.f.Ln(8)
	y := w.f.GetY()
	w.f.SetTextColor(255, 255, 255)
	w.f.SetFont("Helvetica", "", 8)
	w.f.SetXY(margin, y-4)
	w.f.CellFormat(80, 4, signAnchor, "", 0, "L", false, 0, "")
	w.f.SetXY(margin+100, y-4)
	w.f.CellFormat(50, 4, dateAnchor, "", 0, "L", false, 0, "")
	w.f.SetTextColor(0, 0, 0)
	w.f.Line(margin, y, margin+80, y)
	w.f.Line(margin+100, y, margin+150, y)
	w.f.SetXY(margin, y+1)
	w.f.SetFont("Helvetica", "", 9)
	w.f.CellFormat(100, lineHeight, w.tr(name), "", 0, "L", false, 0, "")
	w.f.CellFormat(50, lineHeight, "Date", "", 1, "L", false, 0, "")
}
