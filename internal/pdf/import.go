package pdf

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf/contrib/gofpdi"
)

// mmPerPoint converts PDF points (1/72 inch) to the millimetres this package draws in.
const mmPerPoint = 25.4 / 72

// importTimeout bounds how long RenderCombined waits for gofpdi before it falls back.
const importTimeout = 10 * time.Second

var xrefStream = regexp.MustCompile(`^\d+\s+\d+\s+obj\s*<<[^>]*/Type\s*/XRef`)

// importable reports whether gofpdi can be trusted with data. gofpdi (v1.0.16) loops
// forever on a file without startxref, so only files whose startxref points at a valid
// cross-reference table or at a cross-reference stream qualify, and encrypted files do not.
func importable(data []byte) bool {
	m := startXRef.FindSubmatch(bytes.TrimRight(data, "\r\n "))
	if !bytes.HasPrefix(data, []byte("%PDF-")) || m == nil {
		return false
	}
	offset, err := strconv.Atoi(string(m[1]))
	if err != nil || offset >= len(data) {
		return false
	}
	tail := data[len(data)-min(len(data), 2048):]
	if bytes.Contains(tail, []byte("/Encrypt")) {
		return false
	}
	if bytes.HasPrefix(data[offset:], []byte("xref")) {
		_, err := Check(data)
		return err == nil
	}
	return xrefStream.Match(data[offset:min(len(data), offset+1024)])
}

// importPages copies every page of a PDF into w, each on a page of its own size, writes the
// signed stamps at their anchors, and returns how many pages it copied. gofpdi panics on some malformed files, so a panic becomes an
// error. One importer serves the whole document because gofpdi names templates per
// importer, and two importers would overwrite each other's templates in fpdf.
func (w *writer) importPages(data []byte, stamps []Stamp) (pages int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("import pdf pages: %v", r)
		}
	}()
	if w.importer == nil {
		w.importer = gofpdi.NewImporter()
	}
	var source io.ReadSeeker = bytes.NewReader(data)
	first := w.importer.ImportPageFromStream(w.f, &source, 1, "/MediaBox")
	sizes := w.importer.GetPageSizes()
	anchors := findAnchors(data)
	for page := 1; page <= len(sizes); page++ {
		tpl := first
		if page > 1 {
			tpl = w.importer.ImportPageFromStream(w.f, &source, page, "/MediaBox")
		}
		box := sizes[page]["/MediaBox"]
		width, height := box["w"]*mmPerPoint, box["h"]*mmPerPoint
		if width <= 0 || height <= 0 {
			return page - 1, fmt.Errorf("import pdf pages: page %d has no MediaBox", page)
		}
		w.f.AddPageFormat("P", fpdfSize(width, height))
		w.imported[w.f.PageNo()] = true
		w.importer.UseImportedTemplate(w.f, tpl, 0, 0, width, height)
		w.stampAnchors(anchors[page], stamps, height)
	}
	return len(sizes), w.f.Error()
}
