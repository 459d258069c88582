package app

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

// StaticPrefix is the URL path under which the static files (public.FS)
// are served.
const StaticPrefix = "/public"

// ImmutableCache is the Cache-Control of a static file under its versioned
// URL: that URL changes whenever any static file does, so browsers may
// keep the file for a year without asking again.
const ImmutableCache = "public, max-age=31536000, immutable"

// unversionedMaxAge is the max-age of a static file under its plain URL
// ("/public/css/app.css"), which stays valid for links from elsewhere.
const unversionedMaxAge = 3600

// versionLen is the length of a version: hex digits of a SHA-256.
const versionLen = 12

// Assets serves the static files and names their URLs. A file's versioned
// URL is StaticPrefix + "/" + version + "/" + its path, where the version
// is a hash of every static file; templates get it with {{ asset "css/app.css" }}.
type Assets struct {
	version string // "" in development: plain URLs, nothing cached
	serve   fiber.Handler
}

// newAssets hashes the static files. With dev set (files edited while the
// demo runs), URLs are unversioned and nothing is cached.
func newAssets(static fs.FS, dev bool) (*Assets, error) {
	s := &Assets{}
	maxAge := unversionedMaxAge
	if dev {
		maxAge = 0
	} else {
		v, err := hashFiles(static)
		if err != nil {
			return nil, err
		}
		s.version = v
	}
	s.serve = filesystem.New(filesystem.Config{Root: http.FS(static), MaxAge: maxAge})
	return s, nil
}

// hashFiles returns the version of the files: the first hex digits of a
// SHA-256 of every path and content, in lexical order.
func hashFiles(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:versionLen], nil
}

// Version is the hash in the versioned URLs ("" in development).
func (s *Assets) Version() string { return s.version }

// URL returns the URL of the static file at path in public.FS, such as
// "/public/3f2a9c1d0b7e/css/app.css" for "css/app.css".
func (s *Assets) URL(path string) string {
	path = strings.TrimPrefix(path, "/")
	if s.version == "" {
		return StaticPrefix + "/" + path
	}
	return StaticPrefix + "/" + s.version + "/" + path
}

// Handler serves the static files at StaticPrefix (mount it with
// app.Use(StaticPrefix, assets.Handler(), staticMiss)): a versioned URL of the current version
// with ImmutableCache; one of an older version (a page from before a
// deploy) with the current file and no-cache; a plain URL with a
// max-age of an hour.
func (s *Assets) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		// c.Path() shares Fiber's buffer, which c.Path(override) rewrites:
		// decide everything before that.
		rest := strings.TrimPrefix(c.Path(), StaticPrefix+"/")
		seg, tail, ok := strings.Cut(rest, "/")
		versioned := ok && isVersion(seg)
		current := versioned && seg == s.version
		if versioned {
			c.Path(StaticPrefix + "/" + strings.Clone(tail))
		}
		if err := s.serve(c); err != nil {
			if errors.Is(err, fiber.ErrForbidden) { // a directory
				return c.Next()
			}
			return err
		}
		if versioned && c.Response().StatusCode() == fiber.StatusOK {
			if current {
				c.Set(fiber.HeaderCacheControl, ImmutableCache)
			} else {
				c.Set(fiber.HeaderCacheControl, "no-cache")
			}
		}
		return nil
	}
}

// staticMiss answers what Handler does not serve under StaticPrefix: a
// file that does not exist or a directory (404), another method than GET
// and HEAD (405). A short text, without reading the session: nothing under
// StaticPrefix depends on who asks. noStore marks it no-store, so a miss
// is not cached past the deploy that adds the file.
func staticMiss(c *fiber.Ctx) error {
	c.Type("txt", "utf-8")
	if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead {
		c.Set(fiber.HeaderAllow, "GET, HEAD")
		return c.Status(fiber.StatusMethodNotAllowed).SendString("Method not allowed.")
	}
	return c.Status(fiber.StatusNotFound).SendString("Not found.")
}

// isVersion reports whether a path segment has the form of a version.
func isVersion(seg string) bool {
	if len(seg) != versionLen {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if !(seg[i] >= '0' && seg[i] <= '9' || seg[i] >= 'a' && seg[i] <= 'f') {
			return false
		}
	}
	return true
}
