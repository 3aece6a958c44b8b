package main

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
)

// jwtLeeway is the clock skew allowed on a JWT's exp, nbf and iat.
const jwtLeeway = 30 * time.Second

// metadataPath is the path of the RFC 9728 protected-resource metadata of /mcp. The same
// document is served at the well-known root too.
const metadataPath = server.WellKnownProtectedResourcePath + "/mcp"

// NOTE: the Connect webhook endpoint is not built yet. It must authenticate Docusign's calls
// by their HMAC signatures instead of bearer tokens, so mount it outside requireBearer.

// requireBearer authenticates each request by its bearer token, a static token from the
// policy file or a JWT, and puts the principal in the request context for the session
// manager and the tools. No token or a wrong one gets 401 with WWW-Authenticate naming the
// metadata document. With noAuth, every request acts as the state's principal.
func requireBearer(st *policyState, noAuth bool, logger *slog.Logger,
	next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Without a policy file no token could match, so checkAuth has required --no-auth.
		if noAuth || st.file() == nil {
			next.ServeHTTP(w, r.WithContext(policy.WithPrincipal(r.Context(), st.principal)))
			return
		}
		token, found := bearerToken(r)
		if !found {
			challenge(w, r, "", "this endpoint needs an Authorization: Bearer token")
			return
		}
		principal, reason := st.authenticate(token)
		if principal == "" {
			logger.Info("rejected a request with an invalid bearer token", "method", r.Method,
				"reason", reason)
			challenge(w, r, "invalid_token", "the bearer token is not valid: "+reason)
			return
		}
		next.ServeHTTP(w, r.WithContext(policy.WithPrincipal(r.Context(), principal)))
	})
}

// bearerToken returns the token of an Authorization: Bearer header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// authenticate returns the principal of token, or "" and the reason it is rejected. The
// reason never contains the token.
func (st *policyState) authenticate(token string) (string, string) {
	f := st.file()
	if f == nil {
		return "", "no policy file lists tokens"
	}
	if p, ok := f.PrincipalOfToken(token); ok {
		return p, ""
	}
	v := st.jwt.Load()
	if v == nil || strings.Count(token, ".") != 2 {
		return "", "it matches no token of the policy file"
	}
	p, err := v.principal(token)
	if err != nil {
		return "", err.Error()
	}
	if _, ok := f.Principals[p]; !ok {
		return "", "its principal is not in the policy file"
	}
	return p, ""
}

// challenge writes 401 with the WWW-Authenticate header of RFC 6750 and RFC 9728.
func challenge(w http.ResponseWriter, r *http.Request, code, message string) {
	value := `Bearer resource_metadata="` + metadataURL(r) + `"`
	if code != "" {
		value += `, error="` + code + `"`
	}
	w.Header().Set("WWW-Authenticate", value)
	writeJSONRPCError(w, http.StatusUnauthorized, message)
}

// requestBase returns the scheme and host the client used to reach this server.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func metadataURL(r *http.Request) string {
	return requestBase(r) + metadataPath
}

// serveResourceMetadata serves the RFC 9728 document of /mcp. The resource is the JWT
// audience when one is configured, else the URL the client used.
func serveResourceMetadata(st *policyState) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cfg := server.ProtectedResourceMetadataConfig{Resource: requestBase(r) + "/mcp",
			BearerMethodsSupported: []string{"header"}, ResourceName: "docusign-mcp"}
		if f := st.file(); f != nil && f.JWT != nil {
			cfg.Resource = f.JWT.Audience
			cfg.AuthorizationServers = f.JWT.AuthorizationServers
		}
		server.NewProtectedResourceMetadataHandler(cfg).ServeHTTP(w, r)
	})
}
