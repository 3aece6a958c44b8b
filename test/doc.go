// Package test holds end-to-end tests that build the docusign-mcp binary and drive it with
// real clients: mcp-go's client, MCP Inspector's CLI and Docusign's Node SDK.
//
// The tests that need Node 22 and the npm tools in .ci/tools skip when those are missing,
// unless CI=true, where they fail so that CI cannot pass without running them. Install the
// tools with 'npm ci --prefix .ci/tools'.
package test
