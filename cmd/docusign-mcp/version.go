package main

import "runtime/debug"

// version is set at link time with -ldflags "-X main.version=v1.2.3". When it is
// empty, buildVersion falls back to the module version and VCS revision that the Go
// toolchain records in the binary.
var version string

// buildVersion returns the version to print and to report to MCP clients.
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}
