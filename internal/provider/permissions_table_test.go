package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// permissionRows are the rows of the table "What each part of the provider needs" in the
// provider docs (templates/index.md.tmpl, rendered into docs/index.md), word for word.
var permissionRows = []string{
	"| `placeos_api_key` (resource and ephemeral) | `admin` or `admin_support` (tokens: a sys_admin user) | `api_keys` |",
	"| `placeos_api_keys` | `admin` or `admin_support` | `api_keys.read` |",
	"| `placeos_domain` | `support` or higher | `domains.read` |",
	"| `placeos_user` | any; `admin` to look in another domain (`authority_id`) | `users.read` (`current = true` needs none) |",
}

// TestPermissionsTableIsExact runs each part of the provider against the in-memory PlaceOS
// with exactly the permission level and scopes the docs' table names (it works), and with
// less (PlaceOS refuses, and the error says what is needed).
func TestPermissionsTableIsExact(t *testing.T) {
	for _, file := range []string{"../../templates/index.md.tmpl", "../../docs/index.md"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range permissionRows {
			if !strings.Contains(string(b), row) {
				t.Errorf("%s lacks the row\n%s", file, row)
			}
		}
	}

	s := newServer(t)
	seed := s.Seed()
	seeded := seededKeyIDs(s)
	keyFor := func(perm string, scopes ...string) string {
		_, x := s.CreateAPIKey(placeostest.APIKey{Name: fmt.Sprintf("table %s %v", perm, scopes), UserID: seed.Admin.ID, Permissions: perm, Scopes: scopes})
		seeded = seededKeyIDs(s)
		return x
	}
	apiKey := `resource "placeos_api_key" "test" {
  name    = "table"
  user_id = "` + seed.Panel.ID + `"
}
`
	apiKeyOwnUser := `resource "placeos_api_key" "test" {
  name = "table-own-user"
}
`
	apiKeys := "data \"placeos_api_keys\" \"test\" {}\n" //nolint:gosec // G101: a configuration snippet, not a credential
	domain := "data \"placeos_domain\" \"test\" {}\n"
	domainByID := "data \"placeos_domain\" \"test\" {\n  id = \"" + seed.Domain.ID + "\"\n}\n"
	user := "data \"placeos_user\" \"test\" {\n  id = \"" + seed.Panel.ID + "\"\n}\n"
	userOther := "data \"placeos_user\" \"test\" {\n  email = \"" + seed.OtherPanel.Email + "\"\n  authority_id = \"" + seed.OtherDomain.ID + "\"\n}\n"
	userCurrent := "data \"placeos_user\" \"test\" {\n  current = true\n}\n"

	for _, tc := range []struct {
		name, perm string
		scopes     []string
		config     string
		wantErr    string // "" means it works
	}{
		{"api_key with api_keys", "admin", []string{"api_keys"}, apiKey, ""},
		{"api_key own user with api_keys", "admin", []string{"api_keys"}, apiKeyOwnUser, ""},
		{"api_key admin_support", "admin_support", []string{"api_keys"}, apiKey, ""},
		{"api_key with api_keys.write only", "admin", []string{"api_keys.write"}, apiKey, `403 Forbidden`},
		{"api_key as support", "support", []string{"public"}, apiKey, `403 Forbidden`},
		{"api_keys with api_keys.read", "admin", []string{"api_keys.read"}, apiKeys, ""},
		{"api_keys as support", "support", []string{"public"}, apiKeys, `403 Forbidden`},
		{"domain with domains.read", "support", []string{"domains.read"}, domain, ""},
		{"domain by id with domains.read", "support", []string{"domains.read"}, domainByID, ""},
		{"domain as user", "user", []string{"public"}, domainByID, `403 Forbidden`},
		{"domain without the scope", "admin", []string{"api_keys"}, domainByID, `403 Forbidden`},
		{"user with users.read", "user", []string{"users.read"}, user, ""},
		{"user without the scope", "admin", []string{"api_keys"}, user, `403 Forbidden`},
		{"user in another domain as admin", "admin", []string{"users.read"}, userOther, ""},
		{"user in another domain as support", "support", []string{"users.read"}, userOther, `(?s)User Not Found.*another\s+domain\s+only\s+to\s+credentials\s+with\s+admin\s+permissions`},
		{"current user without scopes", "user", []string{"systems"}, userCurrent, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := keyFor(tc.perm, tc.scopes...)
			step := resource.TestStep{
				Config: requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n  api_key = %q\n  max_retries = 0\n}\n", s.URL(), key) + tc.config,
			}
			if tc.wantErr != "" {
				step.ExpectError = regexp.MustCompile(tc.wantErr)
			}
			keyTest(t, s, seeded,
				step,
			)
		})
	}
}
