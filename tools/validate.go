package tools

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	guidPattern  = regexp.MustCompile(`^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)
	emailPattern = regexp.MustCompile(`[^\s@"<>()]+@[^\s@"<>()]+\.[A-Za-z]{2,}`)
)

// decodeArguments decodes the raw tool arguments into v, rejecting unknown fields, and turns
// decoding failures into invalid_argument errors that name the field.
func decodeArguments(raw []byte, v any) *ToolError {
	if isEmptyJSON(raw) {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var partyErr *partyError
	if errors.As(err, &partyErr) {
		return invalidArgument("matter.parties", "matter.parties has an invalid party (%v): "+
			"pass {name, email} or a list of them for each role", partyErr.err)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "arguments"
		}
		return invalidArgument(field, "%s must be a JSON %s, got %s", field,
			jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field := unknownFieldPath(raw, reflect.TypeOf(v), strings.Trim(name, `"`))
		terr := invalidArgument(field, "unknown argument %s: remove it, because the "+
			"tool's input schema lists the accepted arguments", field)
		terr.NextStep = "remove " + field + " and call again"
		return terr
	}
	return invalidArgument("arguments", "arguments are not a valid JSON object: %v", err)
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int", "int64", "int32", "uint", "uint64":
		return "integer"
	case "float64", "float32":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "struct", "map":
		return "object"
	}
	return kind
}

func checkGUID(field, value, what string) *ToolError {
	if value == "" {
		return invalidArgument(field, "%s is missing: pass the %s, a GUID such as "+
			"4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60", field, what)
	}
	if !guidPattern.MatchString(value) {
		return invalidArgument(field, "%s %q is not a GUID: pass the %s as 8-4-4-4-12 hex "+
			"digits, as %s returns it", field, truncate(value, 60), what, listToolFor(field))
	}
	return nil
}

// checkEmail accepts a bare address such as ana@example.com, without a display name.
func checkEmail(field, value string) *ToolError {
	if value == "" {
		return invalidArgument(field, "%s is missing: pass the recipient's email address", field)
	}
	addr, err := mail.ParseAddress(value)
	if err != nil || addr.Address != value || !strings.Contains(value[strings.LastIndex(value,
		"@"):], ".") {
		return invalidArgument(field, "%s is not a valid email address: pass a bare address "+
			"such as name@example.com", field)
	}
	return nil
}

func checkText(field, value string, required bool, maxLen int) *ToolError {
	if strings.TrimSpace(value) == "" {
		if required {
			return invalidArgument(field, "%s is missing or blank: pass a non-empty text", field)
		}
		return nil
	}
	if n := utf8.RuneCountInString(value); n > maxLen {
		return invalidArgument(field, "%s is %d characters long: shorten it to at most %d",
			field, n, maxLen)
	}
	return nil
}

func checkRoutingOrder(field string, value int) *ToolError {
	if value < 1 || value > maxRoutingOrder {
		return invalidArgument(field, "%s is %d: pass a positive integer from 1 to %d, where "+
			"1 is the first to receive the envelope", field, value, maxRoutingOrder)
	}
	return nil
}

// parseTime parses an RFC 3339 time such as 2026-01-31T00:00:00Z.
func parseTime(field, value string) (time.Time, *ToolError) {
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, invalidArgument(field, "%s %q is not an RFC 3339 time: pass a "+
			"time such as 2026-01-31T09:00:00Z", field, truncate(value, 40))
	}
	return t, nil
}

// decodeDocument decodes base64 content and checks that it is the file type that extension
// names: a PDF has the %PDF- and %%EOF markers (see isPDF) and a DOCX is a ZIP archive with
// word/document.xml.
func decodeDocument(field, extension, content string) ([]byte, *ToolError) {
	cleaned := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, content)
	if cleaned == "" {
		return nil, invalidArgument(field, "%s is missing: pass the file's bytes in standard "+
			"base64", field)
	}
	data, err := base64.StdEncoding.DecodeString(cleaned)
	if err != nil {
		return nil, invalidArgument(field, "%s is not valid standard base64 (%v): encode the "+
			"file's bytes with padding, alphabet A-Z a-z 0-9 + /", field, err)
	}
	switch extension {
	case "pdf":
		if !isPDF(data) {
			return nil, invalidArgument(field, "%s is not a PDF file: it lacks the %%PDF- "+
				"header or the %%%%EOF marker. Pass the PDF itself, or set file_extension "+
				"to match", field)
		}
	case "docx":
		if !isDOCX(data) {
			return nil, invalidArgument(field, "%s is not a DOCX file: it is not a ZIP "+
				"archive with word/document.xml. Pass the .docx itself, or set "+
				"file_extension to match", field)
		}
	}
	return data, nil
}

// isPDF reports whether data has the %PDF- header in its first 1024 bytes and the %%EOF
// marker in its last 1024. The ranges accept files with a few bytes before the header or
// after the marker, and requiring both rejects a text file that merely mentions %PDF-.
func isPDF(data []byte) bool {
	head := data[:min(len(data), 1024)]
	tail := data[max(0, len(data)-1024):]
	return bytes.Contains(head, []byte("%PDF-")) && bytes.Contains(tail, []byte("%%EOF"))
}

func isDOCX(data []byte) bool {
	archive, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range archive.File {
		if f.Name == "word/document.xml" {
			return true
		}
	}
	return false
}

// maskEmails replaces the local part of each email address in s except its first letter, so
// text that passes through it carries no signer's full address.
func maskEmails(s string) string {
	return emailPattern.ReplaceAllStringFunc(s, maskEmail)
}

func maskEmail(address string) string {
	local, domain, ok := strings.Cut(address, "@")
	if !ok || local == "" {
		return "***"
	}
	return local[:1] + "***@" + domain
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "..."
}

func indexed(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }
