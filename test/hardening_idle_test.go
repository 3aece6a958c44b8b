package test

import (
	"net/http"
	"testing"
	"time"
)

// TestSessionIdleTimeout opens a session on serve --session-idle-ttl 1s, leaves it idle
// well past that, and expects the next request in it to get 404, so the client must
// initialize again. An idle timeout that only frees mcp-go's memory but keeps accepting
// the id does not end the session.
func TestSessionIdleTimeout(t *testing.T) {
	serve := startServeArgs(t, nil, "serve", "--simulator", "--http", "127.0.0.1:0",
		"--policy", writeTwoPrincipalPolicy(t), "--session-idle-ttl", "1s",
		"--log-format", "json")
	endpoint := serve.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	session := initializeSession(t, endpoint, aliceToken)
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`
	if got := principalRequest(t, http.MethodPost, endpoint, aliceToken, session, list); got !=
		http.StatusOK {
		t.Fatalf("tools/list in the new session = %d, want 200", got)
	}

	// The session stays idle for five times its TTL, because mcp-go sweeps idle sessions every
	// half TTL, at least every second.
	time.Sleep(5 * time.Second)
	if got := principalRequest(t, http.MethodPost, endpoint, aliceToken, session, list); got !=
		http.StatusNotFound {
		t.Errorf("tools/list after 5 s idle with --session-idle-ttl 1s = %d, want 404: "+
			"the idle session was not ended", got)
	}
}
