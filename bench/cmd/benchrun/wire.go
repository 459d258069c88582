package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fiberfn/fiberfn/bench/wire"
)

// wireScenario is one request shape of the library benchmark.
type wireScenario struct {
	name   string
	load   load
	expect expect
}

func wireScenarios() []wireScenario {
	browser := []string{"Origin: http://ORIGIN", "Sec-Fetch-Site: same-origin"}
	htmx := append([]string{"HX-Request: true"}, browser...)
	return []wireScenario{
		{"login (plain)", load{Method: "POST", Path: wire.LoginPath, Body: "username=ann&password=correct+horse", Headers: browser},
			expect{status: 302, header: "Location", value: wire.WelcomePath}},
		{"login (htmx)", load{Method: "POST", Path: wire.LoginPath, Body: "username=ann&password=correct+horse", Headers: htmx},
			expect{status: 200, header: "HX-Redirect", value: wire.WelcomePath}},
		{"add_task <li> (htmx)", load{Method: "POST", Path: wire.AddTaskPath, Body: "title=Buy+milk+%26+eggs", Headers: htmx},
			expect{status: 200, contains: `class="task">Buy milk &amp; eggs</li>`}},
	}
}

func runWire(args []string) error {
	fs := flag.NewFlagSet("benchrun wire", flag.ContinueOnError)
	var c common
	c.register(fs, "1")
	serverCPUs := fs.String("server-cpus", "0", "taskset CPU list for the server (\"all\": not pinned)")
	gomaxprocs := fs.Int("gomaxprocs", 1, "GOMAXPROCS of the server (0: Go's default)")
	modes := fs.String("modes", strings.Join(wire.Modes(), ","), "variants to run, in order; the first is the one the ratios compare")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.setUp(); err != nil {
		return err
	}
	defer c.tearDown()
	bin, err := c.build("./bench/cmd/wireserver", "wireserver")
	if err != nil {
		return err
	}
	modeList := strings.Split(*modes, ",")
	scenarios := wireScenarios()
	type cell struct {
		runs []wrkResult
		rss  int64
	}
	cells := map[string]*cell{}
	for run := 0; run < c.runs; run++ {
		for _, sc := range scenarios {
			for _, mode := range modeList {
				key := sc.name + "|" + mode
				if cells[key] == nil {
					cells[key] = &cell{}
				}
				srvArgs := []string{"-mode", mode, "-addr", "ADDR"}
				if c.profile != "" && run == 0 {
					srvArgs = append(srvArgs, "-cpuprofile", filepath.Join(c.profile, "wire-"+slug(sc.name)+"-"+mode+".pprof"))
				}
				srv, err := startServer(c.dir, bin, srvArgs, *serverCPUs, *gomaxprocs)
				if err != nil {
					return err
				}
				l := sc.load
				l.Headers = withOrigin(l.Headers, srv.addr)
				if _, err := verify(srv.base(), l, "", sc.expect); err != nil {
					srv.stop()
					return fmt.Errorf("%s, %s: %w", sc.name, mode, err)
				}
				cpu0, _ := srv.cpuTime()
				res, err := c.wrk.run(srv.base(), l, 0, 0)
				res.CPUPerReq = cpuPerReq(srv, cpu0, res.Requests)
				rss, _ := srv.peakRSS()
				if stopErr := srv.stop(); err == nil && stopErr != nil {
					err = stopErr
				}
				if err != nil {
					return fmt.Errorf("%s, %s: %w", sc.name, mode, err)
				}
				fmt.Fprintf(os.Stderr, "run %d  %-22s %-17s %9s req/s  p50 %-9s p99 %-9s CPU/req %-9s %s\n",
					run+1, sc.name, mode, fmtRPS(res.RPS), fmtDur(res.P50), fmtDur(res.P99), fmtDur(res.CPUPerReq), fmtMB(rss))
				cl := cells[key]
				cl.runs = append(cl.runs, res)
				cl.rss = max(cl.rss, rss)
			}
		}
	}

	fmt.Printf("### Library over the wire\n\n")
	fmt.Printf("Machine: %s.\n", machine())
	fmt.Printf("Server pinned to CPU %s with GOMAXPROCS=%d, wrk on CPU %s, `wrk -t%d -c%d -d%s`, %d run(s) per row, medians.\n\n",
		*serverCPUs, *gomaxprocs, c.genCPUs, c.threads, c.connections, c.duration, c.runs)
	first := modeList[0]
	for _, sc := range scenarios {
		fmt.Printf("**%s**\n\n", sc.name)
		fmt.Printf("| server | req/s | p50 | p99 | CPU/req | peak RSS | errors |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, mode := range modeList {
			cl := cells[sc.name+"|"+mode]
			m := median(cl.runs)
			fmt.Printf("| %s | %s | %s | %s | %s | %s | %d |\n", mode, fmtRPS(m.RPS), fmtDur(m.P50), fmtDur(m.P99), fmtDur(m.CPUPerReq), fmtMB(cl.rss), m.Errors)
		}
		fmt.Println()
	}
	fmt.Printf("**Summary, %s against each variant: req/s ratio (%s ÷ variant) and, in parentheses, CPU per request ratio (variant ÷ %s); "+
		"above 1 means %s is faster or cheaper. Each ratio is taken within a run, then the median over runs.**\n\n| scenario |", first, first, first, first)
	for _, mode := range modeList[1:] {
		fmt.Printf(" vs %s |", mode)
	}
	fmt.Printf("\n|---|%s\n", strings.Repeat("---:|", len(modeList)-1))
	for _, sc := range scenarios {
		ref := cells[sc.name+"|"+first].runs
		fmt.Printf("| %s |", sc.name)
		for _, mode := range modeList[1:] {
			other := cells[sc.name+"|"+mode].runs
			fmt.Printf(" %.2fx (%.2fx) |", pairedRatio(ref, other, rpsRatio), pairedRatio(ref, other, cpuRatio))
		}
		fmt.Println()
	}
	fmt.Println()
	return nil
}

// withOrigin fills in the server's address in the Origin header.
func withOrigin(headers []string, addr string) []string {
	out := make([]string, len(headers))
	for i, h := range headers {
		out[i] = strings.ReplaceAll(h, "ORIGIN", addr)
	}
	return out
}

// slug makes a file-name part of a row name.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
