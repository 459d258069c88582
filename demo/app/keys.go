package app

import "fmt"

// signingKeys derives App.Keys from the secret that signs and the retired
// secrets that still verify (key rotation: put the new secret first and
// keep the old one among the retired until every cookie and form token it
// signed has expired). Every secret must have MinSecretSize bytes.
func signingKeys(secret []byte, retired [][]byte) ([][]byte, error) {
	keys := [][]byte{signingKey(secret)}
	for i, r := range retired {
		if len(r) < MinSecretSize {
			return nil, fmt.Errorf("app: retired secret %d has %d bytes, want at least %d", i+1, len(r), MinSecretSize)
		}
		keys = append(keys, signingKey(r))
	}
	return keys, nil
}
