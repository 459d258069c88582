package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"fmt"
)

// SecretSize is the size in bytes of the signing key the demo generates.
const SecretSize = 32

// MinSecretSize is the shortest signing key the demo accepts from
// Options.Secret (the -secret flag or FIBERFN_DEMO_SECRET).
const MinSecretSize = 16

// flashSecretName is the row of the secrets table that holds the key that
// signs fiberfn's flash and notice cookies.
const flashSecretName = "flash"

// loadSecret returns the flash-signing key stored in db's secrets table
// (made by the first migration), storing a random key of SecretSize bytes
// on first start, so that cookies signed before a restart still verify
// after it, and every instance on one database signs with the same key.
func loadSecret(db *sql.DB, d dialect) ([]byte, error) {
	fresh := make([]byte, SecretSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("app: generate secret: %w", err)
	}
	// Two instances starting at once both insert; the first wins and
	// both read its key.
	if _, err := db.Exec(d.rebind(`INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`), flashSecretName, fresh); err != nil {
		return nil, fmt.Errorf("app: store secret: %w", err)
	}
	var key []byte
	if err := db.QueryRow(d.rebind(`SELECT value FROM secrets WHERE name = $1`), flashSecretName).Scan(&key); err != nil {
		return nil, fmt.Errorf("app: read secret: %w", err)
	}
	if len(key) < MinSecretSize {
		return nil, fmt.Errorf("app: the stored secret has %d bytes, want at least %d", len(key), MinSecretSize)
	}
	return key, nil
}

// signingKey derives the 32-byte key fiberfn signs with from a secret of
// any length (an operator's -secret may be a passphrase of 16 bytes or
// more), so every source of the secret gives a key of the size fiberfn
// asks for.
func signingKey(secret []byte) []byte {
	m := hmac.New(sha256.New, []byte("fiberfn demo cookie signing"))
	m.Write(secret)
	return m.Sum(nil)
}
