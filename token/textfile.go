package token

import (
	"bytes"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
)

// Windows writes text files with a byte order mark: Notepad's "UTF-8 with
// BOM", and UTF-16LE after FF FE from Windows PowerShell 5's `>` (so
// `gcloud auth print-access-token > token.txt` there). The mark is no part
// of a token or of JSON, and a token with it is refused by every registry.
// The UTF-8 one is fsutil.BOM.
var (
	markUTF16LE = []byte{0xff, 0xfe}
	markUTF16BE = []byte{0xfe, 0xff}
)

// text is the UTF-8 text of a file the chain reads: without a UTF-8 byte
// order mark, and decoded from UTF-16 when a UTF-16 mark starts it.
// Anything else is returned as is.
func text(b []byte) []byte {
	switch {
	case fsutil.HasBOM(b):
		return fsutil.TrimBOM(b)
	case bytes.HasPrefix(b, markUTF16LE):
		return fromUTF16(b[2:], func(p []byte) uint16 { return uint16(p[0]) | uint16(p[1])<<8 })
	case bytes.HasPrefix(b, markUTF16BE):
		return fromUTF16(b[2:], func(p []byte) uint16 { return uint16(p[0])<<8 | uint16(p[1]) })
	}
	return b
}

func fromUTF16(b []byte, unit func([]byte) uint16) []byte {
	u := make([]uint16, 0, len(b)/2)
	for ; len(b) >= 2; b = b[2:] {
		u = append(u, unit(b))
	}
	out := make([]byte, 0, len(u))
	for _, r := range utf16.Decode(u) {
		out = utf8.AppendRune(out, r)
	}
	return out
}

// mark names the byte order mark b starts with, "" for none.
func mark(b []byte) string {
	switch {
	case fsutil.HasBOM(b):
		return "a byte order mark (Notepad's \"UTF-8 with BOM\")"
	case bytes.HasPrefix(b, markUTF16LE), bytes.HasPrefix(b, markUTF16BE):
		return "a UTF-16 byte order mark (Windows PowerShell 5's `>`)"
	}
	return ""
}

// checkAccessToken refuses a token no registry accepts as a password:
// anything but visible ASCII (no space, no control character, no byte
// order mark). The error says which character and where, never the token.
func checkAccessToken(tok string) error {
	if tok == "" {
		return fmt.Errorf("the token is empty")
	}
	if !utf8.ValidString(tok) {
		return fmt.Errorf("the token is not UTF-8 text (save it as UTF-8)")
	}
	for i, r := range tok {
		if r <= ' ' || r >= 0x7f {
			return fmt.Errorf("the token has %U at byte %d, a character no access token has", r, i)
		}
	}
	return nil
}
