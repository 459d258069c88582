package app

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// errInvalidLogin is the one answer to an unknown user and a wrong
// password alike, so a visitor cannot find out which usernames exist.
var errInvalidLogin = &fiberfn.Error{Code: http.StatusUnauthorized, Message: "Invalid username or password."}

// formErrorTarget makes a failed form replace itself with its re-rendered
// version (the function's ErrorTemplate). It is "closest form", resolved
// from the form that made the request, rather than "this": htmx 4.0.1
// resolves an HX-Retarget of "this" only on an element whose own
// hx-target says "this", and otherwise swaps nothing.
const formErrorTarget = "closest form"

// The account server functions. Failed forms re-render themselves for htmx
// callers (ErrorTemplate + ErrorTarget); plain callers get them back
// through fiberfn.Flash, which the pages read with Fn.Form.
var (
	Signup = fiberfn.Register("signup", signup,
		fiberfn.ErrorTemplate("partials/signup_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
	Login = fiberfn.Register("login", login,
		fiberfn.ErrorTemplate("partials/login_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
	Logout         = fiberfn.Register("logout", logout)
	ChangePassword = fiberfn.Register("change_password", changePassword, fiberfn.Guard(loggedIn),
		fiberfn.ErrorTemplate("partials/password_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
)

// SignupInput is the sign-up form.
type SignupInput struct {
	Username        string `form:"username" json:"username"`
	Password        string `form:"password" json:"password"`
	ConfirmPassword string `form:"confirm_password" json:"confirm_password"`
}

// Validate normalizes the username and checks every field; fiberfn calls
// it before the function.
func (in *SignupInput) Validate() error {
	in.Username = normalizeUsername(in.Username)
	fe := fiberfn.FieldErrors{}
	if p := usernameProblem(in.Username); p != "" {
		fe["username"] = p
	}
	if p := passwordProblem(in.Password); p != "" {
		fe["password"] = p
	} else if in.ConfirmPassword != in.Password {
		fe["confirm_password"] = "The passwords do not match."
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

func signup(c *fiber.Ctx, in SignupInput) (struct{}, error) {
	if err := throttleOf(c).takeAddress(c); err != nil {
		return struct{}{}, err
	}
	store := fiberfn.ExpectContext[*Store](c)
	taken := fiberfn.FieldErrors{"username": "That username is taken. Please choose another."}
	if _, err := store.UserByName(in.Username); err == nil {
		return struct{}{}, taken
	} else if !errors.Is(err, ErrNotFound) {
		return struct{}{}, err
	}
	hash, err := fiberfn.ExpectContext[*Passwords](c).Hash(in.Password)
	if err != nil {
		return struct{}{}, err
	}
	u, err := store.CreateUser(in.Username, hash)
	if errors.Is(err, ErrUsernameTaken) { // lost a race with another sign-up
		return struct{}{}, taken
	} else if err != nil {
		return struct{}{}, err
	}
	if err := fiberfn.ExpectContext[*Sessions](c).LogIn(c, u, false); err != nil {
		return struct{}{}, err
	}
	fiberfn.Notify(c, "Welcome! Your account is ready.")
	return struct{}{}, fiberfn.Redirect(c, "/")
}

// LoginInput is the login form.
type LoginInput struct {
	Username string `form:"username" json:"username"`
	Password string `form:"password" json:"password"`
	Remember bool   `form:"remember" json:"remember"`
	Next     string `form:"next" json:"next"`
}

// Validate normalizes the username and asks for both fields. A password
// over MaxPassword bytes is refused as at sign-up: bcrypt would ignore
// what follows the 72nd byte, so it could only match by truncation. A
// username that no account can have is refused the same way as a wrong
// password, without a password check.
func (in *LoginInput) Validate() error {
	in.Username = normalizeUsername(in.Username)
	fe := fiberfn.FieldErrors{}
	if in.Username == "" {
		fe["username"] = "Enter your username."
	}
	if in.Password == "" {
		fe["password"] = "Enter your password."
	} else if len(in.Password) > MaxPassword {
		fe["password"] = tooLongPassword
	}
	if len(fe) > 0 {
		return fe
	}
	if usernameProblem(in.Username) != "" {
		return errInvalidLogin
	}
	return nil
}

// login checks the password of the account its input names. The throttle
// counts the attempt on that same decoded (and normalized) username before
// any bcrypt work, and gives it back after a success: only failures lock
// an account.
func login(c *fiber.Ctx, in LoginInput) (struct{}, error) {
	limits := throttleOf(c)
	if err := limits.takeAddress(c); err != nil {
		return struct{}{}, err
	}
	attempt, err := limits.takeAccount(c, loginKey(in.Username))
	if err != nil {
		return struct{}{}, err
	}
	passwords := fiberfn.ExpectContext[*Passwords](c)
	u, err := fiberfn.ExpectContext[*Store](c).UserByName(in.Username)
	switch {
	case errors.Is(err, ErrNotFound):
		passwords.Check(nil, in.Password) // same work as a wrong password
		return struct{}{}, errInvalidLogin
	case err != nil:
		limits.giveBack(c, attempt) // not the user's failure
		return struct{}{}, err
	case !passwords.Check(u.PasswordHash, in.Password):
		return struct{}{}, errInvalidLogin
	}
	limits.giveBack(c, attempt)
	if err := fiberfn.ExpectContext[*Sessions](c).LogIn(c, u, in.Remember); err != nil {
		return struct{}{}, err
	}
	fiberfn.Notify(c, "You are logged in.")
	return struct{}{}, fiberfn.Redirect(c, SafeNext(in.Next))
}

func logout(c *fiber.Ctx, _ struct{}) (struct{}, error) {
	if u, _ := CurrentUser(c); u != nil {
		defer endStreams(c, u.ID) // after the session is gone, so no stream reconnects into it
	}
	if err := fiberfn.ExpectContext[*Sessions](c).LogOut(c); err != nil {
		return struct{}{}, err
	}
	fiberfn.Notify(c, "You have been logged out.")
	return struct{}{}, fiberfn.Redirect(c, "/")
}

// PasswordInput is the change-password form of the settings page.
type PasswordInput struct {
	CurrentPassword string `form:"current_password" json:"current_password"`
	NewPassword     string `form:"new_password" json:"new_password"`
	ConfirmPassword string `form:"confirm_password" json:"confirm_password"`
}

// Validate checks the fields that need no database.
func (in *PasswordInput) Validate() error {
	fe := fiberfn.FieldErrors{}
	if in.CurrentPassword == "" {
		fe["current_password"] = "Enter your current password."
	} else if len(in.CurrentPassword) > MaxPassword {
		fe["current_password"] = tooLongPassword
	}
	if p := passwordProblem(in.NewPassword); p != "" {
		fe["new_password"] = p
	} else if in.ConfirmPassword != in.NewPassword {
		fe["confirm_password"] = "The passwords do not match."
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

func changePassword(c *fiber.Ctx, in PasswordInput) (struct{}, error) {
	u := userOf(c)
	limits := throttleOf(c)
	if err := limits.takeAddress(c); err != nil {
		return struct{}{}, err
	}
	attempt, err := limits.takeAccount(c, passwordKey(u.ID))
	if err != nil {
		return struct{}{}, err
	}
	passwords := fiberfn.ExpectContext[*Passwords](c)
	if !passwords.Check(u.PasswordHash, in.CurrentPassword) {
		return struct{}{}, fiberfn.FieldErrors{"current_password": "That is not your current password."}
	}
	limits.giveBack(c, attempt)
	hash, err := passwords.Hash(in.NewPassword)
	if err != nil {
		return struct{}{}, err
	}
	epoch, err := fiberfn.ExpectContext[*Store](c).SetPassword(u.ID, hash)
	if err != nil {
		return struct{}{}, err
	}
	// The new epoch ends every other session; this one continues under
	// a new id.
	updated := *u
	updated.PasswordHash, updated.SessionEpoch = hash, epoch
	if err := fiberfn.ExpectContext[*Sessions](c).LogIn(c, &updated, rememberedSession(c)); err != nil {
		return struct{}{}, err
	}
	endStreams(c, u.ID) // the other sessions' pages stop updating; this one reconnects
	fiberfn.Notify(c, "Your password has been changed.")
	return struct{}{}, fiberfn.Redirect(c, "/settings")
}

// errLoginRequired refuses a request that needs a user and has none.
var errLoginRequired = &fiberfn.Error{Code: http.StatusUnauthorized, Message: "Please log in first."}

// Messages of the login page after a form of a logged-in page was sent
// without a session: it ended meanwhile (a logout or a password change in
// another tab, or it expired).
const (
	msgSessionEnded = "Your session ended. Log in again to continue."
	// msgDraftLost is added for a plain post of the add form with a
	// title: without JavaScript nothing keeps it (with JavaScript,
	// app.js keeps it in the tab's sessionStorage and puts it back).
	msgDraftLost = " The task you were adding was not saved."
)

// addTaskPath is the path of add_task, for loggedIn, which AddTask's own
// registration refers to (so it is set after the package's variables).
var addTaskPath string

func init() { addTaskPath = AddTask.Path() }

// loggedIn is the guard of every function that needs a logged-in user.
// Without one, browsers are sent to the login page, which comes back to
// the page the form was on (next=, its same-origin Referer) and says why
// (msgSessionEnded, a notice: the forms are on the pages of a logged-in
// user, so the session ended since the page was loaded); htmx callers
// get the same through HX-Redirect. JSON callers get 401 (and the login
// URL in the Fiberfn-Redirect header), no notice.
func loggedIn(c *fiber.Ctx) error {
	u, err := CurrentUser(c)
	if err != nil || u != nil {
		return err
	}
	_ = fiberfn.Redirect(c, loginURL(refererPath(c)))
	if !fiberfn.WantsJSON(c) {
		msg := msgSessionEnded
		if c.Path() == addTaskPath && !fiberfn.WantsFragment(c) && strings.TrimSpace(c.FormValue("title")) != "" {
			msg += msgDraftLost
		}
		fiberfn.Notify(c, msg)
	}
	return errLoginRequired
}

// userOf returns the user a loggedIn guard found.
func userOf(c *fiber.Ctx) *User {
	return fiberfn.ExpectContext[*User](c)
}

// refererPath returns the path and query of a same-origin Referer, else "/".
func refererPath(c *fiber.Ctx) string {
	u, err := url.Parse(c.Get(fiber.HeaderReferer))
	if err != nil || u.Host != c.Hostname() && u.Host != string(c.Request().Header.Host()) {
		return "/"
	}
	return SafeNext(u.RequestURI())
}
