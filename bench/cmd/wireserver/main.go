// Command wireserver serves the endpoints of the over-the-wire benchmark
// (see package wire) as one variant:
//
//	wireserver -mode fiberfn -addr 127.0.0.1:9001
//	wireserver -mode nethttp -addr 127.0.0.1:9001 -cpuprofile cpu.pprof
//
// It stops on SIGINT/SIGTERM (writing the profile, when asked for one).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/fiberfn/fiberfn/bench/internal/serve"
	"github.com/fiberfn/fiberfn/bench/wire"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wireserver:", err)
		os.Exit(1)
	}
}

func run() error {
	mode := flag.String("mode", wire.ModeFiberfn, "variant to serve: "+strings.Join(wire.Modes(), ", "))
	addr := flag.String("addr", "127.0.0.1:9001", "address to listen on")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	stopProfile, err := serve.StartProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	fmt.Printf("wireserver %s listening on %s\n", *mode, ln.Addr())

	if *mode == wire.ModeNetHTTP {
		h, err := wire.NewNetHTTP()
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: h}
		return serve.Until(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}, func() error { return srv.Shutdown(context.Background()) })
	}
	app, err := wire.New(*mode)
	if err != nil {
		return err
	}
	return serve.Until(func() error { return app.Listener(ln) }, app.Shutdown)
}
