package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// Defaults of the serve command.
const (
	defaultAuthServer = "https://account-d.docusign.com"
	// defaultMaxBodyBytes admits a create_envelope request with the 25 MiB of documents that
	// the tool accepts, which base64 makes about 33.3 MiB, plus the rest of the arguments.
	defaultMaxBodyBytes   = 40 << 20
	defaultSessionIdleTTL = 30 * time.Minute
	defaultUpkeepInterval = time.Hour
)

// serveConfig is the checked configuration of the serve command.
type serveConfig struct {
	Log       logConfig
	Simulator bool // use an embedded simulator instead of a Docusign account
	Docusign  docusignConfig
	// DataDir is the store's directory. It is empty in simulator mode without
	// --data-dir, and then serve uses a temporary directory.
	DataDir string
	// StoreKeyFile contains the store's encryption key. It and StoreKeyHex are empty
	// in simulator mode, where serve generates a key in the data directory.
	StoreKeyFile string
	// StoreKeyHex is the key itself from DOCUSIGN_MCP_STORE_KEY. It is a secret: never
	// log it.
	StoreKeyHex string
	// Retention decides when archived envelopes are purged.
	Retention store.RetentionPolicy
	// UpkeepInterval is the time between store upkeep runs: pruning, purging and
	// value-log GC. Zero turns the schedule off.
	UpkeepInterval time.Duration
	// SecretsFile is the encrypted secret file, empty when keys come from files only.
	// SecretsKeyFile or SecretsKeyHex (a secret: never log it) contains its key.
	SecretsFile, SecretsKeyFile, SecretsKeyHex string
	// BridgeAuthorization is the Authorization header a stdio bridge sends to the HTTP
	// owner of the data directory. It is a secret: never log it.
	BridgeAuthorization string
	// ConnectHMACKeys is DOCUSIGN_CONNECT_HMAC_KEYS, the comma-separated Connect keys. It is
	// a secret: never log it. Simulator mode ignores it and generates a key.
	ConnectHMACKeys string
	ExportDir       string // optional directory that receives a copy of each download
	ReadOnly        bool   // allow only the tools annotated read-only
	HTTP            httpConfig
	// PolicyFile is the policy file, empty for a single local user with every tool.
	PolicyFile string
	// Principal is the stdio principal; empty means the policy file's stdio_principal, or
	// policy.DefaultPrincipal.
	Principal string
	// Pipeline configures the completion archiver, downstream posts, the stuck
	// envelope check and alerts.
	Pipeline pipelineConfig
	// Consent sets the probes after a consent halt and the integration key's second RSA key.
	Consent consentConfig
	// Warnings are settings that serve accepts but ignores or finds risky. serve logs them
	// once its logger exists.
	Warnings []string
	// ConformanceFixtures registers the MCP conformance suite's fixtures (hidden flag).
	ConformanceFixtures bool
	// callObserver, when set, also receives every Docusign CallRecord. The bench command
	// sets it to time the Docusign calls of each tool call; serve leaves it nil.
	callObserver docusign.Observer
}

// docusignConfig is the JWT Grant configuration of a real Docusign account.
type docusignConfig struct {
	IntegrationKey string
	UserID         string
	PrivateKeyFile string
	AuthServer     string
	AccountID      string
	RedirectURI    string
	// CAFile is a PEM file of certificate authorities trusted in addition to the system
	// roots, such as the certificate of a simulator started with 'sim --tls'.
	CAFile string
	// RootCAs is the system roots plus CAFile's certificates, nil without CAFile. serve
	// and check fill it after reading the file.
	RootCAs *x509.CertPool
}

// httpConfig configures the streamable HTTP transport. An empty Addr selects stdio.
type httpConfig struct {
	Addr           string
	AllowedOrigins []string
	MaxBodyBytes   int64
	SessionIdleTTL time.Duration
	// NoAuth serves HTTP without bearer tokens, as Principal; only on a loopback address.
	NoAuth bool
	// Policy authenticates callers and names their principals. serve sets it; nil serves
	// every request as policy.DefaultPrincipal without authentication.
	Policy *policyState
	// SessionKey signs session ids. serve reads it from the data directory, so that ids
	// survive a restart. Nil makes a key that lasts as long as the process.
	SessionKey []byte
	// Routes are handlers mounted by path outside bearer authentication and the Origin
	// check, such as /healthz, /readyz and /metrics, which check callers themselves.
	Routes map[string]http.Handler
}

// serveFlags holds the raw flag and environment values before they are checked.
type serveFlags struct {
	fs                                  *flag.FlagSet
	logFormat, logLevel                 *string
	simulator, readOnly                 *bool
	integrationKey, userID, privateKey  envSetting
	authServer, accountID, redirectURI  envSetting
	caFile                              envSetting
	dataDir, storeKeyFile               envSetting
	retention, matterField              envSetting
	policyFile, principal               envSetting
	noAuth                              *bool
	upkeepInterval                      *time.Duration
	secretFiles                         secretFileSettings
	exportDir, httpAddr, allowedOrigins *string
	maxBodyBytes                        *int64
	sessionIdleTTL                      *time.Duration
	conformanceFixtures                 *bool
	pipeline                            *pipelineFlags
	consent                             *consentFlags
}

const serveSummary = `Serve the Docusign MCP tools over stdio, or over streamable HTTP at /mcp
with --http. Flags win over the environment variables named in their help.

With --simulator, serve uses an embedded Docusign simulator and needs no account
or key files: try 'docusign-mcp serve --simulator'.

Secrets have variables but no flags, because flags show in the process list:
  DOCUSIGN_MCP_STORE_KEY             the store key as 64 hex characters, in place of
                                     --store-key-file
  DOCUSIGN_MCP_SECRETS_KEY           the secret file's key, in place of --secrets-key-file
  DOCUSIGN_MCP_BRIDGE_AUTHORIZATION  Authorization header of a stdio bridge to the
                                     serve --http that owns the data directory
  DOCUSIGN_CONNECT_HMAC_KEYS         comma-separated Connect HMAC keys that /connect
                                     accepts, in place of the secret connect-hmac-key

GOMEMLIMIT sets the Go runtime's soft memory limit, such as 128MiB, or off for none.
Without it, serve sets 64MiB.`

func newServeFlags() *serveFlags {
	f := &serveFlags{fs: newFlagSet("serve", serveSummary)}
	f.integrationKey = envSetting{flag: "integration-key", env: "DOCUSIGN_INTEGRATION_KEY",
		usage: "Docusign integration key (client ID) GUID"}
	f.userID = envSetting{flag: "user-id", env: "DOCUSIGN_USER_ID",
		usage: "user ID GUID of the Docusign user to impersonate"}
	f.privateKey = envSetting{flag: "private-key-file", env: "DOCUSIGN_PRIVATE_KEY_FILE",
		usage: "PEM file with the integration key's RSA private key (PKCS#1 or PKCS#8)"}
	f.authServer = envSetting{flag: "auth-server", env: "DOCUSIGN_AUTH_SERVER",
		usage: "OAuth server; production is https://account.docusign.com (default " +
			defaultAuthServer + ")"}
	f.accountID = envSetting{flag: "account-id", env: "DOCUSIGN_ACCOUNT_ID",
		usage: "account ID GUID; default: the user's default account"}
	f.redirectURI = envSetting{flag: "redirect-uri", env: "DOCUSIGN_REDIRECT_URI",
		usage: "redirect URI registered for the integration key, used in consent URLs"}
	f.caFile = envSetting{flag: "ca-file", env: "DOCUSIGN_CA_FILE",
		usage: "PEM file of certificate authorities to trust in addition to the system " +
			"roots, such as the ca.pem of 'docusign-mcp sim --tls'"}
	f.dataDir = envSetting{flag: "data-dir", env: "DOCUSIGN_MCP_DATA_DIR",
		usage: "directory of the document store; default: a per-user data directory, " +
			"or a temporary one with --simulator"}
	f.storeKeyFile = envSetting{flag: "store-key-file", env: "DOCUSIGN_MCP_STORE_KEY_FILE",
		usage: "file with the store's AES key as 64 hex characters; generated with --simulator"}
	f.addStoreSettings()
	for _, s := range f.settings() {
		s.register(f.fs)
	}
	f.upkeepInterval = f.fs.Duration("upkeep-interval", defaultUpkeepInterval,
		"time between store upkeep runs that prune, purge and reclaim disk space; 0 turns "+
			"them off")

	f.simulator = f.fs.Bool("simulator", false,
		"use an embedded Docusign simulator instead of a real account")
	f.readOnly = f.fs.Bool("read-only", false,
		"allow only the tools annotated readOnlyHint (status, list and template tools); "+
			"the policy denies calls of the others")
	f.exportDir = f.fs.String("export-dir", "",
		"optional directory that receives a copy of each downloaded document")
	f.httpAddr = f.fs.String("http", "",
		"serve streamable HTTP at /mcp on this address, e.g. 127.0.0.1:8931; needs --policy "+
			"with tokens, or --no-auth on a loopback address (default: stdio)")
	f.allowedOrigins = f.fs.String("allowed-origins", "",
		"comma-separated browser origins allowed to call --http; any other Origin gets 403")
	f.maxBodyBytes = f.fs.Int64("max-body-bytes", defaultMaxBodyBytes,
		"maximum size of one HTTP request body, in bytes")
	f.noAuth = f.fs.Bool("no-auth", false,
		"serve --http without bearer tokens, as --principal; refused on a non-loopback address")
	f.sessionIdleTTL = f.fs.Duration("session-idle-ttl", defaultSessionIdleTTL,
		"forget an HTTP session after this long without requests")
	f.logFormat, f.logLevel = logFlags(f.fs)
	f.conformanceFixtures = addConformanceFixturesFlag(f.fs)
	f.pipeline = addPipelineFlags(f.fs)
	f.consent = addConsentFlags(f.fs)
	return f
}

// addStoreSettings defines the retention and secret file settings.
func (f *serveFlags) addStoreSettings() {
	f.retention = envSetting{flag: "retention", env: "DOCUSIGN_MCP_RETENTION",
		usage: "how long archived envelopes are kept, by matter type, e.g. " +
			"default=7y,nda=3y (units d, y or a Go duration; forever keeps; default: forever)"}
	f.matterField = envSetting{flag: "matter-field", env: "DOCUSIGN_MCP_MATTER_FIELD",
		usage: "envelope custom field that names the matter type (default \"" +
			store.DefaultMatterField + "\")"}
	f.secretFiles = newSecretFileSettings()
	f.policyFile = envSetting{flag: "policy", env: "DOCUSIGN_MCP_POLICY_FILE",
		usage: "JSON policy file of principals, scopes and HTTP tokens; SIGHUP reloads it " +
			"(default: one local user with every tool)"}
	f.principal = envSetting{flag: "principal", env: "DOCUSIGN_MCP_PRINCIPAL",
		usage: "principal of the stdio transport and of --no-auth HTTP (default: the policy " +
			"file's stdio_principal, else \"local\")"}
}

func (f *serveFlags) settings() []*envSetting {
	return []*envSetting{&f.integrationKey, &f.userID, &f.privateKey, &f.authServer,
		&f.accountID, &f.redirectURI, &f.caFile, &f.dataDir, &f.storeKeyFile, &f.retention, &f.matterField,
		&f.secretFiles.file, &f.secretFiles.keyFile, &f.policyFile, &f.principal}
}

// parseServeConfig parses the serve flags, environment and configuration file. It returns
// errHelp or a usageError for the flags and the file themselves, and otherwise the
// configuration with one message per problem found, all at once. It reads no key files.
func parseServeConfig(args []string, env environment) (serveConfig, []string, error) {
	return newServeFlags().parse(args, env)
}

// parse is parseServeConfig for a flag set that another command, such as check, shares.
func (f *serveFlags) parse(args []string, env environment) (serveConfig, []string, error) {
	configFile := addConfigFlag(f.fs)
	if err := parseFlags(f.fs, args, env); err != nil {
		return serveConfig{}, nil, err
	}
	path := configFilePath(f.fs, *configFile, env.getenv)
	if err := applyConfigFile(f.fs, path, env.getenv); err != nil {
		return serveConfig{}, nil, err
	}
	for _, s := range f.settings() {
		s.resolve(f.fs, env.getenv)
	}
	if *f.simulator && !flagWasSet(f.fs, "data-dir") {
		// The variable names the real account's store, which simulated
		// envelopes must not mix with.
		f.dataDir.value = ""
	}
	cfg, problems := f.check(env.getenv)
	problems = append(problems, f.checkPaths()...)
	if *f.simulator {
		cfg.Warnings = f.ignoredBySimulator()
	}
	return cfg, problems, nil
}

// checkPaths rejects file and directory settings that start with ~, because only a shell
// expands it, and serve would look for a directory named "~".
func (f *serveFlags) checkPaths() []string {
	var problems []string
	for _, s := range []*envSetting{&f.privateKey, &f.caFile, &f.dataDir, &f.storeKeyFile,
		&f.secretFiles.file, &f.secretFiles.keyFile, &f.policyFile} {
		if strings.HasPrefix(s.value, "~") {
			problems = append(problems, fmt.Sprintf("%s %q starts with ~, which serve does "+
				"not expand: use an absolute path such as $HOME%s", s.name(),
				truncate(s.value, 80), strings.TrimPrefix(s.value, "~")))
		}
	}
	return problems
}

// ignoredBySimulator returns a warning for each Docusign account flag given together with
// --simulator, which takes its credentials from the embedded simulator instead.
func (f *serveFlags) ignoredBySimulator() []string {
	var warnings []string
	for _, s := range []*envSetting{&f.integrationKey, &f.userID, &f.privateKey, &f.authServer,
		&f.accountID, &f.redirectURI, &f.caFile, &f.storeKeyFile} {
		if flagWasSet(f.fs, s.flag) {
			warnings = append(warnings, "--"+s.flag+" is ignored with --simulator, which "+
				"uses the embedded simulator's account: drop one of the two flags")
		}
	}
	return warnings
}

// check validates the raw values and builds the configuration.
func (f *serveFlags) check(getenv func(string) string) (serveConfig, []string) {
	var problems []string
	add := func(p string) {
		if p != "" {
			problems = append(problems, p)
		}
	}
	cfg := serveConfig{Simulator: *f.simulator, ReadOnly: *f.readOnly,
		ExportDir: strings.TrimSpace(*f.exportDir)}
	var logProblems []string
	cfg.Log, logProblems = parseLogConfig(*f.logFormat, *f.logLevel)
	problems = append(problems, logProblems...)

	if !cfg.Simulator {
		var dsProblems []string
		cfg.Docusign, dsProblems = f.checkDocusign(f.secretFiles.file.value != "")
		problems = append(problems, dsProblems...)
	}
	cfg.DataDir = f.dataDir.value
	if cfg.DataDir == "" && !cfg.Simulator {
		dir, err := defaultDataDir(getenv)
		add(err)
		cfg.DataDir = dir
	}
	if cfg.DataDir != "" {
		cfg.DataDir = filepath.Clean(cfg.DataDir)
	}
	cfg.StoreKeyFile = f.storeKeyFile.value
	cfg.StoreKeyHex = strings.TrimSpace(getenv(storeKeyEnv))
	add(checkStoreKeySource(cfg, f.storeKeyFile.name()))
	if cfg.Simulator {
		cfg.StoreKeyFile, cfg.StoreKeyHex = "", ""
	}
	var storeProblems []string
	cfg.Retention, cfg.UpkeepInterval, storeProblems = f.checkUpkeep()
	problems = append(problems, storeProblems...)
	cfg.BridgeAuthorization = strings.TrimSpace(getenv(bridgeAuthorizationEnv))
	if !cfg.Simulator {
		cfg.SecretsFile = f.secretFiles.file.value
		cfg.SecretsKeyFile = f.secretFiles.keyFile.value
		cfg.SecretsKeyHex = strings.TrimSpace(getenv(secretsKeyEnv))
		cfg.ConnectHMACKeys = getenv(connectHMACKeysEnv)
	}
	var httpProblems []string
	cfg.HTTP, httpProblems = f.checkHTTP()
	problems = append(problems, httpProblems...)
	cfg.PolicyFile, cfg.Principal = f.policyFile.value, f.principal.value
	add(checkAuth(cfg))
	cfg.ConformanceFixtures = *f.conformanceFixtures
	add(checkConformanceFixtures(cfg.ConformanceFixtures, cfg.Simulator))
	var pipelineProblems []string
	cfg.Pipeline, pipelineProblems = f.pipeline.check(getenv)
	problems = append(problems, pipelineProblems...)
	var consentProblems []string
	cfg.Consent, consentProblems = f.consent.check(getenv)
	problems = append(problems, consentProblems...)
	return cfg, problems
}

// checkDocusign validates the settings that reach a real Docusign account. With a secret
// file, the private key may come from it instead of a file.
func (f *serveFlags) checkDocusign(haveSecretFile bool) (docusignConfig, []string) {
	var problems []string
	add := func(p string) {
		if p != "" {
			problems = append(problems, p)
		}
	}
	add(requireGUID(&f.integrationKey, "the integration key shown in Apps and Keys"))
	add(requireGUID(&f.userID, "the user ID GUID shown in Apps and Keys (not an email)"))
	if f.integrationKey.value == "" && f.userID.value == "" {
		add("no Docusign account is configured: follow the README's account set-up, or " +
			"try the server without an account with 'docusign-mcp serve --simulator'")
	}
	if f.privateKey.value == "" && !haveSecretFile {
		add(f.privateKey.name() + " is missing: set it to the PEM file of the RSA key " +
			"pair generated for the integration key, or import the key into the secret " +
			"file named by " + secretsFileEnv)
	}
	authServer, p := checkAuthServer(&f.authServer)
	add(p)
	add(checkAccountID(&f.accountID))
	add(checkRedirectURI(&f.redirectURI))
	return docusignConfig{
		IntegrationKey: f.integrationKey.value,
		UserID:         f.userID.value,
		PrivateKeyFile: f.privateKey.value,
		AuthServer:     authServer,
		AccountID:      f.accountID.value,
		RedirectURI:    f.redirectURI.value,
		CAFile:         f.caFile.value,
	}, problems
}

// checkHTTP validates the HTTP transport flags.
func (f *serveFlags) checkHTTP() (httpConfig, []string) {
	var problems []string
	cfg := httpConfig{MaxBodyBytes: *f.maxBodyBytes, SessionIdleTTL: *f.sessionIdleTTL,
		NoAuth: *f.noAuth}
	if addr := strings.TrimSpace(*f.httpAddr); addr != "" {
		normalized, err := checkListenAddr(addr)
		if err != "" {
			problems = append(problems, "--http "+strconv.Quote(addr)+" is invalid: "+err)
		}
		cfg.Addr = normalized
	}
	origins, originProblems := parseOrigins(*f.allowedOrigins)
	cfg.AllowedOrigins = origins
	problems = append(problems, originProblems...)
	if cfg.MaxBodyBytes <= 0 {
		problems = append(problems, fmt.Sprintf(
			"--max-body-bytes %d is invalid: use a positive number of bytes, e.g. %d",
			cfg.MaxBodyBytes, defaultMaxBodyBytes))
	}
	if cfg.SessionIdleTTL <= 0 {
		problems = append(problems, fmt.Sprintf(
			"--session-idle-ttl %s is invalid: use a positive duration, e.g. 30m",
			cfg.SessionIdleTTL))
	}
	return cfg, problems
}

var guidPattern = regexp.MustCompile(
	`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// requireGUID returns a problem when the setting is missing or not a GUID. hint names
// the value and where the user finds it.
func requireGUID(s *envSetting, hint string) string {
	switch {
	case s.value == "":
		return s.name() + " is missing: set it to " + hint
	case strings.Contains(s.value, "@"):
		// An email address is personal data, so the message does not repeat it.
		return fmt.Sprintf("%s is an email address, not a GUID: set it to %s", s.name(), hint)
	case !guidPattern.MatchString(s.value):
		return fmt.Sprintf("%s %q is not a GUID: set it to %s", s.name(),
			truncate(s.value, 60), hint)
	}
	return ""
}

// checkAuthServer returns the OAuth server URL without a trailing slash. It must be
// https, or http on a loopback host for a local simulator.
func checkAuthServer(s *envSetting) (string, string) {
	if s.value == "" {
		return defaultAuthServer, ""
	}
	const fix = "use https://account-d.docusign.com (developer) or " +
		"https://account.docusign.com (production)"
	u, err := url.Parse(s.value)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		strings.Trim(u.Path, "/") != "" {
		return "", fmt.Sprintf("%s %q is not a base URL: %s", s.name(), truncate(s.value, 80), fix)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
	default:
		return "", fmt.Sprintf("%s %q must use https (http only on a loopback host): %s",
			s.name(), truncate(s.value, 80), fix)
	}
	return u.Scheme + "://" + u.Host, ""
}

// checkAccountID accepts an account GUID or nothing. An account number is rejected because
// /oauth/userinfo lists accounts by GUID only, so the client could never select it.
func checkAccountID(s *envSetting) string {
	v := s.value
	if v == "" || guidPattern.MatchString(v) {
		return ""
	}
	return fmt.Sprintf("%s %q is invalid: use the API Account ID GUID from the Apps and Keys "+
		"page, not the account number, or leave it empty for the user's default account",
		s.name(), truncate(s.value, 60))
}

// checkRedirectURI accepts an absolute http or https URL, or nothing.
func checkRedirectURI(s *envSetting) string {
	if s.value == "" {
		return ""
	}
	u, err := url.Parse(s.value)
	if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return ""
	}
	return fmt.Sprintf("%s %q is not an absolute http(s) URL: use a redirect URI registered "+
		"for the integration key, e.g. http://localhost:8080/callback",
		s.name(), truncate(s.value, 80))
}

// checkListenAddr completes a missing host with 127.0.0.1. checkAuth accepts a non-loopback
// host only with bearer token authentication.
func checkListenAddr(addr string) (string, string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "use HOST:PORT, e.g. 127.0.0.1:8931"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", "the port must be a number from 0 to 65535"
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), ""
}

// parseOrigins parses a comma-separated list of origins such as https://app.example.
func parseOrigins(list string) ([]string, []string) {
	var origins, problems []string
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		origin, ok := normalizeOrigin(raw)
		if !ok {
			problems = append(problems, fmt.Sprintf("--allowed-origins entry %q is not an "+
				"origin: use SCHEME://HOST[:PORT] with no path, e.g. http://localhost:6274",
				truncate(raw, 80)))
			continue
		}
		origins = append(origins, origin)
	}
	return origins, problems
}

// normalizeOrigin lower-cases an origin's scheme and host so that comparisons with
// the Origin header ignore case. It rejects values with a path, query or user.
func normalizeOrigin(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(u.Path != "" && u.Path != "/") || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}

// isLoopbackHost reports whether host is localhost or a loopback IP address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// defaultDataDir returns the per-user data directory: $XDG_DATA_HOME/docusign-mcp or
// ~/.local/share/docusign-mcp on Unix, and the user config directory elsewhere.
func defaultDataDir(getenv func(string) string) (string, string) {
	const fix = "set DOCUSIGN_MCP_DATA_DIR (--data-dir) to a directory for the document store"
	switch runtime.GOOS {
	case "windows":
		if dir := getenv("LocalAppData"); dir != "" {
			return filepath.Join(dir, "docusign-mcp"), ""
		}
		return "", "%LocalAppData% is not set: " + fix
	case "darwin":
		if home := getenv("HOME"); home != "" {
			return filepath.Join(home, "Library", "Application Support", "docusign-mcp"), ""
		}
		return "", "$HOME is not set: " + fix
	}
	if dir := getenv("XDG_DATA_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "docusign-mcp"), ""
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "share", "docusign-mcp"), ""
	}
	return "", "$HOME is not set: " + fix
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Variables without a flag, because their values are secrets that a flag would show in
// the process list.
const (
	storeKeyEnv            = "DOCUSIGN_MCP_STORE_KEY"
	bridgeAuthorizationEnv = "DOCUSIGN_MCP_BRIDGE_AUTHORIZATION"
)

// checkStoreKeySource requires exactly one source of the store key outside simulator mode:
// a key file or the key itself in the environment.
func checkStoreKeySource(cfg serveConfig, fileSetting string) string {
	switch {
	case cfg.Simulator:
		return ""
	case cfg.StoreKeyFile != "" && cfg.StoreKeyHex != "":
		return fileSetting + " and " + storeKeyEnv + " are both set: keep one of them"
	case cfg.StoreKeyFile == "" && cfg.StoreKeyHex == "":
		return fileSetting + " is missing: create a key with " +
			"'openssl rand -hex 32 > store.key' and set the variable to its path, or set " +
			storeKeyEnv + " to the 64 hex characters"
	}
	return ""
}

// checkUpkeep validates the retention policy and the upkeep schedule.
func (f *serveFlags) checkUpkeep() (store.RetentionPolicy, time.Duration, []string) {
	var problems []string
	policy, err := store.ParseRetention(f.retention.value)
	if err != nil {
		problems = append(problems, f.retention.name()+": "+err.Error())
	}
	policy.MatterField = f.matterField.value
	if len(policy.MatterField) > 100 {
		problems = append(problems, fmt.Sprintf("%s is %d characters long: Docusign custom "+
			"field names have at most 100", f.matterField.name(), len(policy.MatterField)))
	}
	interval := *f.upkeepInterval
	if interval < 0 {
		problems = append(problems, fmt.Sprintf("--upkeep-interval %s is invalid: use a "+
			"positive duration such as 1h, or 0 to turn upkeep off", interval))
	}
	return policy, interval, problems
}

// checkAuth requires a choice between bearer tokens (a policy file) and --no-auth for HTTP,
// and refuses --no-auth on an address other hosts can reach.
func checkAuth(cfg serveConfig) string {
	h := cfg.HTTP
	if h.Addr == "" {
		if h.NoAuth {
			return "--no-auth applies to --http only: remove it, or add --http"
		}
		return ""
	}
	host, _, _ := net.SplitHostPort(h.Addr)
	switch {
	case h.NoAuth && cfg.PolicyFile != "":
		return "--no-auth and --policy both set: remove --no-auth to authenticate callers " +
			"with the policy file's tokens"
	case h.NoAuth && !isLoopbackHost(host):
		return "--no-auth on " + h.Addr + " is refused, because other hosts could call " +
			"without a token: bind 127.0.0.1, or remove --no-auth and set --policy"
	case !h.NoAuth && cfg.PolicyFile == "":
		return "--http needs caller authentication: set --policy to a policy file with " +
			"tokens or jwt, or add --no-auth on a loopback address for a single local user"
	}
	return ""
}

// checkLoopbackAddr is checkListenAddr that also refuses a non-loopback host, for servers
// that never authenticate their callers, such as the simulator.
func checkLoopbackAddr(addr string) (string, string) {
	normalized, problem := checkListenAddr(addr)
	if problem != "" {
		return normalized, problem
	}
	if host, _, _ := net.SplitHostPort(normalized); !isLoopbackHost(host) {
		return "", "bind a loopback address such as 127.0.0.1, because this server does " +
			"not authenticate callers"
	}
	return normalized, ""
}
