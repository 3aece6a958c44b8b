package tools

import (
	"context"
	"encoding/json"
	"math/big"
	"regexp"
	"strings"
	"unicode"

	"github.com/ys88io/docusign-mcp/policy"
)

// Outbound masking: before a result leaves the server, every string value in it that looks
// like a national identity number, an IBAN or a card number keeps only its last four
// characters, unless the caller's policy scope has SeeSensitive. It covers tab values and
// custom fields, and also free text such as void and decline reasons.
// NOTE: a plain bank account number without IBAN structure is not detected, because it
// cannot be distinguished from other numbers such as order numbers.

var (
	// ssnPattern matches a US social security number written with dashes or spaces.
	ssnPattern = regexp.MustCompile(`\b\d{3}[- ]\d{2}[- ]\d{4}\b`)
	// cardPattern matches 13 to 19 digits, optionally grouped by single spaces or dashes.
	// isLuhnValid decides whether a match is a card number.
	cardPattern = regexp.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`)
	// ibanPattern matches an IBAN, optionally in groups of four. isIBANValid checks its
	// mod-97 check digits.
	ibanPattern = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b`)
)

// maskSensitive returns s with every sensitive number masked, and whether it masked any.
func maskSensitive(s string) (string, bool) {
	masked := false
	replace := func(pattern *regexp.Regexp, valid func(string) bool) {
		s = pattern.ReplaceAllStringFunc(s, func(m string) string {
			if valid != nil && !valid(m) {
				return m
			}
			masked = true
			return maskKeepLast4(m)
		})
	}
	replace(ibanPattern, isIBANValid)
	replace(ssnPattern, nil)
	replace(cardPattern, isLuhnValid)
	return s, masked
}

// maskKeepLast4 replaces every letter and digit but the last four with '*', keeping
// separators, so the masked value still shows its shape.
func maskKeepLast4(s string) string {
	runes := []rune(s)
	keep := 4
	for i := len(runes) - 1; i >= 0; i-- {
		if !unicode.IsLetter(runes[i]) && !unicode.IsDigit(runes[i]) {
			continue
		}
		if keep > 0 {
			keep--
			continue
		}
		runes[i] = '*'
	}
	return string(runes)
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isLuhnValid reports whether the digits of s pass the Luhn check that card numbers carry.
func isLuhnValid(s string) bool {
	digits := digitsOf(s)
	if len(digits) < 13 || len(digits) > 19 {
		return false
	}
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// isIBANValid reports whether s, spaces removed, passes the ISO 13616 mod-97 check.
func isIBANValid(s string) bool {
	iban := strings.ReplaceAll(s, " ", "")
	if len(iban) < 15 || len(iban) > 34 {
		return false
	}
	rearranged := iban[4:] + iban[:4]
	var numeric strings.Builder
	for _, r := range rearranged {
		switch {
		case r >= '0' && r <= '9':
			numeric.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			numeric.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(numeric.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// unmaskedKeys are result fields that hold ids, hashes and cursors, never personal data, so
// a digit run in them is not a card number.
var unmaskedKeys = map[string]bool{"uri": true, "sha256": true, "next_cursor": true,
	"idempotency_key": true, "trace_token": true, "export_path": true}

func isUnmaskedKey(key string) bool {
	return unmaskedKeys[key] || strings.HasSuffix(key, "_id")
}

// maskValue masks the strings in v, a decoded JSON value, in place, and reports whether it
// masked any.
func maskValue(v any) bool {
	masked := false
	switch t := v.(type) {
	case map[string]any:
		for key, item := range t {
			if isUnmaskedKey(key) {
				continue
			}
			if s, ok := item.(string); ok {
				var changed bool
				t[key], changed = maskSensitive(s)
				masked = masked || changed
				continue
			}
			masked = maskValue(item) || masked
		}
	case []any:
		for i, item := range t {
			if s, ok := item.(string); ok {
				var changed bool
				t[i], changed = maskSensitive(s)
				masked = masked || changed
				continue
			}
			masked = maskValue(item) || masked
		}
	}
	return masked
}

// maskResult returns raw with sensitive numbers masked. It re-encodes raw only when it
// masked something. raw must be the output of json.Marshal: when the byte scan of
// mayHoldSensitive rules out every sensitive value, raw is returned without being decoded,
// so nothing checks that it is valid JSON.
func maskResult(raw []byte) ([]byte, error) {
	if !mayHoldSensitive(raw) {
		return raw, nil
	}
	return maskDecoded(raw)
}

// maskDecoded is maskResult without the byte scan: it decodes raw and masks every string.
func maskDecoded(raw []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	if !maskValue(v) {
		return raw, nil
	}
	return json.Marshal(v)
}

// finishOutput applies the outbound controls to a result's JSON: masking, unless the
// caller may see sensitive values, and the account budget left when the call spent it.
func (d *Deps) finishOutput(ctx context.Context, raw []byte, spent *spendNote) ([]byte,
	error) {
	if !policy.ScopeOf(ctx, d.Policy).SeeSensitive {
		var err error
		if raw, err = maskResult(raw); err != nil {
			return nil, err
		}
	}
	if !spent.spent.Load() {
		return raw, nil
	}
	budget, err := json.Marshal(d.controls.budget.Snapshot())
	if err != nil {
		return nil, err
	}
	return appendField(raw, "budget", budget), nil
}

// appendField adds "name": value to the JSON object raw.
func appendField(raw []byte, name string, value []byte) []byte {
	trimmed := strings.TrimRight(string(raw), " \n")
	body := strings.TrimSuffix(trimmed, "}")
	sep := ","
	if strings.TrimSpace(body) == "{" {
		sep = ""
	}
	return []byte(body + sep + `"` + name + `":` + string(value) + "}")
}
