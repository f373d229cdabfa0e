package storetest

import "github.com/docker-credential-gcr/docker-credential-gcr/store"

// memory is a store.Store in a map.
type memory map[string]store.Credential

// NewMemory returns an empty in-memory store.
func NewMemory() store.Store { return memory{} }

func (m memory) Get(host string) (*store.Credential, error) {
	c, ok := m[host]
	if !ok {
		return nil, store.ErrNotFound
	}
	return &c, nil
}

func (m memory) Put(host string, c *store.Credential) error { m[host] = *c; return nil }

func (m memory) Delete(host string) error {
	if _, ok := m[host]; !ok {
		return store.ErrNotFound
	}
	delete(m, host)
	return nil
}

func (m memory) List() (map[string]store.Entry, error) {
	out := make(map[string]store.Entry, len(m))
	for h, c := range m {
		out[h] = store.Entry{ServerURL: c.ServerURL, Username: c.Username}
	}
	return out, nil
}
