package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBridgeUnauthorizedNamesVariable(t *testing.T) {
	tests := []struct {
		name          string
		authorization string
		want          string
	}{
		{name: "no header", want: "set " + bridgeAuthorizationEnv + " to"},
		{name: "wrong token", authorization: "Bearer wrong",
			want: "set " + bridgeAuthorizationEnv + " to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
				r *http.Request) {
				challenge(w, r, "invalid_token", "the bearer token is not valid")
			}))
			defer ts.Close()
			got := runBridge(t, ts.URL+"/mcp", tt.authorization, initializeLine)
			if !strings.Contains(got["1"], "rejected the request: HTTP 401") {
				t.Errorf("initialize reply = %q, want the owner's 401", got["1"])
			}
			if !strings.Contains(got["1"], tt.want) {
				t.Errorf("initialize reply = %q, want the fix %q", got["1"], tt.want)
			}
		})
	}
}
