package docusigntest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Files that WriteCredentials creates.
const (
	PrivateKeyFile      = "private.key"
	CredentialsJSONFile = "credentials.json"
	CredentialsEnvFile  = "credentials.env"
	CertificateFile     = "ca.pem" // written only with Options.TLS
)

// WriteCredentials writes the primary user's credentials into dir, which it creates if
// needed: the RSA private key as PEM (mode 0600), the ids and URLs as JSON, and the same as
// an env file of DOCUSIGN_* variables whose DOCUSIGN_PRIVATE_KEY_FILE names the key file.
// With Options.TLS it also writes the server certificate and names it in the env file as
// NODE_EXTRA_CA_CERTS, so the official Node.js SDK trusts the simulator.
func (s *Server) WriteCredentials(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create credentials directory %s: %w", dir, err)
	}
	cred := s.Credentials()
	keyPath := filepath.Join(dir, PrivateKeyFile)
	if err := os.WriteFile(keyPath, cred.PrivateKeyPEM, 0o600); err != nil {
		return fmt.Errorf("write private key %s: %w", keyPath, err)
	}
	doc := struct {
		Credentials
		PrivateKeyFile string `json:"privateKeyFile"`
	}{cred, keyPath}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode credentials: %w", err)
	}
	if err := writeFile(filepath.Join(dir, CredentialsJSONFile), append(raw, '\n')); err != nil {
		return err
	}
	env := []string{
		"DOCUSIGN_INTEGRATION_KEY=" + cred.IntegrationKey,
		"DOCUSIGN_USER_ID=" + cred.UserID,
		"DOCUSIGN_ACCOUNT_ID=" + cred.AccountID,
		"DOCUSIGN_AUTH_SERVER=" + cred.AuthServer,
		"DOCUSIGN_BASE_URI=" + cred.BaseURI,
		"DOCUSIGN_PRIVATE_KEY_FILE=" + keyPath,
	}
	if len(s.certPEM) > 0 {
		certPath := filepath.Join(dir, CertificateFile)
		if err := writeFile(certPath, s.certPEM); err != nil {
			return err
		}
		env = append(env, "NODE_EXTRA_CA_CERTS="+certPath)
	}
	return writeFile(filepath.Join(dir, CredentialsEnvFile), []byte(strings.Join(env, "\n")+"\n"))
}

func writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
