package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

const userAddr = "data.placeos_user.test"

func TestUserLookups(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	// Same address in two domains: only authority_id tells them apart.
	twinHere := s.AddUser(placeostest.User{Email: "twin@example.com", Name: "Twin Here", AuthorityID: seed.Domain.ID}, "pw")
	twinThere := s.AddUser(placeostest.User{Email: "twin@example.com", Name: "Twin There", AuthorityID: seed.OtherDomain.ID}, "pw")

	cases := []struct {
		name, body string
		want       placeostest.User
	}{
		{"current", `current = true`, seed.Admin},
		{"by id", fmt.Sprintf("id = %q", seed.Panel.ID), seed.Panel},
		{"by email, any case", fmt.Sprintf("email = %q", strings.ToUpper(seed.Panel.Email)), seed.Panel},
		{"by email in own domain", `email = "twin@example.com"`, twinHere},
		{"by email in another domain", fmt.Sprintf("email = \"twin@example.com\"\nauthority_id = %q", seed.OtherDomain.ID), twinThere},
		{"panel of another domain", fmt.Sprintf("email = %q\nauthority_id = %q", seed.OtherPanel.Email, seed.OtherDomain.ID), seed.OtherPanel},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cliTest(t,
				resource.TestStep{
					Config: providerConfig(s) + "data \"placeos_user\" \"test\" {\n" + tc.body + "\n}\n",
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("id"), knownvalue.StringExact(tc.want.ID)),
						statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("email"), knownvalue.StringExact(tc.want.Email)),
						statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("name"), knownvalue.StringExact(tc.want.Name)),
						statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("authority_id"), knownvalue.StringExact(tc.want.AuthorityID)),
						statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("sys_admin"), knownvalue.Bool(tc.want.SysAdmin)),
						statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339UTC)),
					},
					Check: checkNoUserSecrets(tc.want),
				},
			)
		})
	}

	errCases := []struct{ name, body, want string }{
		{"unknown id", `id = "user-nope"`, `(?s)User Not Found.*id "user-nope"`},
		{"unknown email", `email = "nobody@example.com"`, `(?s)User Not Found.*"nobody@example.com"`},
		{"no lookup", ``, `Exactly one of these attributes must be configured: \[id,email,current\]`},
		{"two lookups", fmt.Sprintf("id = %q\ncurrent = true", seed.Panel.ID), `(?s)Invalid Attribute Combination`},
		{"current = false", `current = false`, `(?s)current = false.*looks nothing up`},
		{"authority without email", fmt.Sprintf("current = true\nauthority_id = %q", seed.OtherDomain.ID), `(?s)authority_id.*needs.*email`},
		{"not an email", `email = "panel"`, `(?s)email.*must be an email address`},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			cliTest(t,
				resource.TestStep{
					Config:      providerConfig(s) + "data \"placeos_user\" \"test\" {\n" + tc.body + "\n}\n",
					ExpectError: regexp.MustCompile(tc.want),
				},
			)
		})
	}
}

// TestUserSeveralMatches: two users with one address in a domain (PlaceOS keeps emails unique
// per domain, but a directory sync can break that) is an error, not a guess.
func TestUserSeveralMatches(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	a := s.AddUser(placeostest.User{Email: "dup@second.example", Name: "A", AuthorityID: seed.OtherDomain.ID}, "pw")
	b := s.AddUser(placeostest.User{Email: "DUP@second.example", Name: "B", AuthorityID: seed.OtherDomain.ID}, "pw")
	cliTest(t,
		resource.TestStep{
			Config:      providerConfig(s) + fmt.Sprintf("data \"placeos_user\" \"test\" {\n  email = \"dup@second.example\"\n  authority_id = %q\n}\n", seed.OtherDomain.ID),
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Several Users Match.*(%s|%s)`, a.ID, b.ID)),
		},
	)
}

// TestUserWithoutPermission: a key without a users scope gets a message that says what is needed.
func TestUserWithoutPermission(t *testing.T) {
	s := newServer(t)
	_, onlySystems := s.CreateAPIKey(placeostest.APIKey{Name: "systems-only", UserID: s.Seed().Admin.ID, Scopes: []string{"systems"}, Permissions: "admin"})
	cliTest(t,
		resource.TestStep{
			Config:      requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n  api_key = %q\n}\ndata \"placeos_user\" \"test\" {\n  id = %q\n}\n", s.URL(), onlySystems, s.Seed().Panel.ID),
			ExpectError: regexp.MustCompile(`(?s)403 Forbidden.*users.*scope`),
		},
	)
}

// checkNoUserSecrets: none of the user's sensitive fields reached state.
func checkNoUserSecrets(u placeostest.User) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		secrets := []string{u.PasswordDigest, u.AccessToken, u.RefreshToken, u.CardNumber}
		for addr, rs := range st.RootModule().Resources {
			for attr, val := range rs.Primary.Attributes {
				for _, secret := range secrets {
					if secret != "" && strings.Contains(val, secret) {
						return fmt.Errorf("%s.%s holds a sensitive user field", addr, attr)
					}
				}
			}
		}
		return nil
	}
}

func TestAPIKeysList(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	// More keys than one page (the test provider lists 4 per page).
	for i := 0; i < 7; i++ {
		s.CreateAPIKey(placeostest.APIKey{Name: fmt.Sprintf("panel-%d", i), UserID: seed.Panel.ID, Scopes: []string{"systems.read"}, Permissions: "user"})
	}
	s.CreateAPIKey(placeostest.APIKey{Name: "kiosk-1", UserID: seed.Admin.ID, Scopes: []string{"public"}, Permissions: "admin"})
	s.CreateAPIKey(placeostest.APIKey{Name: "panel-far", UserID: seed.OtherPanel.ID, Scopes: []string{"public"}, Permissions: "user"})

	list := func(body string) string {
		return providerConfig(s) + "data \"placeos_api_keys\" \"test\" {\n" + body + "\n}\n"
	}
	const addr = "data.placeos_api_keys.test"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: pagedFactories(time.Now, 4),
		Steps: []resource.TestStep{
			{
				Config: list(fmt.Sprintf("authority_id = %q\nname_regex = \"^panel-\\\\d$\"", seed.Domain.ID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_keys"), knownvalue.ListSizeExact(7)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_keys").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("panel-0")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_keys").AtSliceIndex(0).AtMapKey("scopes"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("systems.read")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_keys").AtSliceIndex(6).AtMapKey("name"), knownvalue.StringExact("panel-6")),
				},
				Check: func(st *terraform.State) error {
					if n := s.Requests("GET /api/engine/v2/api_keys"); n < 3 {
						return fmt.Errorf("10 keys at 4 per page need 3 requests, saw %d", n)
					}
					for attr := range st.RootModule().Resources[addr].Primary.Attributes {
						if strings.Contains(attr, "x_api_key") || strings.Contains(attr, "secret") {
							return fmt.Errorf("a listed key has attribute %s", attr)
						}
					}
					return nil
				},
			},
			{
				Config: list(fmt.Sprintf("user_id = %q", seed.Admin.ID)),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckTypeSetElemNestedAttrs(addr, "api_keys.*", map[string]string{"name": "kiosk-1", "permissions": "admin"}),
					func(st *terraform.State) error {
						for k, v := range st.RootModule().Resources[addr].Primary.Attributes {
							if strings.HasSuffix(k, ".user_id") && v != seed.Admin.ID {
								return fmt.Errorf("%s = %s, filter was %s", k, v, seed.Admin.ID)
							}
						}
						return nil
					},
				),
			},
			{
				// No filter: every domain.
				Config: list(`name_regex = "far$"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_keys"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_keys").AtSliceIndex(0).AtMapKey("authority_id"), knownvalue.StringExact(seed.OtherDomain.ID)),
				},
			},
		},
	})
}

func TestAPIKeysInvalidRegex(t *testing.T) {
	s := newServer(t)
	cliTest(t,
		resource.TestStep{
			Config:      providerConfig(s) + "data \"placeos_api_keys\" \"test\" {\n  name_regex = \"panel-(\"\n}\n",
			ExpectError: regexp.MustCompile(`(?s)Invalid Regular Expression.*name_regex`),
		},
	)
	if n := s.Requests("GET /api/engine/v2/api_keys"); n != 0 {
		t.Errorf("an invalid regex should fail before listing; %d list requests", n)
	}
}
