package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// cliUnderTest is what the tests know of the CLI that drives them.
type cliUnderTest struct {
	tofu         bool
	major, minor int
	describe     string // e.g. "Terraform v1.15.9"
}

var (
	cliOnce sync.Once
	cliInfo cliUnderTest
	cliErr  error
)

func testCLI(t *testing.T) cliUnderTest {
	t.Helper()
	bin := terraformBinary(t)
	cliOnce.Do(func() {
		// Without the caller's TF_ variables: a CLI config file that does not exist makes
		// OpenTofu print a warning before the JSON.
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "TF_") {
				env = append(env, kv)
			}
		}
		version := func(args ...string) ([]byte, error) {
			cmd := exec.Command(bin, args...) //nolint:noctx // a short local command
			cmd.Env = env
			return cmd.Output()
		}
		out, err := version("version", "-json")
		if err != nil {
			cliErr = fmt.Errorf("%s version -json: %w", bin, err)
			return
		}
		var v struct {
			Version string `json:"terraform_version"`
		}
		if cliErr = json.Unmarshal(out, &v); cliErr != nil {
			return
		}
		parts := strings.SplitN(v.Version, ".", 3)
		if len(parts) < 2 {
			cliErr = fmt.Errorf("%s reports version %q", bin, v.Version)
			return
		}
		cliInfo.major, _ = strconv.Atoi(parts[0])
		cliInfo.minor, _ = strconv.Atoi(parts[1])
		human, _ := version("version")
		cliInfo.tofu = strings.HasPrefix(string(human), "OpenTofu")
		cliInfo.describe = map[bool]string{true: "OpenTofu", false: "Terraform"}[cliInfo.tofu] + " v" + v.Version
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliInfo
}

// requireCLI skips a test of a feature that the CLI under test lacks, saying why: the feature
// came with Terraform 1.<terraformMinor> and OpenTofu 1.<tofuMinor> (0: OpenTofu lacks it).
func requireCLI(t *testing.T, feature string, terraformMinor, tofuMinor int) {
	t.Helper()
	cli := testCLI(t)
	switch {
	case cli.tofu && tofuMinor == 0:
		t.Skipf("%s needs Terraform >= 1.%d; OpenTofu does not have it (this is %s)", feature, terraformMinor, cli.describe)
	case cli.tofu && cli.major == 1 && cli.minor < tofuMinor:
		t.Skipf("%s needs OpenTofu >= 1.%d; this is %s", feature, tofuMinor, cli.describe)
	case !cli.tofu && cli.major == 1 && cli.minor < terraformMinor:
		t.Skipf("%s needs Terraform >= 1.%d; this is %s", feature, terraformMinor, cli.describe)
	}
}

// The CLI features these tests need.
func requireIdentity(t *testing.T) { t.Helper(); requireCLI(t, "resource identity", 12, 12) }
func requireQuery(t *testing.T)    { t.Helper(); requireCLI(t, "terraform query (list resources)", 14, 0) }

// Resource identity: every key's state carries `{ id }`, and an import block takes the
// identity instead of an id, importing the key as an import by id does.
func TestAPIKeyImportByIdentity(t *testing.T) {
	requireIdentity(t)
	s := newServer(t)
	config := keyConfig(s, `name = "door-9"`)
	var id string
	cliTestIf(t, tfversion.SkipBelow(tfversion.Version1_12_0),
		resource.TestStep{
			Config: config,
			Check:  captureAttr(keyAddr, "id", &id),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity(keyAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(hexID)}),
				statecheck.ExpectIdentityValueMatchesState(keyAddr, tfjsonpath.New("id")),
			},
		},
		resource.TestStep{
			Config:          config,
			ResourceName:    keyAddr,
			ImportState:     true,
			ImportStateKind: resource.ImportBlockWithResourceIdentity,
			ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionNoop),
				plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("x_api_key"), knownvalue.Null()),
				plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.StringExact("door-9")),
			}},
		},
	)
	if id == "" {
		t.Fatal("the first step did not run")
	}
}

// An identity is kept in state in the clear, so an identity that holds a key's secret is
// refused, without quoting it.
func TestAPIKeyImportIdentityRefusesSecret(t *testing.T) {
	requireIdentity(t)
	s := newServer(t)
	k, full := handMadeKey(s, "lobby-panel", s.Seed().Panel.ID)
	w := newCLIWorkspace(t)
	w.write("main.tf", providerConfig(s)+fmt.Sprintf(`
import {
  to       = placeos_api_key.lobby
  identity = { id = %q }
}

resource "placeos_api_key" "lobby" {
  name = "lobby-panel"
}
`, full))
	out, err := w.run("plan", "-input=false")
	if err == nil || !strings.Contains(out, "Invalid Import Identity") || !strings.Contains(out, `id = "<id>.<secret>"`) {
		t.Fatalf("plan with a secret in the identity: err %v, want Invalid Import Identity:\n%s", err, out)
	}
	_, secret, _ := strings.Cut(full, ".")
	if strings.Count(out, secret) > 1 {
		// Terraform itself may echo the import block; the provider's error must not add to it.
		t.Errorf("the secret of %s appears %d times in the output", k.ID, strings.Count(out, secret))
	}
}
