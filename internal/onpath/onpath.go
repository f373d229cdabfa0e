package onpath

import (
	"os"
	"runtime"
	"strings"

	"github.com/docker-credential-gcr/docker-credential-gcr/configfile"
)

// BinaryName is the file docker runs for credHelpers "gcr" on goos.
func BinaryName(goos string) string {
	if goos == "windows" {
		return "docker-credential-" + configfile.HelperName + ".exe"
	}
	return "docker-credential-" + configfile.HelperName
}

// NotFound says that docker cannot find this helper and what to do, in the
// running OS's words: "docker-credential-gcr is not on PATH" / on Windows
// "docker-credential-gcr.exe is not on %PATH%". getenv reads the
// environment (GOBIN, GOPATH, the home); os.Getenv when nil.
func NotFound(getenv func(string) string) (what, fix string) {
	if getenv == nil {
		getenv = os.Getenv
	}
	exe, _ := os.Executable()
	return notOnPathAdvice(runtime.GOOS, exe, getenv)
}

// notOnPathAdvice is notOnPath for goos, the running binary exe and the
// environment. When exe sits where `go install` puts binaries (GOBIN, else
// the first GOPATH entry's bin, by default ~/go/bin), the fix is to add
// that directory to PATH — running go install again would not help; else it
// is to put the binary in a directory on PATH.
func notOnPathAdvice(goos, exe string, getenv func(string) string) (what, fix string) {
	name, path := BinaryName(goos), "PATH"
	if goos == "windows" {
		path = "%PATH%"
	}
	what = name + " is not on " + path
	if dir, ok := goInstallDir(goos, exe, getenv); ok {
		if goos == "windows" {
			return what, "`go install` put it in " + dir + ": add that directory to your Path environment variable (System Properties > Environment Variables), then open a new terminal"
		}
		return what, "`go install` put it in " + dir + ": add that directory to PATH (e.g. export PATH=\"$PATH:" + dir + "\" in your shell profile)"
	}
	if goos == "windows" {
		return what, "put " + name + ` in a directory on %PATH%, e.g. %LOCALAPPDATA%\Microsoft\WindowsApps (on every user's Path), then open a new terminal`
	}
	return what, "copy " + name + " to a directory on PATH, e.g. /usr/local/bin"
}

// goInstallDir returns exe's directory when it is where go install puts
// binaries.
func goInstallDir(goos, exe string, getenv func(string) string) (string, bool) {
	if exe == "" {
		return "", false
	}
	sep, list := "/", ":"
	if goos == "windows" {
		sep, list = `\`, ";"
	}
	clean := func(p string) string {
		if goos == "windows" {
			p = strings.ReplaceAll(p, "/", `\`)
		}
		return strings.TrimRight(p, sep)
	}
	dir := clean(exe)
	if i := strings.LastIndex(dir, sep); i > 0 {
		dir = dir[:i]
	} else {
		return "", false
	}
	var candidates []string
	if b := getenv("GOBIN"); b != "" {
		candidates = append(candidates, b)
	}
	gopath := getenv("GOPATH")
	if gopath == "" {
		home := getenv("HOME")
		if goos == "windows" {
			home = getenv("USERPROFILE")
		}
		if home != "" {
			gopath = clean(home) + sep + "go"
		}
	}
	if gopath != "" {
		first, _, _ := strings.Cut(gopath, list)
		candidates = append(candidates, clean(first)+sep+"bin")
	}
	for _, c := range candidates {
		if c := clean(c); c == dir || goos == "windows" && strings.EqualFold(c, dir) {
			return dir, true
		}
	}
	return "", false
}
