package app

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fiberfn/fiberfn/fiberfn"
)

// The limits of a search query. A query longer than the longest title,
// or with more words than a title can hold in practice, is refused with a
// 400 rather than cut: a cut query would answer a different question.
const (
	// MaxSearchLength is the longest query, in characters.
	MaxSearchLength = MaxTitleLength
	// MaxSearchWords is the most words a query may have.
	MaxSearchWords = 16
)

// errSearchTooLong and errSearchTooManyWords answer a query over the
// limits.
var (
	errSearchTooLong = &fiberfn.Error{Code: http.StatusBadRequest,
		Message: "The search is too long: at most 200 characters.", Fields: map[string]string{"q": "is too long"}}
	errSearchTooManyWords = &fiberfn.Error{Code: http.StatusBadRequest,
		Message: "The search has too many words: at most 16.", Fields: map[string]string{"q": "has too many words"}}
)

// SearchQuery is a parsed search: the words every matching title must
// have, each as the start of one of the title's words.
//
// The semantics are the same on both databases: the query is cut into
// words (runs of Unicode letters, marks and numbers; everything else,
// punctuation, quotes, operators, NUL, separates words and is never
// passed to the database as syntax), and a task matches when each word of
// the query is a prefix of some word of its title, compared without case
// (each database folds case its own way, on the index and the query
// alike; accents count). The titles are cut into words the same way
// (SQLite's unicode61 tokenizer; on PostgreSQL, runs of [:alnum:] through
// the 'simple' text search configuration).
type SearchQuery struct {
	// Text is the query as typed (trimmed), for the search field and
	// links.
	Text string
	// Words are the words to match, deduplicated, without a word that is
	// a prefix of another (it adds nothing).
	Words []string
}

// Empty reports whether the query has no word: the list is not filtered.
func (q SearchQuery) Empty() bool { return len(q.Words) == 0 }

// ParseSearch parses the text of a search field. A query over
// MaxSearchLength characters or MaxSearchWords words is a 400
// *fiberfn.Error; any other text is a query (perhaps empty), never an
// error of the database.
func ParseSearch(text string) (SearchQuery, error) {
	text = strings.TrimSpace(text)
	if len(text) > 4*MaxSearchLength || utf8.RuneCountInString(text) > MaxSearchLength {
		return SearchQuery{}, errSearchTooLong
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r))
	})
	// The words go to the database as typed (it folds their case as it
	// folds the titles'); lower case here only finds redundant words.
	var kept, lower []string
	for _, w := range words {
		lw := strings.ToLower(w)
		redundant := false
		for i, k := range lower {
			if strings.HasPrefix(k, lw) {
				redundant = true
				break
			}
			if strings.HasPrefix(lw, k) { // w says more than k
				kept[i], lower[i] = w, lw
				redundant = true
				break
			}
		}
		if !redundant {
			kept, lower = append(kept, w), append(lower, lw)
		}
	}
	if len(kept) > MaxSearchWords {
		return SearchQuery{}, errSearchTooManyWords
	}
	return SearchQuery{Text: text, Words: kept}, nil
}

// ftsMatch is the query as an FTS4 MATCH expression for the user's rows
// of tasks_search: the user's id token in the user_id column and each
// word as a prefix term of the title column (title:word*), all required.
// The words hold only letters, marks and numbers, none of FTS4's syntax
// characters (all ASCII: quotes, parentheses, -, *, :). Their ASCII
// letters are put in lower case, as the unicode61 tokenizer folds them
// anyway, so that no word is read as an operator (AND, OR, NOT, NEAR,
// which count only in capitals). FTS4 has no column filter on a quoted
// phrase, hence bare terms.
func (q SearchQuery) ftsMatch(userID int64) string {
	var b strings.Builder
	b.WriteString("user_id:")
	b.WriteString(strconv.FormatInt(userID, 10))
	for _, w := range q.Words {
		b.WriteString(" title:")
		b.WriteString(asciiLower(w))
		b.WriteByte('*')
	}
	return b.String()
}

// asciiLower is s with its ASCII capitals in lower case, other
// characters unchanged.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

// tsQuery is the query as a PostgreSQL tsquery text for
// to_tsquery('simple', ...): each word a quoted lexeme with prefix
// matching (:*), all of them required (&). Quotes and backslashes are
// doubled and escaped although the words hold none.
func (q SearchQuery) tsQuery() string {
	var b strings.Builder
	for i, w := range q.Words {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteByte('\'')
		b.WriteString(strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(w))
		b.WriteString("':*")
	}
	return b.String()
}
