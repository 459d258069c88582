package fiberfn_test

import (
	"fmt"
	"io"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// ImportIn is the input of the import example: the rows to import.
type ImportIn struct {
	Rows int `form:"rows"`
}

// ImportProgress is one step of the import example.
type ImportProgress struct {
	Done, Total int
}

// A long job that reports its progress: htmx 4 (with its hx-sse
// extension) swaps each <progress> as it arrives, a JSON client reads one
// line per step, and a form without JavaScript waits for the end and is
// redirected back with the notice.
//
//	<form hx-post="/api/import_rows" hx-target="#progress" hx-ext="sse">...</form>
//	<div id="progress" aria-live="polite"></div>
func ExampleRegisterStreamOn() {
	reg := fiberfn.NewRegistry() // fiberfn.RegisterStream for the default registry
	importRows := fiberfn.RegisterStreamOn(reg, "import_rows", func(c *fiber.Ctx, in ImportIn, send func(ImportProgress) error) error {
		for done := 0; done < in.Rows; {
			done = min(done+250, in.Rows) // insert a batch of 250 rows here
			if err := send(ImportProgress{Done: done, Total: in.Rows}); err != nil {
				return err // the client has gone
			}
		}
		fiberfn.Notify(c, fmt.Sprintf("Imported %d rows.", in.Rows))
		return nil
	}, fiberfn.OnceOnly(), fiberfn.RenderFunc(func(c *fiber.Ctx, w io.Writer, p ImportProgress) error {
		_, err := fmt.Fprintf(w, `<progress max="%d" value="%d">%d of %d</progress>`, p.Total, p.Done, p.Done, p.Total)
		return err
	}))
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	fmt.Println(importRows.Path())
	// Output: /api/import_rows
}
