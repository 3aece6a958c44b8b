package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
)

// caFileSetting names the CA file setting in problems.
const caFileSetting = "DOCUSIGN_CA_FILE (--ca-file)"

// loadRootCAs returns the system roots plus the certificates in the PEM file at path, or nil
// when path is empty. A problem message replaces the error.
func loadRootCAs(path string) (*x509.CertPool, string) {
	if path == "" {
		return nil, ""
	}
	data, problem := readKeyFile(path)
	if problem != "" {
		return nil, caFileSetting + " " + problem
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		// Without system roots, trust only the file, which is what a simulator needs.
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Sprintf("%s %q contains no PEM certificate: use the ca.pem that "+
			"'docusign-mcp sim --tls' writes, or another CERTIFICATE PEM file",
			caFileSetting, path)
	}
	return pool, ""
}

// keyFileWarnings returns a warning for each key file that users other than the owner can
// read or write. Such a key still works, so serve starts and warns.
func keyFileWarnings(cfg serveConfig) []string {
	var warnings []string
	for _, f := range []struct{ setting, path string }{
		{"DOCUSIGN_PRIVATE_KEY_FILE (--private-key-file)", cfg.Docusign.PrivateKeyFile},
		{"DOCUSIGN_MCP_STORE_KEY_FILE (--store-key-file)", cfg.StoreKeyFile},
	} {
		if f.path == "" {
			continue
		}
		info, err := os.Stat(f.path)
		if err != nil || info.Mode().Perm()&0o077 == 0 {
			continue
		}
		warnings = append(warnings, fmt.Sprintf("%s %q has mode %04o, so other users can "+
			"read the key: run 'chmod 600 %s'", f.setting, f.path, info.Mode().Perm(),
			shellQuote(f.path)))
	}
	return warnings
}

// describePEMBlock names what a PEM block contains when it is not a private key, for a
// problem message, or returns "" when it may be one.
func describePEMBlock(block *pem.Block) string {
	switch block.Type {
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		return "a public key"
	case "CERTIFICATE":
		return "a certificate"
	case "EC PRIVATE KEY":
		return "an EC private key"
	}
	return ""
}

// isLocalAuthServer reports whether the OAuth server is on a loopback host, which means a
// local simulator.
func isLocalAuthServer(cfg docusignConfig) bool {
	u, err := url.Parse(cfg.AuthServer)
	return err == nil && isLoopbackHost(u.Hostname())
}
