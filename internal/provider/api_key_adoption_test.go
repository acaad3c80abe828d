package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// `scopes = []` and a resource named twice are kept only for a key that PlaceOS already holds
// with them (adopted); changing a key's scopes to either is refused at plan time, before any
// request.
func TestAPIKeyScopeRulesHoldForChanges(t *testing.T) {
	s := newServer(t)
	cliTest(t,
		resource.TestStep{Config: keyConfig(s, `name = "door-10"`)},
		resource.TestStep{
			PreConfig:   s.ResetCounts,
			Config:      keyConfig(s, `name = "door-10"`+"\n"+`scopes = []`),
			ExpectError: regexp.MustCompile(`(?s)No Scopes.*scopes. is empty`),
		},
		resource.TestStep{
			Config:      keyConfig(s, `name = "door-10"`+"\n"+`scopes = ["api_keys.read", "api_keys.write"]`),
			ExpectError: regexp.MustCompile(`Resource Named More Than Once in Scopes`),
		},
		resource.TestStep{
			Config: keyConfig(s, `name = "door-10"`),
			Check: func(*terraform.State) error {
				if n := s.Requests(patchKey); n != 0 {
					return fmt.Errorf("the refused plan sent %d updates", n)
				}
				return nil
			},
		},
	)
}

// A key adopted with what a configuration may not ask for (markup PlaceOS keeps in its name or
// description, a `.none` scope) keeps it while it is unchanged, also through an update of
// another attribute, which does not send it; a change of it, or a replacement that would
// create the key again with it, is refused at plan time, before any request.
func TestAPIKeyAdoptedMarkupAndScopesRefusedWhenSent(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	k, _ := s.CreateAPIKey(placeostest.APIKey{
		Name: "lobby-&lt;i&gt;", UserID: seed.Panel.ID, Description: "<b>Lobby</b> panel", Scopes: []string{"systems.None", "modules"},
	})
	w := newCLIWorkspace(t)
	resourceBlock := func(name, description, scopes, extra string) string {
		return fmt.Sprintf("resource \"placeos_api_key\" \"lobby\" {\n  name = %q\n  description = %q\n  scopes = %s\n  user_id = %q\n%s}\n",
			name, description, scopes, seed.Panel.ID, extra)
	}
	adopted := resourceBlock("lobby-<i>", "<b>Lobby</b> panel", `["systems.none", "modules"]`, "")
	w.write("main.tf", providerConfig(s)+fmt.Sprintf("import {\n  to = placeos_api_key.lobby\n  id = %q\n}\n", k.ID)+adopted)
	if out := w.mustRun("apply", "-auto-approve", "-input=false"); !strings.Contains(out, "Resources: 1 imported, 0 added, 0 changed, 0 destroyed.") {
		t.Fatalf("the key is not adopted by a pure import:\n%s", out)
	}
	if out, err := w.run("plan", "-input=false", "-detailed-exitcode"); err != nil || !strings.Contains(out, "No changes.") {
		t.Fatalf("the plan after adopting is not empty (%v):\n%s", err, out)
	}

	// Another attribute changes in place; the kept text and scopes are not sent.
	w.write("main.tf", providerConfig(s)+resourceBlock("lobby-<i>", "<b>Lobby</b> panel", `["systems.none", "modules"]`, "  permissions = \"support\"\n"))
	if out := w.mustRun("apply", "-auto-approve", "-input=false"); !strings.Contains(out, "0 added, 1 changed, 0 destroyed.") {
		t.Fatalf("changing permissions of the adopted key is not an update:\n%s", out)
	}
	if got, _ := s.APIKey(k.ID); got.Name != k.Name || got.Description != k.Description || !slices.Equal(got.Scopes, k.Scopes) || got.Permissions != "support" {
		t.Fatalf("the update changed more than permissions: %+v", got)
	}

	// PlaceOS's own spelling of the kept scope is the same scope.
	kept := resourceBlock("lobby-<i>", "<b>Lobby</b> panel", `["systems.None", "modules"]`, "  permissions = \"support\"\n")
	w.write("main.tf", providerConfig(s)+kept)
	if out := w.mustRun("apply", "-auto-approve", "-input=false"); !strings.Contains(out, "Apply complete! Resources: 0 added, ") || !strings.Contains(out, "0 destroyed.") {
		t.Fatalf("writing the kept scope as PlaceOS does is refused or replaces the key:\n%s", out)
	}
	newKey := func(scope string) string {
		return kept + fmt.Sprintf("resource \"placeos_api_key\" \"other\" {\n  name = \"other\"\n  scopes = [%q]\n}\n", scope)
	}
	s.ResetCounts()
	for label, tc := range map[string]struct{ config, want string }{
		"changed description": {resourceBlock("lobby-<i>", "<b>Lobby</b> panel 2", `["systems.none", "modules"]`, "  permissions = \"support\"\n"),
			`(?s)Value PlaceOS Would Change.*description = "<b>Lobby</b> panel 2".*would keep "Lobby panel 2"`},
		"changed name": {resourceBlock("lobby-<i>-2", "<b>Lobby</b> panel", `["systems.none", "modules"]`, "  permissions = \"support\"\n"),
			`(?s)Value PlaceOS Would Change.*name = "lobby-<i>-2"`},
		"replacement": {resourceBlock("lobby-<i>", "<b>Lobby</b> panel", `["systems.none", "modules"]`, "  permissions = \"support\"\n  rotation_triggers = { r = \"1\" }\n"),
			`(?s)Value PlaceOS Would Change.*name = "lobby-<i>".*Value PlaceOS Would Change.*description = "<b>Lobby</b> panel"`},
		"changed scopes": {resourceBlock("lobby-<i>", "<b>Lobby</b> panel", `["systems.none", "modules.read"]`, "  permissions = \"support\"\n"),
			`(?s)Invalid Scope.*"systems.none" is not a PlaceOS scope that a configuration may ask for; .\.none. grants nothing`},
		"new key with .none": {newKey("systems.NONE"), `(?s)Invalid Scope.*"systems.NONE" is not a PlaceOS scope`},
		"new key with .all":  {newKey("systems.All"), `(?s)Invalid Scope.*"systems.All".*bare resource: write "systems"`},
	} {
		w.write("main.tf", providerConfig(s)+tc.config)
		out, err := w.run("plan", "-input=false")
		// Terraform wraps long lines: words compare with single spaces.
		if err == nil || !regexp.MustCompile(tc.want).MatchString(strings.Join(strings.Fields(out), " ")) {
			t.Errorf("%s: the plan is not refused with %s (%v):\n%s", label, tc.want, err, out)
		}
	}
	for _, route := range keyRouteSet[:3] { // create, update, delete
		if n := s.Requests(route); n != 0 {
			t.Errorf("%s was called %d times; a refused plan must make no change", route, n)
		}
	}
}
