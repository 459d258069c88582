package app

import (
	"sync/atomic"

	"golang.org/x/crypto/bcrypt"
)

// Passwords hashes and checks passwords with bcrypt.
type Passwords struct {
	cost int
	// dummy is a hash compared against when the user does not exist, so
	// that an unknown username takes as long as a wrong password.
	dummy []byte
	// checks counts the bcrypt comparisons, for App.PasswordChecks.
	checks atomic.Int64
}

func newPasswords(cost int) (*Passwords, error) {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("not a real password"), cost)
	if err != nil {
		return nil, err
	}
	return &Passwords{cost: cost, dummy: dummy}, nil
}

// Hash returns the bcrypt hash of password.
func (p *Passwords) Hash(password string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(password), p.cost)
}

// Check reports whether password matches hash. A nil hash (no such user)
// is checked against a dummy hash and never matches.
func (p *Passwords) Check(hash []byte, password string) bool {
	p.checks.Add(1)
	if hash == nil {
		_ = bcrypt.CompareHashAndPassword(p.dummy, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}
