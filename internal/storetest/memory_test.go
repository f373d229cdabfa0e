package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/store"
)

// TestMemory: the memory store behaves as package store's stores do: what
// is put is got back as a copy, List shows no secret, a missing host is
// store.ErrNotFound for Get and Delete.
func TestMemory(t *testing.T) {
	s := NewMemory()
	c := &store.Credential{ServerURL: "https://myreg.ncr.fin-ntruss.com/v1/", Username: "ACCESSKEY", Secret: "s3cret", StoredAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := s.Put("myreg.ncr.fin-ntruss.com", c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get("myreg.ncr.fin-ntruss.com")
	if err != nil || *got != *c {
		t.Fatalf("Get() = %+v, %v, want %+v", got, err, c)
	}
	got.Secret = "changed"
	if again, _ := s.Get("myreg.ncr.fin-ntruss.com"); again.Secret != c.Secret {
		t.Errorf("Get() returned the stored credential itself, not a copy")
	}
	if l, err := s.List(); err != nil || len(l) != 1 || l["myreg.ncr.fin-ntruss.com"] != (store.Entry{ServerURL: c.ServerURL, Username: c.Username}) {
		t.Errorf("List() = %+v, %v", l, err)
	}
	if err := s.Delete("myreg.ncr.fin-ntruss.com"); err != nil {
		t.Errorf("Delete() = %v", err)
	}
	for name, err := range map[string]error{"Get": second(s.Get("myreg.ncr.fin-ntruss.com")), "Delete": s.Delete("myreg.ncr.fin-ntruss.com")} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s() after Delete = %v, want store.ErrNotFound", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }
