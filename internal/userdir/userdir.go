package userdir

import (
	"errors"
	"path/filepath"
	"runtime"
)

// HomeVar is the variable that names the home directory: USERPROFILE on
// Windows, HOME elsewhere.
func HomeVar() string {
	if runtime.GOOS == "windows" {
		return "USERPROFILE"
	}
	return "HOME"
}

// Home returns the user's home directory, as os.UserHomeDir.
func Home(getenv func(string) string) (string, error) {
	if v := getenv(HomeVar()); v != "" {
		return v, nil
	}
	return "", errors.New("$" + HomeVar() + " is not defined")
}

// Config returns the user's config directory, as os.UserConfigDir:
// %AppData% on Windows, ~/Library/Application Support on macOS,
// $XDG_CONFIG_HOME or ~/.config elsewhere.
func Config(getenv func(string) string) (string, error) {
	return dir(getenv, "AppData", "Library/Application Support", "XDG_CONFIG_HOME", ".config")
}

// Cache returns the user's cache directory, as os.UserCacheDir:
// %LocalAppData% on Windows, ~/Library/Caches on macOS, $XDG_CACHE_HOME or
// ~/.cache elsewhere.
func Cache(getenv func(string) string) (string, error) {
	return dir(getenv, "LocalAppData", "Library/Caches", "XDG_CACHE_HOME", ".cache")
}

func dir(getenv func(string) string, windowsVar, darwinDir, xdgVar, unixDir string) (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := getenv(windowsVar); d != "" {
			return d, nil
		}
		return "", errors.New("%" + windowsVar + "% is not defined")
	case "darwin", "ios":
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("$HOME is not defined")
		}
		return home + "/" + darwinDir, nil
	}
	if d := getenv(xdgVar); d != "" {
		if !filepath.IsAbs(d) {
			return "", errors.New("path in $" + xdgVar + " is relative")
		}
		return d, nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("neither $" + xdgVar + " nor $HOME are defined")
	}
	return home + "/" + unixDir, nil
}
