package main

import (
	"context"
	"crypto"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/tools"
)

// policyState is the policy in force: the decider, and the JWT verifier built from the same
// file. reload replaces both at once, or neither.
type policyState struct {
	path     string // empty without a policy file
	readOnly bool
	user     string // the configured Docusign user id
	engine   *policy.Engine
	static   policy.Decider // the decider without a policy file
	jwt      atomic.Pointer[jwtVerifier]
	// principal is the stdio and --no-auth principal.
	principal string
}

// newPolicyState loads cfg's policy file, or without one allows every tool to the single
// local principal.
func newPolicyState(cfg serveConfig, user string) (*policyState, error) {
	st := &policyState{path: cfg.PolicyFile, readOnly: cfg.ReadOnly, user: user}
	if st.path == "" {
		st.principal = cmpOr(cfg.Principal, policy.DefaultPrincipal)
		rules := policy.Config{Principals: map[string][]string{st.principal: {policy.Wildcard}}}
		if cfg.ReadOnly {
			rules.ReadOnlyPrincipals = []string{st.principal}
		}
		decider, err := policy.NewStatic(rules)
		st.static = decider
		return st, err
	}
	f, verifier, err := st.load()
	if err != nil {
		return nil, err
	}
	st.principal = cmpOr(cfg.Principal, f.StdioPrincipal, policy.DefaultPrincipal)
	st.engine = policy.NewEngine(f, user)
	st.jwt.Store(verifier)
	return st, nil
}

func cmpOr(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// load reads and checks the policy file and its JWT public key.
func (st *policyState) load() (*policy.File, *jwtVerifier, error) {
	f, err := policy.LoadFile(st.path)
	if err != nil {
		return nil, nil, err
	}
	if err := f.CheckTools(toolNames()); err != nil {
		return nil, nil, fmt.Errorf("policy file %s: %w", st.path, err)
	}
	if st.readOnly {
		for name, scope := range f.Principals {
			scope.ReadOnly = true
			f.Principals[name] = scope
		}
	}
	var verifier *jwtVerifier
	if f.JWT != nil {
		verifier, err = newJWTVerifier(*f.JWT, filepath.Dir(st.path))
		if err != nil {
			return nil, nil, fmt.Errorf("policy file %s: %w", st.path, err)
		}
	}
	return f, verifier, nil
}

// decider returns the Decider of the tools and the tool filter.
func (st *policyState) decider() policy.Decider {
	if st.engine != nil {
		return st.engine
	}
	return st.static
}

// file returns the policy file in force, nil without one.
func (st *policyState) file() *policy.File {
	if st.engine == nil {
		return nil
	}
	return st.engine.File()
}

// reload reads the policy file again. On any problem it keeps the policy in force.
func (st *policyState) reload() error {
	if st.engine == nil {
		return fmt.Errorf("no policy file to reload: start serve with --policy")
	}
	f, verifier, err := st.load()
	if err != nil {
		return fmt.Errorf("kept the previous policy: %w", err)
	}
	if err := st.engine.Reload(f); err != nil {
		return err
	}
	st.jwt.Store(verifier)
	return nil
}

// reloadOnSIGHUP reloads the policy on each SIGHUP until ctx is done. Sessions stay: they
// are bound to principals, not to a policy version.
func (st *policyState) reloadOnSIGHUP(ctx context.Context, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := st.reload(); err != nil {
					logger.Error("policy reload failed", "file", st.path, "err", err)
					continue
				}
				logger.Info("policy reloaded", "file", st.path,
					"principals", len(st.file().Principals))
			}
		}
	}()
}

// jwtVerifier checks JWT access tokens against one public key, issuer and audience.
type jwtVerifier struct {
	cfg    policy.JWTConfig
	key    crypto.PublicKey
	method string
}

// newJWTVerifier reads cfg's PEM public key. A relative path is relative to dir.
func newJWTVerifier(cfg policy.JWTConfig, dir string) (*jwtVerifier, error) {
	path := cfg.PublicKeyFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jwt.public_key_file: %w: name a PEM public key file", err)
	}
	if key, err := jwt.ParseRSAPublicKeyFromPEM(raw); err == nil {
		return &jwtVerifier{cfg: cfg, key: key, method: "RS256"}, nil
	}
	if key, err := jwt.ParseECPublicKeyFromPEM(raw); err == nil {
		return &jwtVerifier{cfg: cfg, key: key, method: "ES256"}, nil
	}
	return nil, fmt.Errorf("jwt.public_key_file %s contains no RSA or EC public key in PEM: "+
		"export the issuer's signing key as a PUBLIC KEY block", path)
}

// principal returns the principal of a valid token: signed by the key, from the issuer, for
// the audience, and not expired.
func (v *jwtVerifier) principal(token string) (string, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) {
		return v.key, nil
	}, jwt.WithValidMethods([]string{v.method}), jwt.WithIssuer(v.cfg.Issuer),
		jwt.WithAudience(v.cfg.Audience), jwt.WithExpirationRequired(),
		jwt.WithLeeway(jwtLeeway))
	if err != nil {
		return "", fmt.Errorf("verify JWT: %w", err)
	}
	name := cmpOr(v.cfg.PrincipalClaim, "sub")
	principal, _ := claims[name].(string)
	if principal == "" {
		return "", fmt.Errorf("the JWT has no string claim %q naming the principal", name)
	}
	return principal, nil
}

// toolNames returns the names of every tool the server offers, for checking the policy file.
func toolNames() []string {
	all, err := tools.Tools(tools.Deps{})
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(all))
	for _, t := range all {
		names = append(names, t.Tool.Name)
	}
	return names
}
