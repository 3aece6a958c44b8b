// Command go-client shows how a Go program uses docusign-mcp through mcp-go's client. It
// starts 'docusign-mcp serve --simulator --http', connects over streamable HTTP, sends the
// simulator's Mutual NDA template to two invented signers, has them sign through the
// simulator's control API, waits for the envelope to complete and downloads the signed PDF.
//
//	go run ./examples/go-client -server docusign-mcp
//
// Against a real account, connect to a running 'serve --http' with a bearer token (see
// examples/mcp-http-bearer.json) and leave out the signing step: people sign from their
// email, and wait_for_envelope returns when Docusign's Connect message reports it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

func main() {
	serverPath := flag.String("server", "docusign-mcp", "path of the docusign-mcp binary")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, *serverPath); err != nil {
		log.Fatalf("go-client: %v", err)
	}
}

// run starts the server and walks one envelope from creation to the signed PDF.
func run(ctx context.Context, serverPath string) error {
	srv, err := startServer(ctx, serverPath)
	if err != nil {
		return err
	}
	defer srv.stop()
	c, err := client.NewStreamableHttpClient(srv.mcpURL)
	if err != nil {
		return fmt.Errorf("create client for %s: %w", srv.mcpURL, err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("start client: %w", err)
	}
	_, err = c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.ProtocolVersion20251125,
		ClientInfo:      mcp.Implementation{Name: "go-client-example", Version: "1.0.0"},
	}})
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return fmt.Errorf("list tools: %w", err)
	}
	for _, tool := range tools.Tools {
		fmt.Println("tool:", tool.Name)
	}

	envelopeID, err := createFromTemplate(ctx, c, "Mutual NDA")
	if err != nil {
		return err
	}
	if err := signAll(ctx, srv.simURL, envelopeID); err != nil {
		return err
	}
	canWait := hasTool(tools, "wait_for_envelope")
	if err := waitForCompletion(ctx, c, envelopeID, canWait); err != nil {
		return err
	}
	return download(ctx, c, envelopeID)
}

// callTool calls a tool and decodes its structured result into out. An isError result
// becomes an error that contains the tool's JSON error line.
func callTool(ctx context.Context, c *client.Client, name string, args map[string]any,
	out any) error {
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{
		Name: name, Arguments: args}})
	if err != nil {
		return fmt.Errorf("call %s: %w", name, err)
	}
	if res.IsError {
		return fmt.Errorf("%s failed: %v", name, res.Content)
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err == nil {
		err = json.Unmarshal(raw, out)
	}
	if err != nil {
		return fmt.Errorf("decode %s result: %w", name, err)
	}
	return nil
}

// createFromTemplate finds the template by name, fills each of its roles with an invented
// recipient at example.com, and sends the envelope.
func createFromTemplate(ctx context.Context, c *client.Client, name string) (string, error) {
	var list struct {
		Templates []struct {
			TemplateID string `json:"template_id"`
			Name       string `json:"name"`
		} `json:"templates"`
	}
	if err := callTool(ctx, c, "list_templates", map[string]any{"search_text": name},
		&list); err != nil {
		return "", err
	}
	if len(list.Templates) == 0 {
		return "", fmt.Errorf("no template named %q", name)
	}
	templateID := list.Templates[0].TemplateID
	fmt.Printf("template: %s %s\n", templateID, list.Templates[0].Name)
	var tmpl struct {
		Roles []struct {
			RoleName string `json:"role_name"`
		} `json:"roles"`
	}
	if err := callTool(ctx, c, "get_template", map[string]any{"template_id": templateID},
		&tmpl); err != nil {
		return "", err
	}
	var roles []map[string]any
	for i, r := range tmpl.Roles {
		roles = append(roles, map[string]any{"role_name": r.RoleName,
			"name":  fmt.Sprintf("Signer %d", i+1),
			"email": fmt.Sprintf("signer%d@example.com", i+1)})
	}
	var created struct {
		EnvelopeID string `json:"envelope_id"`
		Status     string `json:"status"`
	}
	err := callTool(ctx, c, "create_envelope", map[string]any{"source": "template",
		"template_id": templateID, "status": "sent", "roles": roles}, &created)
	if err != nil {
		return "", err
	}
	fmt.Printf("created: %s %s\n", created.EnvelopeID, created.Status)
	return created.EnvelopeID, nil
}

// waitForCompletion waits with wait_for_envelope when the server has it, else reads the
// status once, which is enough here because the simulated signers have already signed.
// Servers without the wait tool predate it; the status read costs one Docusign call.
func waitForCompletion(ctx context.Context, c *client.Client, envelopeID string,
	canWait bool) error {
	var status string
	if canWait {
		var out struct {
			Reached  bool `json:"reached"`
			Envelope struct {
				Status string `json:"status"`
			} `json:"envelope"`
		}
		err := callTool(ctx, c, "wait_for_envelope", map[string]any{"envelope_id": envelopeID,
			"until": []string{"completed"}, "timeout_seconds": 30}, &out)
		if err != nil {
			return err
		}
		fmt.Println("waited: reached", out.Reached)
		status = out.Envelope.Status
	} else {
		var out struct {
			Status string `json:"status"`
		}
		err := callTool(ctx, c, "get_envelope_status", map[string]any{
			"envelope_id": envelopeID}, &out)
		if err != nil {
			return err
		}
		status = out.Status
	}
	fmt.Println("status:", status)
	if status != "completed" {
		return fmt.Errorf("envelope %s is %s, want completed", envelopeID, status)
	}
	return nil
}

// download stores the signed, combined PDF and prints its size and SHA-256.
func download(ctx context.Context, c *client.Client, envelopeID string) error {
	var out struct {
		URI    string `json:"uri"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	}
	err := callTool(ctx, c, "download_document", map[string]any{"envelope_id": envelopeID,
		"document_id": "combined"}, &out)
	if err != nil {
		return err
	}
	fmt.Printf("downloaded: %s %d bytes sha256 %s\n", out.URI, out.Size, out.SHA256)
	return nil
}

func hasTool(tools *mcp.ListToolsResult, name string) bool {
	for _, t := range tools.Tools {
		if t.Name == name {
			return true
		}
	}
	return false
}
