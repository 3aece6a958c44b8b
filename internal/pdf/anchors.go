package pdf

import (
	"bytes"
	"regexp"
	"strconv"
)

// anchorText matches one text string drawn at a position, as fpdf writes it into an
// uncompressed content stream: "BT 59.53 597.13 Td (/sig1/)Tj ET". Only strings that look
// like anchors, /name/, are kept.
var anchorText = regexp.MustCompile(`BT ([0-9.]+) ([0-9.]+) Td \((/[A-Za-z0-9_-]+/)\)\s*Tj`)

// anchorPosition is the position of an anchor string on a page, in points from the bottom
// left.
type anchorPosition struct {
	anchor string
	x, y   float64
}

// findAnchors returns the anchor strings on each page of data, by page number from 1.
// It reads only uncompressed content streams that follow their page object, which is how
// fpdf writes a file without compression, such as RenderEngagementLetter's. Other files
// yield no anchors.
// NOTE: a page whose content stream does not come right after its page object, or is
// compressed, gets no anchors, so its signature lines stay blank.
func findAnchors(data []byte) map[int][]anchorPosition {
	found := map[int][]anchorPosition{}
	pages := pageObject.FindAllIndex(data, -1)
	for i, page := range pages {
		end := len(data)
		if i+1 < len(pages) {
			end = pages[i+1][0]
		}
		start := bytes.Index(data[page[1]:end], []byte("stream"))
		if start < 0 {
			continue
		}
		content := data[page[1]+start : end]
		if stop := bytes.Index(content, []byte("endstream")); stop >= 0 {
			content = content[:stop]
		}
		for _, m := range anchorText.FindAllSubmatch(content, -1) {
			x, errX := strconv.ParseFloat(string(m[1]), 64)
			y, errY := strconv.ParseFloat(string(m[2]), 64)
			if errX == nil && errY == nil {
				found[i+1] = append(found[i+1], anchorPosition{anchor: string(m[3]), x: x, y: y})
			}
		}
	}
	return found
}

// stampAnchors writes each signed stamp's name at its signature anchors and its signing
// date at its date anchors, on the current page, whose height is pageHeight millimetres.
func (w *writer) stampAnchors(positions []anchorPosition, stamps []Stamp, pageHeight float64) {
	for _, p := range positions {
		text, bold := stampText(p.anchor, stamps)
		if text == "" {
			continue
		}
		style := ""
		if bold {
			style = "BI"
		}
		w.f.SetFont("Helvetica", style, 10)
		w.f.SetTextColor(20, 40, 130)
		w.f.Text(p.x*mmPerPoint, pageHeight-p.y*mmPerPoint, w.tr(text))
		w.f.SetTextColor(0, 0, 0)
	}
}

// stampText returns what a signed stamp writes at anchor, and whether it is a signature.
func stampText(anchor string, stamps []Stamp) (string, bool) {
	for _, st := range stamps {
		if st.Status != "signed" {
			continue
		}
		for _, a := range st.SignAnchors {
			if a == anchor {
				return st.Name, true
			}
		}
		for _, a := range st.DateAnchors {
			if a == anchor {
				return st.Time.UTC().Format("2 January 2006"), false
			}
		}
	}
	return "", false
}
