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

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// TestAPIKeyScheduledRotation: a ttl key with rotate_before, name_prefix and
// create_before_destroy is replaced once the clock enters the rotation window, and the new key
// is created while the old one still authenticates: no moment without a working key.
func TestAPIKeyScheduledRotation(t *testing.T) {
	s, clock := newClockedServer(t)

	var (
		mu        sync.Mutex
		oldSecret string
		// At each create: did the old key still authenticate?
		oldAliveAtCreate []bool
	)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/api/engine/v2/api_keys" {
			mu.Lock()
			if oldSecret != "" {
				oldAliveAtCreate = append(oldAliveAtCreate, s.Authenticates(oldSecret))
			}
			mu.Unlock()
		}
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	config := requiredProviders + fmt.Sprintf(`provider "placeos" {
  url     = %q
  api_key = %q
}
resource "placeos_api_key" "test" {
  name_prefix   = "panel-"
  ttl           = "720h"
  rotate_before = "168h"
  lifecycle {
    create_before_destroy = true
  }
}
`, front.URL, s.Seed().AdminAPIKey)
	differentID := statecheck.CompareValue(compare.ValuesDiffer())
	var newSecret string

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock.Now),
		CheckDestroy:             checkNoKeysLeft(s, seededKeyIDs(s)),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					differentID.AddStateValue(keyAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.StringRegexp(regexp.MustCompile(`^panel-\d{14}[0-9a-f]{8}$`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"),
						knownvalue.StringExact(clock.Now().Add(720*time.Hour).Format(time.RFC3339))),
				},
				Check: func(st *terraform.State) error {
					mu.Lock()
					defer mu.Unlock()
					return captureAttr(keyAddr, "x_api_key", &oldSecret)(st)
				},
			},
			{
				// 21 days in: 9 days left, more than rotate_before. Nothing to do.
				PreConfig: func() { clock.Advance(21 * 24 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// 24 days in: 6 days left, inside the 7-day window. Replace, new key first.
				PreConfig:         func() { clock.Advance(3 * 24 * time.Hour) },
				Config:            config,
				ConfigPlanChecks:  plannedAction(plancheck.ResourceActionCreateBeforeDestroy),
				ConfigStateChecks: []statecheck.StateCheck{differentID.AddStateValue(keyAddr, tfjsonpath.New("id"))},
				Check: func(st *terraform.State) error {
					mu.Lock()
					defer mu.Unlock()
					if len(oldAliveAtCreate) != 1 || !oldAliveAtCreate[0] {
						return fmt.Errorf("the old key should authenticate while the new one is created; saw %v", oldAliveAtCreate)
					}
					if err := captureAttr(keyAddr, "x_api_key", &newSecret)(st); err != nil {
						return err
					}
					if !s.Authenticates(newSecret) || s.Authenticates(oldSecret) {
						return fmt.Errorf("after rotation the new key must work and the old one be gone")
					}
					return nil
				},
			},
		},
	})
}

// TestAPIKeyExpiredTTLIsReplaced: a ttl key whose expiry has passed is planned for replacement
// even without rotate_before.
func TestAPIKeyExpiredTTLIsReplaced(t *testing.T) {
	s, clock := newClockedServer(t)
	config := keyConfig(s, `name = "door"`+"\n"+`ttl = "24h"`)
	cliTestAt(t, clock.Now,
		resource.TestStep{Config: config},
		resource.TestStep{
			PreConfig:        func() { clock.Advance(25 * time.Hour) },
			Config:           config,
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionDestroyBeforeCreate),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"),
					knownvalue.StringExact(clock.Now().Add(25*time.Hour).Add(24*time.Hour).Format(time.RFC3339))),
			},
		},
	)
}

// TestAPIKeyRotationTriggers: any change to rotation_triggers replaces the key.
func TestAPIKeyRotationTriggers(t *testing.T) {
	s := newServer(t)
	differentID := statecheck.CompareValue(compare.ValuesDiffer())
	step := func(quarter string) resource.TestStep {
		return resource.TestStep{
			Config:            keyConfig(s, fmt.Sprintf("name = \"kiosk\"\nrotation_triggers = { rotated = %q }", quarter)),
			ConfigStateChecks: []statecheck.StateCheck{differentID.AddStateValue(keyAddr, tfjsonpath.New("id"))},
		}
	}
	second := step("2027-Q2")
	second.ConfigPlanChecks.PreApply = []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)}
	cliTest(t,
		step("2027-Q1"), second,
	)
}

// TestAPIKeyExpiredAbsoluteIsNotAnError: an unchanged expires_at that has passed only warns, so
// plans keep working; the plan stays empty.
func TestAPIKeyExpiredAbsoluteIsNotAnError(t *testing.T) {
	s, clock := newClockedServer(t)
	config := keyConfig(s, fmt.Sprintf("name = \"door\"\nexpires_at = %q", clock.Now().Add(time.Hour).Format(time.RFC3339)))
	cliTestAt(t, clock.Now,
		resource.TestStep{Config: config},
		resource.TestStep{
			PreConfig:        func() { clock.Advance(2 * time.Hour) },
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
	)
}

func TestAbsoluteExpiryWarnings(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &apiKeyResource{now: func() time.Time { return now }}
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	stateWith := func(v string) *apiKeyModel { return &apiKeyModel{ExpiresAt: stringValue(v)} }
	cases := []struct {
		name, config string
		state        *apiKeyModel
		wantError    bool
		wantWarning  string
	}{
		{"new, in the past", at(-time.Hour), nil, true, ""},
		{"changed to the past", at(-time.Hour), stateWith(at(time.Hour)), true, ""},
		{"unchanged, passed", at(-time.Hour), stateWith(at(-time.Hour)), false, "Has Expired"},
		{"unchanged, in 3 days", at(72 * time.Hour), stateWith(at(72 * time.Hour)), false, "Expires Soon"},
		{"new, in 3 days", at(72 * time.Hour), nil, false, "Expires Soon"},
		{"in 30 days", at(30 * 24 * time.Hour), nil, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diagCollector
			r.checkAbsoluteExpiry(stringValue(tc.config), tc.state, now, &diags.Diagnostics)
			if diags.HasError() != tc.wantError {
				t.Errorf("error: got %v, want %v (%v)", diags.HasError(), tc.wantError, diags.Diagnostics)
			}
			gotWarning := ""
			for _, w := range diags.Warnings() {
				gotWarning += w.Summary()
			}
			if (tc.wantWarning == "") != (gotWarning == "") || !strings.Contains(gotWarning, tc.wantWarning) {
				t.Errorf("warning: got %q, want %q", gotWarning, tc.wantWarning)
			}
		})
	}
}

// TestAPIKeyServerIgnoresExpiry: an older PlaceOS drops expires_at; the apply succeeds and the
// following plan is empty instead of a diff that can never be applied.
func TestAPIKeyServerIgnoresExpiry(t *testing.T) {
	s := newServer(t)
	s.SetIgnoreExpiry(true)
	expires := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	cliTest(t,
		resource.TestStep{
			Config: keyConfig(s, fmt.Sprintf("name = \"old-server\"\nexpires_at = %q", expires)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(expires)),
			},
			Check: checkServerKey(s, func(k placeostest.APIKey) error {
				if k.ExpiresAt != nil {
					return fmt.Errorf("the in-memory API should have ignored the expiry")
				}
				return nil
			}),
		},
	)
}

// TestAPIKeyLostCreateResponse: PlaceOS makes the key but the answer is lost; the provider
// removes the key it cannot use (its secret is gone) and creates another. One key is left,
// the one in state, and its secret works.
func TestAPIKeyLostCreateResponse(t *testing.T) {
	s := newServer(t)
	seeded := seededKeyIDs(s)
	s.LoseNextCreateResponses(1)
	var secret string
	keyTest(t, s, seeded,
		resource.TestStep{
			Config: keyConfig(s, "name = \"panel\"\ndescription = \"lobby\""),
			Check: func(st *terraform.State) error {
				if err := captureAttr(keyAddr, "x_api_key", &secret)(st); err != nil {
					return err
				}
				var ours []placeostest.APIKey
				for _, k := range s.APIKeys() {
					if !seeded[k.ID] {
						ours = append(ours, k)
					}
				}
				if len(ours) != 1 {
					return fmt.Errorf("%d keys on the server, want exactly 1 (no orphan)", len(ours))
				}
				if id := st.RootModule().Resources[keyAddr].Primary.ID; ours[0].ID != id {
					return fmt.Errorf("the key on the server (%s) is not the one in state (%s)", ours[0].ID, id)
				}
				if !s.Authenticates(secret) {
					return fmt.Errorf("the key in state does not authenticate")
				}
				if n := s.Requests(postKeys); n < 2 {
					return fmt.Errorf("expected a second create after the lost answer, saw %d creates", n)
				}
				if n := s.Requests(deleteKey); n != 1 {
					return fmt.Errorf("expected the orphan to be deleted once, saw %d deletes", n)
				}
				return nil
			},
		},
	)
}

// TestAPIKeyEphemeral: the ephemeral key exists (and authenticates) during the run, carries a
// server-side expiry of its ttl, and is deleted when Terraform closes it.
func TestAPIKeyEphemeral(t *testing.T) {
	s := newServer(t)
	seeded := seededKeyIDs(s)
	var (
		mu      sync.Mutex
		created []placeostest.APIKey
	)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Handler().ServeHTTP(w, r)
		if r.Method == http.MethodPost {
			mu.Lock()
			for _, k := range s.APIKeys() {
				if !seeded[k.ID] && !containsKey(created, k.ID) {
					created = append(created, k)
				}
			}
			mu.Unlock()
		}
	}))
	t.Cleanup(front.Close)
	factories := factories(time.Now)
	factories["echo"] = echoprovider.NewProviderServer()
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: requiredProvidersWithEcho + fmt.Sprintf(`provider "placeos" {
  url     = %q
  api_key = %q
}
ephemeral "placeos_api_key" "ci" {
  name_prefix = "ci-run-"
  scopes      = ["systems.read"]
  ttl         = "30m"
}
provider "echo" {
  data = ephemeral.placeos_api_key.ci
}
resource "echo" "key" {}
`, front.URL, s.Seed().AdminAPIKey),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.key", tfjsonpath.New("data").AtMapKey("name"), knownvalue.StringRegexp(regexp.MustCompile(`^ci-run-`))),
				statecheck.ExpectKnownValue("echo.key", tfjsonpath.New("data").AtMapKey("x_api_key"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}\.`))),
			},
			Check: func(*terraform.State) error {
				mu.Lock()
				defer mu.Unlock()
				if len(created) == 0 {
					return fmt.Errorf("no ephemeral key was created")
				}
				for _, k := range created {
					// The provider truncates the expiry to whole seconds.
					if k.ExpiresAt == nil || k.ExpiresAt.Sub(k.CreatedAt) < 30*time.Minute-2*time.Second || k.ExpiresAt.Sub(k.CreatedAt) > 30*time.Minute {
						return fmt.Errorf("key %s should expire 30m after creation, expires %v", k.ID, k.ExpiresAt)
					}
					if _, ok := s.APIKey(k.ID); ok {
						return fmt.Errorf("ephemeral key %s was not deleted when Terraform closed it", k.ID)
					}
				}
				return nil
			},
		}},
	})
}

func containsKey(keys []placeostest.APIKey, id string) bool {
	for _, k := range keys {
		if k.ID == id {
			return true
		}
	}
	return false
}
