// Command go-client shows how a Go program uses docusign-mcp through mcp-go's client: it
// starts 'docusign-mcp serve --simulator' over stdio, lists the tools and the simulator's
// templates, and prints them.
//
//	go run ./examples/go-client -server docusign-mcp
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

func main() {
	serverPath := flag.String("server", "docusign-mcp", "path of the docusign-mcp binary")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, *serverPath); err != nil {
		log.Fatalf("go-client: %v", err)
	}
}

// run starts the server, lists its tools and prints the simulator's templates.
func run(ctx context.Context, serverPath string) error {
	c, err := client.NewStdioMCPClient(serverPath, nil, "serve", "--simulator",
		"--log-level", "warn")
	if err != nil {
		return fmt.Errorf("start %s: %w", serverPath, err)
	}
	defer c.Close()
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
	return printTemplates(ctx, c)
}

// printTemplates calls list_templates and prints each template's id and name.
func printTemplates(ctx context.Context, c *client.Client) error {
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{
		Name: "list_templates", Arguments: map[string]any{}}})
	if err != nil {
		return fmt.Errorf("call list_templates: %w", err)
	}
	if res.IsError {
		return fmt.Errorf("list_templates failed: %v", res.Content)
	}
	var out struct {
		Templates []struct {
			TemplateID string `json:"template_id"`
			Name       string `json:"name"`
		} `json:"templates"`
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err == nil {
		err = json.Unmarshal(raw, &out)
	}
	if err != nil {
		return fmt.Errorf("decode list_templates result: %w", err)
	}
	for _, t := range out.Templates {
		fmt.Fprintf(os.Stdout, "template: %s %s\n", t.TemplateID, t.Name)
	}
	return nil
}
