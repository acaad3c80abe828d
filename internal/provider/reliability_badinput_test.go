package provider

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// Bad input that the other tests do not cover: servers that are not
// PlaceOS, or not reachable the way the configuration says, and mistakes caught at plan time.
// Each case runs the CLI, expects it to fail with an error that names the attribute to fix,
// and logs that error (the guide's table is built from these lines).

// errorBlock is the part of the CLI's output from the first "Error:" on.
func errorBlock(out string) string {
	i := strings.Index(out, "Error: ")
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(out[i:])
}

// expectFailure runs a CLI command that must fail with an error matching want, and logs the
// error block.
func expectFailure(t *testing.T, w *cliWorkspace, want string, args ...string) {
	t.Helper()
	out, wall, err := w.runEnv(nil, args...)
	if err == nil {
		t.Fatalf("%s succeeded; it should fail with %s\n%s", args[0], want, out)
	}
	block := errorBlock(out)
	// The CLI wraps long lines where it likes: match on the words alone.
	if !regexp.MustCompile(want).MatchString(strings.Join(strings.Fields(block), " ")) {
		t.Fatalf("the error does not match %s:\n%s", want, out)
	}
	t.Logf("%s failed after %s with:\n%s", args[0], wall.Round(100*time.Millisecond), block)
}

// badInputConfig is a configuration that reads the provider's domain and creates one key,
// with the given provider arguments.
func badInputConfig(providerArgs string) string {
	return requiredProviders + "provider \"placeos\" {\n" + providerArgs + "\n}\n" + `
data "placeos_domain" "here" {}

resource "placeos_api_key" "test" {
  name = "bad-input"
}
`
}

// noKeyMade: the server holds only its seeded keys.
func noKeyMade(t *testing.T, s *placeostest.Server, seeded map[string]bool) {
	t.Helper()
	if err := checkNoKeysLeft(s, seeded)(nil); err != nil {
		t.Error(err)
	}
	if n := s.Requests(postKeys); n != 0 {
		t.Errorf("%d creates were attempted", n)
	}
}

// serveOn serves h on a listener on addr (host:0), or skips when the address is not there.
func serveOn(t *testing.T, addr string, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestReliabilityBadServers: servers that answer, but not as the PlaceOS domain in `url`.
func TestReliabilityBadServers(t *testing.T) {
	t.Run("url host is not a PlaceOS domain", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		seeded := seededKeyIDs(s)
		// The same API reached as 127.0.0.2, which no domain has as its host name: PlaceOS
		// answers 401 "authority not found" however good the credentials are.
		url := serveOn(t, "127.0.0.2:0", s.Handler())
		w := newCLIWorkspace(t)
		w.write("main.tf", badInputConfig(fmt.Sprintf("url = %q\napi_key = %q", url, s.Seed().AdminAPIKey)))
		expectFailure(t, w, "(?s)authority not found.*`url` must be the domain's own host name", "apply", "-auto-approve", "-input=false")
		noKeyMade(t, s, seeded)
	})

	t.Run("expired provider api_key", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		seeded := seededKeyIDs(s)
		id, _, _ := strings.Cut(s.Seed().AdminAPIKey, ".")
		s.ExpireAPIKey(id)
		w := newCLIWorkspace(t)
		w.write("main.tf", badInputConfig(fmt.Sprintf("url = %q\napi_key = %q", s.URL(), s.Seed().AdminAPIKey)))
		expectFailure(t, w, "(?s)refused the provider's credentials \\(401\\).*`api_key`.*expired.*API key has expired", "apply", "-auto-approve", "-input=false")
		noKeyMade(t, s, seeded)
	})

	for _, tc := range []struct {
		name, wrong, want string
	}{
		{"wrong OAuth password", "password", "(?s)refused the password login.*`username`.*`password`.*invalid_grant"},
		{"wrong OAuth client_secret", "client_secret", "(?s)refused the password login.*`client_id`.*`client_secret`.*invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			seed := s.Seed()
			password, secret := seed.AdminPassword, seed.OAuthClientSecret
			if tc.wrong == "password" {
				password = "not-the-password"
			} else {
				secret = "not-the-secret"
			}
			w := newCLIWorkspace(t)
			w.write("main.tf", badInputConfig(fmt.Sprintf("url = %q\nusername = %q\npassword = %q\nclient_id = %q\nclient_secret = %q",
				s.URL(), seed.Admin.Email, password, seed.OAuthClientID, secret)))
			expectFailure(t, w, tc.want, "plan", "-input=false")
		})
	}

	// Servers that answer, but not as PlaceOS does.
	for _, tc := range []struct {
		name, contentType string
		status            int
		body, maxRetries  string
		want              string
	}{
		// A web page where the API should be: a 200 that is HTML.
		{"server answers HTML", "text/html; charset=utf-8", http.StatusOK,
			"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>", "0",
			"(?s)not the JSON PlaceOS sends \\(text/html.*`url`"},
		// A proxy's error page: 502 in HTML, retried, then reported with its status.
		{"proxy answers 502 HTML", "text/html", http.StatusBadGateway,
			"<html><body>502 Bad Gateway</body></html>", "1",
			"(?s)502 Bad Gateway: the answer is not PlaceOS JSON \\(text/html.*`max_retries`"},
		{"server answers garbage JSON", "application/json", http.StatusOK,
			`{"id": 42, "name": ["not", "a", "string"], "domain": {`, "0",
			"(?s)not the JSON PlaceOS sends \\(application/json.*`url`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := serveOn(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			w := newCLIWorkspace(t)
			w.write("main.tf", badInputConfig(fmt.Sprintf("url = %q\napi_key = \"k.s\"\nmax_retries = %s", url, tc.maxRetries)))
			expectFailure(t, w, tc.want, "plan", "-input=false")
		})
	}

	t.Run("server hangs", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		url := serveOn(t, "127.0.0.1:0", http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		t.Cleanup(func() { close(release) }) // runs before the server's Close
		w := newCLIWorkspace(t)
		w.write("main.tf", badInputConfig(fmt.Sprintf("url = %q\napi_key = \"k.s\"\nrequest_timeout = \"1s\"\nmax_retries = 0", url)))
		start := time.Now()
		expectFailure(t, w, "(?s)no answer within `request_timeout`", "plan", "-input=false")
		if wall := time.Since(start); wall > 20*time.Second {
			t.Errorf("the plan took %s; request_timeout = 1s with max_retries = 0 should fail within seconds", wall)
		}
	})

	t.Run("nothing listens at url", func(t *testing.T) {
		t.Parallel()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		url := "http://" + l.Addr().String()
		_ = l.Close()
		w := newCLIWorkspace(t)
		w.write("main.tf", badInputConfig(fmt.Sprintf("url = %q\napi_key = \"k.s\"\nmax_retries = 0", url)))
		expectFailure(t, w, "(?s)connection refused.*Check that `url` is reachable", "plan", "-input=false")
	})

	t.Run("TLS with an unknown CA, then ca_cert", func(t *testing.T) {
		t.Parallel()
		s := placeostest.NewTLSServer()
		t.Cleanup(s.Close)
		seeded := seededKeyIDs(s)
		w := newCLIWorkspace(t)
		args := fmt.Sprintf("url = %q\napi_key = %q", s.URL(), s.Seed().AdminAPIKey)
		w.write("main.tf", badInputConfig(args))
		expectFailure(t, w, "(?s)certificate.*`ca_cert`", "apply", "-auto-approve", "-input=false")
		noKeyMade(t, s, seeded)
		if n := len(s.RequestCounts()); n != 0 {
			t.Errorf("requests reached the API over an untrusted connection: %v", s.RequestCounts())
		}

		// The fix the message names: trust the server's CA.
		w.write("ca.pem", s.CACertPEM())
		w.write("main.tf", badInputConfig(args+"\nca_cert = file(\"ca.pem\")"))
		w.mustRun("apply", "-auto-approve", "-input=false")
		if problems := serverAgreesWithState(s, seeded, w.stateKeys()); len(problems) > 0 || len(w.stateKeys()) != 1 {
			t.Fatalf("after the apply with ca_cert: %d keys in state; %v", len(w.stateKeys()), problems)
		}
		w.mustRun("destroy", "-auto-approve", "-input=false")
		noKeyLeft(t, s, seeded)
	})
}

func noKeyLeft(t *testing.T, s *placeostest.Server, seeded map[string]bool) {
	t.Helper()
	if err := checkNoKeysLeft(s, seeded)(nil); err != nil {
		t.Error(err)
	}
}

// TestReliabilityPlanTimeMistakes: mistakes the provider catches before it makes any request.
func TestReliabilityPlanTimeMistakes(t *testing.T) {
	cases := []struct {
		name, providerArgs, resource string
		env                          []string
		want                         string
	}{
		{name: "PLACEOS_INSECURE not a bool", env: []string{"PLACEOS_INSECURE=maybe"},
			want: `(?s)Invalid PLACEOS_INSECURE.*"maybe".*true or false`},
		{name: "PLACEOS_MAX_RETRIES not a number", env: []string{"PLACEOS_MAX_RETRIES=lots"},
			want: `(?s)Invalid PLACEOS_MAX_RETRIES.*"lots".*whole number`},
		{name: "max_retries too large", providerArgs: "max_retries = 21", want: `(?s)Invalid Max Retries.*21.*0 to 20`},
		{name: "request_timeout zero", providerArgs: `request_timeout = "0s"`, want: `(?s)Invalid Request Timeout.*"0s".*positive`},
		{name: "url without a host", providerArgs: `url = "https://"`, want: `(?s)Invalid PlaceOS URL.*no host name`},
		{name: "url with another scheme", providerArgs: `url = "ftp://placeos.example.com"`, want: `(?s)Invalid PlaceOS URL.*https://`},
		{name: "url only known after apply", providerArgs: "url = terraform_data.later.output",
			resource: "resource \"terraform_data\" \"later\" {\n  input = \"http://127.0.0.1\"\n}\n",
			want:     "(?s)Unknown PlaceOS Provider Setting.*`url`.*known after apply"},
		{name: "empty user_id", resource: "resource \"placeos_api_key\" \"extra\" {\n  name    = \"x\"\n  user_id = \"\"\n}\n",
			want: `(?s)user_id.*must not be empty`},
		{name: "empty authority_id", resource: "resource \"placeos_api_key\" \"extra\" {\n  name         = \"x\"\n  authority_id = \"\"\n}\n",
			want: `(?s)authority_id.*must not be empty`},
		{name: "empty scope", resource: "resource \"placeos_api_key\" \"extra\" {\n  name   = \"x\"\n  scopes = [\"\"]\n}\n",
			want: `(?s)Invalid Scope.*"" is not a PlaceOS scope`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			args := fmt.Sprintf("url = %q\napi_key = %q", s.URL(), s.Seed().AdminAPIKey)
			if strings.HasPrefix(tc.providerArgs, "url") {
				args = fmt.Sprintf("api_key = %q", s.Seed().AdminAPIKey)
			}
			w := newCLIWorkspace(t, tc.env...)
			w.write("main.tf", badInputConfig(args+"\n"+tc.providerArgs)+tc.resource)
			expectFailure(t, w, tc.want, "plan", "-input=false")
			if n := len(s.RequestCounts()); n != 0 {
				t.Errorf("requests were made although the mistake is caught at plan time: %v", s.RequestCounts())
			}
		})
	}
}

// TestReliabilityBadImportIDs: a malformed import id is refused before any request.
func TestReliabilityBadImportIDs(t *testing.T) {
	s := newServer(t)
	w := newCLIWorkspace(t)
	w.write("main.tf", providerConfig(s)+"resource \"placeos_api_key\" \"test\" {\n  name = \"imported\"\n}\n")
	for _, id := range []string{".secret", "0123456789abcdef0123456789abcdef.", " . ", "0123 4567.secret", "0123456789abcdef0123456789abcdef.sec ret"} {
		s.ResetCounts()
		expectFailure(t, w, `(?s)Invalid Import ID.*<id>\.<secret>`, "import", "-input=false", keyAddr, id)
		for _, route := range keyRouteSet {
			if n := s.Requests(route); n != 0 {
				t.Errorf("import id %q: %s was called %d times", id, route, n)
			}
		}
	}
}
