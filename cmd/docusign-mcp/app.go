package main

import (
	"context"
	"log/slog"

	"github.com/mark3labs/mcp-go/server"
)

// app is a running server.
// TODO: start the Docusign backend and register the tools once those packages build.
type app struct {
	mcp *server.MCPServer
}

func startApp(ctx context.Context, cfg serveConfig, keys secrets, logger *slog.Logger) (*app, error) {
	return &app{mcp: server.NewMCPServer("docusign-mcp", buildVersion())}, nil
}

func (a *app) close() {}
