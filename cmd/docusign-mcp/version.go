package main

import (
	"runtime/debug"
	"strings"
)

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
	return versionOf(info)
}

// versionOf returns the module version of info with the first 12 characters of the VCS
// revision appended, unless the version already contains them, as a pseudo-version
// such as v0.0.0-20261204210127-1b55db6baa2d does.
func versionOf(info *debug.BuildInfo) string {
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range info.Settings {
		if s.Key != "vcs.revision" || len(s.Value) < 12 {
			continue
		}
		if revision := s.Value[:12]; !strings.Contains(v, revision) {
			v += "+" + revision
		}
	}
	return v
}
