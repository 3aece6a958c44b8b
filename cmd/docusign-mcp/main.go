// Command docusign-mcp is an MCP server that lets AI agents drive Docusign eSignature.
//
// It has these subcommands:
//
//	serve  serve the MCP tools over stdio (default) or streamable HTTP
//	sim    run the Docusign simulator on its own, for serve to point at
//	demo   run one envelope from creation to a signed PDF against the simulator
//	audit  verify, read or prune the audit log of Docusign calls and tool calls
//	secrets import, list or delete keys in the encrypted secret file, or rotate the store key
//	token  hash a bearer token for the policy file
//	check  check the configuration, key, consent, account, policy and data directory
//	consent-url  print the consent URL of the integration key
//	resume  ask serve to probe Docusign at once and end a halt after lost consent
//	bench  measure overhead, throughput and memory against a bare mcp-go server
//
// Logs go to stderr, never stdout, because stdout is the stdio transport.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses: 0 on success, 1 when a command fails while running, 2 for invalid
// usage or configuration.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// environment is the process environment a command reads: its streams and variables.
// Tests build one from buffers and a map.
type environment struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		applyMemoryLimit(os.Getenv)
	}
	code := runMain(ctx, os.Args[1:], env)
	stop()
	os.Exit(code)
}

// runMain dispatches to a subcommand and turns its outcome into an exit status.
func runMain(ctx context.Context, args []string, env environment) int {
	if len(args) == 0 {
		printUsage(env.stderr)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return exitStatus(env.stderr, runServeCommand(ctx, args[1:], env))
	case "sim":
		return exitStatus(env.stderr, runSimCommand(ctx, args[1:], env))
	case "demo":
		return exitStatus(env.stderr, runDemoCommand(ctx, args[1:], env))
	case "audit":
		return exitStatus(env.stderr, runAuditCommand(ctx, args[1:], env))
	case "secrets":
		return exitStatus(env.stderr, runSecretsCommand(ctx, args[1:], env))
	case "token":
		return exitStatus(env.stderr, runTokenCommand(args[1:], env))
	case "check":
		return exitStatus(env.stderr, runCheckCommand(ctx, args[1:], env))
	case "consent-url":
		return exitStatus(env.stderr, runConsentURLCommand(ctx, args[1:], env))
	case "resume":
		return exitStatus(env.stderr, runResumeCommand(ctx, args[1:], env))
	case "bench":
		return exitStatus(env.stderr, runBenchCommand(ctx, args[1:], env))
	case "help":
		if len(args) > 1 && isCommand(args[1]) {
			// 'help serve' prints what 'serve --help' prints.
			return runMain(ctx, []string{args[1], "--help"}, env)
		}
		printUsage(env.stdout)
		return exitOK
	case "-h", "-help", "--help":
		printUsage(env.stdout)
		return exitOK
	case "-v", "-version", "--version", "version":
		fmt.Fprintln(env.stdout, "docusign-mcp", buildVersion())
		return exitOK
	default:
		fmt.Fprintf(env.stderr, "docusign-mcp: unknown command %q\n\n", args[0])
		printUsage(env.stderr)
		return exitUsage
	}
}

// exitStatus prints err to stderr, unless it is a usage error whose message the flag
// package or the config check already printed, and returns the matching exit status.
func exitStatus(stderr io.Writer, err error) int {
	var usage *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &usage):
		if usage.msg != "" {
			fmt.Fprintln(stderr, usage.msg)
		}
		return exitUsage
	default:
		fmt.Fprintf(stderr, "docusign-mcp: %v\n", err)
		return exitFailure
	}
}

// errHelp reports that a command printed its help on request.
var errHelp = errors.New("help requested")

// usageError is invalid usage or configuration: the process exits with status 2.
// msg is empty when the problem was already printed.
type usageError struct{ msg string }

func (e *usageError) Error() string {
	if e.msg == "" {
		return "invalid usage"
	}
	return e.msg
}

// isCommand reports whether name is a subcommand that takes --help.
func isCommand(name string) bool {
	switch name {
	case "serve", "sim", "demo", "audit", "secrets", "token", "check", "consent-url",
		"resume", "bench":
		return true
	}
	return false
}

// printUsage prints the top-level help.
func printUsage(w io.Writer) {
	fmt.Fprint(w, `docusign-mcp: an MCP server for Docusign eSignature

Usage:
  docusign-mcp serve [flags]   serve the MCP tools over stdio, or streamable HTTP with --http
  docusign-mcp sim [flags]     run the Docusign simulator on its own until interrupted
  docusign-mcp demo [flags]    sign one envelope end to end against the simulator
  docusign-mcp audit ACTION    verify, tail, query, total or prune the audit log
  docusign-mcp secrets ACTION  import, list or delete keys in the encrypted secret file
  docusign-mcp token hash      print the SHA-256 hash of a bearer token read from stdin
  docusign-mcp check [flags]   check configuration, key, consent, account, policy and store
  docusign-mcp consent-url     print the consent URL and how an administrator grants it
  docusign-mcp resume          ask serve to probe Docusign now and end a consent halt
  docusign-mcp bench [flags]   measure overhead and throughput against bare mcp-go
  docusign-mcp --version       print the version (also -v)

Run 'docusign-mcp COMMAND --help' or 'docusign-mcp help COMMAND' for the flags of a
command. Flags take one dash or two: -http and --http are the same.
`)
}
