package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ys88io/docusign-mcp/store"
)

const rotateSummary = `Re-encrypt the store under a new key. Stop every server that uses the data
directory first; the command fails while one holds it. Then point
DOCUSIGN_MCP_STORE_KEY_FILE at the new key file.`

// runRotateStoreKey rotates the store key of a data directory: the old key from
// DOCUSIGN_MCP_STORE_KEY_FILE (or DOCUSIGN_MCP_STORE_KEY), the new one from a file.
func runRotateStoreKey(args []string, env environment) error {
	fs := newFlagSet("secrets rotate-store-key", rotateSummary)
	dataDir := envSetting{flag: "data-dir", env: "DOCUSIGN_MCP_DATA_DIR",
		usage: "data directory whose store is re-encrypted"}
	oldKey := envSetting{flag: "store-key-file", env: "DOCUSIGN_MCP_STORE_KEY_FILE",
		usage: "file with the current store key (or set " + storeKeyEnv + ")"}
	for _, s := range []*envSetting{&dataDir, &oldKey} {
		s.register(fs)
	}
	newKeyFile := fs.String("new-store-key-file", "",
		"file with the new store key as 64 hex characters")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}

	dataDir.resolve(fs, env.getenv)
	oldKey.resolve(fs, env.getenv)
	old, next, problems := rotationKeys(oldKey, strings.TrimSpace(env.getenv(storeKeyEnv)),
		*newKeyFile)
	if dataDir.value == "" {
		problems = append(problems, dataDir.name()+" is missing: set it to the data "+
			"directory of the store")
	}
	if err := problemsError("secrets rotate-store-key", problems); err != nil {
		return err
	}

	if err := store.RotateKey(filepath.Join(dataDir.value, "store"), old, next); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "store in %s now opens with the key in %s\n", dataDir.value,
		*newKeyFile)
	return nil
}

// rotationKeys reads the current and the new store key and checks that they differ.
func rotationKeys(oldKey envSetting, oldHex, newKeyFile string) ([]byte, []byte, []string) {
	var problems []string
	var old []byte
	var problem string
	switch {
	case oldKey.value != "" && oldHex != "":
		problem = oldKey.name() + " and " + storeKeyEnv + " are both set: keep one of them"
	case oldKey.value != "":
		old, problem = readStoreKey(oldKey.value)
		if problem != "" {
			problem = oldKey.name() + " " + problem
		}
	case oldHex != "":
		old, problem = parseStoreKey(oldHex, storeKeyEnv)
	default:
		problem = oldKey.name() + " is missing: set it to the current store key file"
	}
	if problem != "" {
		problems = append(problems, problem)
	}
	if newKeyFile == "" {
		return nil, nil, append(problems, "--new-store-key-file is missing: create a key "+
			"with 'openssl rand -hex 32 > new-store.key'")
	}
	next, problem := readStoreKey(newKeyFile)
	if problem != "" {
		return nil, nil, append(problems, "--new-store-key-file "+problem)
	}
	if old != nil && string(old) == string(next) {
		problems = append(problems, "the new store key equals the current one: create a "+
			"new key")
	}
	return old, next, problems
}

// rotateSecretsKey re-encrypts the open secret file under the key in newKeyFile.
func rotateSecretsKey(f *store.SecretFile, newKeyFile string, env environment) error {
	if newKeyFile == "" {
		return &usageError{msg: "docusign-mcp secrets rotate-key: --new-key-file is " +
			"missing: create a key with 'openssl rand -hex 32 > new-secrets.key'"}
	}
	key, problem := readStoreKey(newKeyFile)
	if problem != "" {
		return &usageError{msg: "docusign-mcp secrets rotate-key: --new-key-file " + problem}
	}
	if err := f.SetKey(key); err != nil {
		return err
	}
	if err := f.Save(); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "secret file now opens with the key in %s: point %s at it\n",
		newKeyFile, secretsKeyFileEnv)
	return nil
}
