package fiberfn_test

import (
	"fmt"
	"strings"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// An edit form whose post fails comes back as an edit form: Fn.Form puts
// the stored record under what the user typed, so the hidden id survives
// even when the flash had to drop a long text to fit its cap (the notes,
// here, come back as stored).
func ExampleFn_Form() {
	type contact struct {
		ID    string `form:"id"`
		Email string `form:"email"`
		Notes string `form:"notes"`
	}
	reg := fiberfn.NewRegistry()
	save := fiberfn.RegisterOn(reg, "save_contact", func(c *fiber.Ctx, in contact) (struct{}, error) {
		return struct{}{}, fiberfn.FieldErrors{"email": "Not an address."}
	}, fiberfn.Hidden("id"))
	app := exampleApp(reg, fiberfn.Config{FlashMaxBytes: 512})
	app.Get("/contacts/7/edit", func(c *fiber.Ctx) error {
		stored := map[string]string{"id": "7", "email": "ann@example.com", "notes": "Met at the fair."}
		f := save.Form(c, stored)
		return c.SendString(fmt.Sprintf("id=%s email=%s notes=%s (%s)", f.Value("id"), f.Value("email"), f.Value("notes"), f.Error("email")))
	})

	body := "id=7&email=ann-at-example&notes=" + strings.Repeat("x", 2000)
	resp, _ := call(app, "POST", save.Path(), body, "Content-Type", formType, "Referer", "http://example.com/contacts/7/edit")
	_, page := call(app, "GET", "/contacts/7/edit", "", "Cookie", cookies(resp))
	fmt.Println(page)
	// Output:
	// id=7 email=ann-at-example notes=Met at the fair. (Not an address.)
}
