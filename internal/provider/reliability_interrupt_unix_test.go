//go:build unix

package provider

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// interruptKeys is how many keys the interrupted apply was to create.
const interruptKeys = 40

// slowCreates is a front for the API that carries every create out at once but holds its
// answer back for delay, or drops it when the client goes away first: a create interrupted
// then has made a key whose secret the client never sees. answered counts the creates answered.
func slowCreates(t *testing.T, s *placeostest.Server, delay time.Duration) (url string, answered *atomic.Int64) {
	answered = &atomic.Int64{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			s.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		select {
		case <-r.Context().Done():
			return
		case <-time.After(delay):
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		answered.Add(1)
	}))
	t.Cleanup(front.Close)
	return front.URL, answered
}

// TestReliabilityInterruptedApply presses Ctrl-C in the middle of an apply: SIGINT to the
// CLI's whole process group, as a terminal sends it, so the provider gets it too. Every create
// is carried out at once and answered 300ms later, so creates are in flight at the interrupt.
// The provider waits for the answer to each create already sent (PlaceOS may carry one out
// after the client gave up on it, later than any look for its key) and Terraform keeps those
// keys; a create cancelled while it was being sent is looked for and deleted. Afterwards every
// key in state exists on the server and authenticates, no key is left on the server outside
// the state, and a second apply creates the rest without a name clash.
func TestReliabilityInterruptedApply(t *testing.T) {
	s := newServer(t)
	seeded := seededKeyIDs(s)
	w := newCLIWorkspace(t)
	url, answered := slowCreates(t, s, 300*time.Millisecond)
	w.write("main.tf", requiredProviders+fmt.Sprintf(`
provider "placeos" {
  url     = %q
  api_key = %q
}

resource "placeos_api_key" "interrupted" {
  count = %d
  name  = "interrupted-${count.index}"
}
`, url, s.Seed().AdminAPIKey, interruptKeys))

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, terraformBinary(t), "apply", "-auto-approve", "-input=false", "-no-color") //nolint:gosec // G204: runs the Terraform or OpenTofu CLI under test (TF_ACC_TERRAFORM_PATH)
	cmd.Dir = w.dir
	cmd.Env = w.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once some creates have been answered and others are in flight.
	deadline := time.Now().Add(time.Minute)
	for answered.Load() < 12 {
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("the apply made %d creates in a minute:\n%s", s.Requests(postKeys), out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	inFlight := int64(s.Requests(postKeys)) - answered.Load()
	interruptedAt := time.Now()
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	stopped := time.Since(interruptedAt)
	if err == nil {
		t.Fatalf("the apply finished despite the interrupt; nothing was tested:\n%s", out.String())
	}
	t.Logf("interrupted after %d creates; the CLI exited %d after %s; %d deletes of keys whose create was cut off",
		s.Requests(postKeys), exitCode(err), stopped.Round(100*time.Millisecond), s.Requests(deleteKey))
	// Whether a create is still in flight when the signal lands is up to the scheduler; the
	// properties below (state and server agree, a re-run converges) must hold either way.
	if inFlight == 0 {
		t.Logf("no create was in flight at the interrupt this time: only the state/server agreement was exercised")
	} else {
		t.Logf("%d creates were in flight at the interrupt", inFlight)
	}
	if stopped > 30*time.Second {
		t.Errorf("the CLI took %s to stop after the interrupt", stopped)
	}

	keys := w.stateKeys()
	if len(keys) == 0 || len(keys) >= interruptKeys {
		t.Fatalf("%d of %d keys in state after the interrupt; the interrupt should land mid-apply:\n%s", len(keys), interruptKeys, out.String())
	}
	if problems := serverAgreesWithState(s, seeded, keys); len(problems) > 0 {
		t.Fatalf("after the interrupt the server and the state disagree:\n  %s\n%s", strings.Join(problems, "\n  "), out.String())
	}
	t.Logf("%d keys in state after the interrupt, the same on the server", len(keys))

	w.mustRun("apply", "-auto-approve", "-input=false")
	keys = w.stateKeys()
	if len(keys) != interruptKeys {
		t.Fatalf("%d keys in state after the second apply, want %d", len(keys), interruptKeys)
	}
	if problems := serverAgreesWithState(s, seeded, keys); len(problems) > 0 {
		t.Fatalf("after the second apply the server and the state disagree:\n  %s", strings.Join(problems, "\n  "))
	}
	w.mustRun("destroy", "-auto-approve", "-input=false")
	noKeyLeft(t, s, seeded)
}
