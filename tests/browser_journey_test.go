package tests

// The demo in a real browser, in each browserMode: with JavaScript (htmx 4
// and htmx 2) every task button swaps its own row in place (the counts and
// filters follow out of band) and the page never reloads; without JavaScript the same buttons post plain forms
// and each answer is a 302 back to the page. Failed forms show their error
// beside the field and keep what was typed, both ways.

import (
	"slices"
	"strings"
	"testing"
)

// TestBrowserJourney walks through the demo as a new user does: sign up,
// add a task, tick it off, rename it, delete it, add two more, finish one,
// clear the finished ones, look at the settings and log out.
func TestBrowserJourney(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			if got := eval[string](b, `window.htmx?.version ?? "none"`); mode.js && got != mode.htmx || !mode.js && got != "none" {
				t.Fatalf("htmx.version = %q in mode %s", got, mode.name)
			}
			if !b.exists("#task-list-empty") {
				t.Errorf("a new account's list does not say it is empty")
			}

			b.addTask("Buy milk")
			b.expectTasks([]string{"Buy milk"}, nil)
			b.expectValue("#new-task-title", "")
			milk := b.task("Buy milk")
			id := strings.TrimPrefix(milk, "#task-")

			b.submit(milk+toggleSel, "/")
			b.expectTasks([]string{"Buy milk"}, []string{"Buy milk"})
			if got := b.attr(milk+toggleSel, "aria-pressed"); got != "true" {
				t.Errorf("the toggle of a done task has aria-pressed=%q, want true", got)
			}
			b.expectText("#clear-completed-form button", "Clear completed (1)")

			b.openRename(milk)
			b.fill("#rename-title-"+id, "Buy oat milk")
			b.submit("#rename-"+id+" button[type=submit]", "/")
			b.expectTasks([]string{"Buy oat milk"}, []string{"Buy oat milk"})

			b.submit(milk+deleteSel, "/")
			b.expectTasks(nil, nil)
			if !b.exists("#task-list-empty") || b.exists("#clear-completed-form") {
				t.Errorf("after the last task was deleted: want the empty list and no clear button")
			}

			b.addTask("Write report")
			b.addTask("Call mum")
			b.submit(b.task("Write report")+toggleSel, "/")
			b.expectTasks([]string{"Write report", "Call mum"}, []string{"Write report"})
			b.submit("#clear-completed-form button", "/")
			b.expectTasks([]string{"Call mum"}, nil)
			if b.exists("#clear-completed-form") {
				t.Errorf("the clear button is still there with nothing done")
			}
			var stored []string
			for _, task := range d.tasks("alice") {
				stored = append(stored, task.Title)
			}
			if !slices.Equal(stored, []string{"Call mum"}) {
				t.Errorf("stored tasks %q, want the one shown", stored)
			}

			b.follow(`nav a[href="/settings"]`, "/settings")
			b.expectText("#current-user", "alice")

			b.follow("#logout-form button", "/")
			b.expectText("p.notice", "You have been logged out.")
			if b.exists("#logout-form") || !b.exists(`nav a[href="/login"]`) {
				t.Errorf("after logging out the navigation is still the logged-in one")
			}
			b.open("/settings")
			if got := b.location(); got != "/login?next=%2Fsettings" {
				t.Errorf("/settings after logging out went to %s, want the login page", got)
			}
		})
	}
}

// TestBrowserFormErrors submits forms that fail validation: the error
// shows beside the field, the field keeps what was typed (passwords
// excepted), nothing is stored, and the form works again once corrected.
// With JavaScript the page never reloads for it; with htmx 2 that needs
// the fnHTMXConfig meta tag, without which htmx 2 does not swap a 422.
func TestBrowserFormErrors(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)

			b.open("/signup")
			b.fill("#signup-username", "alice")
			b.fill("#signup-password", secretPassword)
			b.fill("#signup-confirm", secretPassword+"x")
			b.submit("#signup-form button[type=submit]", "/signup")
			b.expectText("#signup-confirm-error", "The passwords do not match.")
			b.expectValue("#signup-username", "alice")
			b.expectValue("#signup-password", "")
			if got := b.attr("#signup-confirm", "aria-invalid"); got != "true" {
				t.Errorf("#signup-confirm has aria-invalid=%q, want true", got)
			}
			if n := d.userCount(); n != 0 {
				t.Fatalf("%d users after a failed sign-up", n)
			}
			b.fill("#signup-password", secretPassword)
			b.fill("#signup-confirm", secretPassword)
			b.follow("#signup-form button[type=submit]", "/")

			for _, tc := range []struct{ name, title, message string }{
				{"blank title", "   ", "Enter a title."},
				{"201 characters", strings.Repeat("é", 201), "A title has at most 200 characters."},
			} {
				b.fill("#new-task-title", tc.title)
				b.submit("#add-task-form button[type=submit]", "/")
				b.expectText("#new-task-error", tc.message)
				b.expectValue("#new-task-title", tc.title)
				if got := b.attr("#new-task-title", "aria-invalid"); got != "true" {
					t.Errorf("%s: #new-task-title has aria-invalid=%q, want true", tc.name, got)
				}
				if n := d.taskCount("alice"); n != 0 {
					t.Fatalf("%s: %d tasks stored", tc.name, n)
				}
			}
			// The form that came back with the error works.
			b.addTask("Water the plants")
			b.expectTasks([]string{"Water the plants"}, nil)
			b.expectText("#new-task-error", "")

			plants := b.task("Water the plants")
			id := strings.TrimPrefix(plants, "#task-")
			b.openRename(plants)
			b.fill("#rename-title-"+id, " ")
			// Without JavaScript the failed post comes back to the page
			// it came from, the row still in edit mode.
			b.submit("#rename-"+id+" button[type=submit]", b.location())
			b.expectText("#rename-error-"+id, "Enter a title.")
			b.expectValue("#rename-title-"+id, " ")
			if !b.exists(plants + ".editing") {
				t.Errorf("the row with the failed rename is not in edit mode")
			}
			if got := d.tasks("alice")[0].Title; got != "Water the plants" {
				t.Errorf("a failed rename stored %q", got)
			}
			b.fill("#rename-title-"+id, "Water the roses")
			b.submit("#rename-"+id+" button[type=submit]", "/")
			b.expectTasks([]string{"Water the roses"}, nil)

			b.follow("#logout-form button", "/")
			b.open("/login")
			b.fill("#login-username", "alice")
			b.fill("#login-password", secretPassword+"x")
			b.submit("#login-form button[type=submit]", "/login")
			b.expectText("#login-form .fiberfn-errors", "Invalid username or password.")
			b.expectValue("#login-username", "alice")
			b.expectValue("#login-password", "")
			b.fill("#login-password", secretPassword)
			b.follow("#login-form button[type=submit]", "/")
			b.expectText("p.notice", "You are logged in.")
			b.expectTasks([]string{"Water the roses"}, nil)
		})
	}
}
