package app

import (
	"mime/multipart"
	"net/http"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// fnImportTasks is the name of the Import tasks server function.
const fnImportTasks = "import_tasks"

// importBodyLimit is the largest request import_tasks reads: the file's
// limit and room for the multipart framing and the other fields.
const importBodyLimit = MaxImportBytes + 64<<10

// ImportTasks is the Import tasks server function (issue 18): a text file
// (one title a line) or a CSV file (the first field is the title) added to
// the user's list, all or nothing. htmx 4 gets a progress fragment per
// batch as an event stream; htmx 2 gets a placeholder that follows the
// import, run as a job, with its own stream (import_job.go); a plain post
// is redirected to the task list with the notice "Imported N tasks".
var ImportTasks = fiberfn.RegisterStream(fnImportTasks, importTasks,
	fiberfn.Guard(loggedIn, limitWrites), fiberfn.OnceOnly(), fiberfn.BodyLimit(importBodyLimit),
	fiberfn.Render("partials/import_progress"), fiberfn.ErrorTarget("#import-progress", "innerHTML"))

// ImportInput is the import form: the uploaded file.
type ImportInput struct {
	File *multipart.FileHeader `form:"file"`
	// titles is the file's tasks, read by Validate.
	titles []string
}

// Validate reads the file, all or nothing, before any answer is streamed,
// so a missing, oversized or malformed file gets its own status (400, 413,
// 422) from every caller.
func (in *ImportInput) Validate() error {
	if in.File == nil {
		return errNoFile
	}
	if in.File.Size > MaxImportBytes {
		return errFileTooLarge
	}
	f, err := in.File.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	titles, err := parseImport(f, importFormatOf(in.File.Filename))
	if err != nil {
		return err
	}
	if len(titles) == 0 {
		return &fiberfn.Error{Code: http.StatusUnprocessableEntity, Message: "The file holds no tasks. Nothing was imported."}
	}
	in.titles = titles
	return nil
}

// ValidateRequest refuses an import over the user's task quota (403)
// before the function runs: every caller gets an ordinary error answer,
// not an event stream that carries the error.
func (in *ImportInput) ValidateRequest(c *fiber.Ctx) error {
	return checkImportQuota(c, userOf(c), len(in.titles))
}

// ImportProgress is one progress report of an import: Done of Total
// tasks added; Finished once all are saved.
type ImportProgress struct {
	Done     int
	Total    int
	Finished bool
	// Stream, set only in the placeholder an htmx 2 page gets, is the URL
	// of the job's progress (import_job.go).
	Stream string `json:",omitempty"`
}

// Text is the progress in words, as the fragment and the notice say it.
func (p ImportProgress) Text() string {
	if p.Finished {
		return "Imported " + thousands(p.Done) + " tasks"
	}
	return "Imported " + thousands(p.Done) + " of " + thousands(p.Total)
}

// errNoFile answers an import without a file.
var errNoFile = &fiberfn.Error{Code: http.StatusBadRequest, Message: "Choose a file to import.", Fields: map[string]string{"file": "is required"}}

// errFileTooLarge answers a file over MaxImportBytes.
var errFileTooLarge = &fiberfn.Error{Code: http.StatusRequestEntityTooLarge, Message: "The file is too large: at most 1 MiB can be imported at once."}

func importTasks(c *fiber.Ctx, in ImportInput, send func(ImportProgress) error) error {
	u := userOf(c)
	titles := in.titles
	if titles == nil { // called without Validate
		if err := in.Validate(); err != nil {
			return err
		}
		titles = in.titles
	}
	// ValidateRequest checked the quota; this check again only catches
	// tasks added since, by another tab, mid-stream as an error event.
	if err := checkImportQuota(c, u, len(titles)); err != nil {
		return err
	}
	if legacyFragmentCaller(c) {
		// htmx 2: a job, followed by the placeholder's own stream.
		p, err := fiberfn.ExpectContext[*importJobs](c).start(c, fiberfn.ExpectContext[*Store](c), u, titles)
		if err != nil {
			return err
		}
		return send(p)
	}
	total := len(titles)
	err := fiberfn.ExpectContext[*Store](c).ImportTasks(u.ID, titles, func(done int) error {
		if done == total {
			return nil // the last report follows the commit
		}
		return send(ImportProgress{Done: done, Total: total})
	})
	if err != nil {
		return err
	}
	publishChange(c, u, "add")
	last := ImportProgress{Done: total, Total: total, Finished: true}
	if !showsAnswer(c) {
		fiberfn.Notify(c, last.Text()+".")
		if err := send(last); err != nil {
			return err
		}
		return fiberfn.Redirect(c, "/")
	}
	return send(last)
}

// checkImportQuota refuses an import that would take the user past the
// task quota (403, saying how many tasks fit).
func checkImportQuota(c *fiber.Ctx, u *User, adding int) error {
	quota := int(fiberfn.ExpectContext[taskQuota](c))
	n, err := fiberfn.ExpectContext[*Store](c).Counts(u.ID)
	if err != nil {
		return err
	}
	if n.Total()+adding <= quota {
		return nil
	}
	room := max(quota-n.Total(), 0)
	return &fiberfn.Error{Code: http.StatusForbidden,
		Message: "The file holds " + thousands(adding) + " tasks, but an account keeps at most " + thousands(quota) +
			" and you have " + thousands(n.Total()) + ", so " + thousands(room) + " more fit. Nothing was imported."}
}
