package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestProviderConfigErrors: bad provider settings are reported before any request, naming the
// attribute and its environment variable.
func TestProviderConfigErrors(t *testing.T) {
	s := newServer(t)
	key := s.Seed().AdminAPIKey
	cases := map[string]struct{ provider, want string }{
		"no credentials":      {fmt.Sprintf("url = %q", s.URL()), `(?s)Missing PlaceOS Credentials.*api_key.*PLACEOS_API_KEY.*access_token.*username`},
		"two methods":         {fmt.Sprintf("url = %q\napi_key = %q\naccess_token = \"t\"", s.URL(), key), `(?s)Conflicting PlaceOS Credentials.*api_key.*access_token`},
		"no url":              {fmt.Sprintf("api_key = %q", key), `(?s)Missing PlaceOS URL.*PLACEOS_URL`},
		"url without scheme":  {fmt.Sprintf("url = \"placeos.example.com\"\napi_key = %q", key), `(?s)Invalid PlaceOS URL.*https://placeos.example.com`},
		"bad timeout":         {fmt.Sprintf("url = %q\napi_key = %q\nrequest_timeout = \"soon\"", s.URL(), key), `(?s)Invalid Request Timeout.*"soon".*Go\s+duration`},
		"negative retries":    {fmt.Sprintf("url = %q\napi_key = %q\nmax_retries = -1", s.URL(), key), `(?s)Invalid Max Retries.*0 to 20`},
		"password, no client": {fmt.Sprintf("url = %q\nusername = \"a@example.com\"\npassword = \"p\"", s.URL()), `(?s)Incomplete PlaceOS Password Login.*client_id`},
		"ca_cert not PEM":     {fmt.Sprintf("url = %q\napi_key = %q\nca_cert = \"/etc/ssl/ca.pem\"", s.URL(), key), `(?s)Invalid CA Certificate.*not a file path`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s.ResetCounts()
			cliTest(t,
				resource.TestStep{
					Config:      requiredProviders + "provider \"placeos\" {\n" + tc.provider + "\n}\ndata \"placeos_domain\" \"test\" {}\n",
					ExpectError: regexp.MustCompile(tc.want),
				},
			)
			if n := len(s.RequestCounts()); n != 0 {
				t.Errorf("requests were made despite a bad configuration: %v", s.RequestCounts())
			}
		})
	}
}

// TestProviderEnvironment: every setting can come from PLACEOS_*, and the provider block wins.
func TestProviderEnvironment(t *testing.T) {
	s := newServer(t)
	t.Setenv("PLACEOS_URL", "http://nowhere.invalid")
	t.Setenv("PLACEOS_API_KEY", s.Seed().AdminAPIKey)
	t.Setenv("PLACEOS_REQUEST_TIMEOUT", "10s")
	t.Setenv("PLACEOS_MAX_RETRIES", "2")
	cliTest(t,
		resource.TestStep{
			// url from the block beats PLACEOS_URL; the key comes from the environment.
			Config: requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n}\ndata \"placeos_domain\" \"test\" {}\n", s.URL()),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(domainAddr, tfjsonpath.New("id"), knownvalue.StringExact(s.Seed().Domain.ID)),
			},
		},
	)
}

// TestProviderInsecureHTTPWarning: plain http to a host that is not loopback is a warning,
// whether the url comes from the configuration (validated) or from PLACEOS_URL (configured).
func TestProviderInsecureHTTPWarning(t *testing.T) {
	p := &placeosProvider{version: "test", now: time.Now}
	for url, wantWarning := range map[string]bool{
		"http://placeos.example.com":  true,
		"http://127.0.0.1:8080":       false,
		"http://localhost":            false,
		"https://placeos.example.com": false,
	} {
		t.Setenv("PLACEOS_URL", url)
		var diags diag.Diagnostics
		p.clientConfig(providerModel{URL: types.StringNull(), APIKey: types.StringValue("k")}, "1.11.0", &diags)
		got := false
		for _, d := range diags.Warnings() {
			if strings.Contains(d.Summary(), "Clear Text") {
				got = true
			}
		}
		if got != wantWarning || diags.HasError() {
			t.Errorf("%s: warning %v, want %v (diagnostics %v)", url, got, wantWarning, diags)
		}
	}
}

// TestProviderUserAgent: requests say who is calling, with both versions.
func TestProviderUserAgent(t *testing.T) {
	s := newServer(t)
	var mu sync.Mutex
	agents := map[string]bool{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.UserAgent()] = true
		mu.Unlock()
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	cliTest(t,
		resource.TestStep{
			Config: requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n  api_key = %q\n}\ndata \"placeos_domain\" \"test\" {}\n", front.URL, s.Seed().AdminAPIKey),
		},
	)
	mu.Lock()
	defer mu.Unlock()
	want := regexp.MustCompile(`^terraform-provider-placeos/test \(Terraform \d+\.\d+\.\d+`)
	if len(agents) == 0 {
		t.Fatal("no request reached the server")
	}
	for ua := range agents {
		if !want.MatchString(ua) {
			t.Errorf("User-Agent %q does not match %s", ua, want)
		}
	}
}

// TestProviderOAuthTokenExpiresMidRun: with the password grant and tokens that live five
// minutes while every request moves the clock by 30 seconds, tokens expire in the middle of
// each command; the provider refreshes them and every step still succeeds.
func TestProviderOAuthTokenExpiresMidRun(t *testing.T) {
	s := newServer(t)
	clock := newTestClock()
	s.SetClock(func() time.Time {
		clock.Advance(30 * time.Second)
		return clock.Now()
	})
	s.SetTokenTTL(5 * time.Minute)
	config := func(description string) string {
		return passwordGrantConfig(s) + fmt.Sprintf(`resource "placeos_api_key" "test" {
  count       = 6
  name        = "panel-${count.index}"
  description = %q
}
`, description)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock.Now),
		CheckDestroy:             checkNoKeysLeft(s, seededKeyIDs(s)),
		Steps: []resource.TestStep{
			{Config: config("first")},
			{
				PreConfig: func() { clock.Advance(3 * time.Hour) },
				Config:    config("second"),
				Check: func(*terraform.State) error {
					n := 0
					for _, k := range s.APIKeys() {
						if k.Description == "second" {
							n++
						}
					}
					if n != 6 {
						return fmt.Errorf("%d of 6 keys updated", n)
					}
					if s.Requests("POST /auth/oauth/token") < 2 {
						return fmt.Errorf("the token endpoint was called %d times", s.Requests("POST /auth/oauth/token"))
					}
					return nil
				},
			},
		},
	})
}

// TestProviderRedirectIsAnError: a url that redirects (a canonical-host redirect, an access
// proxy) is an error naming where it points; the target never sees a request.
func TestProviderRedirectIsAnError(t *testing.T) {
	s := newServer(t)
	var mu sync.Mutex
	reached := 0
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reached++
		mu.Unlock()
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(target.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect) //nolint:gosec // G710: the test is a server that redirects elsewhere
	}))
	t.Cleanup(front.Close)
	cliTest(t,
		resource.TestStep{
			Config: requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n  api_key = %q\n}\ndata \"placeos_domain\" \"test\" {}\n",
				front.URL, s.Seed().AdminAPIKey),
			ExpectError: regexp.MustCompile("(?s)`url`\\s+redirects\\s+to\\s+" + regexp.QuoteMeta(target.URL) + ":\\s+set\\s+`url`\\s+to\\s+that"),
		},
	)
	mu.Lock()
	defer mu.Unlock()
	if reached != 0 {
		t.Errorf("the redirect target received %d requests", reached)
	}
}

// TestProviderValidateURLAndTLS: `terraform validate` rejects a url with user info without
// repeating it (not even in the CLI's source snippet), warns about `insecure`, and rejects
// `insecure` together with `ca_cert`.
func TestProviderValidateURLAndTLS(t *testing.T) {
	const secret = "SECRET-pw-in-url" //nolint:gosec // G101: a fake password, to be spotted if repeated
	cases := map[string]struct {
		provider string
		fails    bool
		want     string
	}{
		"user info":        {`url = "https://admin:` + secret + `@placeos.example.com"`, true, "Error: Invalid PlaceOS URL.*`url` \\(or PLACEOS_URL\\) holds user info"},
		"token user info":  {`url = "https://` + secret + `@placeos.example.com"`, true, "holds user info"},
		"insecure":         {"url = \"https://placeos.example.com\"\ninsecure = true", false, "Warning: TLS Certificate Verification Disabled.*ca_cert"},
		"insecure with ca": {"url = \"https://placeos.example.com\"\ninsecure = true\nca_cert = \"-----BEGIN CERTIFICATE-----\"", true, "Error: Conflicting TLS Settings.*Remove `insecure`"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := newCLIWorkspace(t)
			w.write("main.tf", requiredProviders+"provider \"placeos\" {\n"+tc.provider+"\n}\ndata \"placeos_domain\" \"here\" {}\n")
			out, err := w.run("validate")
			if (err != nil) != tc.fails {
				t.Fatalf("validate failed: %v, want failure %v\n%s", err, tc.fails, out)
			}
			if !regexp.MustCompile("(?s)" + tc.want).MatchString(strings.Join(strings.Fields(out), " ")) {
				t.Errorf("validate output does not match %s:\n%s", tc.want, out)
			}
			if strings.Contains(out, secret) {
				t.Errorf("the url's user info is repeated:\n%s", out)
			}
		})
	}
}

// TestProviderTLSSettingsFromEnvironment: the same TLS checks hold for PLACEOS_INSECURE and
// PLACEOS_CA_CERT, which only Configure sees.
func TestProviderTLSSettingsFromEnvironment(t *testing.T) {
	p := &placeosProvider{version: "test", now: time.Now}
	model := func(ca types.String) providerModel {
		return providerModel{URL: types.StringValue("https://placeos.example.com"), APIKey: types.StringValue("k"), CACert: ca}
	}
	t.Setenv("PLACEOS_INSECURE", "true")
	var diags diag.Diagnostics
	p.clientConfig(model(types.StringNull()), "1.11.0", &diags)
	if len(diags.Warnings()) != 1 || diags.Warnings()[0].Summary() != "TLS Certificate Verification Disabled" || diags.HasError() {
		t.Errorf("PLACEOS_INSECURE=true: %v, want one warning", diags)
	}
	diags = nil
	p.clientConfig(model(types.StringValue("-----BEGIN CERTIFICATE-----")), "1.11.0", &diags)
	if !diags.HasError() || diags.Errors()[0].Summary() != "Conflicting TLS Settings" {
		t.Errorf("PLACEOS_INSECURE=true with ca_cert: %v, want a conflict", diags)
	}
	t.Setenv("PLACEOS_URL", "https://admin:SECRET-env@placeos.example.com")
	diags = nil
	p.clientConfig(providerModel{URL: types.StringNull(), APIKey: types.StringValue("k")}, "1.11.0", &diags)
	if !diags.HasError() || strings.Contains(fmt.Sprint(diags), "SECRET") || !strings.Contains(fmt.Sprint(diags), "user info") {
		t.Errorf("PLACEOS_URL with user info: %v", diags)
	}
}
