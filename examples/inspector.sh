#!/usr/bin/env bash
# Read-only MCP Inspector CLI calls against a running 'docusign-mcp serve --http'.
#
#   examples/inspector.sh [MCP_URL]     (default http://127.0.0.1:8931/mcp)
#
# With --policy, set DOCUSIGN_MCP_TOKEN to a bearer token whose hash is in the policy
# file; with --no-auth, leave it unset. Without the token, a --policy server rejects each
# request with 401, and Inspector reports auth_required about interactive OAuth.
# mcp-inspector must be on PATH: the README's "Use from an MCP client" section shows how to
# put the pinned one there.
set -euo pipefail

url=${1:-http://127.0.0.1:8931/mcp}
auth=()
if [[ -n ${DOCUSIGN_MCP_TOKEN:-} ]]; then
  auth=(--header "Authorization: Bearer ${DOCUSIGN_MCP_TOKEN}")
fi

inspect() {
  mcp-inspector --cli "$url" ${auth[@]+"${auth[@]}"} "$@"
}

echo "== tools/list"
inspect --method tools/list
echo "== list_templates"
inspect --method tools/call --tool-name list_templates --tool-arg page_size=10
echo "== list_envelopes"
inspect --method tools/call --tool-name list_envelopes --tool-arg page_size=10
