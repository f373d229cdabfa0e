package userdir

import (
	"os"
	"runtime"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The directories are the ones package os finds for the same environment.
func TestLikeOS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the table below is Linux's")
	}
	tests := []struct {
		env                 map[string]string
		home, config, cache string // "" = an error
	}{
		{map[string]string{"HOME": "/h"}, "/h", "/h/.config", "/h/.cache"},
		{map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "/c", "XDG_CACHE_HOME": "/k"}, "/h", "/c", "/k"},
		{map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "rel", "XDG_CACHE_HOME": "rel"}, "/h", "", ""},
		{map[string]string{"XDG_CONFIG_HOME": "/c"}, "", "/c", ""},
		{map[string]string{}, "", "", ""},
	}
	for _, tt := range tests {
		for _, f := range []struct {
			name string
			fn   func(func(string) string) (string, error)
			want string
		}{{"Home", Home, tt.home}, {"Config", Config, tt.config}, {"Cache", Cache, tt.cache}} {
			got, err := f.fn(env(tt.env))
			if (err != nil) != (f.want == "") || got != f.want {
				t.Errorf("%s(%v) = %q, %v, want %q", f.name, tt.env, got, err, f.want)
			}
		}
	}
	// And what os itself says for this process's environment.
	for _, f := range []struct {
		name     string
		ours, os func() (string, error)
	}{
		{"Home", func() (string, error) { return Home(os.Getenv) }, os.UserHomeDir},
		{"Config", func() (string, error) { return Config(os.Getenv) }, os.UserConfigDir},
		{"Cache", func() (string, error) { return Cache(os.Getenv) }, os.UserCacheDir},
	} {
		got, err := f.ours()
		want, werr := f.os()
		if got != want || (err == nil) != (werr == nil) {
			t.Errorf("%s(os.Getenv) = %q, %v, want os's %q, %v", f.name, got, err, want, werr)
		}
	}
}
