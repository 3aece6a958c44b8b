package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ys88io/docusign-mcp/docusign"
)

// checkNextKey checks the second RSA key of a key rotation on its own: the file, then a
// token request signed with it alone. A key that Docusign does not know yet thus fails
// here, not on the day the current key is retired. It prints fingerprints, never keys.
func checkNextKey(ctx context.Context, r *checkReport, cfg serveConfig, keys secrets,
	dsCfg docusign.Config) {
	path := cfg.Consent.NextKeyFile
	if path == "" || cfg.Simulator {
		return
	}
	pemBytes, problem := readPrivateKey(path)
	if problem != "" {
		r.fail("next key", "DOCUSIGN_PRIVATE_KEY_NEXT_FILE (--private-key-next-file) "+problem)
		return
	}
	next, err := docusign.KeyFingerprint(pemBytes)
	if err != nil {
		r.fail("next key", fmt.Sprintf("%s: %v", path, err))
		return
	}
	if current, err := docusign.KeyFingerprint(keys.PrivateKeyPEM); err == nil && current == next {
		r.fail("next key", fmt.Sprintf("%s is the current key %s: set it to the new key "+
			"pair's private key, or unset it", path, next))
		return
	}
	dsCfg.PrivateKeyPEM = pemBytes
	dsCfg.NextPrivateKeyPEM = nil
	tokens := &tokenRecorder{}
	dsCfg.Observer = tokens
	client, err := docusign.NewClient(dsCfg)
	if err != nil {
		r.fail("next key", fmt.Sprintf("%s: %v", path, err))
		return
	}
	if _, err := client.UserInfo(ctx); err != nil && !tokens.tokenIssued() {
		r.fail("next key", fmt.Sprintf("key %s from %s: %s", next, path,
			nextKeyProblem(err, dsCfg)))
		return
	}
	r.ok("next key", fmt.Sprintf("Docusign accepts key %s from %s, so the current key can "+
		"be retired", next, path))
}

// nextKeyProblem explains a failed token request signed with the next key. A rejected
// signature means Docusign does not know the key yet, which tokenProblem would blame on
// the current key's setting.
func nextKeyProblem(err error, cfg docusign.Config) string {
	var oauth *docusign.OAuthError
	if !errors.As(err, &oauth) || oauth.Description != "no_valid_keys_or_signatures" {
		return tokenProblem(err, cfg)
	}
	reason := strings.TrimSpace(oauth.Code + " " + oauth.Description)
	return fmt.Sprintf("%s rejected the JWT signature (%s): upload the public half of this "+
		"key to integration key %s in Apps and Keys, or set DOCUSIGN_PRIVATE_KEY_NEXT_FILE "+
		"(--private-key-next-file) to the private key of a key pair uploaded there",
		cfg.AuthServer, reason, cfg.IntegrationKey)
}
