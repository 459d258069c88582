package contacts

import (
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/htmx"
)

// Registry holds the app's server functions. They are registered in
// package-level vars, as the README says; each app of New mounts it (tests
// start many apps, each with its own Store).
var Registry = fiberfn.NewRegistry()

// PageSize is how many contacts a page of the list shows; "Load more"
// adds the next page.
const PageSize = 10

// ListIn is what the search form and the "Load more" link send.
type ListIn struct {
	Q    string `query:"q"`
	Page int    `query:"page"`
}

// Validate keeps the page number sane (page=0 or a missing one is the
// first).
func (in *ListIn) Validate() error {
	if in.Page < 0 || in.Page > 10000 {
		return fiberfn.FieldErrors{"page": "Page must be between 1 and 10000."}
	}
	if utf8.RuneCountInString(in.Q) > 100 {
		return fiberfn.FieldErrors{"q": "Search for at most 100 characters."}
	}
	return nil
}

// List is the answer of GET /contacts: the whole page shows Contacts
// (pages 1 to Page), an htmx caller gets Rows (page Page only, which
// "Load more" appends, or the first page of a search).
type List struct {
	Q        string    `json:"q"`
	Page     int       `json:"page"`
	Total    int       `json:"total"`
	Contacts []Contact `json:"contacts"`
	Rows     []Contact `json:"-"`
	// NextURL is the URL of the next page ("" when this is the last),
	// built in Go: fnURL fills path parameters, and html/template does not
	// query-escape an hx-get attribute.
	NextURL string `json:"next,omitempty"`
	// Notice is the one-time message of the redirect that led here.
	Notice string `json:"-"`
}

// ListContacts is GET /contacts: the list, searched and paged. A plain
// browser (a reload of the URL that the active search pushed, a bookmark,
// the search form without JavaScript) gets the whole page.
var ListContacts = fiberfn.RegisterOn(Registry, "contacts", listContacts,
	fiberfn.Route("/contacts"), fiberfn.Method("GET"),
	fiberfn.Render("contacts/rows"), fiberfn.Page("contacts/index"))

func listContacts(c *fiber.Ctx, in ListIn) (List, error) {
	store := fiberfn.ExpectContext[*Store](c)
	// The answer shows the store's contacts for the URL's q and page (and
	// a notice, which SetVersion leaves out of the match): a browser that
	// revalidates an unchanged list gets a 304, nothing rendered.
	if fiberfn.SetVersion(c, store.Version()) {
		return List{}, nil
	}
	if in.Page == 0 {
		in.Page = 1
	}
	found := store.Search(in.Q)
	end := min(len(found), in.Page*PageSize)
	start := min(end, (in.Page-1)*PageSize)
	l := List{Q: in.Q, Page: in.Page, Total: len(found), Contacts: found[:end], Rows: found[start:end]}
	if end < len(found) {
		l.NextURL = listURL(in.Q, in.Page+1)
	}
	if !fiberfn.WantsFragment(c) && !fiberfn.WantsJSON(c) {
		l.Notice = fiberfn.Notice(c)
	}
	return l, nil
}

// listURL is the list's URL for a search and a page. It asks the
// registry for the path: ListContacts.Path() here would be an
// initialization cycle (ListContacts is made from listContacts).
func listURL(q string, page int) string {
	path, _ := Registry.Path("contacts")
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// ContactIn names a contact by the route's :id.
type ContactIn struct {
	ID int `params:"id"`
}

// Edit is the binding of the edit page and its form.
type Edit struct {
	Contact Contact            `json:"contact"`
	Form    *fiberfn.FormState `json:"-"`
}

// EditContact is GET /contacts/:id/edit: the edit page, with the
// values and errors of a failed no-JavaScript PUT when there was one.
var EditContact = fiberfn.RegisterOn(Registry, "edit_contact", editContact,
	fiberfn.Route("/contacts/:id/edit"), fiberfn.Method("GET"),
	fiberfn.Render("contacts/form"), fiberfn.Page("contacts/edit"))

func editContact(c *fiber.Ctx, in ContactIn) (Edit, error) {
	store := fiberfn.ExpectContext[*Store](c)
	if fiberfn.SetVersion(c, store.Version()) { // never while a failed PUT's flash waits
		return Edit{}, nil
	}
	ct, ok := store.Get(in.ID)
	if !ok {
		return Edit{}, fiberfn.ServerError("No such contact.", http.StatusNotFound)
	}
	return Edit{Contact: ct, Form: UpdateContact.Form(c, formValues(ct))}, nil
}

// formValues are a contact's values by form name, the initial values of
// its edit form.
func formValues(ct Contact) map[string]string {
	return map[string]string{"first_name": ct.First, "last_name": ct.Last, "phone": ct.Phone, "email": ct.Email}
}

// ContactForm is what the new and edit forms send. It has no json tags:
// JSON clients use the form names.
type ContactForm struct {
	First string `form:"first_name"`
	Last  string `form:"last_name"`
	Phone string `form:"phone"`
	Email string `form:"email"`
}

func (in ContactForm) contact(id int) Contact {
	return Contact{ID: id, First: strings.TrimSpace(in.First), Last: strings.TrimSpace(in.Last),
		Phone: strings.TrimSpace(in.Phone), Email: strings.TrimSpace(in.Email)}
}

// UpdateIn is the edit form's values and the route's :id.
type UpdateIn struct {
	ID int `params:"id"`
	ContactForm
}

// UpdateContact is PUT /contacts/:id (a plain form: POST with
// _method=PUT). A validation error re-renders the form beside the
// fields, keeping what was typed; success goes back to the list.
var UpdateContact = fiberfn.RegisterOn(Registry, "update_contact", updateContact,
	fiberfn.Route("/contacts/:id"), fiberfn.Method("PUT"),
	fiberfn.ErrorTemplate("contacts/form_error"), fiberfn.ErrorTarget("closest form", "outerHTML"),
	fiberfn.FallbackPage("/contacts"))

func updateContact(c *fiber.Ctx, in UpdateIn) (Contact, error) {
	ct := in.contact(in.ID)
	found, err := fiberfn.ExpectContext[*Store](c).Update(ct)
	if !found {
		return Contact{}, fiberfn.ServerError("No such contact.", http.StatusNotFound)
	}
	if err != nil {
		return Contact{}, err
	}
	fiberfn.Notify(c, "Saved "+ct.Name()+".")
	return ct, fiberfn.Redirect(c, ListContacts.Path())
}

// NewContact is GET /contacts/new: the form for a new contact.
var NewContact = fiberfn.RegisterOn(Registry, "new_contact", func(c *fiber.Ctx, _ struct{}) (Edit, error) {
	return Edit{Form: CreateContact.Form(c, nil)}, nil
}, fiberfn.Route("/contacts/new"), fiberfn.Method("GET"), fiberfn.Render("contacts/form"), fiberfn.Page("contacts/edit"))

// CreateContact is POST /contacts.
var CreateContact = fiberfn.RegisterOn(Registry, "create_contact", func(c *fiber.Ctx, in ContactForm) (Contact, error) {
	ct, err := fiberfn.ExpectContext[*Store](c).Add(in.contact(0))
	if err != nil {
		return Contact{}, err
	}
	fiberfn.Notify(c, "Added "+ct.Name()+".")
	return ct, fiberfn.Redirect(c, ListContacts.Path())
}, fiberfn.Route("/contacts"), fiberfn.Method("POST"),
	fiberfn.ErrorTemplate("contacts/form_error"), fiberfn.ErrorTarget("closest form", "outerHTML"),
	fiberfn.FallbackPage("/contacts/new"))

// DeleteContact is DELETE /contacts/:id. From a row of the list (htmx
// targets the row) the row goes; from the edit page the browser goes back
// to the list. A contact that is already gone counts as deleted (DELETE
// is idempotent: a double click must not show an error).
var DeleteContact = fiberfn.RegisterOn(Registry, "delete_contact", deleteContact,
	fiberfn.Route("/contacts/:id"), fiberfn.Method("DELETE"), fiberfn.FallbackPage("/contacts"))

func deleteContact(c *fiber.Ctx, in ContactIn) (struct{}, error) {
	n := fiberfn.ExpectContext[*Store](c).Delete(in.ID)
	if fiberfn.WantsFragment(c) && strings.HasPrefix(htmx.TargetID(c), "contact-") {
		fiberfn.RemoveTarget(c)
		return struct{}{}, nil
	}
	if n > 0 {
		fiberfn.Notify(c, "Deleted.")
	}
	if fromList(c) {
		return struct{}{}, nil // a plain post goes back to the list it came from
	}
	return struct{}{}, fiberfn.Redirect(c, ListContacts.Path())
}

// fromList reports whether a plain form post came from the list page
// (its Referer), so that the default redirect back keeps its search.
func fromList(c *fiber.Ctx) bool {
	if fiberfn.WantsFragment(c) || fiberfn.WantsJSON(c) {
		return false
	}
	u, err := url.Parse(c.Get(fiber.HeaderReferer))
	return err == nil && u.Host == c.Hostname() && u.Path == ListContacts.Path()
}

// BulkIn is what the list's form sends to delete the checked contacts,
// with the search so that the rows can be shown again.
type BulkIn struct {
	IDs []int  `form:"selected_contact_ids"`
	Q   string `form:"q"`
}

// DeleteContacts is DELETE /contacts: the checked contacts go, and htmx
// gets the list's first page again.
var DeleteContacts = fiberfn.RegisterOn(Registry, "delete_contacts", func(c *fiber.Ctx, in BulkIn) (List, error) {
	if len(in.IDs) == 0 {
		return List{}, fiberfn.ServerError("Select the contacts to delete first.", http.StatusUnprocessableEntity)
	}
	n := fiberfn.ExpectContext[*Store](c).Delete(in.IDs...)
	fiberfn.Notify(c, "Deleted "+strconv.Itoa(n)+" contacts.")
	return listContacts(c, ListIn{Q: in.Q})
}, fiberfn.Route("/contacts"), fiberfn.Method("DELETE"), fiberfn.Render("contacts/rows"), fiberfn.FallbackPage("/contacts"))

// check validates a contact for the store (which holds its lock): a first
// name, a valid email that no other contact has, a phone of digits.
func (s *Store) check(c Contact, id int) error {
	errs := fiberfn.FieldErrors{}
	switch {
	case c.First == "":
		errs["first_name"] = "First name is required."
	case utf8.RuneCountInString(c.First) > 100:
		errs["first_name"] = "At most 100 characters."
	}
	if utf8.RuneCountInString(c.Last) > 100 {
		errs["last_name"] = "At most 100 characters."
	}
	if strings.Trim(c.Phone, "0123456789 +-()") != "" || len(c.Phone) > 30 {
		errs["phone"] = "Digits, spaces and + - ( ) only."
	}
	if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || len(c.Email) > 200 {
		errs["email"] = "Enter an email address like ann@example.com."
	} else if s.emailTaken(c.Email, id) {
		errs["email"] = "Another contact has this email."
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
