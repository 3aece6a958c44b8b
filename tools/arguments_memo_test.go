package tools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestArgumentsDigestUnchanged pins the digests that the audit log holds, so that the memo
// and any later change keep them byte for byte. The values were computed by the digest
// code before the memo existed.
func TestArgumentsDigestUnchanged(t *testing.T) {
	long := `{"envelope_id":"4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60","void_reason":"` +
		strings.Repeat("x", maxMemoArgumentBytes) + `"}`
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{name: "status call", raw: `{"envelope_id":"4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"}`,
			want: "sha256:787fcfc980118de542d41f13b6c7c46f7c2df0cd10bb661cc87b05db990716ee"},
		{name: "keys out of order",
			raw:  `{"refresh":true,"envelope_id":"4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"}`,
			want: "sha256:30691297bda53eb746ea46ea58a063c4ae8f80d47e5724d66935934312ddadc6"},
		{name: "names and emails redacted",
			raw: `{"status":"sent","signers":[{"name":"Avery Client",` +
				`"email":"avery@example.com"}],"email_subject":"NDA","count":1e3}`,
			want: "sha256:ea3a929f53f8bde4af16a5e9fdd794980ef432fb36643c9542633fffb3bd6866"},
		{name: "address in a value",
			raw:  `{"from_date":"2026-01-01","search_text":"a@b.c","page":2.50}`,
			want: "sha256:afaa83e258bf4dab7e31e3a6594cacde2524ca746326c6bedadddb19a5dd4bc4"},
		{name: "not json", raw: `not json`,
			want: "sha256:7ccfa1fbf3940e6f0c0375d87c0f9235a50514e14cb427bdfaf5077987b26ccf"},
		{name: "array", raw: `[1,"x@y"]`,
			want: "sha256:024a1db48b32cd616ecf71738c1b059d0767d5847920191e27bd451b2aa9288d"},
		{name: "escapes", raw: `{"b":"<&>","a":"\u00e9"}`,
			want: "sha256:65fdaade9078dff5ae323dd24f7e94e497197c9c00594e447cce8eee2b31a9ed"},
		{name: "empty", raw: ``, want: ""},
		{name: "null", raw: `null`, want: ""},
		{name: "over the memo bound", raw: long, want: digestArguments([]byte(long))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for call := range 3 {
				if got := argumentsDigest(json.RawMessage(tt.raw)); got != tt.want {
					t.Errorf("call %d: argumentsDigest(%s) = %s, want %s", call, tt.raw, got,
						tt.want)
				}
			}
		})
	}
}

func TestArgumentEnvelopeIDMemo(t *testing.T) {
	const id = "4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{name: "envelope id", raw: `{"envelope_id":"` + id + `"}`, want: id},
		{name: "key in other case", raw: `{"Envelope_ID":"` + id + `"}`, want: id},
		{name: "escaped key", raw: `{"envelope\u005fid":"` + id + `"}`, want: id},
		{name: "no envelope id", raw: `{"status":"sent"}`, want: ""},
		{name: "wrong type", raw: `{"envelope_id":5}`, want: ""},
		{name: "not json", raw: `{"envelope_id":`, want: ""},
		{name: "with an address", raw: `{"envelope_id":"` + id + `","to":"a@b.c"}`, want: id},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req mcp.CallToolRequest
			req.Params.RawArguments = json.RawMessage(tt.raw)
			for call := range 3 {
				if got := argumentEnvelopeID(req); got != tt.want {
					t.Errorf("call %d: argumentEnvelopeID(%s) = %q, want %q", call, tt.raw,
						got, tt.want)
				}
				got := envelopeIDOf(json.RawMessage(tt.raw), json.RawMessage(`{}`))
				if got != tt.want {
					t.Errorf("call %d: envelopeIDOf(%s) = %q, want %q", call, tt.raw, got,
						tt.want)
				}
			}
		})
	}
}

func TestArgumentMemoSkipsAddresses(t *testing.T) {
	raw := []byte(`{"envelope_id":"x","search_text":"avery@example.com"}`)
	if _, ok := memoFacts(raw); ok {
		t.Errorf("memoFacts memoized arguments with an email address, want them left out")
	}
	if _, memoized := argumentMemo.get(raw); memoized {
		t.Errorf("argumentMemo keeps arguments with an email address")
	}
}

func TestArgumentMemoBound(t *testing.T) {
	for i := range maxMemoArguments + 10 {
		memoFacts([]byte(`{"envelope_id":"` + strings.Repeat("e", i%300) + `",` +
			`"n":` + strings.Repeat("1", 1+i/300) + `}`))
	}
	if size := argumentMemo.len(); size > maxMemoArguments {
		t.Errorf("argumentMemo holds %d arguments, over the bound of %d", size,
			maxMemoArguments)
	}
}

func TestRoutingFactsMemo(t *testing.T) {
	tests := []struct {
		name        string
		raw         string
		wantProfile string
		wantMatter  string
	}{
		{name: "profile and matter", raw: `{"profile":"nda","matter":{"id":"M-1"}}`,
			wantProfile: "nda", wantMatter: "M-1"},
		{name: "profile only", raw: `{"profile":"nda"}`, wantProfile: "nda"},
		{name: "no profile", raw: `{"envelope_id":"x"}`},
		{name: "matter of wrong type", raw: `{"profile":"nda","matter":"M-1"}`},
		{name: "not json", raw: `{"profile":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profile, matter := decodeRouting([]byte(tt.raw))
			if profile != tt.wantProfile || matter != tt.wantMatter {
				t.Errorf("decodeRouting(%s) = %q, %q; want %q, %q", tt.raw, profile, matter,
					tt.wantProfile, tt.wantMatter)
			}
			for call := range 2 {
				facts, ok := memoFacts([]byte(tt.raw))
				if !ok {
					t.Fatalf("call %d: memoFacts(%s) did not memoize", call, tt.raw)
				}
				if facts.profile != tt.wantProfile || facts.matterID != tt.wantMatter {
					t.Errorf("call %d: memoized routing of %s = %q, %q; want %q, %q", call,
						tt.raw, facts.profile, facts.matterID, tt.wantProfile, tt.wantMatter)
				}
			}
		})
	}
}
