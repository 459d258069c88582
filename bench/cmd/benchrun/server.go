package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a server process under test.
type server struct {
	cmd  *exec.Cmd
	addr string // host:port
	log  *os.File
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startServer runs bin with args (where "ADDR" is replaced by a free
// loopback address), pinned to cpus, with GOMAXPROCS set when gomaxprocs
// > 0, and waits until it accepts connections.
func startServer(dir, bin string, args []string, cpus string, gomaxprocs int) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	full := []string{bin}
	for _, a := range args {
		full = append(full, strings.ReplaceAll(a, "ADDR", addr))
	}
	cmd := taskset(cpus, full)
	cmd.Env = os.Environ()
	if gomaxprocs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(gomaxprocs))
	}
	logf, err := os.CreateTemp(dir, filepath.Base(bin)+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &server{cmd: cmd, addr: addr, log: logf}
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return s, nil
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			s.stop()
			out, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("%s did not start listening on %s: %v\n%s", bin, addr, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// base is the URL of the server's root, without the trailing slash.
func (s *server) base() string { return "http://" + s.addr }

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func (s *server) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
}

// clockTick is the unit of utime and stime in /proc/<pid>/stat
// (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTime is the CPU time (user + system) the process has used so far.
func (s *server) cpuTime() (time.Duration, error) { return procCPU(s.cmd.Process.Pid) }

// stop sends SIGTERM and waits (killing it after 15 s).
func (s *server) stop() error {
	defer s.log.Close()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within 15 s after SIGTERM; killed", s.cmd.Path)
	}
}

// noRedirects is an HTTP client that shows redirects instead of following
// them.
var noRedirects = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// fmtMB prints bytes as MiB.
func fmtMB(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// cpuPerReq is the server's CPU time since before divided by requests.
func cpuPerReq(s *server, before time.Duration, requests int) time.Duration {
	after, err := s.cpuTime()
	if err != nil || requests == 0 {
		return 0
	}
	return (after - before) / time.Duration(requests)
}
