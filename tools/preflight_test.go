package tools

import (
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{name: "equal", a: "Client", b: "Client", want: 0},
		{name: "empty to word", a: "", b: "abc", want: 3},
		{name: "one substitution", a: "Client", b: "Clienz", want: 1},
		{name: "transposition costs two", a: "Clinet", b: "Client", want: 2},
		{name: "insertion", a: "Partnr", b: "Partner", want: 1},
		{name: "runes not bytes", a: "Führer", b: "Fuhrer", want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := levenshtein(tt.a, tt.b); got != tt.want {
				t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestNearestMatch(t *testing.T) {
	roles := []string{"Billing", "Client", "Partner"}
	tests := []struct {
		name      string
		input     string
		want      string
		wantFound bool
	}{
		{name: "misspelt role", input: "Clinet", want: "Client", wantFound: true},
		{name: "other case", input: "partner", want: "Partner", wantFound: true},
		{name: "missing letter", input: "Biling", want: "Billing", wantFound: true},
		{name: "unrelated name", input: "Witness", wantFound: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := nearestMatch(tt.input, roles)
			if found != tt.wantFound {
				t.Fatalf("nearestMatch(%q) found = %v, want %v", tt.input, found, tt.wantFound)
			}
			if got != tt.want {
				t.Errorf("nearestMatch(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestTemplatePreflight(t *testing.T) {
	clientRole := func(roleName, label string) map[string]any {
		role := map[string]any{"role_name": roleName, "name": "Cleo Client",
			"email": "cleo@example.com"}
		if label != "" {
			role["tabs"] = []any{map[string]any{"label": label, "value": "x"}}
		}
		return role
	}
	tests := []struct {
		name      string
		role      map[string]any
		wantField string
		wantText  []string
	}{
		{name: "misspelt role", role: clientRole("Clinet", ""),
			wantField: "roles[0].role_name",
			wantText:  []string{`did you mean "Client"?`, `"Billing", "Client", "Partner"`}},
		{name: "role in other case", role: clientRole("client", ""),
			wantField: "roles[0].role_name", wantText: []string{`did you mean "Client"?`}},
		{name: "misspelt tab label", role: clientRole("Client", "Signatur"),
			wantField: "roles[0].tabs[0].label",
			wantText:  []string{`did you mean "Signature"?`, `"Date Signed", "Signature"`}},
	}
	h := newHarness(t)
	c := h.httpClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := map[string]any{"source": "template", "status": "sent",
				"template_id": docusigntest.EngagementLetterTemplateID,
				"roles":       []any{tt.role}}
			terr := mustFail(t, callTool(t, c, "create_envelope", args))
			if terr.Code != CodeInvalidArgument {
				t.Errorf("code = %q, want %q", terr.Code, CodeInvalidArgument)
			}
			if terr.Field != tt.wantField {
				t.Errorf("field = %q, want %q", terr.Field, tt.wantField)
			}
			for _, text := range tt.wantText {
				if !strings.Contains(terr.Message, text) {
					t.Errorf("message %q does not contain %q", terr.Message, text)
				}
			}
		})
	}
	if n := h.sim.Calls()["Envelopes:create"]; n != 0 {
		t.Errorf("Envelopes:create calls = %d, want 0: a refused pre-flight must send nothing", n)
	}
}
