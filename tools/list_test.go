package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
)

var update = flag.Bool("update", false, "rewrite testdata/tools_list.golden.json")

// toolsListJSON returns the tools array of a real tools/list response, as the server writes it.
func toolsListJSON(t *testing.T) []byte {
	t.Helper()
	s := server.NewMCPServer("docusign-mcp-test", "0.0.0")
	if err := Register(s, Deps{}); err != nil {
		t.Fatalf("Register failed: %v", err)
	}
	ctx := context.Background()
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":` +
		`"2025-11-25","capabilities":{},"clientInfo":{"name":"golden","version":"0"}}}`
	s.HandleMessage(ctx, []byte(init))
	reply := s.HandleMessage(ctx, []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`))
	raw, err := json.Marshal(reply)
	if err != nil {
		t.Fatalf("encoding the tools/list reply failed: %v", err)
	}
	var envelope struct {
		Result struct {
			Tools json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil || envelope.Result.Tools == nil {
		t.Fatalf("tools/list reply has no tools (%v): %s", err, raw)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, envelope.Result.Tools, "", "  "); err != nil {
		t.Fatalf("indenting the tools failed: %v", err)
	}
	pretty.WriteByte('\n')
	return pretty.Bytes()
}

func TestToolsListGolden(t *testing.T) {
	got := toolsListJSON(t)
	path := filepath.Join("testdata", "tools_list.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("writing %s failed: %v", path, err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s failed (run go test ./tools -run Golden -update): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("tools/list differs from %s; if the change is intended, rerun with -update",
			path)
	}
}

var toolNamePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestToolsListPortable checks the rules that real MCP clients enforce on tools/list.
func TestToolsListPortable(t *testing.T) {
	var tools []map[string]any
	if err := json.Unmarshal(toolsListJSON(t), &tools); err != nil {
		t.Fatalf("decoding tools failed: %v", err)
	}
	if len(tools) != len(inventory) {
		t.Errorf("tools/list has %d tools, want the inventory's %d", len(tools),
			len(inventory))
	}
	for _, tool := range tools {
		name, _ := tool["name"].(string)
		t.Run(name, func(t *testing.T) {
			if !toolNamePattern.MatchString(name) || len(name) > 40 {
				t.Errorf("name %q is not snake_case of at most 40 characters", name)
			}
			description, _ := tool["description"].(string)
			if description == "" || len(description) >= 1024 {
				t.Errorf("description has %d bytes, want 1 to 1023", len(description))
			}
			annotations, _ := tool["annotations"].(map[string]any)
			for _, hint := range []string{"readOnlyHint", "destructiveHint", "idempotentHint",
				"openWorldHint"} {
				if _, ok := annotations[hint].(bool); !ok {
					t.Errorf("annotation %s is not set", hint)
				}
			}
			for _, key := range []string{"inputSchema", "outputSchema"} {
				checkPortableSchema(t, key, tool[key])
			}
		})
	}
}

func checkPortableSchema(t *testing.T, key string, schema any) {
	t.Helper()
	root, ok := schema.(map[string]any)
	if !ok {
		t.Fatalf("%s is missing", key)
	}
	if root["type"] != "object" {
		t.Errorf("%s root type = %v, want object", key, root["type"])
	}
	if _, ok := root["properties"].(map[string]any); !ok {
		t.Errorf("%s root has no properties", key)
	}
	if root["additionalProperties"] != false {
		t.Errorf("%s root additionalProperties = %v, want false", key,
			root["additionalProperties"])
	}
	for _, banned := range []string{"oneOf", "anyOf", "allOf"} {
		if _, ok := root[banned]; ok {
			t.Errorf("%s root has %s, which several clients reject", key, banned)
		}
	}
	raw, _ := json.Marshal(schema)
	for _, banned := range []string{`"$ref"`, `"$defs"`, `"definitions"`, `"format"`} {
		if bytes.Contains(raw, []byte(banned)) {
			t.Errorf("%s contains %s; schemas must be fully inlined and format-free", key,
				banned)
		}
	}
}

func TestPolicyDeniesTool(t *testing.T) {
	decider, err := policy.NewStatic(policy.Config{Principals: map[string][]string{
		policy.DefaultPrincipal: {"get_envelope_status", "list_envelopes"},
	}})
	if err != nil {
		t.Fatalf("policy.NewStatic failed: %v", err)
	}
	h := newHarness(t, func(d *Deps) { d.Policy = decider })
	c := h.stdioClient(t)
	got := mustFail(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")))
	if got.Code != CodePolicyDenied {
		t.Errorf("code = %q, want %q", got.Code, CodePolicyDenied)
	}
	if got.Field != "" {
		t.Errorf("field = %q, want empty: a policy rule is not an argument", got.Field)
	}
	if !strings.Contains(got.Message, "principals."+policy.DefaultPrincipal) {
		t.Errorf("message %q does not name the rule principals.%s", got.Message,
			policy.DefaultPrincipal)
	}
	if got.Retryable {
		t.Errorf("a policy denial is retryable, want not retryable")
	}
	if n := h.sim.Calls()["Envelopes:create"]; n != 0 {
		t.Errorf("the simulator served %d create calls after a denial, want 0", n)
	}
	var list listEnvelopesOutput
	mustSucceed(t, callTool(t, c, "list_envelopes", map[string]any{}), &list)
}

func TestReadOnlyInventory(t *testing.T) {
	tools, err := Tools(Deps{Options: Options{ReadOnly: true}})
	if err != nil {
		t.Fatalf("Tools failed: %v", err)
	}
	var names []string
	for _, tool := range tools {
		names = append(names, tool.Tool.Name)
	}
	want := []string{"preview_envelope", "get_envelope_status", "list_envelopes",
		"list_envelope_documents", "download_document", "list_templates", "get_template",
		"list_routing_profiles", "wait_for_envelope"}
	if !slices.Equal(names, want) {
		t.Errorf("read-only tools = %v, want %v", names, want)
	}
}
