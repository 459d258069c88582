package contacts

import (
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Contact is one entry of the address book.
type Contact struct {
	ID    int    `json:"id"`
	First string `json:"first"`
	Last  string `json:"last"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// Name is the contact's full name.
func (c Contact) Name() string { return strings.TrimSpace(c.First + " " + c.Last) }

// Store keeps the contacts in memory, ordered by id. It is safe for
// concurrent use. Every change bumps its version, which the GET functions
// give fiberfn as the ETag's source (SetVersion).
type Store struct {
	mu       sync.Mutex
	contacts []Contact
	nextID   int
	version  int
}

// NewStore returns a store holding the given contacts, numbered from 1.
func NewStore(seed ...Contact) *Store {
	s := &Store{nextID: 1}
	for _, c := range seed {
		s.add(c)
	}
	return s
}

func (s *Store) add(c Contact) Contact {
	c.ID = s.nextID
	s.nextID++
	s.contacts = append(s.contacts, c)
	s.version++
	return c
}

// Version changes whenever a contact is added, changed or deleted.
func (s *Store) Version() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strconv.Itoa(s.version)
}

// All returns every contact, by id.
func (s *Store) All() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.contacts)
}

// Search returns the contacts whose name, phone or email contains q (any
// case), by id; an empty q matches all.
func (s *Store) Search(q string) []Contact {
	q = strings.ToLower(strings.TrimSpace(q))
	var out []Contact
	for _, c := range s.All() {
		if q == "" || strings.Contains(strings.ToLower(c.First+" "+c.Last+" "+c.Phone+" "+c.Email), q) {
			out = append(out, c)
		}
	}
	return out
}

// Get returns the contact with the id.
func (s *Store) Get(id int) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(id)
	if i < 0 {
		return Contact{}, false
	}
	return s.contacts[i], true
}

func (s *Store) index(id int) int {
	return slices.IndexFunc(s.contacts, func(c Contact) bool { return c.ID == id })
}

// emailTaken reports whether another contact than id has the email.
func (s *Store) emailTaken(email string, id int) bool {
	return slices.ContainsFunc(s.contacts, func(c Contact) bool {
		return c.ID != id && strings.EqualFold(c.Email, email)
	})
}

// Add stores a new contact after checking it (see Contact.check).
func (s *Store) Add(c Contact) (Contact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(c, 0); err != nil {
		return Contact{}, err
	}
	return s.add(c), nil
}

// Update replaces the contact with c.ID after checking it; ok is false
// when there is no such contact.
func (s *Store) Update(c Contact) (ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(c.ID)
	if i < 0 {
		return false, nil
	}
	if err := s.check(c, c.ID); err != nil {
		return true, err
	}
	s.contacts[i] = c
	s.version++
	return true, nil
}

// Delete removes the contacts with the ids and returns how many there were.
func (s *Store) Delete(ids ...int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.contacts)
	s.contacts = slices.DeleteFunc(s.contacts, func(c Contact) bool { return slices.Contains(ids, c.ID) })
	if len(s.contacts) != n {
		s.version++
	}
	return n - len(s.contacts)
}
