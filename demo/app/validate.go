package app

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the demo's inputs.
const (
	MinUsername    = 3
	MaxUsername    = 32
	MinPassword    = 8  // bytes, as MaxPassword
	MaxPassword    = 72 // bytes: bcrypt ignores anything longer
	MaxTitleLength = 200
)

// normalizeUsername trims and lowercases a username: names are unique
// regardless of case.
func normalizeUsername(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// usernameProblem returns what is wrong with a normalized username, or "".
func usernameProblem(name string) string {
	if name == "" {
		return "Choose a username."
	}
	if n := len(name); n < MinUsername || n > MaxUsername {
		return "A username has 3 to 32 characters."
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return "Use only letters a-z, digits 0-9, dots, dashes and underscores."
		}
	}
	return ""
}

// tooLongPassword refuses a password over MaxPassword bytes, at sign-up,
// login and password change alike.
const tooLongPassword = "A password has at most 72 bytes (a letter with an accent counts 2, an emoji 4)."

// passwordProblem returns what is wrong with a new password, or "".
func passwordProblem(pw string) string {
	switch n := len(pw); {
	case n == 0:
		return "Choose a password."
	case n < MinPassword:
		return "A password has at least 8 bytes."
	case n > MaxPassword:
		return tooLongPassword
	}
	return ""
}

// cleanTitle trims a task title and returns what is wrong with it, or "".
func cleanTitle(s string) (string, string) {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return "", "Enter a title."
	case !utf8.ValidString(t):
		return "", "A title must be valid text."
	case utf8.RuneCountInString(t) > MaxTitleLength:
		return "", "A title has at most 200 characters."
	case strings.IndexFunc(t, unicode.IsControl) >= 0:
		return "", "A title must be a single line of text."
	}
	return t, ""
}

// SafeNext returns next when it is a path on this site, else "/". It
// must start with "/" and not with "//" or "/\" (which browsers treat as
// another host), and must not contain control characters.
func SafeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	return next
}
