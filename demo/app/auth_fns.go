package app

import (
	"errors"
	"net/http"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// Names of the account server functions, as used by fnPath in templates.
const (
	FnSignup         = "signup"
	FnLogin          = "login"
	FnLogout         = "logout"
	FnChangePassword = "change_password"
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

// registerAuthFns registers the account functions on r. Failed forms
// re-render themselves for HTMX callers (ErrorTemplate + ErrorTarget);
// plain callers get them back through fiberfn.Flash.
func registerAuthFns(r *fiberfn.Registry) {
	fiberfn.RegisterOn(r, FnSignup, signup,
		fiberfn.ErrorTemplate("partials/signup_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
	fiberfn.RegisterOn(r, FnLogin, login,
		fiberfn.ErrorTemplate("partials/login_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
	fiberfn.RegisterOn(r, FnLogout, logout)
	fiberfn.RegisterOn(r, FnChangePassword, changePassword,
		fiberfn.ErrorTemplate("partials/password_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
}

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
	if err := checkThrottle(c); err != nil {
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
	setNotice(c, "welcome")
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

func login(c *fiber.Ctx, in LoginInput) (struct{}, error) {
	if err := checkThrottle(c); err != nil {
		return struct{}{}, err
	}
	passwords := fiberfn.ExpectContext[*Passwords](c)
	u, err := fiberfn.ExpectContext[*Store](c).UserByName(in.Username)
	switch {
	case errors.Is(err, ErrNotFound):
		passwords.Check(nil, in.Password) // same work as a wrong password
		failedAttempt(c)
		return struct{}{}, errInvalidLogin
	case err != nil:
		return struct{}{}, err
	case !passwords.Check(u.PasswordHash, in.Password):
		failedAttempt(c)
		return struct{}{}, errInvalidLogin
	}
	if err := fiberfn.ExpectContext[*Sessions](c).LogIn(c, u, in.Remember); err != nil {
		return struct{}{}, err
	}
	setNotice(c, "login")
	return struct{}{}, fiberfn.Redirect(c, SafeNext(in.Next))
}

func logout(c *fiber.Ctx, _ struct{}) (struct{}, error) {
	if err := fiberfn.ExpectContext[*Sessions](c).LogOut(c); err != nil {
		return struct{}{}, err
	}
	setNotice(c, "logout")
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
	u, err := requireUser(c, "/settings")
	if u == nil {
		return struct{}{}, err
	}
	if err := checkThrottle(c); err != nil {
		return struct{}{}, err
	}
	passwords := fiberfn.ExpectContext[*Passwords](c)
	if !passwords.Check(u.PasswordHash, in.CurrentPassword) {
		failedAttempt(c)
		return struct{}{}, fiberfn.FieldErrors{"current_password": "That is not your current password."}
	}
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
	setNotice(c, "password")
	return struct{}{}, fiberfn.Redirect(c, "/settings")
}

// errLoginRequired answers JSON callers that are not logged in.
var errLoginRequired = &fiberfn.Error{Code: http.StatusUnauthorized, Message: "Please log in first."}

// requireUser returns the logged-in user. Without one it returns a nil
// user and either an error (for JSON callers: 401) or a nil error after
// asking fiberfn to redirect the browser to the login page, which then
// comes back to next. Callers return the error as it is:
//
//	u, err := requireUser(c, "/")
//	if u == nil {
//		return out, err
//	}
func requireUser(c *fiber.Ctx, next string) (*User, error) {
	u, err := CurrentUser(c)
	if err != nil || u != nil {
		return u, err
	}
	if fiberfn.WantsJSON(c) {
		return nil, errLoginRequired
	}
	return nil, fiberfn.Redirect(c, loginURL(next))
}
