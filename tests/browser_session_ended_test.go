package tests

import (
	"testing"
)

// TestBrowserSessionEnded types a task on the open list and ends the
// session behind the tab's back (a password change elsewhere) before
// clicking Add, with htmx 4, htmx 2 and without JavaScript: the tab lands
// on the login page, which says why (and, without JavaScript, that the
// task was not saved); logging in goes back to the open list, where with
// JavaScript the typed task is back in the add field. Once it is added,
// the draft is gone: a reload shows an empty field.
func TestBrowserSessionEnded(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			b.open("/?filter=open")
			b.fill("#new-task-title", "Buy milk")

			uid := d.userID("alice")
			u, err := d.App.Store.UserByID(uid)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.App.Store.SetPassword(uid, u.PasswordHash); err != nil { // same password, new epoch
				t.Fatal(err)
			}

			b.follow("#add-task-form button[type=submit]", "/login?next=%2F%3Ffilter%3Dopen")
			want := sessionEndedMsg
			if !mode.js {
				want += " " + draftLostMsg
			}
			b.expectText("p.notice", want)
			if n := d.taskCount("alice"); n != 0 {
				t.Fatalf("%d tasks added without a session", n)
			}

			b.fill("#login-username", "alice")
			b.fill("#login-password", secretPassword)
			b.follow("#login-form button[type=submit]", "/?filter=open")
			b.expectText("p.notice", "You are logged in.")
			if !mode.js {
				b.expectValue("#new-task-title", "")
				return
			}
			b.expectValue("#new-task-title", "Buy milk")
			b.submit("#add-task-form button[type=submit]", "/?filter=open")
			b.expectTasks([]string{"Buy milk"}, nil)
			b.expectValue("#new-task-title", "")
			b.open("/?filter=open")
			b.expectValue("#new-task-title", "")
			b.expectScreenIsDB(d, "alice")
		})
	}
}
