package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/ys88io/docusign-mcp/policy"
)

const tokenUsage = `Usage: docusign-mcp token hash < TOKEN_FILE

Reads one bearer token from stdin and prints its SHA-256 hash, the value of
tokens[].sha256 in a policy file. The token is read from stdin, not from an argument,
so that it stays out of shell history and process lists.`

// runTokenCommand runs 'token hash'.
func runTokenCommand(args []string, env environment) error {
	if len(args) == 1 && isHelpFlag(args[0]) {
		fmt.Fprintln(env.stdout, tokenUsage)
		return errHelp
	}
	if len(args) != 1 || args[0] != "hash" {
		return &usageError{msg: tokenUsage}
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	token := strings.TrimRight(line, "\r\n")
	if token == "" {
		return fmt.Errorf("no token on stdin (read error: %v): pipe the token in, e.g. "+
			"'docusign-mcp token hash < token.txt'", err)
	}
	fmt.Fprintln(env.stdout, policy.HashToken(token))
	return nil
}
