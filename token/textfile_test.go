package token

import (
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

const utf8BOM = "\xef\xbb\xbf"

// utf16LE is s as Windows PowerShell 5's `>` writes it: UTF-16LE after the
// mark FF FE.
func utf16LE(s string) []byte {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// TestWindowsWrittenFiles: a file the chain reads, saved by Notepad ("UTF-8
// with BOM", CRLF) or by Windows PowerShell 5's `>` (UTF-16LE), is read as
// its text: the byte order mark is no part of a token or of JSON.
func TestWindowsWrittenFiles(t *testing.T) {
	f := newFixture(t)
	const email = "sa@p.iam.gserviceaccount.com"
	key := f.serviceAccount(email)
	crlf := strings.ReplaceAll(string(key), "\n", "\r\n")
	bomKey := append([]byte(utf8BOM), key...)
	for name, data := range map[string][]byte{
		"json with BOM and CRLF":    []byte(utf8BOM + crlf + "\r\n"),
		"json in UTF-16":            utf16LE(crlf + "\r\n"),
		"base64 with BOM":           []byte(utf8BOM + base64.StdEncoding.EncodeToString(key) + "\r\n"),
		"base64 of a BOM json":      []byte(base64.StdEncoding.EncodeToString(bomKey)),
		"base64 in UTF-16":          utf16LE(base64.StdEncoding.EncodeToString(key) + "\r\n"),
		"base64 of a UTF-16 json":   []byte(base64.StdEncoding.EncodeToString(utf16LE(string(key)))),
		"json with BOM, no newline": bomKey,
	} {
		t.Run(name, func(t *testing.T) {
			o := f.options(SourceCredentialsFile)
			o.CredentialsFile = f.write("key.json", data)
			tok, err := f.token(o)
			f.wantPrincipal(tok, err, email)
		})
	}

	t.Run("ADC with BOM", func(t *testing.T) {
		adc, err := f.g.NewAuthorizedUser("me@example.com")
		if err != nil {
			t.Fatal(err)
		}
		f.write("gcloud/application_default_credentials.json", append([]byte(utf8BOM), adc...))
		defer os.Remove(f.dir + "/gcloud/application_default_credentials.json")
		tok, err := f.token(f.options(SourceADC))
		if err != nil {
			t.Fatalf("Token() with an ADC file with a BOM = %v", err)
		}
		if got, ok := f.g.Principal(tok.AccessToken); !ok || got != "me@example.com" {
			t.Errorf("Principal(token) = %q, %v, want me@example.com", got, ok)
		}
	})

	for name, data := range map[string][]byte{
		"BOM and CRLF": []byte(utf8BOM + "ya29.from-notepad\r\n"),
		"UTF-16":       utf16LE("ya29.from-notepad\r\n"),
	} {
		t.Run("token file "+name, func(t *testing.T) {
			o := f.options(SourceTokenFile)
			o.TokenFile = f.write("token.txt", data)
			tok, err := f.token(o)
			if err != nil || tok.AccessToken != "ya29.from-notepad" {
				t.Errorf("Token() = %+v, %v; want ya29.from-notepad", tok, err)
			}
		})
	}

	t.Run("gcloud configuration with BOM", func(t *testing.T) {
		f.write("gcloud/configurations/config_default", []byte(utf8BOM+"[core]\r\naccount = me@example.com\r\n"))
		o := f.options()
		g, err := readGcloudConfig(t.Context(), &o)
		if err != nil || g.account != "me@example.com" {
			t.Errorf("readGcloudConfig() = %+v, %v; want account me@example.com", g, err)
		}
	})
}

// TestTokenFileRefused: an access-token file whose content no registry
// accepts as a password fails with what to fix, and never shows the token:
// the chain (and so doctor) never serves it.
func TestTokenFileRefused(t *testing.T) {
	f := newFixture(t)
	const secret = "ya29.a0AfB_secret-part"
	for name, tt := range map[string]struct{ data, want string }{
		"empty":          {"\r\n", "is empty"},
		"double quotes":  {`"` + secret + `"` + "\n", "in quotes"},
		"single quotes":  {"'" + secret + "'", "in quotes"},
		"Bearer":         {"Bearer " + secret + "\n", `starts with "Bearer "`},
		"bearer":         {"bearer " + secret, `starts with "Bearer "`},
		"two lines":      {secret + "\n" + secret + "\n", "holds 2 lines"},
		"json":           {`{"access_token":"` + secret + `"}`, "JSON"},
		"no-break space": {"ya29.a0AfB\u00a0secret", "U+00A0"},
		"inner space":    {"ya29.a0AfB secret", "U+0020"},
		"NUL":            {secret + "\x00", "U+0000"},
		"BOM twice":      {utf8BOM + utf8BOM + secret, "U+FEFF"},
		"Latin-1 byte":   {secret + "\xe9", "not UTF-8"},
	} {
		t.Run(name, func(t *testing.T) {
			o := f.options(SourceTokenFile, SourceMetadata)
			o.TokenFile = f.write("token.txt", []byte(tt.data))
			tok, err := f.token(o)
			if err == nil {
				t.Fatalf("Token() = a token from %s, want the token file refused", tok.Source)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, o.TokenFile) {
				t.Errorf("Token() error = %q, want it to name the file and say %q", msg, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("Token() error shows the token's text")
			}
			if strings.Contains(err.Error(), "metadata") {
				t.Errorf("Token() error = %q: the refused token file must end the chain", err)
			}
		})
	}
}

// TestExternalAccountSubjectFileMarked: the subject-token file of an
// external_account is read by Google's library, which would send a byte
// order mark as part of the token: such a file is refused with the fix.
func TestExternalAccountSubjectFileMarked(t *testing.T) {
	f := newFixture(t)
	wif, err := f.g.NewExternalAccount("wif@p.iam.gserviceaccount.com", f.dir)
	if err != nil {
		t.Fatal(err)
	}
	path := subjectFile(t, wif)
	jwt := mustRead(t, path)
	for name, data := range map[string][]byte{
		"BOM":    append([]byte(utf8BOM), jwt...),
		"UTF-16": utf16LE(string(jwt)),
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			o := f.options(SourceCredentialsFile)
			o.CredentialsFile = f.write("wif.json", wif)
			_, err := f.token(o)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "without BOM") {
				t.Errorf("Token() with a marked subject-token file = %v, want it refused, naming the file and the fix", err)
			}
			if err != nil && strings.Contains(err.Error(), string(jwt)) {
				t.Errorf("the error shows the subject token")
			}
		})
	}
}

// TestUnusableTokenRefused: whatever the source, a token with a character
// no registry accepts is never served (a stand-in gcloud answering one
// with a byte order mark).
func TestUnusableTokenRefused(t *testing.T) {
	c := chainOf(t, Options{}, stubSource{tok: utf8BOM + "ya29.x"})
	if tok, err := c.Token(t.Context(), ""); err == nil || !strings.Contains(err.Error(), "U+FEFF") {
		t.Errorf("Token() = %+v, %v; want the token refused for its U+FEFF", tok, err)
	}
}

// stubSource is a configured source answering tok.
type stubSource struct{ tok string }

func (stubSource) name() string { return "stub" }

func (s stubSource) resolve(context.Context, *Options, string) (*configured, error) {
	return &configured{name: "stub", identity: "stub", tokenSource: tokenFunc(func(context.Context) (*Token, error) {
		return &Token{AccessToken: s.tok, Expiry: time.Now().Add(time.Hour)}, nil
	})}, nil
}
