package placeostest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func createBody(name string, s *Server) map[string]any {
	return map[string]any{"name": name, "user_id": s.Seed().Panel.ID}
}

func TestFailNext(t *testing.T) {
	s := newTestServer(t)
	key := s.Seed().AdminAPIKey
	s.FailNext(routeKeysCreate, 2, http.StatusServiceUnavailable)
	for i := range 2 {
		r := do(t, s, call{method: "POST", path: keysPath, key: key, body: createBody("flaky", s)})
		expectStatus(t, r, 503)
		expectBody(t, r, `{"error":"injected"}`)
		if i == 0 && r.header.Get("X-Request-ID") == "" {
			t.Errorf("injected responses need an X-Request-ID too")
		}
	}
	expectStatus(t, do(t, s, call{method: "POST", path: keysPath, key: key, body: createBody("flaky", s)}), 201)
	if n := s.Requests(routeKeysCreate); n != 3 {
		t.Errorf("create counted %d, want 3 (faulted requests count)", n)
	}
	if len(s.APIKeys()) != 4 {
		t.Errorf("failed requests must not create anything: %d keys", len(s.APIKeys()))
	}

	// 429 carries Retry-After; other routes are unaffected.
	s.FailNext(routeKeysIndex, 1, http.StatusTooManyRequests)
	expectStatus(t, do(t, s, call{path: domainsPath, key: key}), 200)
	r := do(t, s, call{path: keysPath, key: key})
	expectStatus(t, r, 429)
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	expectStatus(t, do(t, s, call{path: keysPath, key: key}), 200)

	// AnyRoute, in order with route-specific faults; n <= 0 cancels.
	s.FailNext(AnyRoute, 1, http.StatusBadGateway)
	s.FailNext(routeDomainsIndex, 1, http.StatusGatewayTimeout)
	expectStatus(t, do(t, s, call{path: domainsPath, key: key}), 502)
	expectStatus(t, do(t, s, call{path: domainsPath, key: key}), 504)
	s.FailNext(routeDomainsIndex, 5, 500)
	s.FailNext(routeDomainsIndex, 0, 0)
	expectStatus(t, do(t, s, call{path: domainsPath, key: key}), 200)
}

func TestResetNext(t *testing.T) {
	s := newTestServer(t)
	key := s.Seed().AdminAPIKey
	s.ResetNext(routeKeysCreate, 1)
	_, err := doErr(s, call{method: "POST", path: keysPath, key: key, body: createBody("reset", s)})
	if err == nil {
		t.Fatal("a reset connection must be a client error")
	}
	if len(s.APIKeys()) != 3 {
		t.Errorf("a reset request must not create anything")
	}
	expectStatus(t, do(t, s, call{method: "POST", path: keysPath, key: key, body: createBody("reset", s)}), 201)
	if s.Requests(routeKeysCreate) != 2 {
		t.Errorf("count = %d", s.Requests(routeKeysCreate))
	}
}

func TestLoseNextCreateResponses(t *testing.T) {
	s := newTestServer(t)
	key := s.Seed().AdminAPIKey
	s.LoseNextCreateResponses(1)
	_, err := doErr(s, call{method: "POST", path: keysPath, key: key, body: createBody("Orphan Candidate", s)})
	if err == nil {
		t.Fatal("a lost response must be a client error")
	}
	// The key exists although the client never saw it: the orphan case.
	found := false
	for _, k := range s.APIKeys() {
		found = found || k.Name == "orphan candidate"
	}
	if !found {
		t.Errorf("lost create was not committed: %v", s.APIKeys())
	}
	// A blind retry now collides with the committed key.
	r := do(t, s, call{method: "POST", path: keysPath, key: key, body: createBody("Orphan Candidate", s)})
	expectStatus(t, r, 422)
	// Only creates are affected.
	s.LoseNextCreateResponses(1)
	expectStatus(t, do(t, s, call{path: keysPath, key: key}), 200)
	_, err = doErr(s, call{method: "POST", path: keysPath, key: key, body: createBody("second", s)})
	if err == nil {
		t.Errorf("the pending lost response was not applied to the next create")
	}
}

func TestRandomFaults(t *testing.T) {
	statuses := func(f RandomFaults) []string {
		s := newTestServer(t)
		s.SetRandomFaults(f)
		var out []string
		for range 40 {
			r, err := doErr(s, call{path: domainsPath, key: s.Seed().AdminAPIKey, header: map[string]string{"Connection": "close"}})
			if err != nil {
				out = append(out, "reset")
				continue
			}
			out = append(out, fmt.Sprint(r.status))
		}
		return out
	}
	f := RandomFaults{Seed: 7, Rate503: 0.3, Rate429: 0.2, RateReset: 0.2}
	a, b := statuses(f), statuses(f)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	seen := map[string]int{}
	for _, st := range a {
		seen[st]++
	}
	for _, want := range []string{"200", "503", "429", "reset"} {
		if seen[want] == 0 {
			t.Errorf("40 requests at these rates gave no %s: %v", want, seen)
		}
	}
	if all := statuses(RandomFaults{Rate503: 1}); strings.Count(strings.Join(all, ","), "503") != 40 {
		t.Errorf("rate 1 did not fail every request: %v", all)
	}

	// RateLoseCreate touches only creates; the zero value turns faults off.
	s := newTestServer(t)
	key := s.Seed().AdminAPIKey
	s.SetRandomFaults(RandomFaults{RateLoseCreate: 1})
	expectStatus(t, do(t, s, call{path: keysPath, key: key}), 200)
	if _, err := doErr(s, call{method: "POST", path: keysPath, key: key, body: createBody("lost", s)}); err == nil {
		t.Errorf("RateLoseCreate 1 answered a create")
	}
	if len(s.APIKeys()) != 4 {
		t.Errorf("the lost create was not committed")
	}
	s.SetRandomFaults(RandomFaults{})
	expectStatus(t, do(t, s, call{method: "POST", path: keysPath, key: key, body: createBody("kept", s)}), 201)
}

func TestLatency(t *testing.T) {
	s := newTestServer(t, WithLatency(150*time.Millisecond))
	start := time.Now()
	do(t, s, call{path: "/auth/authority"})
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("request took %v with 150ms latency", d)
	}
	s.SetLatency(0)
	start = time.Now()
	do(t, s, call{path: "/auth/authority"})
	if d := time.Since(start); d >= 150*time.Millisecond {
		t.Errorf("request took %v with latency off", d)
	}
}

func TestTLSServer(t *testing.T) {
	s := NewTLSServer()
	t.Cleanup(s.Close)
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") || !strings.HasPrefix(s.OtherURL(), "https://localhost:") {
		t.Fatalf("URLs %s %s", s.URL(), s.OtherURL())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(s.CACertPEM())) {
		t.Fatalf("CACertPEM is not PEM: %q", s.CACertPEM())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, base := range []string{s.URL(), s.OtherURL()} {
		resp, err := client.Get(base + "/auth/authority")
		if err != nil {
			t.Fatalf("%s with the CA: %v", base, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", base, resp.StatusCode)
		}
	}
	if resp, err := http.Get(s.URL() + "/auth/authority"); err == nil {
		resp.Body.Close()
		t.Errorf("an untrusted client connected")
	}
	// Connection faults work over TLS too. A fresh connection, because Go's
	// transport silently retries a GET that failed on a reused one.
	s.ResetNext(routeAuthority, 1)
	fresh := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	if resp, err := fresh.Get(s.URL() + "/auth/authority"); err == nil {
		resp.Body.Close()
		t.Errorf("reset over TLS answered %d", resp.StatusCode)
	}
	if s.Requests(routeAuthority) != 3 {
		t.Errorf("authority requests = %d, want 3", s.Requests(routeAuthority))
	}
}
