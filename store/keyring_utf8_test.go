package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// textKeyring is a keyring that keeps text, not bytes, as the Secret
// Service's text/plain secrets and a UTF-16 credential blob do: an item
// that is not valid UTF-8 comes back with U+FFFD for its broken bytes.
type textKeyring struct{ *memKeyring }

func (k textKeyring) Set(s, u, p string) error {
	return k.memKeyring.Set(s, u, strings.ToValidUTF8(p, "\uFFFD"))
}

// TestKeyringChunksAtRuneBoundaries: a secret whose multi-byte characters
// cross the chunk boundaries is split between characters, so a keyring
// that keeps text returns it intact; every item stays within chunkSize.
func TestKeyringChunksAtRuneBoundaries(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, prefix := range []int{chunkSize - 1, chunkSize - 2, chunkSize - 3, chunkSize} {
		secret := strings.Repeat("a", prefix) + strings.Repeat("é€😀", 800) // 2-, 3- and 4-byte characters across two more boundaries
		kr := textKeyring{newMemKeyring()}
		s := NewKeyring(kr, filepath.Join(t.TempDir(), "keyring-index.json"))
		if err := s.Put("registry.example.com", &Credential{Username: "u", Secret: secret, StoredAt: at}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get("registry.example.com")
		if err != nil {
			t.Fatal(err)
		}
		if got.Secret != secret {
			t.Errorf("ASCII prefix of %d bytes: Get() returned a %d-byte secret that differs from the %d-byte one stored (valid UTF-8: %v)", prefix, len(got.Secret), len(secret), utf8.ValidString(got.Secret))
		}
		for k, v := range kr.items {
			if len(v) > chunkSize || !utf8.ValidString(v) {
				t.Errorf("ASCII prefix of %d bytes: keyring item %s has %d bytes (limit %d), valid UTF-8 %v", prefix, k, len(v), chunkSize, utf8.ValidString(v))
			}
		}
	}
}

// TestKeyringReadsByteChunks: a secret stored by the earlier splitting,
// every chunkSize bytes whatever the characters, still reads whole from a
// keyring that kept its bytes.
func TestKeyringReadsByteChunks(t *testing.T) {
	secret := strings.Repeat("a", chunkSize-1) + strings.Repeat("é", 1500)
	kr := newMemKeyring()
	var n int
	for rest := secret; rest != ""; n++ {
		part := rest[:min(chunkSize, len(rest))]
		rest = rest[len(part):]
		kr.Set(Service, itemName("registry.example.com", n), part)
	}
	index := filepath.Join(t.TempDir(), "keyring-index.json")
	b, _ := json.Marshal(map[string]indexEntry{"registry.example.com": {Username: "u", Chunks: n}})
	if err := os.WriteFile(index, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := NewKeyring(kr, index).Get("registry.example.com")
	if err != nil || got.Secret != secret {
		t.Errorf("Get() of a secret split mid-character in %d chunks = %s, %v; want it whole", n, describe(got), err)
	}
}

func describe(c *Credential) string {
	if c == nil {
		return "nil"
	}
	return fmt.Sprintf("a %d-byte secret", len(c.Secret))
}
