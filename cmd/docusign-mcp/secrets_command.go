package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ys88io/docusign-mcp/store"
)

// Settings of the secret file, shared by serve and the secrets command. The key itself can
// come only from the environment, because a flag would show it in the process list.
const (
	secretsFileEnv    = "DOCUSIGN_MCP_SECRETS_FILE"
	secretsKeyFileEnv = "DOCUSIGN_MCP_SECRETS_KEY_FILE"
	secretsKeyEnv     = "DOCUSIGN_MCP_SECRETS_KEY"
)

const secretsSummary = `Manage the encrypted secret file that can hold the Docusign private key
(name docusign-private-key) and HMAC keys (e.g. connect-hmac-key) instead of plaintext files.

  docusign-mcp secrets import --name NAME [--file PATH]   read the value from PATH or stdin
  docusign-mcp secrets list                               print the names, never the values
  docusign-mcp secrets delete --name NAME
  docusign-mcp secrets rotate-key --new-key-file PATH      re-encrypt the secret file
  docusign-mcp secrets rotate-store-key --new-store-key-file PATH   re-encrypt the store

The file is encrypted with its own AES-256 key, which must differ from the store key:
create one with 'openssl rand -hex 32 > secrets.key'.`

// secretFileSettings names the secret file and its key.
type secretFileSettings struct {
	file, keyFile envSetting
}

func newSecretFileSettings() secretFileSettings {
	return secretFileSettings{
		file: envSetting{flag: "secrets-file", env: secretsFileEnv,
			usage: "encrypted secret file with the Docusign private key and HMAC keys"},
		keyFile: envSetting{flag: "secrets-key-file", env: secretsKeyFileEnv,
			usage: "file with the secret file's AES key as 64 hex characters " +
				"(or set " + secretsKeyEnv + " to the key itself)"},
	}
}

// openSecretFile opens the secret file with the key from keyFile or, when that is empty,
// keyHex. It returns a problem message instead of an error.
func openSecretFile(path, keyFile, keyHex string) (*store.SecretFile, []byte, string) {
	var key []byte
	var problem string
	switch {
	case keyFile != "" && keyHex != "":
		return nil, nil, secretsKeyFileEnv + " and " + secretsKeyEnv + " are both set: " +
			"keep one of them"
	case keyFile != "":
		key, problem = readStoreKey(keyFile)
		if problem != "" {
			problem = secretsKeyFileEnv + " (--secrets-key-file) " + problem
		}
	case keyHex != "":
		key, problem = parseStoreKey(keyHex, secretsKeyEnv)
	default:
		problem = secretsKeyFileEnv + " (--secrets-key-file) is missing: create a key with " +
			"'openssl rand -hex 32 > secrets.key' and set the variable to its path"
	}
	if problem != "" {
		return nil, nil, problem
	}
	f, err := store.OpenSecrets(path, key)
	if err != nil {
		return nil, nil, err.Error()
	}
	return f, key, ""
}

// runSecretsCommand runs one action on the secret file.
func runSecretsCommand(_ context.Context, args []string, env environment) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs := newFlagSet("secrets", secretsSummary)
		if err := parseFlags(fs, args, env); err != nil {
			return err
		}
		return &usageError{msg: "docusign-mcp secrets: missing action: use import, list, " +
			"delete, rotate-key or rotate-store-key"}
	}
	action, args := args[0], args[1:]
	switch action {
	case "import", "list", "delete", "rotate-key":
	case "rotate-store-key":
		return runRotateStoreKey(args, env)
	default:
		return &usageError{msg: fmt.Sprintf("docusign-mcp secrets: unknown action %q: use "+
			"import, list, delete, rotate-key or rotate-store-key", action)}
	}

	fs := newFlagSet("secrets "+action, secretsSummary)
	settings := newSecretFileSettings()
	settings.file.register(fs)
	settings.keyFile.register(fs)
	name := fs.String("name", "", "name of the secret, e.g. "+store.SecretPrivateKey)
	file := fs.String("file", "", "file to import; default: read stdin")
	newKeyFile := fs.String("new-key-file", "",
		"rotate-key: file with the secret file's new key as 64 hex characters")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}

	settings.file.resolve(fs, env.getenv)
	settings.keyFile.resolve(fs, env.getenv)
	if settings.file.value == "" {
		return &usageError{msg: "docusign-mcp secrets: " + settings.file.name() +
			" is missing: set it to the secret file's path"}
	}
	f, _, problem := openSecretFile(settings.file.value, settings.keyFile.value,
		strings.TrimSpace(env.getenv(secretsKeyEnv)))
	if problem != "" {
		return &usageError{msg: "docusign-mcp secrets: " + problem}
	}
	if action == "rotate-key" {
		return rotateSecretsKey(f, *newKeyFile, env)
	}
	return runSecretsAction(f, action, *name, *file, env)
}

// runSecretsAction performs one checked action on an open secret file.
func runSecretsAction(f *store.SecretFile, action, name, file string, env environment) error {
	switch action {
	case "list":
		for _, n := range f.Names() {
			fmt.Fprintln(env.stdout, n)
		}
		return nil
	case "delete":
		if !f.Delete(name) {
			return fmt.Errorf("delete secret %q: not found: run 'docusign-mcp secrets list'",
				name)
		}
		return f.Save()
	}
	value, err := readSecretInput(file, env.stdin)
	if err != nil {
		return err
	}
	if name == store.SecretPrivateKey {
		if _, problem := checkPrivateKey(value, "the imported value"); problem != "" {
			return fmt.Errorf("import %s: %s", name, problem)
		}
	}
	if err := f.Set(name, value); err != nil {
		return err
	}
	if err := f.Save(); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "imported secret %s (%d bytes)\n", name, len(value))
	return nil
}

// readSecretInput reads the value to import from path, or from stdin when path is empty
// or "-". Surrounding whitespace is trimmed only from single-line values such as hex keys.
func readSecretInput(path string, stdin io.Reader) ([]byte, error) {
	var data []byte
	var err error
	if path == "" || path == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, maxKeyFileSize+1))
	} else {
		var problem string
		data, problem = readKeyFile(path)
		if problem != "" {
			return nil, errors.New("import: --file " + problem)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("import: read stdin: %w", err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("import: the value is larger than %d bytes", maxKeyFileSize)
	}
	if bytes.Count(bytes.TrimSpace(data), []byte("\n")) == 0 {
		data = bytes.TrimSpace(data)
	}
	return data, nil
}
