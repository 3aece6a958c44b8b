// Command speccheck validates the bodies captured with DOCUSIGN_MCP_SPEC_CAPTURE against
// Docusign's OpenAPI definitions, prints the counts by operation and every violation,
// and exits with status 1 when there is a violation.
//
// Usage: speccheck [-spec FILE] CAPTURE_DIR
//
// When the spec file does not exist, it prints that it skipped the check and exits with
// status 0, because the reference files are present in CI but not in every clone.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ys88io/docusign-mcp/internal/speccheck"
)

func main() {
	specPath := flag.String("spec", filepath.Join("..", "shared", "reference", "docusign",
		"esignature.rest.swagger-v2.1.subset.json"), "OpenAPI 2.0 document of eSignature v2.1")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: speccheck [-spec FILE] CAPTURE_DIR")
		os.Exit(2)
	}
	os.Exit(run(*specPath, flag.Arg(0)))
}

func run(specPath, dir string) int {
	if _, err := os.Stat(specPath); errors.Is(err, fs.ErrNotExist) {
		fmt.Printf("speccheck: skipped, because the OpenAPI document %s does not exist\n",
			specPath)
		return 0
	}
	spec, err := speccheck.Load(specPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "speccheck: %v\n", err)
		return 1
	}
	report, err := spec.CheckDir(dir, speccheck.DefaultClients)
	if err != nil {
		fmt.Fprintf(os.Stderr, "speccheck: %v\n", err)
		return 1
	}
	report.Print(os.Stdout)
	if report.Records == 0 {
		fmt.Fprintf(os.Stderr, "speccheck: no records in %s: was %s set for the tests?\n",
			dir, speccheck.CaptureEnv)
		return 1
	}
	if len(report.Violations) > 0 {
		return 1
	}
	return 0
}
