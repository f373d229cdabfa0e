package harness

import (
	"crypto/rand"
	"encoding/hex"
)

func randomHex() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
