package settings

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRelativeDirsNotUsed: docker runs the helper in whatever directory
// the user is in, so a relative XDG_CONFIG_HOME or XDG_CACHE_HOME (which
// the XDG spec says to ignore) would read settings and cached tokens from a
// cloned repository's files: they are ignored, as os.UserCacheDir and the
// lock of configure-docker (userdir) ignore them. A relative cache_dir is
// refused with the fix, like a relative credentials file.
func TestRelativeDirsNotUsed(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": "repo/.config", "XDG_CACHE_HOME": "repo/.cache"}
	getenv := func(k string) string { return env[k] }
	p, err := Path(getenv)
	if err != nil || !filepath.IsAbs(p) || !strings.HasPrefix(p, home) {
		t.Errorf("Path(relative XDG_CONFIG_HOME) = %q, %v; want one under HOME", p, err)
	}
	c, err := (&Settings{}).Cache(getenv)
	if err != nil || !filepath.IsAbs(c.Dir) || !strings.HasPrefix(c.Dir, home) {
		t.Errorf("Cache(relative XDG_CACHE_HOME) = %q, %v; want one under HOME", c.Dir, err)
	}
	env["XDG_CACHE_HOME"] = filepath.Join(home, "xdg-cache")
	if c, err := (&Settings{}).Cache(getenv); err != nil || c.Dir != filepath.Join(home, "xdg-cache", "docker-credential-gcr") {
		t.Errorf("Cache(absolute XDG_CACHE_HOME) = %q, %v; want it used", c.Dir, err)
	}
	for _, s := range []*Settings{{CacheDir: "cache"}, (&Settings{}).Overlay(func(k string) string {
		return map[string]string{EnvCacheDir: "cache"}[k]
	})} {
		if c, err := s.Cache(getenv); err == nil || !strings.Contains(err.Error(), "relative") {
			t.Errorf("Cache(cache_dir %q) = %q, %v; want the relative path refused", s.CacheDir, c.Dir, err)
		}
	}
}
