package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// TestMain serves the provider under its real address, placeos/placeos, so that modules which
// declare that source (examples/modules) resolve to the provider under test. OpenTofu's
// default registry host differs from Terraform's.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC_PROVIDER_NAMESPACE") == "" {
		_ = os.Setenv("TF_ACC_PROVIDER_NAMESPACE", "placeos")
	}
	if os.Getenv("TF_ACC_PROVIDER_HOST") == "" && strings.Contains(filepath.Base(os.Getenv("TF_ACC_TERRAFORM_PATH")), "tofu") {
		_ = os.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
	}
	os.Exit(m.Run())
}

// requiredProviders starts every test configuration: the provider's source address.
const requiredProviders = `terraform {
  required_providers {
    placeos = { source = "placeos/placeos" }
  }
}
`

// requiredProvidersWithEcho adds terraform-plugin-testing's echo provider, which is served in
// the same namespace as ours.
const requiredProvidersWithEcho = `terraform {
  required_providers {
    placeos = { source = "placeos/placeos" }
    echo    = { source = "placeos/echo" }
  }
}
`

// newTestClock is a clock shared by the in-memory API and the provider under test, at the
// current second.
func newTestClock() *placeostest.Clock {
	return placeostest.NewClock(time.Now().UTC().Truncate(time.Second))
}

// factories serves the provider in-process, through the same server as main.go
// (NewProtocol6Server); Terraform talks to it over the plugin protocol.
func factories(now func() time.Time) map[string]func() (tfprotov6.ProviderServer, error) {
	return pagedFactories(now, 0)
}

// pagedFactories lists pageSize rows per request (0: the client's default), to test paging.
func pagedFactories(now func() time.Time, pageSize int) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"placeos": func() (tfprotov6.ProviderServer, error) {
			return NewProtocol6Server(func() fwprovider.Provider {
				return &placeosProvider{version: "test", now: now, pageSize: pageSize}
			})(), nil
		},
	}
}

// cliTest runs steps through the Terraform CLI against the in-memory API, with the provider on
// the wall clock.
func cliTest(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	cliTestAt(t, time.Now, steps...)
}

// cliTestAt is cliTest with the provider on the clock now (a test clock's Now).
func cliTestAt(t *testing.T, now func() time.Time, steps ...resource.TestStep) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: factories(now), Steps: steps})
}

// cliTestIf is cliTest for steps that need a newer Terraform: one that fails check skips the test.
func cliTestIf(t *testing.T, check tfversion.TerraformVersionCheck, steps ...resource.TestStep) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(time.Now),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{check},
		Steps:                    steps,
	})
}

// keyTest is cliTest for steps that make keys: once they are destroyed, only the seeded keys
// remain on s (checkNoKeysLeft).
func keyTest(t *testing.T, s *placeostest.Server, seeded map[string]bool, steps ...resource.TestStep) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(time.Now),
		CheckDestroy:             checkNoKeysLeft(s, seeded),
		Steps:                    steps,
	})
}

// newServer starts an in-memory PlaceOS for one test.
func newServer(t *testing.T) *placeostest.Server {
	t.Helper()
	s := placeostest.NewServer()
	t.Cleanup(s.Close)
	return s
}

// newClockedServer is newServer on a test clock; pass clock.Now to factories so that the
// provider under test shares it.
func newClockedServer(t *testing.T) (*placeostest.Server, *placeostest.Clock) {
	t.Helper()
	s, clock := newServer(t), newTestClock()
	s.SetClock(clock.Now)
	return s, clock
}

// providerConfig is a provider block that logs in with the seeded admin key.
func providerConfig(s *placeostest.Server) string {
	return requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url     = %q\n  api_key = %q\n}\n", s.URL(), s.Seed().AdminAPIKey)
}

// passwordGrantConfig is a provider block that logs in as the seeded admin with the OAuth
// password grant.
func passwordGrantConfig(s *placeostest.Server) string {
	seed := s.Seed()
	return requiredProviders + fmt.Sprintf(`provider "placeos" {
  url           = %q
  username      = %q
  password      = %q
  client_id     = %q
  client_secret = %q
}
`, s.URL(), seed.Admin.Email, seed.AdminPassword, seed.OAuthClientID, seed.OAuthClientSecret)
}

// seededKeyIDs are the keys the in-memory API starts with.
func seededKeyIDs(s *placeostest.Server) map[string]bool {
	ids := map[string]bool{}
	for _, k := range s.APIKeys() {
		ids[k.ID] = true
	}
	return ids
}

// checkNoKeysLeft is a CheckDestroy: only the seeded keys remain on the server.
func checkNoKeysLeft(s *placeostest.Server, seeded map[string]bool) func(*terraform.State) error {
	return func(*terraform.State) error {
		var left []string
		for _, k := range s.APIKeys() {
			if !seeded[k.ID] {
				left = append(left, k.ID+" ("+k.Name+")")
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("keys left on the server after destroy: %s", strings.Join(left, ", "))
		}
		return nil
	}
}

// captureAttr stores a state attribute into *dst, for later steps' PreConfig.
func captureAttr(address, attr string, dst *string) func(*terraform.State) error { //nolint:unparam // the address keeps call sites readable
	return func(st *terraform.State) error {
		rs, ok := st.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s not in state", address)
		}
		*dst = rs.Primary.Attributes[attr]
		if *dst == "" {
			return fmt.Errorf("%s.%s is empty", address, attr)
		}
		return nil
	}
}

func stringValue(s string) types.String { return types.StringValue(s) }

// diagCollector gathers diagnostics from code under test.
type diagCollector struct{ diag.Diagnostics }
