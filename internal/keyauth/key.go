package keyauth

import (
	"encoding/base64"
	"fmt"
	"io"
)

// KeyPrefix marks keys made by this tool, so a leaked one is recognisable (by people and by
// secret scanners).
const KeyPrefix = "hai_"

// GenerateKey returns KeyPrefix and 32 random bytes from r (crypto/rand.Reader in production)
// in unpadded URL-safe base64.
func GenerateKey(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("generating key: %w", err)
	}
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}
