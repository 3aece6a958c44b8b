package policy

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// MaxPacketBytes is Docusign's limit on the documents of one envelope, 25 MB.
const MaxPacketBytes int64 = 25 << 20

// File is the policy file named by --policy: the principals, their scopes, and how HTTP
// callers prove which principal they are.
type File struct {
	// Schema names the JSON Schema for editors; the server ignores it.
	Schema string `json:"$schema,omitempty"`
	// StdioPrincipal is the principal of the stdio transport. The --principal flag
	// overrides it, and empty means DefaultPrincipal.
	StdioPrincipal string `json:"stdio_principal,omitempty"`
	// Principals maps each principal to its scope.
	Principals map[string]Scope `json:"principals"`
	// Tokens are static bearer tokens of HTTP callers, stored as SHA-256 hashes.
	Tokens []Token `json:"tokens,omitempty"`
	// JWT, when set, accepts JWT access tokens from an identity provider.
	JWT *JWTConfig `json:"jwt,omitempty"`
	// AccountBudget, when set, replaces the defaults of the account's API limits. A reload
	// does not change it: restart the server.
	AccountBudget *AccountBudget `json:"account_budget,omitempty"`
	// RoutingProfiles are the named ways to route an envelope that create_envelope's
	// profile argument selects. A reload replaces them.
	RoutingProfiles []RoutingProfile `json:"routing_profiles,omitempty"`
}

// Token maps the SHA-256 hash of a static bearer token to a principal.
type Token struct {
	// Principal is the principal the token authenticates.
	Principal string `json:"principal"`
	// SHA256 is the token's SHA-256 hash in lower-case hex, as HashToken returns it and
	// `printf %s TOKEN | sha256sum` prints it.
	SHA256 string `json:"sha256" jsonschema:"pattern=^[0-9a-f]{64}$"`
}

// JWTConfig verifies JWT access tokens signed with RS256 or ES256.
type JWTConfig struct {
	// Issuer is the required iss claim.
	Issuer string `json:"issuer"`
	// Audience is the required aud claim, usually this server's resource URL.
	Audience string `json:"audience"`
	// PublicKeyFile is a PEM file with the issuer's RSA or EC public key. A relative path
	// is relative to the policy file.
	PublicKeyFile string `json:"public_key_file"`
	// PrincipalClaim is the claim that names the principal. Empty means "sub".
	PrincipalClaim string `json:"principal_claim,omitempty"`
	// AuthorizationServers are listed in the protected-resource metadata document.
	AuthorizationServers []string `json:"authorization_servers,omitempty"`
}

// LoadFile reads and validates the policy file at path.
func LoadFile(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy file %s: %w", path, err)
	}
	f, err := ParseFile(raw)
	if err != nil {
		return nil, fmt.Errorf("policy file %s: %w", path, err)
	}
	return f, nil
}

// ParseFile decodes a policy file, refusing unknown fields, and validates it.
func ParseFile(raw []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode: %w: check the field names against "+
			"examples/policy.schema.json", err)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

var principalName = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,100}$`)

// Validate returns every problem of f, each naming the field and the fix.
func (f *File) Validate() error {
	var problems []string
	if len(f.Principals) == 0 {
		problems = append(problems, "principals is empty: add at least one principal with "+
			"its tools")
	}
	names := make([]string, 0, len(f.Principals))
	for name := range f.Principals {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		problems = append(problems, f.Principals[name].problems("principals."+name)...)
		if !principalName.MatchString(name) {
			problems = append(problems, fmt.Sprintf("principals.%s: the name may use only "+
				"letters, digits and ._@- (1 to 100 characters)", name))
		}
	}
	problems = append(problems, f.authProblems()...)
	problems = append(problems, f.AccountBudget.problems()...)
	problems = append(problems, f.routingProblems()...)
	if len(problems) > 0 {
		return fmt.Errorf("%d problem(s): %s", len(problems), strings.Join(problems, "; "))
	}
	return nil
}

func (f *File) authProblems() []string {
	var problems []string
	if p := f.StdioPrincipal; p != "" && !f.known(p) {
		problems = append(problems, fmt.Sprintf("stdio_principal %q is not in principals: "+
			"add it there or fix the name", p))
	}
	for i, t := range f.Tokens {
		field := fmt.Sprintf("tokens[%d]", i)
		if !f.known(t.Principal) {
			problems = append(problems, fmt.Sprintf("%s.principal %q is not in principals: "+
				"add it there or fix the name", field, t.Principal))
		}
		if b, err := hex.DecodeString(t.SHA256); err != nil || len(b) != 32 ||
			t.SHA256 != strings.ToLower(t.SHA256) {
			problems = append(problems, field+".sha256 is not 64 lower-case hex "+
				"characters: write the digest that `printf %s TOKEN | sha256sum` prints")
		}
	}
	if j := f.JWT; j != nil {
		for field, v := range map[string]string{"issuer": j.Issuer, "audience": j.Audience,
			"public_key_file": j.PublicKeyFile} {
			if v == "" {
				problems = append(problems, "jwt."+field+" is empty: set it, or remove jwt")
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func (f *File) known(principal string) bool {
	_, ok := f.Principals[principal]
	return ok
}

// problems returns the problems of one scope at field.
func (s Scope) problems(field string) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, field+"."+fmt.Sprintf(format, args...))
	}
	if len(s.Tools) == 0 {
		add("tools is empty: list the tool names, or \"*\" for all")
	}
	if s.MaxRecipients < 0 {
		add("max_recipients %d is negative: use 0 for no limit", s.MaxRecipients)
	}
	if s.MaxDocumentBytes < 0 || s.MaxDocumentBytes > MaxPacketBytes {
		add("max_document_bytes %d is out of range: use 1 to %d (Docusign's 25 MB limit), "+
			"or 0 for that limit", s.MaxDocumentBytes, MaxPacketBytes)
	}
	for _, a := range s.RequireApproval {
		if a != ActionSend && a != ActionVoid {
			add("require_approval %q is unknown: use \"send\" or \"void\"", a)
		}
	}
	if f := s.ApprovalFallback; f != "" && f != FallbackDeny && f != FallbackDraft {
		add("approval_fallback %q is unknown: use \"deny\" or \"draft\"", f)
	}
	if s.ResendMinInterval < 0 || s.ResendMaxCount < 0 || s.DownloadBudgetBytes < 0 {
		add("resend_min_interval, resend_max_count and download_budget_bytes must not be " +
			"negative: remove them for the defaults")
	}
	for _, d := range slices.Concat(s.AllowedDomains, s.DeniedDomains) {
		if d == "" || strings.ContainsAny(d, "@ ") {
			add("domain %q is invalid: write a bare domain such as example.com", d)
		}
	}
	return problems
}

// HashToken returns the SHA-256 hash of a static bearer token in lower-case hex, the form
// Token.SHA256 stores.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// PrincipalOfToken returns the principal whose token hash matches token, comparing in
// constant time.
func (f *File) PrincipalOfToken(token string) (string, bool) {
	got := HashToken(token)
	found := ""
	for _, t := range f.Tokens {
		if subtle.ConstantTimeCompare([]byte(got), []byte(t.SHA256)) == 1 {
			found = t.Principal
		}
	}
	return found, found != ""
}

// CheckTools returns an error naming each tool of a scope that is not in known, such as a
// misspelt name that would otherwise deny the tool without a word.
func (f *File) CheckTools(known []string) error {
	var problems []string
	names := make([]string, 0, len(f.Principals))
	for name := range f.Principals {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for i, tool := range f.Principals[name].Tools {
			if tool != Wildcard && !slices.Contains(known, tool) {
				problems = append(problems, fmt.Sprintf("principals.%s.tools[%d] %q is not a "+
					"tool of this server: use one of %s, or \"*\"", name, i, tool,
					strings.Join(known, ", ")))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problem(s): %s", len(problems), strings.Join(problems, "; "))
	}
	return nil
}
