package fiberfn

import (
	"strconv"
	"strings"
)

// An event id of a topic is two unsigned decimal numbers joined by a dash,
// "A-B", ordered by A, then B: the form of Redis stream ids (milliseconds
// and a sequence number). The ids of one topic increase; a [Broker] must
// give ids of this form. The in-process broker uses an epoch (the
// broker's start in milliseconds) and a sequence number, so that an id
// from before a restart is recognised as unknown.
type eventID struct{ hi, lo uint64 }

// maxIDLen bounds the length of one id (two 20-digit numbers and a dash).
const maxIDLen = 41

// parseEventID parses an id of the form "A-B".
func parseEventID(s string) (eventID, bool) {
	if len(s) > maxIDLen {
		return eventID{}, false
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok || !digits(a) || !digits(b) {
		return eventID{}, false
	}
	hi, err1 := strconv.ParseUint(a, 10, 64)
	lo, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil {
		return eventID{}, false
	}
	return eventID{hi, lo}, true
}

// digits reports whether s is a non-empty string of ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compare returns -1, 0 or +1 as a is before, equal to or after b.
func (a eventID) compare(b eventID) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// String formats the id as "A-B".
func (a eventID) String() string {
	var buf [maxIDLen]byte
	b := strconv.AppendUint(buf[:0], a.hi, 10)
	b = append(b, '-')
	return string(strconv.AppendUint(b, a.lo, 10))
}

// CompareEventIDs compares two topic event ids of the form "A-B" (see
// [Broker]): -1, 0 or +1 as a is before, equal to or after b. An id that
// is not of that form sorts before every valid one.
func CompareEventIDs(a, b string) int {
	ia, oka := parseEventID(a)
	ib, okb := parseEventID(b)
	switch {
	case !oka && !okb:
		return 0
	case !oka:
		return -1
	case !okb:
		return 1
	}
	return ia.compare(ib)
}

// cursorSep joins the ids of the topics of one subscription in its SSE id
// (and so in the Last-Event-ID it comes back with), in the order the
// subscription names its topics.
const cursorSep = ","

// formatCursor joins the last ids of a subscription's topics.
func formatCursor(ids []string) string {
	if len(ids) == 1 {
		return ids[0]
	}
	return strings.Join(ids, cursorSep)
}

// parseCursor splits a Last-Event-ID into one id per topic. It reports
// false when s does not hold exactly n well-formed ids.
func parseCursor(s string, n int) ([]string, bool) {
	if s == "" || n <= 0 || len(s) > n*(maxIDLen+1) {
		return nil, false
	}
	ids := strings.Split(s, cursorSep)
	if len(ids) != n {
		return nil, false
	}
	for _, id := range ids {
		if _, ok := parseEventID(id); !ok {
			return nil, false
		}
	}
	return ids, true
}
