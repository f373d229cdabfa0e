package store

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name of every item.
const Service = "docker-credential-gcr"

// chunkSize keeps each keyring item under the smallest platform limit
// (Windows Credential Manager: 2560 bytes of secret; macOS: ~3000 bytes with
// the names). A service-account key (_json_key_base64) needs two items.
const chunkSize = 2000

// indexEntry is what the index says of a host: never a secret.
type indexEntry struct {
	ServerURL string    `json:"server_url,omitempty"`
	Username  string    `json:"username"`
	StoredAt  time.Time `json:"stored_at"`
	Chunks    int       `json:"chunks,omitempty"`
}

// keyringStore keeps secrets in the OS keyring and an index of hosts and
// usernames in a file.
type keyringStore struct {
	kr    keyring.Keyring
	index jsonFile[indexEntry]
}

// NewKeyring returns a store in kr with its index in the file indexPath.
func NewKeyring(kr keyring.Keyring, indexPath string) Store {
	return &keyringStore{kr: kr, index: jsonFile[indexEntry]{path: indexPath}}
}

// osKeyring is the OS keyring through go-keyring.
type osKeyring struct{}

func (osKeyring) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (osKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (osKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }
func (osKeyring) DeleteAll(s string) error        { return keyring.DeleteAll(s) }

func itemName(host string, chunk int) string {
	if chunk == 0 {
		return host
	}
	return host + "#" + strconv.Itoa(chunk)
}

func (s *keyringStore) Get(host string) (*Credential, error) {
	idx, err := s.index.read()
	if err != nil {
		return nil, err
	}
	e, ok := idx[host]
	if !ok {
		return nil, ErrNotFound
	}
	var secret string
	for i := 0; i < max(e.Chunks, 1); i++ {
		part, err := s.kr.Get(Service, itemName(host, i))
		if errors.Is(err, keyring.ErrNotFound) {
			return nil, fmt.Errorf("the keyring lost the credential of %s (the index still lists it); run `docker login %s` again", host, host)
		}
		if err != nil {
			return nil, fmt.Errorf("read keyring: %w", err)
		}
		secret += part
	}
	return &Credential{ServerURL: e.ServerURL, Username: e.Username, Secret: secret, StoredAt: e.StoredAt}, nil
}

func (s *keyringStore) Put(host string, c *Credential) error {
	chunks := chunk(c.Secret)
	for i, part := range chunks {
		if err := s.kr.Set(Service, itemName(host, i), part); err != nil {
			return fmt.Errorf("write keyring: %w", err)
		}
	}
	return s.index.update(func(m map[string]indexEntry) error {
		old := m[host]
		for i := len(chunks); i < old.Chunks; i++ {
			_ = s.kr.Delete(Service, itemName(host, i)) // a shorter secret replaced a longer one
		}
		m[host] = indexEntry{ServerURL: c.ServerURL, Username: c.Username, StoredAt: c.StoredAt, Chunks: len(chunks)}
		return nil
	})
}

// chunk splits s into items of at most chunkSize bytes, between
// characters: a keyring that keeps text rather than bytes (the Secret
// Service's text/plain secrets, a backend that stores UTF-16) would mangle
// a character cut in two. Get joins the items whatever their boundaries,
// so secrets split every chunkSize bytes by earlier versions still read.
// Bytes that are no UTF-8 are cut anywhere (no boundary to keep).
func chunk(s string) []string {
	var out []string
	for len(s) > chunkSize {
		n := chunkSize
		for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[n]); i++ {
			n-- // s[n] continues the character before it: cut before that one
		}
		if !utf8.RuneStart(s[n]) {
			n = chunkSize
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func (s *keyringStore) Delete(host string) error {
	var e indexEntry
	found := false
	if err := s.index.update(func(m map[string]indexEntry) error {
		e, found = m[host]
		delete(m, host)
		return nil
	}); err != nil {
		return err
	}
	if !found {
		return ErrNotFound
	}
	for i := 0; i < max(e.Chunks, 1); i++ {
		if err := s.kr.Delete(Service, itemName(host, i)); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return fmt.Errorf("delete from keyring: %w", err)
		}
	}
	return nil
}

func (s *keyringStore) List() (map[string]Entry, error) {
	idx, err := s.index.read()
	if err != nil {
		return nil, err
	}
	out := make(map[string]Entry, len(idx))
	for h, e := range idx {
		out[h] = Entry{ServerURL: e.ServerURL, Username: e.Username}
	}
	return out, nil
}
