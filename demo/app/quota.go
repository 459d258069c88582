package app

import (
	"net/http"
	"strconv"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// DefaultTaskQuota is how many tasks one account may keep by default.
//
// 2,000 is far beyond a task list kept by hand, yet bounds what one
// account can make the server store and send: a task row is at most about
// 900 bytes on disk (a 200-character title of 4-byte characters, the row
// and its index entry), so at most about 2 MB per account, and the home
// page, which lists every task, stays under a megabyte of HTML.
const DefaultTaskQuota = 2000

// taskQuota is the number of tasks one account may keep; the server
// functions get it with fiberfn.ExpectContext[taskQuota].
type taskQuota int

// checkQuota refuses to add a task when the user has the quota's number of
// tasks already (403, with a message that says what to do). It counts
// with Store.Counts, so the check is as cheap as the counts. Adds that run
// at the same moment may each pass the check, so the quota can be passed
// by the number of one user's adds in flight at once, which the write
// limit keeps small.
func checkQuota(c *fiber.Ctx, u *User) error {
	quota := int(fiberfn.ExpectContext[taskQuota](c))
	n, err := fiberfn.ExpectContext[*Store](c).Counts(u.ID)
	if err != nil {
		return err
	}
	if n.Total() < quota {
		return nil
	}
	return &fiberfn.Error{Code: http.StatusForbidden,
		Message: "You have " + thousands(n.Total()) + " tasks, the most an account can keep. Delete some to add more."}
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
