package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// secretSet is every secret a test knows of, by value, each with a label that can be printed.
type secretSet struct {
	mu     sync.Mutex
	values map[string]string // secret => label
}

func newSecretSet() *secretSet { return &secretSet{values: map[string]string{}} }

// add records a secret; for an X-API-Key ("<id>.<secret>") the secret part on its own too,
// since the id alone is not secret (it is in state, plans and log lines).
func (s *secretSet) add(label, v string) {
	if len(v) < 8 {
		return // too short to tell apart from ordinary text; no secret here is this short
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.values[v]; !ok {
		s.values[v] = label
	}
	if id, secret, ok := strings.Cut(v, "."); ok && hexID.MatchString(id) && len(secret) >= 8 {
		if _, ok := s.values[secret]; !ok {
			s.values[secret] = label + " (secret part)"
		}
	}
}

func (s *secretSet) snapshot() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.values))
	for k, v := range s.values {
		out[k] = v
	}
	return out
}

// sensitiveFields are the JSON fields whose values PlaceOS answers carry and that must never
// reach Terraform's output: secrets of keys and tokens, and the embedded user's columns.
var sensitiveFields = map[string]bool{
	"x_api_key": true, "access_token": true, "refresh_token": true, "password_digest": true, "card_number": true,
}

// harvest walks a JSON answer and records every sensitive value in it; `internals` of a domain
// is sensitive as a whole (SSO settings and secrets).
func (s *secretSet) harvest(route string, v any, sensitive bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			s.harvest(route, child, sensitive || sensitiveFields[k] || k == "internals")
		}
	case []any:
		for _, child := range x {
			s.harvest(route, child, sensitive)
		}
	case string:
		if sensitive {
			s.add("a sensitive value answered by "+route, x)
		}
	}
}

// harvestingFront puts a proxy before the in-memory API that records every sensitive value
// the API ever answers (issued keys, OAuth tokens, embedded users, domain internals), so that
// the test knows every secret that could leak, ephemeral keys and refreshed tokens included.
// Its host is 127.0.0.1, the seeded primary domain.
func harvestingFront(t *testing.T, s *placeostest.Server, secrets *secretSet) string {
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		var body any
		if json.Unmarshal(rec.Body.Bytes(), &body) == nil {
			secrets.harvest(r.Method+" "+r.URL.Path, body, false)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// providerLine: a line the CLI logged for the provider process (its tflog output, diagnostics
// included, which terraform-plugin-go logs at trace level).
func providerLine(line string) bool {
	return strings.Contains(line, "provider.terraform-provider-placeos")
}

// leaks lists where any known secret occurs in out. echoed is a secret the user typed on the
// command line (an import id): the CLI itself prints that one back (its "CLI args" log line,
// "Importing from ID ...", "Preparing import... [id=...]"), which no provider can prevent, so
// it only counts when a line from the provider holds it.
func leaks(out string, secrets map[string]string, echoed string) []string {
	var found []string
	lines := strings.Split(out, "\n")
	for v, label := range secrets {
		for i, line := range lines {
			if !strings.Contains(line, v) {
				continue
			}
			if echoed != "" && strings.Contains(echoed, v) && !providerLine(line) {
				continue
			}
			// The secret itself is never printed, only where it was.
			found = append(found, fmt.Sprintf("%s on line %d: %.120s", label, i+1, strings.ReplaceAll(line, v, "<REDACTED>")))
			break
		}
	}
	sort.Strings(found)
	return found
}

// TestReliabilitySecretsNeverLeak runs apply, plan, import (by id, with the secret, with a
// wrong secret), failing runs and destroy with TF_LOG=trace and TF_LOG_PROVIDER=trace, for
// both API-key and OAuth password logins, and checks that no secret appears in anything the
// CLI prints: no x_api_key or its secret part, no provider credential, no OAuth token, no
// sensitive column of an embedded user, no value of a domain's internals.
func TestReliabilitySecretsNeverLeak(t *testing.T) {
	for _, login := range []string{"api_key", "oauth"} {
		t.Run(login, func(t *testing.T) {
			t.Parallel()
			testSecretsNeverLeak(t, login)
		})
	}
}

func testSecretsNeverLeak(t *testing.T, login string) {
	s := newServer(t)
	seed := s.Seed()
	seeded := seededKeyIDs(s)
	secrets := newSecretSet()
	url := harvestingFront(t, s, secrets)

	// Everything secret that the test set up itself.
	secrets.add("the provider's api_key", seed.AdminAPIKey)
	secrets.add("the support key", seed.SupportAPIKey)
	secrets.add("the user key", seed.UserAPIKey)
	secrets.add("the password", seed.AdminPassword)
	secrets.add("the client_secret", seed.OAuthClientSecret)
	for _, u := range []placeostest.User{seed.Admin, seed.Support, seed.Panel, seed.OtherPanel} {
		secrets.add(u.Email+" password_digest", u.PasswordDigest)
		secrets.add(u.Email+" access_token", u.AccessToken)
		secrets.add(u.Email+" refresh_token", u.RefreshToken)
		secrets.add(u.Email+" card_number", u.CardNumber)
	}
	for _, d := range []placeostest.Domain{seed.Domain, seed.OtherDomain} {
		for k, v := range d.Internals {
			if str, ok := v.(string); ok {
				secrets.add(d.Name+" internals."+k, str)
			}
		}
	}
	// A key of the same name that Terraform did not make, for a failing apply.
	_, clashKey := s.CreateAPIKey(placeostest.APIKey{Name: "leak-clash", UserID: seed.Panel.ID, Scopes: []string{"public"}, Permissions: "user"})
	secrets.add("the key Terraform did not make", clashKey)

	var providerArgs, variables string
	var env []string
	switch login {
	case "api_key":
		variables = "variable \"placeos_api_key\" {\n  type      = string\n  sensitive = true\n}\n"
		providerArgs = "  api_key = var.placeos_api_key\n"
		env = []string{"TF_VAR_placeos_api_key=" + seed.AdminAPIKey}
	case "oauth":
		variables = "variable \"password\" {\n  type      = string\n  sensitive = true\n}\nvariable \"client_secret\" {\n  type      = string\n  sensitive = true\n}\n"
		providerArgs = fmt.Sprintf("  username      = %q\n  password      = var.password\n  client_id     = %q\n  client_secret = var.client_secret\n",
			seed.Admin.Email, seed.OAuthClientID)
		env = []string{"TF_VAR_password=" + seed.AdminPassword, "TF_VAR_client_secret=" + seed.OAuthClientSecret}
	}
	w := newCLIWorkspace(t, append(env, "TF_LOG=trace", "TF_LOG_PROVIDER=trace")...)
	main := requiredProviders + variables + fmt.Sprintf(`
provider "placeos" {
  url = %q
%s}

data "placeos_domain" "here" {}

data "placeos_user" "me" {
  current = true
}

data "placeos_user" "panel" {
  email = %q
}

data "placeos_api_keys" "all" {}

resource "placeos_api_key" "fixed" {
  name        = "leak-fixed"
  user_id     = data.placeos_user.panel.id
  permissions = "admin"
}

resource "placeos_api_key" "prefixed" {
  name_prefix   = "leak-"
  ttl           = "720h"
  rotate_before = "24h"
}
`, url, providerArgs, seed.Panel.Email)
	w.write("main.tf", main)
	if cliHasEphemeral(t) {
		// An ephemeral key, used as another provider configuration's credential.
		w.write("ephemeral.tf", fmt.Sprintf(`
ephemeral "placeos_api_key" "run" {
  name_prefix = "leak-run-"
  permissions = "admin"
  ttl         = "10m"
}

provider "placeos" {
  alias   = "ephemeral"
  url     = %q
  api_key = ephemeral.placeos_api_key.run.x_api_key
}

data "placeos_domain" "via_ephemeral" {
  provider = placeos.ephemeral
}
`, url))
	}

	// run runs one command and checks its whole output against every secret known by then
	// (the harvest grows as the API answers). wantFail says whether the command must fail.
	checked := 0
	run := func(name string, wantFail bool, echoed string, args ...string) string {
		t.Helper()
		out, _, err := w.runEnv(nil, args...)
		if failed := err != nil; failed != wantFail {
			t.Fatalf("%s: failed=%v, want %v: %v\n%s", name, failed, wantFail, err, lastLines(out, 40))
		}
		if !strings.Contains(out, "PlaceOS response") {
			// The provider's own debug lines must be in the output, or the check proves nothing.
			t.Fatalf("%s: the output holds none of the provider's log lines; TF_LOG_PROVIDER did not take effect", name)
		}
		if found := leaks(out, secrets.snapshot(), echoed); len(found) > 0 {
			t.Errorf("%s (%d bytes of output) shows secrets:\n  %s", name, len(out), strings.Join(found, "\n  "))
		}
		checked += len(out)
		return out
	}

	run("apply", false, "", "apply", "-auto-approve", "-input=false")
	keys := w.stateKeys()
	if len(keys) != 2 {
		t.Fatalf("%d keys in state, want 2", len(keys))
	}
	var fixed stateKey
	for _, k := range keys {
		secrets.add(k.Address+" x_api_key", k.XAPIKey) // also harvested from the create answers
		if k.Address == "placeos_api_key.fixed" {
			fixed = k
		}
	}
	run("plan", false, "", "plan", "-input=false")

	// terraform show -json prints state values (that is its job), so it is not checked for
	// leaks; it must mark x_api_key sensitive.
	checkSensitiveInShowJSON(t, w)

	w.mustRun("state", "rm", "placeos_api_key.fixed")
	run("import by id", false, "", "import", "-input=false", "placeos_api_key.fixed", fixed.ID)
	w.mustRun("state", "rm", "placeos_api_key.fixed")
	wrong := fixed.ID + ".wrong-" + strings.Repeat("Z", 37)
	secrets.add("a wrong secret given to import", wrong)
	out := run("import with a wrong secret (fails)", true, wrong, "import", "-input=false", "placeos_api_key.fixed", wrong)
	if !regexp.MustCompile(`(?m)^.*provider\.terraform-provider-placeos.*Invalid API Key Secret`).MatchString(out) {
		t.Errorf("the provider's diagnostic is not among its own log lines, so the check of those lines proves nothing:\n%s", lastLines(out, 30))
	}
	out = run("import with the secret", false, fixed.XAPIKey, "import", "-input=false", "placeos_api_key.fixed", fixed.XAPIKey)
	t.Logf("the CLI itself printed the import id (the full key) %d times in its own output and logs, the provider never",
		strings.Count(out, fixed.XAPIKey))
	if got := w.stateKeys(); len(got) != 2 || !s.Authenticates(fixed.XAPIKey) {
		t.Fatalf("after the import with the secret: %d keys in state", len(got))
	}
	for _, k := range w.stateKeys() {
		if k.Address == "placeos_api_key.fixed" && k.XAPIKey != fixed.XAPIKey {
			t.Errorf("the import with the secret did not store it")
		}
	}
	run("plan after import", false, "", "plan", "-input=false")

	// Failing runs: the API refuses a create, then the provider's own credential.
	w.write("clash.tf", "resource \"placeos_api_key\" \"clash\" {\n  name = \"leak-clash\"\n}\n")
	out = run("apply with a name clash (fails)", true, "", "apply", "-auto-approve", "-input=false")
	if !strings.Contains(out, "API Key Name Already Taken") {
		t.Errorf("the failing apply failed for another reason:\n%s", lastLines(out, 30))
	}
	w.write("clash.tf", "")
	var wrongCredential []string
	switch login {
	case "api_key":
		bad := strings.Repeat("0", 32) + ".wrong-" + strings.Repeat("K", 37)
		secrets.add("a wrong provider api_key", bad)
		wrongCredential = []string{"TF_VAR_placeos_api_key=" + bad}
	case "oauth":
		bad := "wrong-password-" + strings.Repeat("P", 20)
		secrets.add("a wrong password", bad)
		wrongCredential = []string{"TF_VAR_password=" + bad}
	}
	out, _, err := w.runEnv(wrongCredential, "plan", "-input=false")
	if err == nil || !regexp.MustCompile(`401 Unauthorized|400 Bad Request: OAuth token request refused`).MatchString(out) {
		t.Errorf("a plan with a wrong credential should fail with PlaceOS refusing it: %v\n%s", err, lastLines(out, 30))
	}
	if found := leaks(out, secrets.snapshot(), ""); len(found) > 0 {
		t.Errorf("plan with a wrong credential shows secrets:\n  %s", strings.Join(found, "\n  "))
	}
	checked += len(out)

	run("destroy", false, "", "destroy", "-auto-approve", "-input=false")
	if err := checkNoKeysLeft(s, withKey(seeded, s, "leak-clash"))(nil); err != nil {
		t.Error(err)
	}

	all := secrets.snapshot()
	t.Logf("%s: checked %d bytes of CLI output against %d secrets (%d keys created, OAuth token requests: %d)",
		login, checked, len(all), s.Requests(postKeys), s.Requests("POST /auth/oauth/token"))
	if login == "oauth" && s.Requests("POST /auth/oauth/token") == 0 {
		t.Error("the OAuth login made no token request")
	}
	harvested := 0
	for _, label := range all {
		if strings.HasPrefix(label, "a sensitive value answered by") {
			harvested++
		}
	}
	if harvested == 0 {
		t.Error("no sensitive value was harvested from the API's answers; the harvest is broken")
	}
}

// withKey adds the id of the server's key of that name to a copy of seeded.
func withKey(seeded map[string]bool, s *placeostest.Server, name string) map[string]bool {
	out := map[string]bool{}
	for id := range seeded {
		out[id] = true
	}
	for _, k := range s.APIKeys() {
		if k.Name == name {
			out[k.ID] = true
		}
	}
	return out
}

// noLog turns the workspace's TF_LOG and TF_LOG_PROVIDER off for one run.
var noLog = []string{"TF_LOG=", "TF_LOG_PROVIDER="}

// checkSensitiveInShowJSON: `show -json` marks x_api_key of every key sensitive, in the state
// and in a saved plan.
func checkSensitiveInShowJSON(t *testing.T, w *cliWorkspace) {
	t.Helper()
	var st struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address         string          `json:"address"`
					Type            string          `json:"type"`
					SensitiveValues map[string]any  `json:"sensitive_values"`
					Values          json.RawMessage `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	out, _, err := w.runEnv(noLog, "show", "-json")
	if err != nil {
		t.Fatalf("show -json: %v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("show -json: %v", err)
	}
	n := 0
	for _, r := range st.Values.RootModule.Resources {
		if r.Type != "placeos_api_key" {
			continue
		}
		n++
		if r.SensitiveValues["x_api_key"] != true {
			t.Errorf("%s: show -json does not mark x_api_key sensitive: %v", r.Address, r.SensitiveValues)
		}
	}
	if n == 0 {
		t.Error("show -json lists no placeos_api_key")
	}

	// A plan that replaces a key: the new x_api_key is unknown and sensitive.
	if out, _, err := w.runEnv(noLog, "plan", "-input=false", "-out=tfplan", "-replace=placeos_api_key.prefixed"); err != nil {
		t.Fatalf("plan -out: %v\n%s", err, out)
	}
	out, _, err = w.runEnv(noLog, "show", "-json", "tfplan")
	if err != nil {
		t.Fatalf("show -json tfplan: %v\n%s", err, out)
	}
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				BeforeSensitive map[string]any `json:"before_sensitive"`
				AfterSensitive  map[string]any `json:"after_sensitive"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("show -json tfplan: %v", err)
	}
	found := false
	for _, rc := range plan.ResourceChanges {
		if rc.Address != "placeos_api_key.prefixed" {
			continue
		}
		found = true
		if rc.Change.BeforeSensitive["x_api_key"] != true || rc.Change.AfterSensitive["x_api_key"] != true {
			t.Errorf("the saved plan does not mark x_api_key sensitive: before %v, after %v", rc.Change.BeforeSensitive, rc.Change.AfterSensitive)
		}
	}
	if !found {
		t.Error("the saved plan has no change for placeos_api_key.prefixed")
	}
}
