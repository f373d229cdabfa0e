package cmd

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormatVersion(t *testing.T) {
	stamped := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/docker-credential-gcr/docker-credential-gcr", Version: "v0.0.0-20261201142500-8327cd7abcde+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "8327cd7abcdef0123456789abcdef0123456789a"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name, version, commit string
		bi                    *debug.BuildInfo
		want                  string
	}{
		{"release ldflags", "v1.2.3", "abc1234", stamped, "docker-credential-gcr v1.2.3 (commit abc1234, "},
		{"go build in a checkout", "", "", stamped, "docker-credential-gcr v0.0.0-20261201142500-8327cd7abcde+dirty (commit 8327cd7abcde+dirty, "},
		{"go install module@version", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "docker-credential-gcr v1.4.0 (commit unknown, "},
		{"go run", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "docker-credential-gcr dev (commit unknown, "},
		{"no build info", "", "", nil, "docker-credential-gcr dev (commit unknown, "},
	}
	for _, tt := range tests {
		if got := formatVersion(tt.version, tt.commit, tt.bi); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: formatVersion = %q, want prefix %q", tt.name, got, tt.want)
		}
	}
}
