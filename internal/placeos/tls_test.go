package placeos_test

import (
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// tlsServer starts an HTTPS server with httptest's self-signed certificate and counts the
// connections it accepts and the requests that reach the handler.
func tlsServer(t *testing.T) (srv *httptest.Server, conns, requests *atomic.Int64) {
	t.Helper()
	conns, requests = &atomic.Int64{}, &atomic.Int64{}
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		writeJSON(w, http.StatusOK, userJSON("user-1"))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, conns, requests
}

func TestTLSUnknownAuthorityNotRetried(t *testing.T) {
	srv, conns, requests := tlsServer(t)
	_, err := newClient(t, srv.URL).GetUser(t.Context(), "user-1") // three retries allowed
	var reqErr *placeos.RequestError
	if !errors.As(err, &reqErr) {
		t.Fatalf("err = %T %v, want a *RequestError", err, err)
	}
	if !strings.Contains(err.Error(), "certificate") {
		t.Errorf("err = %q, want it to say the certificate is the problem", err)
	}
	if conns.Load() != 1 || requests.Load() != 0 {
		t.Errorf("connections = %d, requests = %d; want one refused handshake and no retry", conns.Load(), requests.Load())
	}
}

func TestTLSWithCACert(t *testing.T) {
	srv, _, requests := tlsServer(t)
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	c := newClient(t, srv.URL, func(cfg *placeos.Config) { cfg.CACertPEM = caPEM })
	if _, err := c.GetUser(t.Context(), "user-1"); err != nil {
		t.Fatalf("GetUser with ca_cert: %v", err)
	}
	if requests.Load() != 1 {
		t.Errorf("requests = %d, want 1", requests.Load())
	}
}

func TestTLSInsecure(t *testing.T) {
	srv, _, requests := tlsServer(t)
	c := newClient(t, srv.URL, func(cfg *placeos.Config) { cfg.Insecure = true })
	if _, err := c.GetUser(t.Context(), "user-1"); err != nil {
		t.Fatalf("GetUser with insecure: %v", err)
	}
	if requests.Load() != 1 {
		t.Errorf("requests = %d, want 1", requests.Load())
	}
}

func TestTLSBadCACert(t *testing.T) {
	for name, pemText := range map[string]string{
		"garbage":   "not a certificate",
		"file path": "/etc/ssl/certs/placeos-ca.pem",
		"bad block": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := placeos.New(placeos.Config{URL: "https://placeos.example.com", APIKey: testAPIKey, CACertPEM: pemText})
			if err == nil || !strings.Contains(err.Error(), "ca_cert") {
				t.Fatalf("New = %v, %v; want an error naming ca_cert", c, err)
			}
		})
	}
}
