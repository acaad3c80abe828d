package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// handMadeKey makes a key on the server the way Backoffice does, outside Terraform.
func handMadeKey(s *placeostest.Server, name, userID string) (placeostest.APIKey, string) {
	return s.CreateAPIKey(placeostest.APIKey{Name: name, UserID: userID, Description: "made by hand"})
}

// The list resource's filters are the data source's: domain, user and name, combined; each
// result is a key's identity with its name as the display name.
func TestAPIKeyListResourceFilters(t *testing.T) {
	requireQuery(t)
	s := newServer(t)
	seed := s.Seed()
	lobby, _ := handMadeKey(s, "panel-lobby", seed.Panel.ID)
	kiosk, _ := handMadeKey(s, "panel-kiosk &amp; lifts", seed.Panel.ID) // stored escaped, as PlaceOS does
	byAdmin, _ := handMadeKey(s, "panel-admin-desk", seed.Admin.ID)
	other, _ := handMadeKey(s, "panel-lobby", seed.OtherPanel.ID) // same name, other domain
	idIs := func(id string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"id": knownvalue.StringExact(id)}
	}
	list := func(label, config string) string {
		return fmt.Sprintf("list \"placeos_api_key\" %q {\n  provider = placeos\n  config {\n%s\n  }\n}\n", label, config)
	}
	cliTestIf(t, tfversion.SkipBelow(tfversion.Version1_14_0),
		resource.TestStep{Config: providerConfig(s)},
		resource.TestStep{
			Query: true,
			Config: list("domain", fmt.Sprintf(`authority_id = %q
    name_regex = "^panel-"`, seed.Domain.ID)) +
				list("user", fmt.Sprintf(`user_id = %q`, seed.Panel.ID)) +
				list("name", `name_regex = "(?i)^PANEL-LOBBY$"`),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("placeos_api_key.domain", 3),
				querycheck.ExpectIdentity("placeos_api_key.domain", idIs(lobby.ID)),
				querycheck.ExpectIdentity("placeos_api_key.domain", idIs(kiosk.ID)),
				querycheck.ExpectIdentity("placeos_api_key.domain", idIs(byAdmin.ID)),
				querycheck.ExpectResourceDisplayName("placeos_api_key.domain",
					queryfilter.ByResourceIdentity(idIs(kiosk.ID)), knownvalue.StringExact("panel-kiosk & lifts")),
				// The seeded user key of the panel user is listed too.
				querycheck.ExpectLength("placeos_api_key.user", 3),
				querycheck.ExpectIdentity("placeos_api_key.user", idIs(lobby.ID)),
				querycheck.ExpectLength("placeos_api_key.name", 2),
				querycheck.ExpectIdentity("placeos_api_key.name", idIs(other.ID)),
			},
		},
	)
}

// With include_resource, each result carries the key as placeos_api_key holds it after an
// import: every argument PlaceOS stores, and never the secret.
func TestAPIKeyListResourceIncludeResource(t *testing.T) {
	requireQuery(t)
	s := newServer(t)
	seed := s.Seed()
	expires := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	k, _ := s.CreateAPIKey(placeostest.APIKey{
		Name: "door-3", Description: "Side door", UserID: seed.Panel.ID,
		Scopes: []string{"systems.Read", "modules"}, Permissions: "support", ExpiresAt: &expires,
	})
	byID := queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(k.ID)})
	cliTestIf(t, tfversion.SkipBelow(tfversion.Version1_14_0),
		resource.TestStep{Config: providerConfig(s)},
		resource.TestStep{
			Query: true,
			Config: `list "placeos_api_key" "doors" {
  provider         = placeos
  include_resource = true
  config {
    name_regex = "^door-"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("placeos_api_key.doors", 1),
				querycheck.ExpectResourceKnownValues("placeos_api_key.doors", byID, []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(k.ID)},
					{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("door-3")},
					{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("Side door")},
					{Path: tfjsonpath.New("user_id"), KnownValue: knownvalue.StringExact(seed.Panel.ID)},
					{Path: tfjsonpath.New("authority_id"), KnownValue: knownvalue.StringExact(seed.Domain.ID)},
					{Path: tfjsonpath.New("scopes"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("systems.read"), knownvalue.StringExact("modules"),
					})},
					{Path: tfjsonpath.New("permissions"), KnownValue: knownvalue.StringExact("support")},
					{Path: tfjsonpath.New("expires_at"), KnownValue: knownvalue.StringExact(expires.Format(time.RFC3339))},
					{Path: tfjsonpath.New("x_api_key"), KnownValue: knownvalue.Null()},
					{Path: tfjsonpath.New("name_prefix"), KnownValue: knownvalue.Null()},
					{Path: tfjsonpath.New("ttl"), KnownValue: knownvalue.Null()},
				}),
			},
		},
	)
}

// The adoption workflow through the CLI, as a user runs it: `terraform query
// -generate-config-out` writes import and resource blocks for a domain's hand-made keys; the
// apply that follows only imports (N imported, 0 added, 0 changed, 0 destroyed) and touches no
// key on the server; the plan after it has no changes. No secret appears anywhere.
func TestAPIKeyQueryGeneratesPureImports(t *testing.T) {
	requireQuery(t)
	s := newServer(t)
	seed := s.Seed()
	expires := time.Now().Add(60 * 24 * time.Hour).UTC().Truncate(time.Second)
	expired := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Second)
	var secrets []string
	var ids []string
	for _, k := range []placeostest.APIKey{
		{Name: "panel-lobby", UserID: seed.Panel.ID}, // every default
		{Name: "panel-kiosk", UserID: seed.Panel.ID, Description: "Kiosk by the lifts", Scopes: []string{"systems.Read", "Modules"}}, // PlaceOS spellings
		{Name: "panel-desk", UserID: seed.Admin.ID, Permissions: "admin_support", ExpiresAt: &expires},
		{Name: "panel-old", UserID: seed.Panel.ID, ExpiresAt: &expired},
		{Name: "panel-edge", UserID: seed.Admin.ID, Scopes: []string{"edge-abc123", "edge-control"}}, // as PlaceOS edges make them
		{Name: "panel-r&amp;d", UserID: seed.Panel.ID, Description: "Tom &amp; Jerry"},               // stored escaped, as PlaceOS does
		{Name: "panel-mute", UserID: seed.Panel.ID, Scopes: []string{}},
		{Name: "panel-twice", UserID: seed.Panel.ID, Scopes: []string{"api_keys.Read", "api_keys.Write"}}, // PlaceOS honours the first                              // no scopes: PlaceOS allows it // expired: imported as it is, with a warning
		// Markup PlaceOS keeps: escaped in a name, an allow-listed tag in a description.
		{Name: "panel-&lt;b&gt;bold&lt;/b&gt;", UserID: seed.Panel.ID, Description: "<b>Lobby</b> panel &amp; lifts"},
		{Name: "panel-none", UserID: seed.Panel.ID, Scopes: []string{"systems.None", "modules.Read"}}, // PlaceOS writes `.none` so
		{Name: "panel-all", UserID: seed.Panel.ID, Scopes: []string{"systems.ALL", "zones.None"}},     // PlaceOS parses `.all` in any case
	} {
		made, full := s.CreateAPIKey(k)
		ids = append(ids, made.ID)
		_, secret, _ := strings.Cut(full, ".")
		secrets = append(secrets, secret)
	}
	handMadeKey(s, "panel-lobby", seed.OtherPanel.ID) // another domain: not selected

	w := newCLIWorkspace(t)
	w.write("main.tf", providerConfig(s))
	w.write("adopt.tfquery.hcl", fmt.Sprintf(`list "placeos_api_key" "panels" {
  provider = placeos
  config {
    authority_id = %q
    name_regex   = "^panel-"
  }
}
`, seed.Domain.ID))
	before := s.APIKeys()
	s.ResetCounts()

	query := w.mustRun("query", "-generate-config-out=generated.tf")
	generated, err := os.ReadFile(filepath.Join(w.dir, "generated.tf"))
	if err != nil {
		t.Fatalf("query wrote no generated.tf: %v\n%s", err, query)
	}
	gen := string(generated)
	for _, id := range ids {
		if !strings.Contains(query, id) || !strings.Contains(gen, id) {
			t.Errorf("key %s is missing from the query output or generated.tf:\n%s\n%s", id, query, gen)
		}
	}
	if n := strings.Count(gen, "import {"); n != len(ids) {
		t.Errorf("generated.tf has %d import blocks, want %d:\n%s", n, len(ids), gen)
	}
	// In the resource blocks (the import blocks set the identity's id), Terraform writes
	// optional arguments that are null as `= null`; nothing that PlaceOS does not store, and
	// nothing computed, may have a value.
	resources := regexp.MustCompile(`(?s)import \{.*?\n\}\n`).ReplaceAllString(gen, "")
	if regexp.MustCompile(`(?m)^\s*(x_api_key|name_prefix|ttl|rotate_before|rotation_triggers|id|created_at|updated_at)\s*=\s*[^n\s]`).MatchString(resources) {
		t.Errorf("generated.tf gives a value to an argument that PlaceOS does not store or that is computed:\n%s", gen)
	}

	plan := w.mustRun("plan", "-input=false")
	if want := fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", len(ids)); !strings.Contains(plan, want) {
		t.Fatalf("the plan of the generated configuration is not a pure import; want %q:\n%s\n%s", want, plan, gen)
	}
	apply := w.mustRun("apply", "-auto-approve", "-input=false")
	want := fmt.Sprintf("Apply complete! Resources: %d imported, 0 added, 0 changed, 0 destroyed.", len(ids))
	if !strings.Contains(apply, want) || !strings.Contains(apply, "API Key Imported Without Its Secret") {
		t.Fatalf("apply of the generated configuration is not a pure import that warns about the secret; want %q:\n%s\n%s", want, apply, gen)
	}
	after, err := w.run("plan", "-input=false", "-detailed-exitcode")
	if err != nil || !strings.Contains(after, "No changes.") {
		t.Fatalf("the plan after the import is not empty (%v):\n%s\n%s", err, after, gen)
	}

	for _, route := range keyRouteSet[:3] { // create, update, delete
		if n := s.Requests(route); n != 0 {
			t.Errorf("%s was called %d times; adopting keys must not change them", route, n)
		}
	}
	if n := len(s.APIKeys()); n != len(before) {
		t.Errorf("the server has %d keys after adopting, %d before", n, len(before))
	}
	state := w.mustRun("show", "-json")
	for _, out := range []string{query, gen, plan, apply, after, state} {
		for _, secret := range secrets {
			if strings.Contains(out, secret) {
				t.Fatal("a key's secret appears in the output, generated.tf or the state")
			}
		}
	}
}

// The guide's last step: an adopted key is rotated into one that Terraform makes, without
// downtime, by swapping name for name_prefix with ttl, rotate_before and
// create_before_destroy. The next apply makes the new key first and deletes the adopted one.
func TestAPIKeyAdoptedKeyRotatesIntoManaged(t *testing.T) {
	requireQuery(t)
	s := newServer(t)
	adopted, _ := handMadeKey(s, "panel-lobby", s.Seed().Panel.ID)
	w := newCLIWorkspace(t)
	w.write("main.tf", providerConfig(s))
	w.write("adopt.tfquery.hcl", `list "placeos_api_key" "lobby" {
  provider = placeos
  config {
    name_regex = "^panel-lobby$"
  }
}
`)
	w.mustRun("query", "-generate-config-out=generated.tf")
	w.mustRun("apply", "-auto-approve", "-input=false")

	generated, err := os.ReadFile(filepath.Join(w.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	// The import has been applied; the resource block is edited as the guide says.
	rotated := regexp.MustCompile(`(?s)import \{.*?\n\}\n`).ReplaceAllString(string(generated), "")
	for old, repl := range map[string]string{
		`(?m)^(\s*)name\s*= "panel-lobby"$`: `${1}name_prefix = "panel-lobby-"`,
		`(?m)^\s*name_prefix\s*= null\n`:    ``,
		`(?m)^(\s*)ttl\s*= null$`:           `${1}ttl = "2160h"`,
		`(?m)^(\s*)rotate_before\s*= null$`: `${1}rotate_before = "360h"`,
		`(?m)^}$`:                           "  lifecycle {\n    create_before_destroy = true\n  }\n}",
	} {
		re := regexp.MustCompile(old)
		if !re.MatchString(rotated) {
			t.Fatalf("generated.tf has no line for %s:\n%s", old, generated)
		}
		rotated = re.ReplaceAllString(rotated, repl)
	}
	w.write("generated.tf", rotated)

	apply := w.mustRun("apply", "-auto-approve", "-input=false")
	if !strings.Contains(apply, "Apply complete! Resources: 1 added, 0 changed, 1 destroyed.") {
		t.Fatalf("rotating the adopted key is not one replacement:\n%s\n%s", apply, rotated)
	}
	if _, ok := s.APIKey(adopted.ID); ok {
		t.Error("the adopted key is still on the server after its rotation")
	}
	show := w.mustRun("show", "-json")
	var made placeostest.APIKey
	for _, k := range s.APIKeys() {
		if strings.HasPrefix(k.Name, "panel-lobby-") {
			made = k
		}
	}
	if made.ID == "" || made.ExpiresAt == nil || !strings.Contains(show, `"x_api_key":"`+made.ID+".") {
		t.Errorf("after the rotation the state should hold the new key %q with its secret and an expiry:\n%s", made.ID, show)
	}
	if out, err := w.run("plan", "-input=false", "-detailed-exitcode"); err != nil {
		t.Errorf("the plan after the rotation is not empty (%v):\n%s", err, out)
	}
}

// A listing that PlaceOS refuses is an error that says which permission is missing.
func TestAPIKeyListResourceWithoutPermission(t *testing.T) {
	requireQuery(t)
	s := newServer(t)
	w := newCLIWorkspace(t)
	w.write("main.tf", requiredProviders+fmt.Sprintf("provider \"placeos\" {\n  url     = %q\n  api_key = %q\n}\n", s.URL(), s.Seed().UserAPIKey))
	w.write("adopt.tfquery.hcl", `list "placeos_api_key" "all" {
  provider = placeos
}
`)
	out, err := w.run("query")
	if err == nil || !strings.Contains(out, "Error Listing API Keys") || !strings.Contains(out, "admin") {
		t.Fatalf("query with a user-level key: err %v, want Error Listing API Keys naming the permission:\n%s", err, out)
	}
}
