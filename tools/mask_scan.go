package tools

// minMaskedDigits is the fewest digits that ssnPattern and cardPattern match: an SSN's 9.
const minMaskedDigits = 9

// mayHoldSensitive reports whether the JSON text raw may contain a value that maskValue
// would mask, judged by a byte scan that is much cheaper than decoding raw. It returns false
// only when no string in raw can match ssnPattern, cardPattern or ibanPattern:
//   - every ssnPattern or cardPattern match starts with a digit at a word boundary and has
//     9 or more digits, with at most one space or dash between two;
//   - every ibanPattern match starts with two capital letters and two digits;
//   - Go's JSON encoder writes digits, capital letters, spaces and dashes as they are, so a
//     match appears in raw as it does in the decoded string. A \u escape could hide one,
//     so raw with any \u escape is reported as a possible match.
func mayHoldSensitive(raw []byte) bool {
	// inRun: raw[i-1] belongs to a run of digits and separators. afterDigit: raw[i-1] is a
	// digit of it. started: the run has passed a digit at a word boundary, from which count
	// counts the digits.
	inRun, afterDigit, started, count := false, false, false, 0
	for i, c := range raw {
		switch {
		case isDigit(c):
			if !inRun {
				inRun, started, count = true, wordBoundaryBefore(raw, i), 0
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
			if c == '\\' && i+1 < len(raw) && raw[i+1] == 'u' {
				return true
			}
			if isUpper(c) && i+3 < len(raw) && isUpper(raw[i+1]) && isDigit(raw[i+2]) &&
				isDigit(raw[i+3]) {
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
