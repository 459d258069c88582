// Package serve holds what the bench servers share: an optional CPU
// profile from start to shutdown, and serving until SIGINT/SIGTERM.
package serve

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// StartProfile starts a CPU profile into path, when path is set, and
// returns the function that stops it and closes the file.
func StartProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// Until runs serve in the background and returns when it fails or when
// the process gets SIGINT or SIGTERM, after calling shutdown.
func Until(serve func() error, shutdown func() error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- serve() }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return shutdown()
}
