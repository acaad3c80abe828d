package provider

// Acceptance tests against a real PlaceOS: `make testacc` runs the TestAcc* tests with TF_ACC=1,
// PLACEOS_URL and one credential method (PLACEOS_API_KEY, PLACEOS_ACCESS_TOKEN, or
// PLACEOS_USERNAME + PLACEOS_PASSWORD + PLACEOS_CLIENT_ID) in the environment, through the
// Terraform CLI against that server and nothing else. Without PLACEOS_URL they are skipped, so
// `make test` never leaves the in-memory API.
//
// Every key they make has a name that starts with this run's prefix (accRunPrefix); each test
// deletes the keys of its own prefix when it ends, passed or failed. `make sweep` deletes what a
// killed run left behind: every key whose name starts with accPrefix, nothing else.
//
// Optional: PLACEOS_ACC_API_KEYS_ONLY_KEY, an admin key with only the `api_keys` scope, for the
// least-privilege test; without it that test makes such a key (with the run prefix) itself.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// accPrefix starts the name of every key the acceptance tests make.
const accPrefix = "tfacc-"

// accRunPrefix is this run's prefix: accPrefix, the UTC start time and random characters.
// PlaceOS lower-cases names on create, so it is lower-case.
var accRunPrefix = func() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return accPrefix + time.Now().UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b) + "-"
}()

// accPreCheck skips the test unless it is an acceptance run (TF_ACC and PLACEOS_URL set).
func accPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" || os.Getenv("PLACEOS_URL") == "" {
		t.Skip("acceptance test: set TF_ACC=1, PLACEOS_URL and credentials (make testacc)")
	}
}

// accClient is a client configured from the PLACEOS_* environment, exactly as the provider
// configures itself with an empty provider block.
func accClient(t *testing.T) *placeos.Client {
	t.Helper()
	var diags diag.Diagnostics
	cfg := (&placeosProvider{version: "acc", now: time.Now}).clientConfig(providerModel{}, "acc", &diags)
	if diags.HasError() {
		t.Fatalf("the PLACEOS_* environment does not configure the provider: %v", diags)
	}
	c, err := placeos.New(cfg)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

// accTest starts an acceptance test: it returns a client and the test's own name prefix, and
// deletes every key with that prefix when the test ends, passed or failed.
func accTest(t *testing.T, tag string) (*placeos.Client, string) {
	t.Helper()
	accPreCheck(t)
	c := accClient(t)
	prefix := accRunPrefix + tag + "-"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if n, err := sweepKeys(ctx, c, prefix); err != nil {
			t.Errorf("deleting the keys named %s*: %v (run `make sweep`)", prefix, err)
		} else if n > 0 {
			t.Logf("deleted %d key(s) named %s* left by the test", n, prefix)
		}
	})
	return c, prefix
}

// accKeys lists the keys whose name starts with prefix in the credentials' own domain, the
// only domain the acceptance tests make keys in.
func accKeys(ctx context.Context, c *placeos.Client, prefix string) ([]placeos.APIKey, error) {
	me, err := c.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := c.ListAPIKeys(ctx, placeos.ListAPIKeysOptions{AuthorityID: me.AuthorityID})
	if err != nil {
		return nil, err
	}
	var named []placeos.APIKey
	for _, k := range keys {
		if strings.HasPrefix(placeos.NormalizeName(placeos.PlainText(k.Name)), prefix) {
			named = append(named, k)
		}
	}
	return named, nil
}

// sweepKeys deletes every key of the credentials' own domain whose name starts with prefix.
func sweepKeys(ctx context.Context, c *placeos.Client, prefix string) (int, error) {
	keys, err := accKeys(ctx, c, prefix)
	if err != nil {
		return 0, err
	}
	for n, k := range keys {
		if err := c.DeleteAPIKey(ctx, k.ID); err != nil {
			return n, fmt.Errorf("key %s: %w", k.ID, err)
		}
	}
	return len(keys), nil
}

// accKeysLeft lists the ids of keys whose name starts with prefix.
func accKeysLeft(c *placeos.Client, prefix string) ([]string, error) {
	keys, err := accKeys(context.Background(), c, prefix)
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	return ids, err
}

func accCheckNoKeys(c *placeos.Client, prefix string) func(*terraform.State) error {
	return func(*terraform.State) error {
		ids, err := accKeysLeft(c, prefix)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			return fmt.Errorf("keys named %s* left on the server: %v", prefix, ids)
		}
		return nil
	}
}

// accKeyTest runs steps through the Terraform CLI against the real PlaceOS; once they are
// destroyed, no key named prefix* is left (accCheckNoKeys).
func accKeyTest(t *testing.T, c *placeos.Client, prefix string, steps ...resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(time.Now),
		CheckDestroy:             accCheckNoKeys(c, prefix),
		Steps:                    steps,
	})
}

// accProvider is the configuration head: the provider reads PLACEOS_* from the environment.
const accProvider = requiredProviders + "provider \"placeos\" {}\n"

// TestAccSweep deletes what killed acceptance runs left behind: every key whose name starts
// with accPrefix. Only `make sweep` runs it (PLACEOS_ACC_SWEEP=1).
func TestAccSweep(t *testing.T) {
	accPreCheck(t)
	if os.Getenv("PLACEOS_ACC_SWEEP") == "" {
		t.Skip("make sweep runs this (PLACEOS_ACC_SWEEP=1)")
	}
	n, err := sweepKeys(context.Background(), accClient(t), accPrefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deleted %d key(s) named %s*", n, accPrefix)
}

// Create with every argument, names and descriptions with characters PlaceOS escapes, update
// in place, import by id and with <id>.<secret>, replace, and drift after a delete through the
// API. The data sources for the credentials' own user and domain feed the key.
func TestAccAPIKeyLifecycle(t *testing.T) {
	c, prefix := accTest(t, "life")
	expires := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	config := func(description, scopes, permissions, trigger string) string {
		return accProvider + fmt.Sprintf(`
data "placeos_user" "me" {
  current = true
}
data "placeos_domain" "this" {}
resource "placeos_api_key" "test" {
  name              = "%[1]sR&D <1> panel"
  description       = %[2]q
  user_id           = data.placeos_user.me.id
  authority_id      = data.placeos_domain.this.id
  scopes            = %[3]s
  permissions       = %[4]q
  expires_at        = %[5]q
  rotation_triggers = { v = %[6]q }
}
`, prefix, description, scopes, permissions, expires, trigger)
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	var id, secret string
	accKeyTest(t, c, prefix,
		resource.TestStep{
			Config: config("Tom & Jerry > \"2\"", `["systems.read", "modules"]`, "support", "1"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.StringExact(prefix+"R&D <1> panel")),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("description"), knownvalue.StringExact(`Tom & Jerry > "2"`)),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.StringExact("support")),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(expires)),
				statecheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("x_api_key")),
				statecheck.CompareValuePairs(keyAddr, tfjsonpath.New("authority_id"), "data.placeos_domain.this", tfjsonpath.New("id"), compare.ValuesSame()),
				sameID.AddStateValue(keyAddr, tfjsonpath.New("id")),
			},
			Check: resource.ComposeTestCheckFunc(captureAttr(keyAddr, "id", &id), captureAttr(keyAddr, "x_api_key", &secret)),
		},
		resource.TestStep{
			Config:           config("Tom & Jerry, level <2>", `["systems.read", "zones"]`, "user", "1"),
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionUpdate),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("description"), knownvalue.StringExact("Tom & Jerry, level <2>")),
				sameID.AddStateValue(keyAddr, tfjsonpath.New("id")),
			},
		},
		importByIDStep("x_api_key", "name", "rotation_triggers"),
		resource.TestStep{
			ResourceName:            keyAddr,
			ImportState:             true,
			ImportStateIdFunc:       func(*terraform.State) (string, error) { return secret, nil },
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"name", "rotation_triggers"},
		},
		resource.TestStep{
			// A new trigger replaces the key.
			Config:           config("Tom & Jerry, level <2>", `["systems.read", "zones"]`, "user", "2"),
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionDestroyBeforeCreate),
			Check: func(st *terraform.State) error {
				if st.RootModule().Resources[keyAddr].Primary.ID == id {
					return fmt.Errorf("the key was not replaced")
				}
				if _, err := c.GetAPIKey(context.Background(), id); !placeos.IsNotFound(err) {
					return fmt.Errorf("the replaced key %s is still there (%v)", id, err)
				}
				return captureAttr(keyAddr, "id", &id)(st)
			},
		},
		resource.TestStep{
			// Deleted through the API behind Terraform's back: the next apply re-creates it.
			PreConfig: func() {
				if err := c.DeleteAPIKey(context.Background(), id); err != nil {
					t.Fatalf("deleting %s through the API: %v", id, err)
				}
			},
			Config:           config("Tom & Jerry, level <2>", `["systems.read", "zones"]`, "user", "2"),
			ConfigPlanChecks: plannedAction(plancheck.ResourceActionCreate),
		},
	)
}

// ttl sets the expiry at create; the key expires on the server that much later.
func TestAccAPIKeyTTL(t *testing.T) {
	c, prefix := accTest(t, "ttl")
	start := time.Now()
	accKeyTest(t, c, prefix,
		resource.TestStep{
			Config: accProvider + fmt.Sprintf(`
resource "placeos_api_key" "test" {
  name_prefix   = "%s"
  scopes        = ["systems.read"]
  ttl           = "2h"
  rotate_before = "30m"
}
`, prefix),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.StringRegexp(regexp.MustCompile("^"+regexp.QuoteMeta(prefix)))),
			},
			Check: func(st *terraform.State) error {
				k, err := c.GetAPIKey(context.Background(), st.RootModule().Resources[keyAddr].Primary.ID)
				if err != nil {
					return err
				}
				if k.ExpiresAt.IsZero() {
					return fmt.Errorf("the server stores no expiry (PlaceOS before June 2026?)")
				}
				if d := k.ExpiresAt.Sub(start); d < 2*time.Hour-time.Minute || d > 2*time.Hour+5*time.Minute {
					return fmt.Errorf("the key expires %s after the test started, want about 2h", d)
				}
				return nil
			},
		},
	)
}

// The ephemeral key exists during the run and is deleted when Terraform closes it.
func TestAccEphemeralAPIKey(t *testing.T) {
	c, prefix := accTest(t, "eph")
	f := factories(time.Now)
	f["echo"] = echoprovider.NewProviderServer()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: f,
		Steps: []resource.TestStep{{
			Config: requiredProvidersWithEcho + fmt.Sprintf(`provider "placeos" {}
ephemeral "placeos_api_key" "ci" {
  name_prefix = "%s"
  scopes      = ["systems.read"]
  ttl         = "15m"
}
provider "echo" {
  data = ephemeral.placeos_api_key.ci
}
resource "echo" "key" {}
`, prefix),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.key", tfjsonpath.New("data").AtMapKey("x_api_key"), knownvalue.StringRegexp(regexp.MustCompile(`^[^.\s]+\.[^.\s]+$`))),
			},
			Check: accCheckNoKeys(c, prefix),
		}},
	})
}

// placeos_api_keys finds the test's key by name.
func TestAccAPIKeysDataSource(t *testing.T) {
	c, prefix := accTest(t, "list")
	accKeyTest(t, c, prefix,
		resource.TestStep{
			Config: accProvider + fmt.Sprintf(`
resource "placeos_api_key" "test" {
  name        = "%[1]sQ&A"
  description = "listed"
}
data "placeos_api_keys" "mine" {
  name_regex = "^%[1]s"
  depends_on = [placeos_api_key.test]
}
`, prefix),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.placeos_api_keys.mine", tfjsonpath.New("api_keys"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"name":        knownvalue.StringExact(prefix + "q&a"),
						"description": knownvalue.StringExact("listed"),
					}),
				})),
			},
		},
	)
}

// An admin key with only the `api_keys` scope manages keys for an explicit user_id: create,
// update, import and delete. PLACEOS_ACC_API_KEYS_ONLY_KEY gives such a key; without it the
// test makes one (named with the run prefix) with the main credentials.
func TestAccAPIKeyLeastPrivilege(t *testing.T) {
	c, prefix := accTest(t, "lp")
	ctx := context.Background()
	me, err := c.CurrentUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	limited := os.Getenv("PLACEOS_ACC_API_KEYS_ONLY_KEY")
	if limited == "" {
		k, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{
			Name: prefix + "credentials", UserID: me.ID, AuthorityID: me.AuthorityID,
			Scopes: []string{"api_keys"}, Permissions: "admin",
		})
		if err != nil {
			t.Fatalf("making a key with only the api_keys scope: %v", err)
		}
		limited = k.XAPIKey
	}
	// The provider under test reads the environment: only the limited key.
	for _, env := range []string{"PLACEOS_ACCESS_TOKEN", "PLACEOS_USERNAME", "PLACEOS_PASSWORD", "PLACEOS_CLIENT_ID", "PLACEOS_CLIENT_SECRET"} {
		t.Setenv(env, "")
	}
	t.Setenv("PLACEOS_API_KEY", limited)
	config := func(description string) string {
		return accProvider + fmt.Sprintf(`
resource "placeos_api_key" "test" {
  name        = "%slimited"
  description = %q
  user_id     = %q
  scopes      = ["systems.read"]
}
`, prefix, description, me.ID)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(time.Now),
		CheckDestroy: func(*terraform.State) error {
			ids, err := accKeysLeft(c, prefix+"limited")
			if err == nil && len(ids) > 0 {
				err = fmt.Errorf("keys left: %v", ids)
			}
			return err
		},
		Steps: []resource.TestStep{
			{Config: config("made with api_keys only")},
			{
				Config:           config("updated with api_keys only"),
				ConfigPlanChecks: plannedAction(plancheck.ResourceActionUpdate),
			},
			importByIDStep("x_api_key"),
		},
	})
}

// sweepKeys deletes the keys of one prefix in the credentials' own domain, and nothing else
// (in-memory).
func TestSweepKeysOnlyByPrefix(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	keep := map[string]bool{}
	for id := range seededKeyIDs(s) {
		keep[id] = true
	}
	for _, k := range []struct {
		name, user string
		swept      bool
	}{
		{"tfacc-run1-a", seed.Panel.ID, true},
		{"tfacc-run1-R&D", seed.Panel.ID, true},     // stored escaped
		{"tfacc-run1-b", seed.OtherPanel.ID, false}, // another domain than the credentials''
		{"tfacc-run2-a", seed.Panel.ID, false},
		{"x-tfacc-run1-a", seed.Panel.ID, false},
		{"lobby", seed.Panel.ID, false},
	} {
		created, _ := s.CreateAPIKey(placeostest.APIKey{Name: k.name, UserID: k.user})
		if !k.swept {
			keep[created.ID] = true
		}
	}
	c, err := placeos.New(placeos.Config{URL: s.URL(), APIKey: seed.AdminAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	n, err := sweepKeys(context.Background(), c, "tfacc-run1-")
	if err != nil || n != 2 {
		t.Fatalf("sweepKeys = %d, %v; want 2", n, err)
	}
	for _, k := range s.APIKeys() {
		if !keep[k.ID] {
			t.Errorf("key %q survived the sweep", k.Name)
		}
		delete(keep, k.ID)
	}
	if len(keep) > 0 {
		t.Errorf("the sweep deleted keys it must not touch: %v", keep)
	}
}
