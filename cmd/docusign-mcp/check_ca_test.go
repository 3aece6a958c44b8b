package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

func TestCheckTrustsCAFile(t *testing.T) {
	f := newCheckFixtureWith(t, docusigntest.Options{TLS: true})
	caFile := filepath.Join(f.dir, "ca.pem")
	writeTestFile(t, caFile, string(f.sim.CertificatePEM()))
	f.vars["DOCUSIGN_CA_FILE"] = caFile
	code, out, stderr := f.run(t)
	if code != exitOK {
		t.Fatalf("check exited with %d, want 0 with DOCUSIGN_CA_FILE set\nstdout:\n%s\n"+
			"stderr:\n%s", code, out, stderr)
	}
	for _, name := range []string{"ca file", "token", "userinfo", "account"} {
		if checkLine(out, statusOK, name) == "" {
			t.Errorf("no ok line for %s:\n%s", name, out)
		}
	}
}

func TestCheckBadCAFile(t *testing.T) {
	tests := []struct {
		name     string
		contents string // "" leaves the file missing
		want     string
	}{
		{name: "missing file", want: "does not exist"},
		{name: "no certificate", contents: "hello\n", want: "contains no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCheckFixtureWith(t, docusigntest.Options{TLS: true})
			caFile := filepath.Join(f.dir, "ca.pem")
			if tt.contents != "" {
				writeTestFile(t, caFile, tt.contents)
			}
			f.vars["DOCUSIGN_CA_FILE"] = caFile
			code, out, _ := f.run(t)
			if code != exitFailure {
				t.Errorf("check exited with %d, want 1", code)
			}
			if line := checkLine(out, statusFail, "ca file"); !strings.Contains(line, tt.want) {
				t.Errorf("ca file line = %q, want a failure with %q\n%s", line, tt.want, out)
			}
			if checkLine(out, statusSkip, "docusign") == "" {
				t.Errorf("no skip line for docusign, want no request without the CA:\n%s", out)
			}
		})
	}
}
