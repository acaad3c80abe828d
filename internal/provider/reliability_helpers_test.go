package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// Helpers of the reliability suite (reliability_*_test.go): CLI runs with extra environment,
// the state file as the CLI wrote it, and what the in-memory API answered.

// runEnv runs the CLI like run, with extra environment variables for this run only, and
// reports how long it took.
func (w *cliWorkspace) runEnv(env []string, args ...string) (string, time.Duration, error) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, terraformBinary(w.t), append(args, "-no-color")...) //nolint:gosec // G204: runs the Terraform or OpenTofu CLI under test (TF_ACC_TERRAFORM_PATH)
	cmd.Dir = w.dir
	cmd.Env = append(append([]string{}, w.env...), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	return out.String(), time.Since(start), err
}

// exitCode is the CLI's exit status (0 when err is nil, -1 when it did not run).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// stateKey is one placeos_api_key instance in the state file.
type stateKey struct {
	Address string
	ID      string
	Name    string
	XAPIKey string
}

// stateKeys reads the placeos_api_key instances from the workspace's terraform.tfstate (the
// local backend, which Terraform and OpenTofu write alike).
func (w *cliWorkspace) stateKeys() []stateKey {
	w.t.Helper()
	raw, err := os.ReadFile(filepath.Join(w.dir, "terraform.tfstate"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Type      string `json:"type"`
			Name      string `json:"name"`
			Module    string `json:"module"`
			Instances []struct {
				IndexKey   any `json:"index_key"`
				Attributes struct {
					ID      string `json:"id"`
					Name    string `json:"name"`
					XAPIKey string `json:"x_api_key"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		w.t.Fatalf("reading terraform.tfstate: %v", err)
	}
	var keys []stateKey
	for _, r := range st.Resources {
		if r.Mode != "managed" || r.Type != "placeos_api_key" {
			continue
		}
		for _, in := range r.Instances {
			addr := r.Type + "." + r.Name
			if r.Module != "" {
				addr = r.Module + "." + addr
			}
			switch k := in.IndexKey.(type) {
			case float64:
				addr += fmt.Sprintf("[%d]", int(k))
			case string:
				addr += fmt.Sprintf("[%q]", k)
			}
			keys = append(keys, stateKey{Address: addr, ID: in.Attributes.ID, Name: in.Attributes.Name, XAPIKey: in.Attributes.XAPIKey})
		}
	}
	return keys
}

// serverAgreesWithState checks the invariant of every reliability test: the keys on the server
// (besides the seeded ones) are exactly the keys in state, and every key in state that holds
// its secret authenticates. It returns the problems found, empty when they agree.
func serverAgreesWithState(s *placeostest.Server, seeded map[string]bool, keys []stateKey) []string {
	var problems []string
	inState := map[string]bool{}
	for _, k := range keys {
		inState[k.ID] = true
		if _, ok := s.APIKey(k.ID); !ok {
			problems = append(problems, fmt.Sprintf("%s (%s) is in state but not on the server", k.Address, k.ID))
			continue
		}
		if k.XAPIKey != "" && !s.Authenticates(k.XAPIKey) {
			problems = append(problems, fmt.Sprintf("%s (%s): x_api_key in state does not authenticate", k.Address, k.ID))
		}
	}
	for _, k := range s.APIKeys() {
		if !seeded[k.ID] && !inState[k.ID] {
			problems = append(problems, fmt.Sprintf("orphan on the server: %s (%s), not in state", k.ID, k.Name))
		}
	}
	return problems
}

// statusLog counts the answers of the in-memory API by request method and status; status 0 is
// a connection closed without an answer (an injected reset, or a lost create response).
type statusLog struct {
	mu     sync.Mutex
	counts map[string]int // "POST 201", "GET 503", "DELETE 0", ...
}

func newStatusLog() *statusLog { return &statusLog{counts: map[string]int{}} }

func (l *statusLog) record(method, _ string, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[method+" "+strconv.Itoa(status)]++
}

// take returns the counts since the last take and starts again from zero.
func (l *statusLog) take() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts
	l.counts = map[string]int{}
	return c
}

// formatCounts renders a count map sorted by key, e.g. "GET 200=12, POST 201=3".
func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// faultTally sums a statusLog snapshot into attempts, injected faults and answers.
func faultTally(m map[string]int) (attempts, s503, s429, closed int) {
	for k, n := range m {
		attempts += n
		switch {
		case strings.HasSuffix(k, " 503"):
			s503 += n
		case strings.HasSuffix(k, " 429"):
			s429 += n
		case strings.HasSuffix(k, " 0"):
			closed += n
		}
	}
	return
}

var (
	cliVersionOnce sync.Once
	cliName        string
	cliMajor       int
	cliMinor       int
)

// cliVersion reports the CLI under test: "terraform" or "tofu", with its version.
func cliVersion(t *testing.T) (name string, major, minor int) {
	t.Helper()
	bin := terraformBinary(t)
	cliVersionOnce.Do(func() {
		cmd := exec.Command(bin, "version")
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=")
		out, _ := cmd.CombinedOutput()
		m := regexp.MustCompile(`(Terraform|OpenTofu) v(\d+)\.(\d+)`).FindStringSubmatch(string(out))
		if m == nil {
			return
		}
		cliName = map[string]string{"Terraform": "terraform", "OpenTofu": "tofu"}[m[1]]
		cliMajor, _ = strconv.Atoi(m[2])
		cliMinor, _ = strconv.Atoi(m[3])
	})
	if cliName == "" {
		t.Fatalf("cannot tell the version of %s", bin)
	}
	return cliName, cliMajor, cliMinor
}

// cliHasEphemeral: ephemeral resources need Terraform >= 1.10 or OpenTofu >= 1.11.
func cliHasEphemeral(t *testing.T) bool {
	name, major, minor := cliVersion(t)
	need := 10
	if name == "tofu" {
		need = 11
	}
	return major > 1 || (major == 1 && minor >= need)
}
