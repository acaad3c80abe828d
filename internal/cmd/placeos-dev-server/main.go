// Command placeos-dev-server serves the in-memory PlaceOS API of
// internal/placeostest on loopback, for the demo and for manual testing.
//
// It prints PLACEOS_URL and PLACEOS_API_KEY (an admin key) on stdout, and
// writes the same two lines to -env-file for scripts to source. Each request
// is logged on stderr as method, path and status, never a query string,
// header or body. On SIGINT or SIGTERM it reports how many API keys are left
// besides the seeded ones, so a script can check that destroy cleaned up.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on; the host must be 127.0.0.1, the seeded primary domain")
	envFile := flag.String("env-file", "", "also write the PLACEOS_URL and PLACEOS_API_KEY lines to this file")
	flag.Parse()
	if err := run(*listen, *envFile); err != nil {
		fmt.Fprintln(os.Stderr, "placeos-dev-server:", err)
		os.Exit(1)
	}
}

func run(listen, envFile string) error {
	// Signals first: a script may send SIGTERM as soon as the env file exists.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	// PlaceOS resolves the domain from the Host header, and the seeded primary
	// domain is 127.0.0.1: any other address would answer "authority not found".
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		_ = ln.Close()
		return fmt.Errorf("-listen %s: must be on 127.0.0.1 (got %s)", listen, ln.Addr())
	}

	logger := log.New(os.Stderr, "placeos-dev-server: ", log.LstdFlags)
	srv := placeostest.NewServer(
		placeostest.WithListener(ln),
		placeostest.WithRequestLog(func(method, path string, status int) {
			if status == 0 {
				logger.Printf("%s %s -> connection closed without response", method, path)
				return
			}
			logger.Printf("%s %s -> %d %s", method, path, status, http.StatusText(status))
		}),
	)

	env := fmt.Sprintf("PLACEOS_URL=%s\nPLACEOS_API_KEY=%s\n", srv.URL(), srv.Seed().AdminAPIKey)
	if envFile != "" { // first, so the file exists once stdout says so
		if err := writeFileAtomic(envFile, []byte(env)); err != nil {
			srv.Close()
			return err
		}
	}
	fmt.Print(env)
	logger.Printf("serving PlaceOS on %s (second domain at %s); stop with SIGINT or SIGTERM", srv.URL(), srv.OtherURL())

	<-ctx.Done()

	srv.Close() // waits for requests in flight, so the count below is final
	left := 0
	for _, k := range srv.APIKeys() {
		if !srv.SeededAPIKey(k.ID) {
			left++
		}
	}
	fmt.Printf("api keys left (besides seeded ones): %d\n", left)
	return nil
}

// writeFileAtomic writes via a temporary file and a rename, so that a script
// polling for the file never reads half of it. Mode 0600: it holds a key.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".placeos-env-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
