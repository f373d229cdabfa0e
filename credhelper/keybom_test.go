package credhelper

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/storetest"
	"github.com/docker-credential-gcr/docker-credential-gcr/store"
)

// TestStoredKeyWithoutBOM: `docker login -u _json_key --password-stdin <
// key.json` with a key Notepad saved as "UTF-8 with BOM" hands store the
// mark in front of the JSON; the registry cannot parse such a password. The
// mark is no part of the key: it is dropped, for _json_key_base64 too (a
// BOM before the base64 text, or the base64 of one: "77u/"), and get hands
// back the key without it, also one stored before. Any other username's
// password is kept byte for byte.
func TestStoredKeyWithoutBOM(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	key := `{"type":"service_account","client_email":"sa@p.iam.gserviceaccount.com"}`
	b64 := base64.StdEncoding.EncodeToString([]byte(key))
	tests := []struct {
		name, user, secret, want string
	}{
		{"json key with BOM", UsernameJSONKey, bom + key, key},
		{"json key without BOM", UsernameJSONKey, key, key},
		{"base64 text with BOM", UsernameJSONKeyBase64, bom + b64, b64},
		{"base64 of a key with BOM", UsernameJSONKeyBase64, base64.StdEncoding.EncodeToString([]byte(bom + key)), b64},
		{"base64url of a key with BOM", UsernameJSONKeyBase64, base64.URLEncoding.EncodeToString([]byte(bom + key)), base64.URLEncoding.EncodeToString([]byte(key))},
		{"both", UsernameJSONKeyBase64, bom + base64.StdEncoding.EncodeToString([]byte(bom+key)), b64},
		{"another registry's password", "ACCESSKEY", bom + "secret", bom + "secret"},
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, host := range []string{"us-docker.pkg.dev", "myreg.ncr.fin-ntruss.com"} {
				st := storetest.NewMemory()
				h := newHelper(&mint{}, st, now)
				if err := h.Add(&credentials.Credentials{ServerURL: host, Username: tt.user, Secret: tt.secret}); err != nil {
					t.Fatalf("Add(%s) = %v", host, err)
				}
				if c, err := st.Get(host); err != nil || c.Secret != tt.want {
					t.Errorf("stored for %s: %q, %v; want %q", host, secretOf(c), err, tt.want)
				}
				if _, secret, err := h.Get(host); err != nil || secret != tt.want {
					t.Errorf("Get(%s) = %q, %v; want %q", host, secret, err, tt.want)
				}
				// Stored before the fix: get drops the mark too.
				put(t, st, host, &store.Credential{Username: tt.user, Secret: tt.secret, StoredAt: now})
				if _, secret, err := h.Get(host); err != nil || secret != tt.want {
					t.Errorf("Get(%s) of an old entry = %q, %v; want %q", host, secret, err, tt.want)
				}
			}
		})
	}
}

func secretOf(c *store.Credential) string {
	if c == nil {
		return ""
	}
	return c.Secret
}
