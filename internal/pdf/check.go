package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Info is the summary that Check returns for a well-formed PDF.
type Info struct {
	Version string // e.g. "1.3"
	Objects int    // in-use entries of the cross-reference table
	Pages   int
}

var (
	startXRef   = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	pageObject  = regexp.MustCompile(`/Type\s*/Page[^s]`)
	countEntry  = regexp.MustCompile(`/Count\s+(\d+)`)
	objectStart = regexp.MustCompile(`^(\d+)\s+(\d+)\s+obj`)
)

// Check parses the header, the classic cross-reference table and the trailer of a PDF and
// verifies that every in-use entry points at its object. It does not read
// cross-reference streams (PDF 1.5+), so it is meant for files this package writes.
func Check(data []byte) (Info, error) {
	var info Info
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return info, errors.New("invalid pdf: the file does not begin with %PDF-")
	}
	info.Version = strings.TrimSpace(string(data[5:min(8, len(data))]))

	m := startXRef.FindSubmatch(bytes.TrimRight(data, "\r\n "))
	if m == nil {
		return info, errors.New("invalid pdf: the file does not end with startxref and %EOF")
	}
	offset, err := strconv.Atoi(string(m[1]))
	if err != nil || offset >= len(data) || !bytes.HasPrefix(data[offset:], []byte("xref")) {
		return info, fmt.Errorf("invalid pdf: startxref %s does not point at an xref table", m[1])
	}

	objects, trailer, err := readXRef(data, offset)
	if err != nil {
		return info, err
	}
	if !strings.Contains(trailer, "/Root") || !strings.Contains(trailer, "/Size") {
		return info, errors.New("invalid pdf: the trailer has no /Root or /Size")
	}

	for num, at := range objects {
		sub := objectStart.FindSubmatch(data[at:min(at+32, len(data))])
		if sub == nil || string(sub[1]) != strconv.Itoa(num) {
			return info, fmt.Errorf("invalid pdf: xref entry %d points at offset %d, "+
				"which holds no such object", num, at)
		}
	}
	info.Objects = len(objects)
	info.Pages = PageCount(data)
	return info, nil
}

// readXRef parses the xref subsections at offset and returns object offsets by number and
// the trailer dictionary text.
func readXRef(data []byte, offset int) (map[int]int, string, error) {
	lines := strings.Split(strings.ReplaceAll(string(data[offset:]), "\r", "\n"), "\n")
	objects := map[int]int{}
	i := 1
	for i < len(lines) {
		line := strings.TrimSpace(lines[i])
		if line == "" {
			i++
			continue
		}
		if strings.HasPrefix(line, "trailer") {
			return objects, strings.Join(lines[i:min(i+10, len(lines))], "\n"), nil
		}
		var first, count int
		if _, err := fmt.Sscanf(line, "%d %d", &first, &count); err != nil {
			return nil, "", fmt.Errorf("invalid pdf: bad xref subsection header %q", line)
		}
		i++
		for n := 0; n < count; n++ {
			for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
				i++
			}
			if i >= len(lines) {
				return nil, "", errors.New("invalid pdf: the xref table is truncated")
			}
			var at, gen int
			var kind string
			if _, err := fmt.Sscanf(strings.TrimSpace(lines[i]), "%d %d %s", &at, &gen, &kind); err != nil {
				return nil, "", fmt.Errorf("invalid pdf: bad xref entry %q", lines[i])
			}
			// Some producers (macOS Quartz among them) mark unused objects as in use at
			// offset 0. Readers treat them as null objects, and so does this check.
			if kind == "n" && at > 0 {
				if at >= len(data) {
					return nil, "", fmt.Errorf("invalid pdf: object %d offset %d is past the end",
						first+n, at)
				}
				objects[first+n] = at
			}
			i++
		}
	}
	return nil, "", errors.New("invalid pdf: the xref table has no trailer")
}

// minBytesPerPage bounds a page count read from /Count: a file of n bytes is taken to hold at
// most n/minBytesPerPage pages.
// NOTE: 16 bytes is an estimate of the smallest compressed page object, not a measured floor.
const minBytesPerPage = 16

// PageCount estimates the pages of a PDF: the page objects it can see, else the largest
// /Count entry when the file has compressed object streams (/ObjStm), which hide page objects
// from the first rule, else 1. A /Count beyond the file's size (see minBytesPerPage) is cut
// down, so a small file cannot claim millions of pages.
func PageCount(data []byte) int {
	if n := len(pageObject.FindAllIndex(data, -1)); n > 0 {
		return n
	}
	if !bytes.Contains(data, []byte("/ObjStm")) {
		return 1
	}
	highest := 0
	for _, m := range countEntry.FindAllSubmatch(data, -1) {
		if n, err := strconv.Atoi(string(m[1])); err == nil && n > highest {
			highest = n
		}
	}
	return max(1, min(highest, len(data)/minBytesPerPage))
}
