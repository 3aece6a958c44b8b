package tools

import "testing"

// escapedEmailArguments spell the '@' of an email address as the JSON escape \u0040, which
// decodes to the same address.
const escapedEmailArguments = `{"envelope_id":"x","search_text":"avery\u0040example.com"}`

// TestArgumentMemoSkipsEscapedAddress checks the promise of memoFacts that no email address
// stays in memory after its call. It looks for a raw '@' byte only, so an address whose
// '@' is escaped is memoized.
func TestArgumentMemoSkipsEscapedAddress(t *testing.T) {
	raw := []byte(escapedEmailArguments)
	if _, ok := memoFacts(raw); ok {
		t.Errorf("memoFacts memoized arguments with an email address written as " +
			"avery\\u0040example.com, want them left out as with a plain '@'")
	}

	if _, memoized := argumentMemo.get(raw); memoized {
		t.Errorf("argumentMemo keeps arguments with an escaped email address")
	}
}

// TestInputMemoSkipsEscapedAddress checks the same promise for inputMemo, which keeps the
// decoded input, the address included.
func TestInputMemoSkipsEscapedAddress(t *testing.T) {
	memo := newInputMemo[struct {
		EnvelopeID string `json:"envelope_id"`
		SearchText string `json:"search_text"`
	}]()
	if memo == nil {
		t.Fatalf("newInputMemo returned nil for a struct of strings")
	}

	in, terr := memo.decode([]byte(escapedEmailArguments))
	if terr != nil {
		t.Fatalf("decode failed: %v", terr)
	}

	if in.SearchText != "avery@example.com" {
		t.Fatalf("decoded search_text = %q, want avery@example.com", in.SearchText)
	}

	if memoized := memo.len(); memoized != 0 {
		t.Errorf("inputMemo keeps %d decoded inputs with an email address, want 0", memoized)
	}
}
