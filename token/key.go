package token

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
)

// maxFileSize bounds every file the chain reads: credential files,
// access-token files, subject-token files, gcloud's configuration.
const maxFileSize = 1 << 20

// readFile reads the text of a regular file of at most maxFileSize
// (fsutil.ReadRegular) within ctx: a file on a hung network mount cannot
// hold the chain past its deadline. A byte order mark is dropped and UTF-16
// decoded (text): Windows editors and shells write them.
func readFile(ctx context.Context, path string) ([]byte, error) {
	b, err := readRaw(ctx, path)
	if err != nil {
		return nil, err
	}
	return text(b), nil
}

// readRaw is readFile without the text decoding: the bytes as they are.
func readRaw(ctx context.Context, path string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := fsutil.ReadRegular(path, maxFileSize)
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("read %s: %w", path, ctx.Err())
	}
}

// digest is a domain-separated SHA-256 of parts, for a cache key: what
// decides a principal may be a secret (a key, a refresh token, a subject
// token), and the key must never carry one in clear.
func digest(domain string, parts ...[]byte) string {
	h := sha256.New()
	h.Write([]byte("docker-credential-gcr cache key: " + domain + "\x00"))
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cacheKey names the cache entry of cs for a registry of universe:
// everything that decides the principal (the source's own key parts: a
// digest of the credential file and its subject token, gcloud's account,
// impersonation and configuration, the metadata account), the helper's
// impersonation chain, the scope and the registry's universe.
func (c *Chain) cacheKey(cs *configured, universe string) string {
	return cacheKey(c.keyParts(cs, universe)...)
}

func (c *Chain) keyParts(cs *configured, universe string) []string {
	parts := make([]string, 0, len(cs.key)+5)
	parts = append(parts, "v2", "source="+cs.name)
	if len(cs.key) == 0 {
		// A source that says nothing of what decides its principal is
		// keyed by the identity it claims, as before key parts existed.
		parts = append(parts, "identity="+cs.identity)
	}
	parts = append(parts, cs.key...)
	return append(parts, "impersonate="+strings.Join(c.o.Impersonate, ","), "scope="+Scope, "universe="+universe)
}
