package provider

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Some tests drive the Terraform CLI directly, with the provider built as a binary and
// installed through dev_overrides, the way a user runs it: terraform-plugin-testing cannot
// hold modules in state, and cannot capture everything a run prints.

// providerBuild is terraform-provider-placeos built once per test binary with the given go
// build flags, into a folder shared by every test of the binary (t.TempDir would vanish with
// the first test).
type providerBuild struct {
	flags []string
	once  sync.Once
	dir   string
	out   []byte
	err   error
}

var (
	plainBuild = &providerBuild{}
	raceBuild  = &providerBuild{flags: []string{"-race"}}
)

// folder builds the provider on first use and returns the folder that holds it.
func (b *providerBuild) folder(t *testing.T) string {
	t.Helper()
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "placeos-provider-bin") //nolint:usetesting // see providerBuild
		if b.err != nil {
			return
		}
		args := append(append([]string{"build"}, b.flags...), "-o", filepath.Join(b.dir, "terraform-provider-placeos"), ".")
		cmd := exec.Command("go", args...) //nolint:gosec // G204: builds this repository's provider with the go tool
		cmd.Dir = repoRoot(t)
		b.out, b.err = cmd.CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("building the provider (go build %v): %v\n%s", b.flags, b.err, b.out)
	}
	return b.dir
}

// providerBinaryDir builds terraform-provider-placeos once per test binary.
func providerBinaryDir(t *testing.T) string { return plainBuild.folder(t) }

func repoRoot(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// terraformBinary is the CLI under test: TF_ACC_TERRAFORM_PATH, else terraform on PATH.
func terraformBinary(t *testing.T) string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("no Terraform CLI: set TF_ACC_TERRAFORM_PATH or put terraform on PATH")
	}
	return p
}

// cliWorkspace is a folder with a configuration and a CLI config that points placeos/placeos
// at the freshly built provider.
type cliWorkspace struct {
	t   *testing.T
	dir string
	env []string
}

func newCLIWorkspace(t *testing.T, extraEnv ...string) *cliWorkspace {
	t.Helper()
	bin := providerBinaryDir(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "dev.tfrc")
	rcText := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"placeos/placeos\" = %q\n  }\n  direct {}\n}\n", bin)
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "PLACEOS_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	env = append(env, extraEnv...)
	return &cliWorkspace{t: t, dir: dir, env: env}
}

func (w *cliWorkspace) write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o600); err != nil { //nolint:gosec // G703: tests write files they name into their own temporary folder
		w.t.Fatal(err)
	}
}

// run runs the CLI and returns everything it printed (stdout and stderr together).
func (w *cliWorkspace) run(args ...string) (string, error) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, terraformBinary(w.t), append(args, "-no-color")...) //nolint:gosec // G204: runs the Terraform or OpenTofu CLI under test (TF_ACC_TERRAFORM_PATH)
	cmd.Dir = w.dir
	cmd.Env = w.env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

// mustRun fails the test when the command fails.
func (w *cliWorkspace) mustRun(args ...string) string {
	w.t.Helper()
	out, err := w.run(args...)
	if err != nil {
		w.t.Fatalf("%s %s: %v\n%s", filepath.Base(terraformBinary(w.t)), strings.Join(args, " "), err, out)
	}
	return out
}
