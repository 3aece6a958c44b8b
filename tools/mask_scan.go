package tools

import "bytes"

// minMaskedDigits is the fewest digits that ssnPattern and cardPattern match: an SSN's 9.
const minMaskedDigits = 9

// mayHoldSensitive reports whether the JSON text raw may contain a value that maskValue
// would mask, judged by a byte scan that is much cheaper than decoding raw. It returns false
// only when no string that maskValue checks can match ssnPattern, cardPattern or
// ibanPattern:
//   - maskValue checks string values only, and skips the string values of the keys that
//     isUnmaskedKey names, so keys, numbers and those values are not scanned;
//   - every ssnPattern or cardPattern match starts with a digit at a word boundary and has
//     9 or more digits, with at most one space or dash between two;
//   - every ibanPattern match starts with two capital letters and two digits;
//   - Go's JSON encoder writes digits, capital letters, spaces and dashes as they are, so a
//     match appears in raw as it does in the decoded string. A \u escape could hide one,
//     so raw with any \u escape, and raw that ends inside a string, count as possible
//     matches.
func mayHoldSensitive(raw []byte) bool {
	if bytes.Contains(raw, []byte(`\u`)) {
		return true
	}
	// unmaskedValue: the last token was a key that isUnmaskedKey names, and its colon.
	unmaskedValue := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '"' {
			if !isJSONSpace(c) {
				unmaskedValue = false
			}
			continue
		}
		end := stringEnd(raw, i)
		if end == len(raw) {
			return true
		}
		after := end + 1
		for after < len(raw) && isJSONSpace(raw[after]) {
			after++
		}
		if after < len(raw) && raw[after] == ':' {
			unmaskedValue = isUnmaskedKeyBytes(raw[i+1 : end])
			i = after
			continue
		}
		// The opening quote stays in the text, as the word boundary before the first
		// character.
		if !unmaskedValue && textMayHoldSensitive(raw[i:end]) {
			return true
		}
		unmaskedValue = false
		i = end
	}
	return false
}

// stringEnd returns the index of the quote that closes the JSON string opening at raw[i],
// or len(raw) when the string does not end.
func stringEnd(raw []byte, i int) int {
	for j := i + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(raw)
}

// isUnmaskedKeyBytes is isUnmaskedKey for a key as raw JSON. A key with an escape may
// decode to another key, so it is never skipped.
func isUnmaskedKeyBytes(key []byte) bool {
	if bytes.IndexByte(key, '\\') >= 0 {
		return false
	}
	return unmaskedKeys[string(key)] || bytes.HasSuffix(key, []byte("_id"))
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// textMayHoldSensitive reports whether the encoded JSON string text, escapes included, may
// contain a match of ssnPattern, cardPattern or ibanPattern, as mayHoldSensitive explains.
func textMayHoldSensitive(text []byte) bool {
	// inRun: text[i-1] belongs to a run of digits and separators. afterDigit: text[i-1] is
	// a digit of it. started: the run has passed a digit at a word boundary, from which
	// count counts the digits.
	inRun, afterDigit, started, count := false, false, false, 0
	for i, c := range text {
		switch {
		case isDigit(c):
			if !inRun {
				inRun, started, count = true, wordBoundaryBefore(text, i), 0
			} else if !afterDigit {
				// A separator is not a word character, so a match may start here.
				started = true
			}
			if started {
				count++
				if count >= minMaskedDigits {
					return true
				}
			}
			afterDigit = true
		case (c == ' ' || c == '-') && inRun && afterDigit:
			afterDigit = false
		default:
			inRun, afterDigit = false, false
			if isUpper(c) && i+3 < len(text) && isUpper(text[i+1]) && isDigit(text[i+2]) &&
				isDigit(text[i+3]) {
				return true
			}
		}
	}
	return false
}

// wordBoundaryBefore reports whether the decoded text may have a regexp word boundary (\b)
// before raw[i], a digit. A letter after a backslash is the end of an escape such as \n,
// which decodes to a character that is not a word character, so it counts as a boundary.
func wordBoundaryBefore(raw []byte, i int) bool {
	if i == 0 || !isWordByte(raw[i-1]) {
		return true
	}
	return isLetter(raw[i-1]) && i >= 2 && raw[i-2] == '\\'
}

// isWordByte reports whether c is an ASCII word character, as regexp's \b defines it.
func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

func isLetter(c byte) bool { return isUpper(c) || (c >= 'a' && c <= 'z') }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
