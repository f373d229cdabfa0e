package token

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeCacheEntry decodes a cache file. The warm get spends a fifth of its
// own time in the first json.Unmarshal of a process (encoding/json builds its
// per-type decoder by reflection), so the compact form that store writes —
// json.Marshal of a cacheEntry: no spaces, known keys once each, plain
// strings — is read by hand; anything else goes to encoding/json, so both
// decode every input alike (FuzzCacheFile checks it).
func decodeCacheEntry(b []byte) (cacheEntry, error) {
	if e, ok := decodeCompactEntry(b); ok {
		return e, nil
	}
	var e cacheEntry
	err := json.Unmarshal(b, &e)
	return e, err
}

// decodeCompactEntry reads {"key":value,...} with exactly the keys of
// cacheEntry, each at most once; version a small non-negative integer, the
// others strings with no escape, no control character and valid UTF-8. It
// reports false for anything else.
func decodeCompactEntry(b []byte) (e cacheEntry, ok bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return e, false
	}
	rest := b[1 : len(b)-1]
	seen := map[string]bool{}
	for len(rest) > 0 {
		key, r, ok := compactString(rest)
		if !ok || len(r) == 0 || r[0] != ':' || seen[key] {
			return e, false
		}
		seen[key] = true
		rest = r[1:]
		if key == "version" {
			n := 0
			for n < len(rest) && n < 9 && rest[n] >= '0' && rest[n] <= '9' {
				n++
			}
			if n == 0 || (n > 1 && rest[0] == '0') {
				return e, false
			}
			v, err := strconv.Atoi(string(rest[:n]))
			if err != nil {
				return e, false
			}
			e.Version, rest = v, rest[n:]
		} else {
			var s string
			if s, rest, ok = compactString(rest); !ok {
				return e, false
			}
			switch key {
			case "access_token":
				e.AccessToken = s
			case "expiry":
				if e.Expiry.UnmarshalText([]byte(s)) != nil {
					return e, false
				}
			case "identity":
				e.Identity = s
			case "source":
				e.Source = s
			case "universe":
				e.Universe = s
			case "issued":
				if e.Issued.UnmarshalText([]byte(s)) != nil {
					return e, false
				}
			default:
				return e, false
			}
		}
		if len(rest) > 0 {
			if rest[0] != ',' || len(rest) == 1 {
				return e, false
			}
			rest = rest[1:]
		}
	}
	return e, true
}

// compactString reads a JSON string with no escape and no control
// character at the start of b, and returns it and what follows.
func compactString(b []byte) (string, []byte, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", nil, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			s := b[1:i]
			if !utf8.Valid(s) {
				return "", nil, false
			}
			return string(s), b[i+1:], true
		case c == '\\' || c < 0x20:
			return "", nil, false
		}
	}
	return "", nil, false
}
