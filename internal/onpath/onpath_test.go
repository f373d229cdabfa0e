package onpath

import (
	"strings"
	"testing"
)

func TestNotOnPathAdvice(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		name, goos, exe string
		getenv          func(string) string
		what            string
		want, not       []string
	}{
		{"go install, default GOPATH", "linux", "/home/ann/go/bin/docker-credential-gcr", env("HOME", "/home/ann"),
			"docker-credential-gcr is not on PATH", []string{"`go install` put it in /home/ann/go/bin", `export PATH="$PATH:/home/ann/go/bin"`}, []string{"copy"}},
		{"go install, GOBIN", "linux", "/opt/gobin/docker-credential-gcr", env("HOME", "/home/ann", "GOBIN", "/opt/gobin/"),
			"docker-credential-gcr is not on PATH", []string{"put it in /opt/gobin:"}, nil},
		{"go install, first GOPATH entry", "darwin", "/w/one/bin/docker-credential-gcr", env("GOPATH", "/w/one:/w/two"),
			"docker-credential-gcr is not on PATH", []string{"put it in /w/one/bin"}, nil},
		{"second GOPATH entry is not where go install puts it", "linux", "/w/two/bin/docker-credential-gcr", env("GOPATH", "/w/one:/w/two"),
			"docker-credential-gcr is not on PATH", []string{"copy docker-credential-gcr to a directory on PATH, e.g. /usr/local/bin"}, []string{"go install"}},
		{"copied binary", "linux", "/tmp/dl/docker-credential-gcr", env("HOME", "/home/ann"),
			"docker-credential-gcr is not on PATH", []string{"/usr/local/bin"}, []string{"go install"}},
		{"windows, go install", "windows", `C:\Users\Ann\go\bin\docker-credential-gcr.exe`, env("USERPROFILE", `C:\Users\Ann`),
			"docker-credential-gcr.exe is not on %PATH%", []string{`put it in C:\Users\Ann\go\bin:`, "Path environment variable"}, []string{"/usr/local/bin", "export"}},
		{"windows, go install, other case", "windows", `c:\users\ann\GO\bin\docker-credential-gcr.exe`, env("USERPROFILE", `C:\Users\Ann\`),
			"docker-credential-gcr.exe is not on %PATH%", []string{`put it in c:\users\ann\GO\bin:`}, nil},
		{"windows, GOBIN with slashes", "windows", `D:\tools\docker-credential-gcr.exe`, env("GOBIN", `D:/tools`),
			"docker-credential-gcr.exe is not on %PATH%", []string{`put it in D:\tools:`}, nil},
		{"windows, downloaded", "windows", `C:\Users\Ann\Downloads\docker-credential-gcr.exe`, env("USERPROFILE", `C:\Users\Ann`),
			"docker-credential-gcr.exe is not on %PATH%", []string{"put docker-credential-gcr.exe in a directory on %PATH%", `%LOCALAPPDATA%\Microsoft\WindowsApps`}, []string{"/usr/local/bin", "go install"}},
		{"no executable path", "linux", "", env("HOME", "/home/ann"),
			"docker-credential-gcr is not on PATH", []string{"/usr/local/bin"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			what, fix := notOnPathAdvice(tc.goos, tc.exe, tc.getenv)
			if what != tc.what {
				t.Errorf("what = %q, want %q", what, tc.what)
			}
			for _, w := range tc.want {
				if !strings.Contains(fix, w) {
					t.Errorf("fix = %q, want it to contain %q", fix, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(fix, n) {
					t.Errorf("fix = %q, want no %q", fix, n)
				}
			}
		})
	}
}
