package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// PlaceOS honours only the first scope entry of a resource, and a set has no order: a resource
// named twice is a plan-time error on `scopes` that suggests the single entry meant.
func TestAPIKeyScopesFirstMatchOnly(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct{ scopes, want string }{
		{`["api_keys.read", "api_keys.write"]`, `(?s)scopes.*names\s+api_keys\s+more\s+than\s+once.*single\s+entry\s+"api_keys"`},
		{`["api_keys", "api_keys.read", "systems"]`, `(?s)scopes.*names\s+api_keys\s+more\s+than\s+once.*single\s+entry\s+"api_keys"`},
		{`["zones.read", "zones.READ"]`, `(?s)names\s+zones\s+more\s+than\s+once.*single\s+entry\s+"zones.read"`},
	} {
		t.Run(tc.scopes, func(t *testing.T) {
			cliTest(t,
				resource.TestStep{
					Config:      keyConfig(s, `  name = "first-match"`+"\n  scopes = "+tc.scopes),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				},
			)
		})
	}
	if n := s.Requests(postKeys); n != 0 {
		t.Errorf("a plan-time error must not reach PlaceOS: %d creates", n)
	}
	// Different resources, and resource names that differ in case (PlaceOS compares them
	// case-sensitively), are fine.
	cliTest(t,
		resource.TestStep{
			Config: keyConfig(s, `  name = "first-match"
  scopes = ["users.read", "Users", "api_keys"]`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("scopes"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("users.read"), knownvalue.StringExact("Users"), knownvalue.StringExact("api_keys"),
				})),
			},
		},
	)
}

// Names and descriptions with characters PlaceOS escapes: state keeps what was written, the
// plan after apply is empty (the framework checks it after every step), a rename keeps its
// case, import reads the unescaped text.
func TestAPIKeySanitizedText(t *testing.T) {
	s := newServer(t)
	seeded := seededKeyIDs(s)
	keyTest(t, s, seeded,
		resource.TestStep{
			Config: keyConfig(s, `
  name        = "R&D <3 Panel"
  description = "Tom & Jerry > \"2\" & 'co'"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.StringExact("R&D <3 Panel")),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("description"), knownvalue.StringExact(`Tom & Jerry > "2" & 'co'`)),
			},
			Check: checkServerKey(s, func(k placeostest.APIKey) error {
				if k.Name != "r&amp;d &lt;3 panel" || k.Description != `Tom &amp; Jerry &gt; "2" &amp; 'co'` {
					return fmt.Errorf("the in-memory API should have escaped the key: name %q, description %q", k.Name, k.Description)
				}
				return nil
			}),
		},
		resource.TestStep{
			// A rename by update is stored in its own case (PlaceOS lower-cases on create only).
			Config: keyConfig(s, `
  name        = "Q&A Panel"
  description = "Tom & Jerry > \"2\" & 'co'"`),
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionUpdate),
			Check: checkServerKey(s, func(k placeostest.APIKey) error {
				if k.Name != "Q&amp;A Panel" {
					return fmt.Errorf("renamed key stored as %q", k.Name)
				}
				return nil
			}),
		},
		importByIDStep("x_api_key"),
	)
}

// Text that PlaceOS would change beyond escaping is refused at plan time, naming the attribute
// and what PlaceOS would keep; nothing reaches the server.
func TestAPIKeySanitizedTextRejected(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct{ body, want string }{
		{`name = "<b>Lobby</b> panel"`, `(?s)name.*removes\s+HTML\s+tags.*would\s+keep\s+"Lobby panel"`},
		{`name = "R&amp;D"`, `(?s)name.*character\s+references.*would\s+keep\s+"R&D"`},
		{"name = \"x\"\n  description = \"see <a href=x>docs</a><script>alert(1)</script>\"", `(?s)description.*removes\s+HTML\s+tags.*would\s+keep\s+"see docs"`},
		{`name_prefix = "<i>ci</i>-"`, `(?s)name_prefix.*removes\s+HTML\s+tags.*would\s+keep\s+"ci-"`},
	} {
		t.Run(tc.body, func(t *testing.T) {
			cliTest(t,
				resource.TestStep{
					Config:      keyConfig(s, "  "+tc.body),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				},
			)
		})
	}
	if n := s.Requests(postKeys); n != 0 {
		t.Errorf("a plan-time error must not reach PlaceOS: %d creates", n)
	}
}

// importByIDStep imports placeos_api_key.test by id and compares it with the state, but for ignore.
func importByIDStep(ignore ...string) resource.TestStep {
	return resource.TestStep{ResourceName: keyAddr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: ignore}
}

// leastPrivilegeConfig is a provider block with an admin key that has only the api_keys scope.
func leastPrivilegeConfig(s *placeostest.Server, extra string) string {
	_, key := s.CreateAPIKey(placeostest.APIKey{Name: "api-keys-only", UserID: s.Seed().Admin.ID, Scopes: []string{"api_keys"}, Permissions: "admin"})
	return requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n  api_key = %q\n  max_retries = 0\n}\n", s.URL(), key) + extra
}

// An admin key with only the `api_keys` scope cannot read users (403), yet creates, updates,
// imports and deletes keys for an explicit user_id; an unknown user still gets a clear error.
func TestAPIKeyLeastPrivilege(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	config := leastPrivilegeConfig(s, "")
	seeded := seededKeyIDs(s) // the provider's own key stays
	keyTest(t, s, seeded,
		resource.TestStep{
			Config: config + fmt.Sprintf(`resource "placeos_api_key" "test" {
  name    = "least-privilege"
  user_id = %q
}
`, seed.Panel.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("user_id"), knownvalue.StringExact(seed.Panel.ID)),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("authority_id"), knownvalue.StringExact(seed.Domain.ID)),
			},
			Check: func(*terraform.State) error {
				if s.Requests("GET /api/engine/v2/users/{id}") == 0 {
					return fmt.Errorf("the user pre-check was not even tried")
				}
				return nil
			},
		},
		resource.TestStep{
			Config: config + fmt.Sprintf(`resource "placeos_api_key" "test" {
  name        = "least-privilege"
  description = "updated"
  user_id     = %q
}
`, seed.Panel.ID),
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionUpdate),
		},
		importByIDStep("x_api_key"),
		resource.TestStep{
			// The user's domain cannot be read beforehand: the key PlaceOS made in another
			// domain is deleted again, and the error names both.
			Config: config + fmt.Sprintf(`resource "placeos_api_key" "other" {
  name         = "wrong-domain"
  user_id      = %q
  authority_id = %q
}
`, seed.Panel.ID, seed.OtherDomain.ID),
			ExpectError: regexp.MustCompile(`(?s)User Belongs to Another Domain.*has\s+been\s+deleted\s+again`),
		},
		resource.TestStep{
			Config: config + `resource "placeos_api_key" "other" {
  name    = "unknown-user"
  user_id = "user-nobody"
}
`,
			ExpectError: regexp.MustCompile(`(?s)Unknown User.*user_id.*answers\s+500\s+when\s+the\s+key's\s+user\s+does\s+not\s+exist.*"user-nobody"`),
		},
	)
}

// PlaceOS shows sys_admin, support and login_name to admin callers only: for anyone else they
// are null, not false or "".
func TestUserAdminFieldsNullForNonAdmins(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	const userAddr = "data.placeos_user.test"
	config := func(key string) string {
		return requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n  api_key = %q\n}\ndata \"placeos_user\" \"test\" {\n  id = %q\n}\n",
			s.URL(), key, seed.Admin.ID)
	}
	cliTest(t,
		resource.TestStep{
			Config: config(seed.SupportAPIKey),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("email"), knownvalue.StringExact(seed.Admin.Email)),
				statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("sys_admin"), knownvalue.Null()),
				statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("support"), knownvalue.Null()),
				statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("login_name"), knownvalue.Null()),
			},
		},
		resource.TestStep{
			Config: config(seed.AdminAPIKey),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("sys_admin"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(userAddr, tfjsonpath.New("support"), knownvalue.Bool(seed.Admin.Support)),
			},
		},
	)
}

// Emails with non-ASCII and reserved characters reach PlaceOS escaped exactly once, through the
// provider and the real HTTP stack: the user is found, and a key can act as that user.
func TestUserLookupAwkwardEmails(t *testing.T) {
	s := newServer(t)
	seeded := seededKeyIDs(s)
	jorg := s.AddUser(placeostest.User{Email: "jörg@example.com", Name: "Jörg"}, "")
	slash := s.AddUser(placeostest.User{Email: "a/b+c?d#e%f@example.com", Name: "Slash"}, "")
	keyTest(t, s, seeded,
		resource.TestStep{
			Config: providerConfig(s) + fmt.Sprintf(`
data "placeos_user" "jorg" {
  email = %q
}
data "placeos_user" "slash" {
  email = %q
}
resource "placeos_api_key" "test" {
  name    = "awkward"
  user_id = data.placeos_user.slash.id
}
`, jorg.Email, slash.Email),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.placeos_user.jorg", tfjsonpath.New("id"), knownvalue.StringExact(jorg.ID)),
				statecheck.ExpectKnownValue("data.placeos_user.slash", tfjsonpath.New("id"), knownvalue.StringExact(slash.ID)),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("user_id"), knownvalue.StringExact(slash.ID)),
			},
		},
	)
}
