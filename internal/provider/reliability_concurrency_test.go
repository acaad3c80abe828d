package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

const (
	concurrencyKeys        = 200
	concurrencyParallelism = 32
)

// raceProviderDir builds the provider with the race detector, once per test binary.
func raceProviderDir(t *testing.T) string { return raceBuild.folder(t) }

// providerProcess is what one provider process did, read from the CLI's debug log.
type providerProcess struct {
	pid               string
	responses, tokens int // PlaceOS answers the provider logged; of those, from the token endpoint
}

var (
	pluginStarted = regexp.MustCompile(`plugin started: path=\S*terraform-provider-placeos pid=(\d+)`)
	pluginExited  = regexp.MustCompile(`plugin process exited: (?:path|plugin)=\S*terraform-provider-placeos (?:pid|id)=(\d+)`)
	placeosAnswer = regexp.MustCompile(`provider\.terraform-provider-placeos: PlaceOS response:.*`)
)

// providerProcesses reads a TF_LOG=debug log: each provider process between its start and its
// exit, with the PlaceOS answers it logged. Terraform runs one provider process at a time for a
// single provider configuration; an answer logged while several were alive counts as ambiguous.
func providerProcesses(log string) (procs []*providerProcess, ambiguous int) {
	alive := map[string]*providerProcess{}
	for _, line := range strings.Split(log, "\n") {
		if m := pluginStarted.FindStringSubmatch(line); m != nil {
			p := &providerProcess{pid: m[1]}
			alive[m[1]] = p
			procs = append(procs, p)
			continue
		}
		if m := pluginExited.FindStringSubmatch(line); m != nil {
			delete(alive, m[1])
			continue
		}
		if placeosAnswer.MatchString(line) {
			if len(alive) != 1 {
				ambiguous++
				continue
			}
			for _, p := range alive {
				p.responses++
				if strings.Contains(line, "path=/auth/oauth/token") {
					p.tokens++
				}
			}
		}
	}
	return procs, ambiguous
}

// TestReliabilityConcurrentOAuth applies, refreshes and destroys 200 keys at -parallelism=32
// with the OAuth password grant, through a provider built with the race detector. Every
// provider process that talks to PlaceOS fetches exactly one token, shared by all its
// concurrent calls; no call is refused; the race detector reports nothing.
func TestReliabilityConcurrentOAuth(t *testing.T) {
	statuses := newStatusLog()
	s := placeostest.NewServer(placeostest.WithRequestLog(statuses.record))
	t.Cleanup(s.Close)
	seeded := seededKeyIDs(s)
	raceLogs := t.TempDir()
	w := newCLIWorkspace(t, "GORACE=log_path="+filepath.Join(raceLogs, "race"), "TF_LOG=debug")
	// Serve the race-enabled build instead of the ordinary one.
	w.write("dev.tfrc", fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"placeos/placeos\" = %q\n  }\n  direct {}\n}\n", raceProviderDir(t)))
	w.write("main.tf", passwordGrantConfig(s)+fmt.Sprintf(`
resource "placeos_api_key" "many" {
  count = %d
  name  = "many-${count.index}"
}
`, concurrencyKeys))

	command := func(name string, args ...string) {
		t.Helper()
		s.ResetCounts()
		statuses.take()
		logPath := filepath.Join(t.TempDir(), "tf.log")
		out, wall, err := w.runEnv([]string{"TF_LOG_PATH=" + logPath}, append(args, fmt.Sprintf("-parallelism=%d", concurrencyParallelism))...)
		if err != nil { // plan: -detailed-exitcode exits 2 when there are changes
			t.Fatalf("%s: %v\n%s", name, err, lastLines(out, 40))
		}
		raw, readErr := os.ReadFile(logPath)
		if readErr != nil {
			t.Fatal(readErr)
		}
		procs, ambiguous := providerProcesses(string(raw))
		tokens := s.Requests("POST /auth/oauth/token")
		talked, logged := 0, 0
		for _, p := range procs {
			logged += p.tokens
			if p.responses == 0 {
				continue
			}
			talked++
			// One token per provider process, however many calls run at once.
			if p.tokens != 1 {
				t.Errorf("%s: provider process %s fetched %d tokens for %d answers; want exactly 1", name, p.pid, p.tokens, p.responses)
			}
		}
		if ambiguous > 0 || logged != tokens {
			t.Errorf("%s: the debug log accounts for %d token requests (%d answers ambiguous), the server saw %d", name, logged, ambiguous, tokens)
		}
		if tokens < 1 || tokens > talked {
			t.Errorf("%s: %d token requests for %d provider processes that called PlaceOS", name, tokens, talked)
		}
		answers := statuses.take()
		for k, n := range answers {
			if strings.HasSuffix(k, " 401") || strings.HasSuffix(k, " 403") {
				t.Errorf("%s: %d answers %s", name, n, k)
			}
		}
		t.Logf("%s: %s at -parallelism=%d; %d provider processes started, %d called PlaceOS, %d token requests; requests: %s",
			name, wall.Round(100*time.Millisecond), concurrencyParallelism, len(procs), talked, tokens, formatCounts(s.RequestCounts()))
		if problems := serverAgreesWithState(s, seeded, w.stateKeys()); len(problems) > 0 {
			t.Fatalf("after %s the server and the state disagree:\n  %s", name, strings.Join(problems, "\n  "))
		}
	}

	command("apply", "apply", "-auto-approve", "-input=false")
	if n := len(w.stateKeys()); n != concurrencyKeys {
		t.Fatalf("%d keys in state, want %d", n, concurrencyKeys)
	}
	command("plan", "plan", "-input=false", "-detailed-exitcode")
	command("destroy", "destroy", "-auto-approve", "-input=false")
	noKeyLeft(t, s, seeded)

	reports, _ := filepath.Glob(filepath.Join(raceLogs, "race*"))
	for _, r := range reports {
		b, _ := os.ReadFile(r)
		t.Errorf("the race detector reported (%s):\n%s", filepath.Base(r), b)
	}
}
