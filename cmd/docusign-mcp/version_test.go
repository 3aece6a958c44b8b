package main

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	const revision = "1b55db6baa2d0123456789abcdef0123456789ab"
	tests := []struct {
		name     string
		version  string
		revision string
		want     string
	}{
		{name: "pseudo-version", version: "v0.0.0-20261204210127-1b55db6baa2d",
			revision: revision, want: "v0.0.0-20261204210127-1b55db6baa2d"},
		{name: "pseudo-version dirty", version: "v0.0.0-20261204210127-1b55db6baa2d+dirty",
			revision: revision, want: "v0.0.0-20261204210127-1b55db6baa2d+dirty"},
		{name: "devel", version: "(devel)", revision: revision, want: "devel+1b55db6baa2d"},
		{name: "tag", version: "v1.2.3", revision: revision, want: "v1.2.3+1b55db6baa2d"},
		{name: "no revision", version: "v1.2.3", want: "v1.2.3"},
		{name: "empty", want: "devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := &debug.BuildInfo{Main: debug.Module{Version: tt.version}}
			if tt.revision != "" {
				info.Settings = []debug.BuildSetting{{Key: "vcs.revision", Value: tt.revision}}
			}
			if got := versionOf(info); got != tt.want {
				t.Errorf("versionOf(%q, revision %q) = %q, want %q", tt.version, tt.revision,
					got, tt.want)
			}
		})
	}
}
