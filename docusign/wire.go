package docusign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// FlexBool is a boolean that decodes from a JSON boolean or from a JSON string such as "true" or
// "False", because Docusign sends /oauth/userinfo's is_default in either form. It encodes as a
// JSON boolean.
type FlexBool bool

// UnmarshalJSON decodes true, false, null, or a string holding "true" or "false" in any case.
// An empty string decodes as false.
func (b *FlexBool) UnmarshalJSON(data []byte) error {
	text := string(bytes.TrimSpace(data))
	if text == "null" {
		return nil
	}
	if unquoted, err := unquoteJSON(data); err == nil {
		text = strings.TrimSpace(unquoted)
	}
	switch strings.ToLower(text) {
	case "true":
		*b = true
	case "false", "":
		*b = false
	default:
		return fmt.Errorf("invalid boolean %q: want true or false, as a JSON boolean or string",
			truncate(string(data), 40))
	}
	return nil
}

func unquoteJSON(data []byte) (string, error) {
	var s string
	err := json.Unmarshal(data, &s)
	return s, err
}

// ParseTime parses a Docusign timestamp: ISO-8601 with 0 to 7 fractional digits, as in
// "2022-09-22T15:22:53.4580747Z". Docusign sends UTC, so a time without a zone designator, as
// in userinfo's "2015-08-13T22:03:03.45", is read as UTC. The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("parse time: empty string: want ISO-8601 such as %q",
			"2022-09-22T15:19:24.5Z")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse time %q: want ISO-8601 such as %q: %w",
			truncate(s, 40), "2022-09-22T15:19:24.5Z", err)
	}
	return t, nil
}

// truncate shortens s to at most n bytes for use in error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
