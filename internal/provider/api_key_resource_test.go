package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

const keyAddr = "placeos_api_key.test"

var (
	hexID       = regexp.MustCompile(`^[0-9a-f]{32}$`)
	rfc3339UTC  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	postKeys    = "POST /api/engine/v2/api_keys"
	patchKey    = "PATCH /api/engine/v2/api_keys/{id}"
	deleteKey   = "DELETE /api/engine/v2/api_keys/{id}"
	showKey     = "GET /api/engine/v2/api_keys/{id}"
	keyRouteSet = []string{postKeys, patchKey, deleteKey, showKey}
)

// lobbyPanelLevel2 is the body of the lifecycle test's key once it has been updated in place.
const lobbyPanelLevel2 = `
  name        = "Lobby Panel"
  description = "front desk, level 2"
  scopes      = ["systems.read", "modules", "zones.write"]
  permissions = "support"`

func keyConfig(s *placeostest.Server, body string) string {
	return providerConfig(s) + "resource \"placeos_api_key\" \"test\" {\n" + body + "\n}\n"
}

// serverKey returns the server's copy of the key whose id is in state.
func serverKey(s *placeostest.Server, st *terraform.State) (placeostest.APIKey, error) {
	rs, ok := st.RootModule().Resources[keyAddr]
	if !ok {
		return placeostest.APIKey{}, fmt.Errorf("%s not in state", keyAddr)
	}
	k, ok := s.APIKey(rs.Primary.ID)
	if !ok {
		return k, fmt.Errorf("key %s is in state but not on the server", rs.Primary.ID)
	}
	return k, nil
}

// checkServerKey is a Check: the key in state at keyAddr is on s, and check accepts it.
func checkServerKey(s *placeostest.Server, check func(placeostest.APIKey) error) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		k, err := serverKey(s, st)
		if err != nil {
			return err
		}
		return check(k)
	}
}

// plannedAction is a step's ConfigPlanChecks: the plan applies action to keyAddr.
func plannedAction(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, action)}}
}

func TestAPIKeyLifecycle(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	seeded := seededKeyIDs(s)
	future := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	// Written with an offset, to check the same instant in another spelling shows no diff.
	futureOffset := future.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
	sameID := statecheck.CompareValue(compare.ValuesSame())
	sameSecret := statecheck.CompareValue(compare.ValuesSame())
	var secret string

	keyTest(t, s, seeded,
		resource.TestStep{
			// Mixed case and a .read scope: PlaceOS stores "lobby panel" and "systems.Read".
			Config: keyConfig(s, `
  name        = "Lobby Panel"
  description = "front desk"
  scopes      = ["systems.read", "modules"]`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate),
				plancheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("x_api_key")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(hexID)),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.StringExact("Lobby Panel")),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("description"), knownvalue.StringExact("front desk")),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("scopes"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("systems.read"), knownvalue.StringExact("modules"),
				})),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.StringExact("user")),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("user_id"), knownvalue.StringExact(seed.Admin.ID)),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("authority_id"), knownvalue.StringExact(seed.Domain.ID)),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339UTC)),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("x_api_key"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$`))),
				sameID.AddStateValue(keyAddr, tfjsonpath.New("id")),
				sameSecret.AddStateValue(keyAddr, tfjsonpath.New("x_api_key")),
			},
			Check: resource.ComposeTestCheckFunc(
				captureAttr(keyAddr, "x_api_key", &secret),
				checkServerKey(s, func(k placeostest.APIKey) error {
					if k.Name != "lobby panel" || !contains(k.Scopes, "systems.Read") {
						return fmt.Errorf("the in-memory API should have normalised the key, got name %q scopes %v", k.Name, k.Scopes)
					}
					if !s.Authenticates(secret) {
						return fmt.Errorf("x_api_key in state does not authenticate")
					}
					return nil
				}),
			),
		},
		resource.TestStep{
			// Same names in PlaceOS's spelling plus an expiry in another zone: in place, same key and secret.
			Config:           keyConfig(s, lobbyPanelLevel2+fmt.Sprintf("\n  expires_at  = %q", futureOffset)),
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionUpdate),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(futureOffset)),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.StringExact("support")),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("scopes"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("systems.read"), knownvalue.StringExact("modules"), knownvalue.StringExact("zones.write"),
				})),
				sameID.AddStateValue(keyAddr, tfjsonpath.New("id")),
				sameSecret.AddStateValue(keyAddr, tfjsonpath.New("x_api_key")),
			},
			Check: checkServerKey(s, func(k placeostest.APIKey) error {
				if k.ExpiresAt == nil || !k.ExpiresAt.Equal(future) || k.Permissions != "support" || k.Description != "front desk, level 2" {
					return fmt.Errorf("server key not updated: %+v", k)
				}
				if n := s.Requests(postKeys); n != 1 {
					return fmt.Errorf("an in-place update must not create keys: %d creates", n)
				}
				if !s.Authenticates(secret) {
					return fmt.Errorf("the original secret no longer authenticates")
				}
				return nil
			}),
		},
		resource.TestStep{
			// Removing expires_at clears the expiry on the server.
			Config: keyConfig(s, lobbyPanelLevel2),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
			}},
			ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(keyAddr, tfjsonpath.New("id"))},
			Check: checkServerKey(s, func(k placeostest.APIKey) error {
				if k.ExpiresAt != nil {
					return fmt.Errorf("expiry not cleared on the server: %v", k.ExpiresAt)
				}
				return nil
			}),
		},
		resource.TestStep{
			// A new user replaces the key: new id, new secret, old key gone.
			Config:           keyConfig(s, lobbyPanelLevel2+fmt.Sprintf("\n  user_id     = %q", seed.Panel.ID)),
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionDestroyBeforeCreate),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("user_id"), knownvalue.StringExact(seed.Panel.ID)),
			},
			Check: checkServerKey(s, func(k placeostest.APIKey) error {
				if k.UserID != seed.Panel.ID {
					return fmt.Errorf("server key acts as %s", k.UserID)
				}
				if s.Authenticates(secret) {
					return fmt.Errorf("the replaced key still authenticates")
				}
				if n := s.Requests(deleteKey); n != 1 {
					return fmt.Errorf("expected 1 delete, saw %d", n)
				}
				return nil
			}),
		},
		resource.TestStep{
			// Import by id: everything but the secret.
			ResourceName:            keyAddr,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"x_api_key", "name"},
			ImportStateCheck: func(states []*terraform.InstanceState) error {
				if len(states) != 1 {
					return fmt.Errorf("imported %d resources", len(states))
				}
				a := states[0].Attributes
				if a["x_api_key"] != "" {
					return fmt.Errorf("x_api_key should be null after an import by id")
				}
				if a["name"] != "lobby panel" {
					return fmt.Errorf("imported name %q, want the server's %q", a["name"], "lobby panel")
				}
				return nil
			},
		},
	)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestAPIKeyDriftRecreates(t *testing.T) {
	s := newServer(t)
	var id string
	config := keyConfig(s, `name = "kiosk"`)
	keyTest(t, s, seededKeyIDs(s),
		resource.TestStep{Config: config, Check: captureAttr(keyAddr, "id", &id)},
		resource.TestStep{
			PreConfig: func() {
				if !s.DeleteAPIKey(id) {
					t.Fatalf("key %s was not on the server", id)
				}
			},
			Config:           config,
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionCreate),
			Check: checkServerKey(s, func(k placeostest.APIKey) error {
				if k.ID == id {
					return fmt.Errorf("expected a new key, got the old id")
				}
				return nil
			}),
		},
	)
}

func TestAPIKeyImportWithSecret(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	existing, full := s.CreateAPIKey(placeostest.APIKey{Name: "door-7", UserID: seed.Panel.ID, Scopes: []string{"public"}, Permissions: "user"})
	config := keyConfig(s, fmt.Sprintf("name = \"door-7\"\nuser_id = %q", seed.Panel.ID))
	cliTest(t,
		resource.TestStep{
			Config:        config,
			ResourceName:  keyAddr,
			ImportState:   true,
			ImportStateId: existing.ID + ".not-the-secret",
			ExpectError:   regexp.MustCompile(`Invalid API Key Secret`),
		},
		resource.TestStep{
			Config:             config,
			ResourceName:       keyAddr,
			ImportState:        true,
			ImportStateId:      full,
			ImportStatePersist: true,
			ImportStateCheck: func(states []*terraform.InstanceState) error {
				if got := states[0].Attributes["x_api_key"]; got != full {
					return fmt.Errorf("x_api_key after import with the secret: got %d chars, want the full key", len(got))
				}
				return nil
			},
		},
		resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("x_api_key"), knownvalue.StringExact(full)),
			},
		},
	)
}

// TestAPIKeyImportBlockWithSecret: an `import` block with the full key stores the secret too,
// and one with a wrong secret fails.
func TestAPIKeyImportBlockWithSecret(t *testing.T) {
	s := newServer(t)
	config := keyConfig(s, `name = "door-8"`)
	var full string
	cliTestIf(t, tfversion.SkipBelow(tfversion.Version1_5_0),
		resource.TestStep{Config: config, Check: captureAttr(keyAddr, "x_api_key", &full)},
		resource.TestStep{
			Config:          config,
			ResourceName:    keyAddr,
			ImportState:     true,
			ImportStateKind: resource.ImportBlockWithID,
			ImportStateIdFunc: func(*terraform.State) (string, error) {
				id, _, _ := strings.Cut(full, ".")
				return id + ".wrong-secret", nil
			},
			ExpectError: regexp.MustCompile(`Invalid API Key Secret`),
		},
		resource.TestStep{
			Config:            config,
			ResourceName:      keyAddr,
			ImportState:       true,
			ImportStateKind:   resource.ImportBlockWithID,
			ImportStateIdFunc: func(*terraform.State) (string, error) { return full, nil },
			ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionNoop),
				plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("x_api_key"), knownvalue.StringFunc(func(v string) error {
					if v != full {
						return fmt.Errorf("x_api_key after an import block with the secret is not the key")
					}
					return nil
				})),
			}},
		},
	)
}

// TestAPIKeyInvalidConfig: each mistake is caught at plan time, names the attribute, and makes
// no request to the API-key routes.
func TestAPIKeyInvalidConfig(t *testing.T) {
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	cases := map[string]struct{ body, want string }{
		"scope with .all":        {`name = "a"` + "\n" + `scopes = ["api_keys.all"]`, `"api_keys.all" is not a PlaceOS scope`},
		"scope with three parts": {`name = "a"` + "\n" + `scopes = ["a.b.c"]`, `"a.b.c" is not a PlaceOS scope`},
		"scope with a space":     {`name = "a"` + "\n" + `scopes = ["api keys"]`, `Invalid Scope`},
		"duplicate scopes":       {`name = "a"` + "\n" + `scopes = ["x.read", "x.READ"]`, `Resource Named More Than Once in Scopes`},
		"no scopes":              {`name = "a"` + "\n" + `scopes = []`, `(?s)No Scopes.*scopes. is empty`},
		"unknown permission":     {`name = "a"` + "\n" + `permissions = "root"`, `(?s)permissions.*value must be one of`},
		"empty name":             {`name = ""`, `(?s)name.*length must be between 1 and 255`},
		"blank name":             {`name = "   "`, `must not be empty or only white space`},
		"name and name_prefix":   {`name = "a"` + "\n" + `name_prefix = "b-"`, `(?s)Invalid Attribute Combination.*name_prefix`},
		"neither name":           {`description = "x"`, `(?s)Invalid Attribute Combination.*name`},
		"past expiry":            {`name = "a"` + "\n" + fmt.Sprintf(`expires_at = %q`, past), `Expiry Time in the Past`},
		"unparsable expiry":      {`name = "a"` + "\n" + `expires_at = "next tuesday"`, `(?s)expires_at.*not an RFC 3339 time`},
		"fractional expiry":      {`name = "a"` + "\n" + `expires_at = "2099-01-01T00:00:00.5Z"`, `fractions of a second`},
		"ttl and expires_at":     {`name = "a"` + "\n" + `ttl = "24h"` + "\n" + `expires_at = "2099-01-01T00:00:00Z"`, `(?s)Invalid Attribute Combination.*ttl`},
		"unparsable ttl":         {`name = "a"` + "\n" + `ttl = "a month"`, `(?s)ttl is "a month", which is not a Go duration`},
		"ttl too short":          {`name = "a"` + "\n" + `ttl = "10s"`, `(?s)ttl is 10s; it must be a Go duration of at least 1m0s`},
		"rotate_before, no ttl":  {`name = "a"` + "\n" + `rotate_before = "24h"`, `(?s)Invalid Attribute Combination.*ttl`},
		"rotate_before too long": {`name = "a"` + "\n" + `ttl = "24h"` + "\n" + `rotate_before = "48h"`, `(?s)Rotation Window Too Long`},
		"unparsable rotate":      {`name = "a"` + "\n" + `ttl = "24h"` + "\n" + `rotate_before = "soon"`, `(?s)rotate_before is "soon"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			cliTest(t,
				resource.TestStep{
					Config:      keyConfig(s, tc.body),
					ExpectError: regexp.MustCompile(tc.want),
				},
			)
			for _, route := range keyRouteSet {
				if n := s.Requests(route); n != 0 {
					t.Errorf("%s was called %d times; the mistake should be caught before any request", route, n)
				}
			}
		})
	}
}

// TestAPIKeyApplyErrors: mistakes only the server can reveal get a clear error, and nothing is made.
func TestAPIKeyApplyErrors(t *testing.T) {
	t.Run("unknown user", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		cliTest(t,
			resource.TestStep{
				Config:      keyConfig(s, "name = \"a\"\nuser_id = \"user-doesnotexist\""),
				ExpectError: regexp.MustCompile(`(?s)Unknown User.*PlaceOS has no user "user-doesnotexist"`),
			},
		)
		if n := s.Requests(postKeys); n != 0 {
			t.Errorf("create was attempted %d times for an unknown user", n)
		}
	})
	t.Run("user in another domain", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		seed := s.Seed()
		cliTest(t,
			resource.TestStep{
				Config: keyConfig(s, fmt.Sprintf("name = \"a\"\nuser_id = %q\nauthority_id = %q", seed.Panel.ID, seed.OtherDomain.ID)),
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)User Belongs to Another Domain.*%s.*%s`,
					regexp.QuoteMeta(seed.OtherDomain.Name), regexp.QuoteMeta(seed.Domain.Name))),
			},
		)
		if n := s.Requests(postKeys); n != 0 {
			t.Errorf("create was attempted %d times for a user of another domain", n)
		}
	})
	t.Run("name taken by a key Terraform did not make", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		other, _ := s.CreateAPIKey(placeostest.APIKey{Name: "taken", UserID: s.Seed().Admin.ID, Scopes: []string{"public"}, Permissions: "user"})
		cliTest(t,
			resource.TestStep{
				Config:      keyConfig(s, `name = "Taken"`),
				ExpectError: regexp.MustCompile(`(?s)API Key Name Already Taken.*` + other.ID + `.*terraform import`),
			},
		)
		if _, ok := s.APIKey(other.ID); !ok {
			t.Error("the existing key of the same name was deleted")
		}
		if n := s.Requests(deleteKey); n != 0 {
			t.Errorf("%d deletes after a name clash; none expected", n)
		}
	})
	t.Run("credentials without admin", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		config := requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n  api_key = %q\n}\nresource \"placeos_api_key\" \"test\" {\n  name = \"a\"\n  user_id = %q\n}\n",
			s.URL(), s.Seed().UserAPIKey, s.Seed().Panel.ID)
		cliTest(t,
			resource.TestStep{
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)403 Forbidden.*admin permissions.*api_keys`),
			},
		)
	})
	t.Run("wrong api key", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		wrong := strings.Repeat("0", 32) + "." + strings.Repeat("A", 43)
		config := requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url = %q\n  api_key = %q\n}\nresource \"placeos_api_key\" \"test\" {\n  name = \"a\"\n}\n", s.URL(), wrong)
		cliTest(t,
			resource.TestStep{
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)refused the provider's credentials \(401\)`),
			},
		)
	})
}

// TestAPIKeyImportedNameInOtherCase: after an import, a name configured in another case is one
// in-place update, and then no diff.
func TestAPIKeyImportedNameInOtherCase(t *testing.T) {
	s := newServer(t)
	existing, _ := s.CreateAPIKey(placeostest.APIKey{Name: "door-9", UserID: s.Seed().Admin.ID, Scopes: []string{"public"}, Permissions: "user"})
	config := keyConfig(s, `name = "Door-9"`)
	cliTest(t,
		resource.TestStep{Config: config, ResourceName: keyAddr, ImportState: true, ImportStateId: existing.ID, ImportStatePersist: true},
		resource.TestStep{
			Config:           config,
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionUpdate),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("id"), knownvalue.StringExact(existing.ID)),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.StringExact("Door-9")),
			},
		},
	)
}
