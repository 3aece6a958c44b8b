package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/ys88io/docusign-mcp/connect"
	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// checkKeyFiles prints the private key, store key and secret file lines and reports whether
// all three are usable. The problems come from loadSecrets; each starts with the setting
// it concerns.
func checkKeyFiles(r *checkReport, cfg serveConfig, keys secrets, problems []string) bool {
	byLine := map[string][]string{}
	for _, p := range problems {
		switch {
		case strings.HasPrefix(p, "DOCUSIGN_PRIVATE_KEY_FILE"),
			strings.Contains(p, store.SecretPrivateKey):
			byLine["private key"] = append(byLine["private key"], p)
		case strings.HasPrefix(p, "DOCUSIGN_MCP_STORE_KEY"):
			byLine["store key"] = append(byLine["store key"], p)
		default:
			byLine["secret file"] = append(byLine["secret file"], p)
		}
	}
	for _, name := range []string{"private key", "store key", "secret file"} {
		for _, p := range byLine[name] {
			r.fail(name, p)
		}
	}
	if cfg.Simulator {
		r.skip("private key", "--simulator supplies the integration key and its RSA key")
		r.skip("store key", "--simulator generates the store key in the data directory")
		return true
	}
	if len(byLine["private key"]) == 0 && keys.PrivateKeyPEM != nil {
		r.ok("private key", describeRSAKey(keys.PrivateKeyPEM, cfg))
	}
	if len(byLine["store key"]) == 0 && keys.StoreKey != nil {
		r.ok("store key", fmt.Sprintf("AES-%d key from %s", 8*len(keys.StoreKey),
			storeKeySource(cfg)))
	}
	if cfg.SecretsFile != "" && len(byLine["secret file"]) == 0 {
		r.ok("secret file", cfg.SecretsFile+" opens with its key")
	}
	return len(problems) == 0
}

// describeRSAKey returns the key's size and where it came from, never its content.
func describeRSAKey(pemBytes []byte, cfg serveConfig) string {
	source := "the secret file"
	if cfg.Docusign.PrivateKeyFile != "" {
		source = cfg.Docusign.PrivateKeyFile
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return "RSA key from " + source
	}
	var key any
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		key, _ = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if rsaKey, ok := key.(*rsa.PrivateKey); ok {
		fp, _ := docusign.KeyFingerprint(pemBytes)
		return fmt.Sprintf("RSA %d-bit private key %s from %s", rsaKey.N.BitLen(), fp, source)
	}
	return "RSA key from " + source
}

func storeKeySource(cfg serveConfig) string {
	if cfg.StoreKeyFile != "" {
		return cfg.StoreKeyFile
	}
	return storeKeyEnv
}

// checkPolicy loads the policy file the way serve does.
func checkPolicy(r *checkReport, cfg serveConfig) {
	if cfg.PolicyFile == "" {
		r.ok("policy", "no policy file: one local principal may call every tool")
		return
	}
	st, err := newPolicyState(cfg, cfg.Docusign.UserID)
	if errors.Is(err, fs.ErrNotExist) {
		r.fail("policy", missingPolicyProblem(cfg.PolicyFile))
		return
	}
	if err != nil {
		r.fail("policy", fmt.Sprintf("%v: fix the file (docs/policy.md lists its fields) "+
			"and run check again", err))
		return
	}
	f := st.file()
	r.ok("policy", fmt.Sprintf("%s: %d principals, %d bearer tokens", cfg.PolicyFile,
		len(f.Principals), len(f.Tokens)))
}

// missingPolicyProblem explains a policy file path that names no file. A relative path in
// a config file is a common cause, because it resolves against the working directory.
func missingPolicyProblem(path string) string {
	msg := fmt.Sprintf("policy file %s does not exist: check the path in "+
		"DOCUSIGN_MCP_POLICY_FILE (--policy)", path)
	if filepath.IsAbs(path) {
		return msg
	}
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "of this process"
	}
	return fmt.Sprintf("%s. A relative path resolves against the working directory %s, "+
		"not the config file's directory, so prefer an absolute path", msg, cwd)
}

// checkDataDir checks that the data directory is writable and, when a store exists, that
// the store key opens it. It creates nothing but a temporary file that it removes.
func checkDataDir(r *checkReport, cfg serveConfig, keys secrets, keysOK bool) {
	if cfg.DataDir == "" {
		r.skip("data directory", "--simulator without --data-dir uses a temporary directory")
		return
	}
	dir, err := existingAncestor(cfg.DataDir)
	if err != nil {
		r.fail("data directory", fmt.Sprintf("%s: %v: set DOCUSIGN_MCP_DATA_DIR "+
			"(--data-dir) to a directory this user can create", cfg.DataDir, err))
		return
	}
	probe, err := os.CreateTemp(dir, ".docusign-mcp-check-*")
	if err != nil {
		r.fail("data directory", fmt.Sprintf("%s is not writable: %v: give this user write "+
			"access, or set DOCUSIGN_MCP_DATA_DIR (--data-dir) to another directory", dir, err))
		return
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	if dir != cfg.DataDir {
		r.ok("data directory", fmt.Sprintf("%s does not exist yet; serve creates it in %s",
			cfg.DataDir, dir))
		return
	}
	r.ok("data directory", cfg.DataDir+" is writable")
	checkStoreOpens(r, cfg, keys, keysOK)
}

// existingAncestor returns dir, or its nearest existing ancestor when dir does not exist.
func existingAncestor(dir string) (string, error) {
	for {
		info, err := os.Stat(dir)
		switch {
		case err == nil && info.IsDir():
			return dir, nil
		case err == nil:
			return "", errors.New("it is a file, not a directory")
		case !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no part of the path exists")
		}
		dir = parent
	}
}

// checkStoreOpens opens an existing store with the store key and closes it. A store that a
// running serve holds is skipped, because the lock keeps others out.
func checkStoreOpens(r *checkReport, cfg serveConfig, keys secrets, keysOK bool) {
	storeDir := filepath.Join(cfg.DataDir, "store")
	entries, err := os.ReadDir(storeDir)
	switch {
	case cfg.Simulator:
		return
	case errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0):
		r.ok("store", "no store yet; serve creates one with the store key")
		return
	case !keysOK || keys.StoreKey == nil:
		r.skip("store", "the store key is invalid, so the store was not opened")
		return
	}
	s, err := store.Open(storeDir, store.Options{EncryptionKey: keys.StoreKey,
		Logger: slog.New(slog.DiscardHandler)})
	var locked *store.LockedError
	switch {
	case errors.As(err, &locked):
		r.skip("store", fmt.Sprintf("%v, so check cannot open it; the key works if that "+
			"server runs", err))
	case err != nil:
		// The store's errors end with their fix, such as the key the store was created with.
		r.fail("store", fmt.Sprintf("store key from %s: %v", storeKeySource(cfg), err))
	default:
		_ = s.Close()
		r.ok("store", storeDir+" opens with the store key")
	}
}

// checkConnectKeys checks the Connect HMAC keys of DOCUSIGN_CONNECT_HMAC_KEYS or the secret
// file, the way serve reads them. It prints key IDs, which are hash prefixes, never keys.
func checkConnectKeys(r *checkReport, cfg serveConfig) {
	if cfg.Simulator {
		r.skip("connect keys", "--simulator generates a Connect key for its own messages")
		return
	}
	keys, source, err := connectKeys(cfg)
	if err != nil {
		r.fail("connect keys", err.Error())
		return
	}
	if len(keys) == 0 {
		r.skip("connect keys", "no Connect HMAC keys are configured, so /connect is not "+
			"served; set "+connectHMACKeysEnv+" to receive Connect messages")
		return
	}
	if _, err := connect.NewVerifier(keys); err != nil {
		r.fail("connect keys", fmt.Sprintf("%s: %v", source, err))
		return
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	noun := "HMAC keys"
	if len(keys) == 1 {
		noun = "HMAC key"
	}
	r.ok("connect keys", fmt.Sprintf("%d %s from %s: %s", len(keys), noun, source,
		strings.Join(ids, ", ")))
}
