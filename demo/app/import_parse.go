package app

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/fiberfn/fiberfn/fiberfn"
)

// MaxImportBytes is the largest file Import tasks accepts (1 MiB).
const MaxImportBytes = 1 << 20

// importFormat is how an imported file is read.
type importFormat uint8

const (
	importText importFormat = iota // one title a line
	importCSV                      // RFC 4180; the first field of a record is the title
)

// importFormatOf chooses the format by the file's name: .csv is CSV,
// anything else text.
func importFormatOf(filename string) importFormat {
	if strings.HasSuffix(strings.ToLower(filename), ".csv") {
		return importCSV
	}
	return importText
}

// lineError is a malformed line of an imported file: nothing is imported.
func lineError(line int, problem string) error {
	return &fiberfn.Error{Code: http.StatusUnprocessableEntity,
		Message: fmt.Sprintf("Line %s: %s Nothing was imported.", thousands(line), problem)}
}

// parseImport reads the titles of an imported file, all or nothing:
// blank lines are skipped; any other line must hold a valid task title
// (see cleanTitle), else the error names the line and no title is
// returned. A UTF-8 byte order mark at the start is skipped.
func parseImport(r io.Reader, f importFormat) ([]string, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	if f == importCSV {
		return parseImportCSV(br)
	}
	var titles []string
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 4096), MaxImportBytes)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		t, problem := cleanTitle(text)
		if problem != "" {
			return nil, lineError(line, problem)
		}
		titles = append(titles, t)
	}
	if err := sc.Err(); err != nil {
		return nil, &fiberfn.Error{Code: http.StatusUnprocessableEntity, Message: "The file could not be read: " + err.Error()}
	}
	return titles, nil
}

// parseImportCSV reads titles from the first field of each CSV record.
func parseImportCSV(r io.Reader) ([]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var titles []string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return titles, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, lineError(pe.StartLine, "this is not valid CSV ("+pe.Err.Error()+").")
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 0 || strings.TrimSpace(rec[0]) == "" && len(rec) == 1 {
			continue
		}
		t, problem := cleanTitle(rec[0])
		if problem != "" {
			return nil, lineError(line, problem)
		}
		titles = append(titles, t)
	}
}
