package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

const domainAddr = "data.placeos_domain.test"

func domainConfig(s *placeostest.Server, body string) string {
	return providerConfig(s) + "data \"placeos_domain\" \"test\" {\n" + body + "\n}\n"
}

func TestDomainLookups(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	// Two domains with one name, for the several-matches error.
	s.AddDomain(placeostest.Domain{Name: "Twin", DomainName: "twin-a.example"})
	s.AddDomain(placeostest.Domain{Name: "Twin", DomainName: "twin-b.example"})

	cases := []struct {
		name, body string
		want       placeostest.Domain
	}{
		{"provider's own domain", ``, seed.Domain},
		{"by id", fmt.Sprintf("id = %q", seed.OtherDomain.ID), seed.OtherDomain},
		{"by host name, any case", fmt.Sprintf("domain = %q", strings.ToUpper(seed.OtherDomain.DomainName)), seed.OtherDomain},
		{"by name", fmt.Sprintf("name = %q", seed.OtherDomain.Name), seed.OtherDomain},
		{"by email", fmt.Sprintf("email = %q", "jane@"+seed.OtherDomain.EmailDomains[0]), seed.OtherDomain},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cliTest(t,
				resource.TestStep{
					Config: domainConfig(s, tc.body),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(domainAddr, tfjsonpath.New("id"), knownvalue.StringExact(tc.want.ID)),
						statecheck.ExpectKnownValue(domainAddr, tfjsonpath.New("name"), knownvalue.StringExact(tc.want.Name)),
						statecheck.ExpectKnownValue(domainAddr, tfjsonpath.New("domain"), knownvalue.StringExact(tc.want.DomainName)),
						statecheck.ExpectKnownValue(domainAddr, tfjsonpath.New("email_domains"), knownvalue.ListExact([]knownvalue.Check{
							knownvalue.StringExact(tc.want.EmailDomains[0]),
						})),
						statecheck.ExpectKnownValue(domainAddr, tfjsonpath.New("login_url"), knownvalue.StringExact(tc.want.LoginURL)),
						statecheck.ExpectKnownValue(domainAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339UTC)),
					},
					Check: resource.ComposeTestCheckFunc(
						checkConfigJSON(tc.want),
						checkNoInternals(s),
					),
				},
			)
		})
	}

	errCases := []struct{ name, body, want string }{
		{"unknown id", `id = "authority-nope"`, `(?s)Domain Not Found.*id "authority-nope"`},
		{"unknown host", `domain = "nowhere.example"`, `(?s)Domain Not Found.*"nowhere.example"`},
		{"unknown email domain", `email = "a@nowhere.example"`, `(?s)Domain Not Found.*"a@nowhere.example"`},
		{"several matches", `name = "Twin"`, `(?s)Several Domains Match.*2 domains match name "Twin".*twin-.\.example.*twin-.\.example`},
		{"two lookup keys", `id = "x"` + "\n" + `name = "y"`, `(?s)Invalid Attribute Combination.*id.*name`},
		{"not an email", `email = "nobody"`, `(?s)email.*must be an email address`},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			cliTest(t,
				resource.TestStep{Config: domainConfig(s, tc.body), ExpectError: regexp.MustCompile(tc.want)},
			)
		})
	}
}

// checkConfigJSON: config is the domain's config object as JSON.
func checkConfigJSON(want placeostest.Domain) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		got := st.RootModule().Resources[domainAddr].Primary.Attributes["config"]
		for k := range want.Config {
			if !strings.Contains(got, fmt.Sprintf("%q", k)) {
				return fmt.Errorf("config %s lacks key %q", got, k)
			}
		}
		if !strings.HasPrefix(got, "{") {
			return fmt.Errorf("config is not a JSON object: %s", got)
		}
		return nil
	}
}

// checkNoInternals: nothing of the domain's internals (SSO secrets) reaches state.
func checkNoInternals(s *placeostest.Server) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		for _, d := range []placeostest.Domain{s.Seed().Domain, s.Seed().OtherDomain} {
			for _, v := range d.Internals {
				secret := fmt.Sprint(v)
				for addr, rs := range st.RootModule().Resources {
					for attr, val := range rs.Primary.Attributes {
						if strings.Contains(val, secret) {
							return fmt.Errorf("%s.%s holds the domain's internals", addr, attr)
						}
					}
				}
			}
		}
		return nil
	}
}

func TestDomainNeedsSupport(t *testing.T) {
	s := newServer(t)
	config := requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n  api_key = %q\n}\ndata \"placeos_domain\" \"test\" {}\n", s.URL(), s.Seed().UserAPIKey)
	cliTest(t,
		resource.TestStep{
			Config:      config,
			ExpectError: regexp.MustCompile(`(?s)403 Forbidden.*support or admin permissions`),
		},
	)
}
