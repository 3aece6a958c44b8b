package tools

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
)

// maskSeeds are strings around the edges of the patterns and of the byte scan.
var maskSeeds = []string{
	"", "plain text", "123-45-6789", "123 45 6789", "12345678", "123456789",
	"4111 1111 1111 1111", "4111-1111-1111-1111", "5555555555554444", "x5555555555554444",
	"x1-5555555555554444", "a\n4111111111111111", "a\t123-45-6789", `a\4111111111111111`,
	"<4111111111111111>", "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432",
	"xGB82WEST12345698765432", "gb82west12345698765432", "2026-12-04T22:50:43Z",
	"due 2026-06-01, 1,250.00 USD", "+1 415 555 0100", "1--23456789012345",
	"4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60", "12345678-1234-1234-1234-123456789012",
	"é4111111111111111", "_4111111111111111", "4111 1111  1111 1111", "\u2028123456789",
	"x1-2345678912", "a\n123-45-6789", "GB82", "AB12 CDEF GHIJ KLMN",
}

// scanMisses reports a raw JSON text for which the byte scan rules out masking that the
// decoding path does.
func scanMisses(t *testing.T, raw []byte) {
	t.Helper()
	slow, err := maskDecoded(raw)
	if err != nil {
		return
	}
	if !mayHoldSensitive(raw) && !bytes.Equal(slow, raw) {
		t.Errorf("byte scan ruled out masking in %s, but decoding masks it to %s", raw, slow)
	}
	// Stronger than the masking itself, which also needs a valid Luhn or mod-97 check: the
	// scan must report every string that any pattern matches.
	if s, ok := patternMatch(raw); ok && !mayHoldSensitive(raw) {
		t.Errorf("byte scan ruled out masking in %s, but a pattern matches %q", raw, s)
	}
	fast, err := maskResult(raw)
	if err != nil {
		t.Fatalf("maskResult(%s) failed: %v", raw, err)
	}
	if !bytes.Equal(fast, slow) {
		t.Errorf("maskResult(%s) = %s, want %s as the decoding path", raw, fast, slow)
	}
}

// patternMatch returns a string value of raw that ssnPattern, cardPattern or ibanPattern
// matches, if any, skipping the values that maskValue skips.
func patternMatch(raw []byte) (string, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	var walk func(v any) (string, bool)
	walk = func(v any) (string, bool) {
		switch t := v.(type) {
		case string:
			for _, p := range []*regexp.Regexp{ssnPattern, cardPattern, ibanPattern} {
				if p.MatchString(t) {
					return t, true
				}
			}
		case map[string]any:
			for key, item := range t {
				if isUnmaskedKey(key) {
					continue
				}
				if s, ok := walk(item); ok {
					return s, true
				}
			}
		case []any:
			for _, item := range t {
				if s, ok := walk(item); ok {
					return s, true
				}
			}
		}
		return "", false
	}
	return walk(v)
}

// encodedValues returns s as the value of a field, an array item and a nested field.
func encodedValues(t *testing.T, s string) []byte {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"value": s, "list": []any{s, 1},
		"nested": map[string]any{"reason": "x " + s}})
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return raw
}

func TestMayHoldSensitive(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{name: "plain text", value: "Please sign the NDA", want: false},
		{name: "rfc 3339 time", value: "2026-12-04T22:50:43Z", want: false},
		{name: "eight digits", value: "12345678", want: false},
		{name: "nine digits", value: "123456789", want: true},
		{name: "ssn", value: "123-45-6789", want: true},
		{name: "grouped card", value: "4111 1111 1111 1111", want: true},
		{name: "digits after a letter", value: "x4111111111111111", want: false},
		{name: "digits after a letter and a dash", value: "x1-4111111111111111", want: true},
		{name: "digits after an escape", value: "a\n4111111111111111", want: true},
		{name: "double separator", value: "1234 -5678", want: false},
		{name: "iban start", value: "GB82 WEST", want: true},
		{name: "lower-case iban start", value: "gb82 west", want: false},
		{name: "unicode escape", value: "<b>", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := encodedValues(t, tt.value)
			if got := mayHoldSensitive(raw); got != tt.want {
				t.Errorf("mayHoldSensitive(%s) = %v, want %v", raw, got, tt.want)
			}
			scanMisses(t, raw)
		})
	}
}

func TestMayHoldSensitiveSkipsIDs(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want bool
	}{
		{name: "envelope id", raw: `{"envelope_id":"12345678-1234-1234-1234-123456789012"}`,
			want: false},
		{name: "hash", raw: `{"sha256":"123456789012345678"}`, want: false},
		{name: "space before the colon", raw: `{"uri" : "x/123456789012"}`, want: false},
		{name: "other key", raw: `{"reason":"123-45-6789"}`, want: true},
		{name: "value after an id", raw: `{"envelope_id":"1","reason":"123-45-6789"}`,
			want: true},
		{name: "object under an id key", raw: `{"a_id":{"b":"123-45-6789"}}`, want: true},
		{name: "array under an id key", raw: `{"a_id":["123-45-6789"]}`, want: true},
		{name: "escaped key", raw: `{"a\"_id":"123-45-6789"}`, want: true},
		{name: "array item", raw: `["123-45-6789"]`, want: true},
		{name: "number", raw: `{"age_seconds":123456789012}`, want: false},
		{name: "key only", raw: `{"123456789012":1}`, want: false},
		{name: "unterminated string", raw: `{"a":"12`, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mayHoldSensitive([]byte(tt.raw)); got != tt.want {
				t.Errorf("mayHoldSensitive(%s) = %v, want %v", tt.raw, got, tt.want)
			}
			scanMisses(t, []byte(tt.raw))
		})
	}
}

func TestMaskScanSeeds(t *testing.T) {
	for _, seed := range maskSeeds {
		scanMisses(t, encodedValues(t, seed))
	}
}

// FuzzMaskScanEncoded checks that the byte scan never rules out a value that the decoding
// path masks, for strings encoded by json.Marshal.
func FuzzMaskScanEncoded(f *testing.F) {
	for _, seed := range maskSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scanMisses(t, encodedValues(t, s))
	})
}

// FuzzMaskScanRaw checks the same for any valid JSON text, such as one with escapes that
// json.Marshal does not write.
func FuzzMaskScanRaw(f *testing.F) {
	for _, seed := range maskSeeds {
		raw, _ := json.Marshal([]string{seed})
		f.Add(raw)
	}
	f.Add([]byte(`["a\u00344111111111111111"]`))
	f.Add([]byte(`{"v":"\/4111111111111111","w":"\\n4111111111111111"}`))
	f.Add([]byte(`{"envelope_id":"4111111111111111","x_id":{"y":"123-45-6789"}}`))
	f.Add([]byte(`{"a_id" :"1", "b" : "GB82 WEST 1234 5698 7654 32"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		scanMisses(t, raw)
	})
}
