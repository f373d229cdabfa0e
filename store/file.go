package store

import "path/filepath"

// fileStore keeps credentials in a 0600 JSON file: the fallback where no
// keyring is reachable.
type fileStore struct{ f jsonFile[Credential] }

// NewFile returns a store in the file at path (created 0600 in a 0700 dir).
func NewFile(path string) Store {
	return &fileStore{f: jsonFile[Credential]{path: filepath.Clean(path)}}
}

func (s *fileStore) Get(host string) (*Credential, error) {
	m, err := s.f.read()
	if err != nil {
		return nil, err
	}
	c, ok := m[host]
	if !ok {
		return nil, ErrNotFound
	}
	return &c, nil
}

func (s *fileStore) Put(host string, c *Credential) error {
	return s.f.update(func(m map[string]Credential) error {
		m[host] = *c
		return nil
	})
}

func (s *fileStore) Delete(host string) error {
	if _, err := s.Get(host); err != nil {
		return err // nothing to delete: do not create the file
	}
	found := false
	err := s.f.update(func(m map[string]Credential) error {
		_, found = m[host]
		delete(m, host)
		return nil
	})
	if err == nil && !found {
		return ErrNotFound
	}
	return err
}

func (s *fileStore) List() (map[string]Entry, error) {
	m, err := s.f.read()
	if err != nil {
		return nil, err
	}
	out := make(map[string]Entry, len(m))
	for h, c := range m {
		out[h] = Entry{ServerURL: c.ServerURL, Username: c.Username}
	}
	return out, nil
}
