//go:build unix

package token

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tokenWithin runs f.token(o) and fails the test when it takes longer than
// bound: a file that hangs the read must not hang the helper.
func tokenWithin(t *testing.T, o Options, bound time.Duration) (*Token, error) {
	t.Helper()
	type result struct {
		t   *Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := New(o)
		if err != nil {
			done <- result{nil, err}
			return
		}
		tok, err := c.Token(context.Background())
		done <- result{tok, err}
	}()
	select {
	case r := <-done:
		return r.t, r.err
	case <-time.After(bound):
		t.Fatalf("Token() still running after %s, want an answer at once", bound)
		return nil, nil
	}
}

// TestUnreadableFilesRefusedAtOnce: a credential file, an access-token file,
// gcloud's ADC file or gcloud's configuration that is a FIFO nobody writes,
// a device, a directory or a huge file is refused at once with an error that
// says why, instead of hanging the helper or eating its memory.
func TestUnreadableFilesRefusedAtOnce(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs or /dev/zero")
	}
	f := newFixture(t)
	fifo := filepath.Join(f.dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(f.dir, "a-dir")
	os.Mkdir(dir, 0o700)
	huge := f.write("huge.json", []byte(`{"type":"service_account","x":"`+strings.Repeat("a", 2<<20)+`"}`))

	for _, tt := range []struct {
		name, path, want string
		source           string
	}{
		{"credentials file FIFO", fifo, "not a regular file", SourceCredentialsFile},
		{"credentials file device", "/dev/zero", "not a regular file", SourceCredentialsFile},
		{"credentials file directory", dir, "not a regular file", SourceCredentialsFile},
		{"credentials file huge", huge, "larger than", SourceCredentialsFile},
		{"token file FIFO", fifo, "not a regular file", SourceTokenFile},
		{"token file device", "/dev/zero", "not a regular file", SourceTokenFile},
		{"token file huge", huge, "larger than", SourceTokenFile},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := f.options(tt.source)
			o.CredentialsFile, o.TokenFile = tt.path, tt.path
			_, err := tokenWithin(t, o, 3*time.Second)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Token() with %s = %v, want an error saying %q", tt.name, err, tt.want)
			}
		})
	}

	// The subject-token file an external_account names: read (and
	// refused) before the library would open it.
	t.Run("subject token FIFO", func(t *testing.T) {
		file := `{"type":"external_account","audience":"a","subject_token_type":"urn:ietf:params:oauth:token-type:jwt",` +
			`"token_url":"https://sts.googleapis.com/v1/token","credential_source":{"file":"` + fifo + `"}}`
		o := f.options(SourceCredentialsFile)
		o.CredentialsFile = f.write("fifo-subject.json", []byte(file))
		o.HTTPClient = newReroute(nil).client()
		_, err := tokenWithin(t, o, 3*time.Second)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Token() with a FIFO as the subject token file = %v, want an error saying it is not a regular file", err)
		}
	})

	// gcloud's ADC file and configuration are read on every get.
	t.Run("ADC FIFO", func(t *testing.T) {
		adc := filepath.Join(f.dir, "gcloud", "application_default_credentials.json")
		os.MkdirAll(filepath.Dir(adc), 0o700)
		if err := syscall.Mkfifo(adc, 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(adc)
		_, err := tokenWithin(t, f.options(SourceADC), 3*time.Second)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Token() with a FIFO as the ADC file = %v, want an error saying it is not a regular file", err)
		}
	})
	t.Run("gcloud configuration FIFO", func(t *testing.T) {
		conf := filepath.Join(f.dir, "gcloud", "configurations", "config_default")
		os.MkdirAll(filepath.Dir(conf), 0o700)
		if err := syscall.Mkfifo(conf, 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(conf)
		o := f.options(SourceGcloud)
		o.Gcloud = f.write("bin/gcloud", []byte("#!/bin/sh\nexit 3\n"))
		os.Chmod(o.Gcloud, 0o755)
		_, err := tokenWithin(t, o, 3*time.Second)
		if err == nil {
			t.Errorf("Token() with a FIFO as gcloud's configuration = a token, want an error")
		}
	})
}
