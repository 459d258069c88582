package fiberfn

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// sensitiveWords are the words of a field name that mark it as never to be
// carried back to a form: passwords, PINs, one-time codes, card data.
var sensitiveWords = map[string]bool{
	"pass": true, "passwd": true, "password": true, "passphrase": true, "pwd": true,
	"pin": true, "otp": true, "totp": true, "mfa": true, "2fa": true,
	"cvc": true, "cvv": true, "cvv2": true, "csc": true,
	"card": true, "cardnumber": true, "ccnum": true, "cc": true, "pan": true,
	"ssn": true, "secret": true, "token": true, "key": true, "apikey": true,
}

// sensitiveParts are substrings that mark a field wherever they appear.
var sensitiveParts = []string{"password", "passwd", "secret", "token", "cardnumber", "creditcard"}

// isSensitive reports whether the form field must never be carried back:
// its name has a sensitive word ("pass", "pin", "otp", "cvc", "card"...,
// split at non-letters and camelCase humps, so "shipping" is not a "pin")
// or is listed in extra (the function's Sensitive option).
func isSensitive(field string, extra []string) bool {
	for _, s := range extra {
		if strings.EqualFold(s, field) {
			return true
		}
	}
	lower := strings.ToLower(field)
	for _, part := range sensitiveParts {
		if strings.Contains(lower, part) {
			return true
		}
	}
	for _, w := range fieldWords(field) {
		if sensitiveWords[w] {
			return true
		}
	}
	return false
}

// fieldWords splits a field name into lower-case words: at anything but
// letters and digits, and before an upper-case letter that follows a
// lower-case one ("cardNumber" is "card", "number").
func fieldWords(name string) []string {
	var words []string
	start := -1
	var prev rune
	for i, r := range name {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		hump := unicode.IsUpper(r) && unicode.IsLower(prev)
		if start >= 0 && (!alnum || hump) {
			words = append(words, strings.ToLower(name[start:i]))
			start = -1
		}
		if alnum && start < 0 {
			start = i
		}
		prev = r
	}
	if start >= 0 {
		words = append(words, strings.ToLower(name[start:]))
	}
	return words
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
