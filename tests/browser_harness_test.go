package tests

// The real-browser harness: it starts Debian's Chromium headless through
// chromedp (v0.23, the generic Run/Do/Call API), one fresh browser and
// profile per test, with a deadline so that a hung browser fails the test
// instead of the CI run.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// browserTimeout bounds everything that one browser does in a test,
// start-up included.
const browserTimeout = 60 * time.Second

// chromiumPath is the browser that the tests use, or "" when none was found.
// TestMain sets it.
var chromiumPath string

// TestMain finds the browser once and says which one the browser tests use,
// so that the CI log shows that they ran. It is the package's only TestMain.
func TestMain(m *testing.M) {
	chromiumPath = findChromium()
	if chromiumPath != "" {
		fmt.Println("browser: using", chromiumPath)
	} else {
		fmt.Println("browser: no Chromium found; browser tests will skip (or fail when FIBERFN_REQUIRE_BROWSER=1)")
	}
	os.Exit(m.Run())
}

// findChromium returns the path of the browser: $CHROMIUM_PATH when set,
// else /usr/bin/chromium, else the first of chromium, chromium-browser and
// google-chrome in $PATH. It returns "" when there is none.
func findChromium() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
		return ""
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if found, err := exec.LookPath(name); err == nil {
			return found
		}
	}
	return ""
}

// browserRequired reports whether a missing browser is a failure rather than
// a reason to skip: FIBERFN_REQUIRE_BROWSER=1 (set by .ci/run) or CI=true.
func browserRequired() bool {
	return os.Getenv("FIBERFN_REQUIRE_BROWSER") == "1" || os.Getenv("CI") == "true"
}

// browserConfig collects the browserOptions of newBrowser.
type browserConfig struct {
	noJS   bool
	width  int64
	height int64
	csp    *cspReport
}

// browserOption changes how newBrowser sets up the browser.
type browserOption func(*browserConfig)

// withoutJS turns off JavaScript in the tab before the first navigation, as
// for a visitor who has disabled it. Forms and links must still work.
func withoutJS() browserOption {
	return func(c *browserConfig) { c.noJS = true }
}

// withViewport sets the size of the page's viewport in CSS pixels, for
// example 390x844 for a phone-sized screenshot. The default is 1280x900.
func withViewport(width, height int64) browserOption {
	return func(c *browserConfig) { c.width, c.height = width, height }
}

// cspReport collects the Content-Security-Policy violations that the
// browser reported in its console.
type cspReport struct {
	mu   sync.Mutex
	msgs []string
}

// violations returns the violations reported so far.
func (r *cspReport) violations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// withCSPReport collects CSP violations into r instead of failing the test
// on them, for a test that expects some.
func withCSPReport(r *cspReport) browserOption {
	return func(c *browserConfig) { c.csp = r }
}

// isCSPViolation reports whether a console message is Chromium's report
// of a Content-Security-Policy violation, such as "Refused to apply
// inline style because it violates the following Content Security Policy
// directive: ...". Chromium writes them to its log (source "security" or
// "other") and, for eval, raises an EvalError in the page.
func isCSPViolation(m chromedp.ConsoleMessage) bool {
	return strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy")
}

// watchCSP subscribes to the console of the tab and, when the test ends,
// fails it for every CSP violation the pages reported; with a cspReport
// (withCSPReport) it collects them there instead. Every browser test
// gets it through newBrowser, so every page a test opens runs under the
// demo's policy without a violation.
func watchCSP(t *testing.T, ctx context.Context, report *cspReport) {
	ctx, cancel := context.WithCancel(ctx)
	fail := report == nil
	if fail {
		report = &cspReport{}
	}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if isCSPViolation(m) {
				report.mu.Lock()
				report.msgs = append(report.msgs, fmt.Sprintf("%s (%s)", m.Text, m.URL))
				report.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		time.Sleep(50 * time.Millisecond) // let the last reports arrive
		cancel()
		<-done
		if fail {
			for _, v := range report.violations() {
				t.Errorf("CSP violation in the browser: %s", v)
			}
		}
	})
}

// newBrowser starts a headless Chromium with a fresh profile in t.TempDir()
// and returns the chromedp context of its one tab, ready for chromedp.Run,
// chromedp.Do and chromedp.Call. The browser is closed when the test ends, and
// killed when it runs for longer than browserTimeout.
//
// Every Content-Security-Policy violation the browser reports fails the
// test (see watchCSP) unless withCSPReport collects them.
//
// Without a browser the test is skipped, or fails when a browser is required
// (see browserRequired). With go test -short it is skipped.
func newBrowser(t *testing.T, opts ...browserOption) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	cfg := browserConfig{width: 1280, height: 900}
	for _, o := range opts {
		o(&cfg)
	}
	if chromiumPath == "" {
		const msg = "no Chromium found (set CHROMIUM_PATH, or on Debian: apt-get install chromium); CI sets FIBERFN_REQUIRE_BROWSER=1 and then requires it"
		if browserRequired() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	profile := filepath.Join(t.TempDir(), "profile")
	// These flags only: the options do not start from chromedp's
	// DefaultExecAllocatorOptions. chromedp itself adds
	// --remote-debugging-pipe and about:blank. Debian's /usr/bin/chromium is
	// a launcher script that also adds the flags of /etc/chromium.d; point
	// CHROMIUM_PATH at /usr/lib/chromium/chromium to leave them out.
	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
	}

	// The deadline covers the whole browser: when it passes, chromedp kills
	// the process and every pending action returns an error.
	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, allocOpts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()   // closes the browser
		cancelAlloc() // waits for the process to exit
		cancelTimeout()
		removeProfile(t, profile)
	})

	// Start the browser and open the tab, then set it up before any page
	// loads.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(cfg.width, cfg.height)); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	watchCSP(t, ctx, cfg.csp)
	if cfg.noJS {
		params := emulation.SetScriptExecutionDisabledParams{Value: true}
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, params); err != nil {
			t.Fatalf("disable JavaScript: %v", err)
		}
	}
	return ctx
}

// removeProfile removes the browser profile directory. Chromium's helper
// processes can still write there for a moment after the browser exits, which
// would make t.TempDir's own cleanup fail, so it tries for a few seconds.
func removeProfile(t *testing.T, dir string) {
	var err error
	for range 50 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("remove browser profile: %v", err)
}

// screenshot saves a PNG of the whole page as <name>.png and returns its
// path. The directory is $FIBERFN_SCREENSHOTS when set (created if needed),
// else a t.TempDir() that is removed after the test.
func screenshot(ctx context.Context, t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("FIBERFN_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot dir: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	name = strings.NewReplacer("/", "_", " ", "_").Replace(name)
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
