package tools

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// fuzzArgumentSeeds are argument objects that reach each tool's checks: empty, wrong types,
// unknown fields, bad ids, and shapes close to a valid call.
var fuzzArgumentSeeds = []string{
	`{}`,
	`null`,
	`[]`,
	`{"envelope_id":"not-a-guid"}`,
	`{"envelope_id":"00000000-0000-0000-0000-000000000000"}`,
	`{"envelope_id":"00000000-0000-0000-0000-000000000000","document_id":"combined"}`,
	`{"envelope_id":"00000000-0000-0000-0000-000000000000","timeout_seconds":-1}`,
	`{"envelope_id":"00000000-0000-0000-0000-000000000000","until":["nope"]}`,
	`{"envelope_id":"00000000-0000-0000-0000-000000000000","reason":""}`,
	`{"template_id":"x","extra":1}`,
	`{"from_date":"yesterday","status":["sent"]}`,
	`{"email_subject":"s","documents":[{"name":"a.pdf","content_base64":"JVBERi0="}],` +
		`"recipients":[{"recipient_id":1,"name":"A","email":"a@example.com"}]}`,
	`{"profile":"nope","matter":{"id":"M-1","parties":{"client":{"name":"A"}}}}`,
	`{"recipients":[{"email":"no-at-sign","routing_order":-3}]}`,
	`{"documents":[{"name":"x.docx","content_base64":"%%%"}]}`,
}

// FuzzToolArguments sends arbitrary argument bytes to every tool, which runs against the
// simulator through the real client. Each call must end in a result, not a Go error or a
// panic, and each failure must be one JSON line with a code and a message.
func FuzzToolArguments(f *testing.F) {
	h := newHarness(f)
	tools, err := Tools(h.deps)
	if err != nil {
		f.Fatalf("Tools failed: %v", err)
	}
	for i := range tools {
		for _, seed := range fuzzArgumentSeeds {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		tool := tools[int(which)%len(tools)]
		req := mcp.CallToolRequest{}
		req.Params.Name = tool.Tool.Name
		req.Params.Arguments = json.RawMessage(raw)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := tool.Handler(ctx, req)
		if err != nil {
			t.Fatalf("%s(%q) returned a Go error %v, want an isError result", tool.Tool.Name,
				raw, err)
		}
		if res == nil {
			t.Fatalf("%s(%q) returned no result", tool.Tool.Name, raw)
		}
		if res.IsError {
			checkFuzzFailure(t, tool.Tool.Name, raw, res)
		}
	})
}

// checkFuzzFailure checks that a failed call carries one text item holding a JSON tool error
// with a code and a message, and no structured content.
func checkFuzzFailure(t *testing.T, name string, raw []byte, res *mcp.CallToolResult) {
	t.Helper()
	if res.StructuredContent != nil {
		t.Errorf("%s(%q) failed with structured content, want none on failure", name, raw)
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s(%q) failed with %d content items, want 1", name, raw, len(res.Content))
	}
	text, ok := res.Content[0].(mcp.TextContent)
	if !ok {
		t.Fatalf("%s(%q) failed with %T, want text content", name, raw, res.Content[0])
	}
	if strings.Contains(text.Text, "\n") {
		t.Errorf("%s(%q) error spans several lines, want one: %s", name, raw, text.Text)
	}
	var terr ToolError
	if err := json.Unmarshal([]byte(text.Text), &terr); err != nil {
		t.Fatalf("%s(%q) error is not JSON (%v): %s", name, raw, err, text.Text)
	}
	if terr.Code == "" || terr.Message == "" {
		t.Errorf("%s(%q) error lacks a code or a message: %s", name, raw, text.Text)
	}
}
