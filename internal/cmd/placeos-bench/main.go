// Command placeos-bench (`make bench`) measures the provider against its floor.
//
// It starts the in-memory PlaceOS API (internal/placeostest) on loopback, builds
// terraform-provider-placeos and the no-op provider (internal/cmd/noop-provider: the same
// schema, no I/O), and for each N runs `terraform apply`, `terraform plan` (a refresh) and
// `terraform destroy` of N `placeos_api_key` resources against both, and of N built-in
// `terraform_data` resources for reference, alternating between them within each run. It
// reports the median wall time, peak RSS and CPU of each command over the runs, the ratio
// to the floor, and how many API requests each command made per key (from the in-memory
// API's counters). A second table injects latency into every API answer and compares with
// the floor plus the time those round trips must take at the given -parallelism.
//
// Both providers are served as registry.terraform.io/placeos/placeos from separate
// dev_overrides folders (one CLI config file each, passed as TF_CLI_CONFIG_FILE), so the
// same configuration runs against both and no `terraform init` is needed. Terraform is
// TF_ACC_TERRAFORM_PATH, else `terraform` on PATH (or -terraform).
//
// Linux only: memory and CPU are read from /proc (see procstat.go).
//
//	go run ./internal/cmd/placeos-bench                  # the full benchmark (what make bench runs)
//	go run ./internal/cmd/placeos-bench -quick           # a one-minute smoke run
//	go run ./internal/cmd/placeos-bench -cpuprofile cpu.out   # profile the provider (see profile.go)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

const providerAddress = "placeos/placeos"

type options struct {
	sizes          []int
	runs           int
	parallelism    int
	latency        time.Duration
	latencyN       int
	latencyPar     []int
	latencyRuns    int
	refreshN       []int
	refreshLat     []time.Duration
	refreshRuns    int
	refreshOthers  int
	terraformData  bool
	destroyRefresh bool
	sample         time.Duration
	keep           bool
	out            string
	jsonOut        string
	terraform      string
	cpuProfile     string
	memProfile     string
	profileN       int
}

func main() {
	// The child mode of -cpuprofile: serve the provider in this process, for TF_REATTACH_PROVIDERS.
	serve := flag.Bool("serve-provider", false, "internal: serve the provider in debug mode (used by -cpuprofile)")
	childCPU := flag.String("child-cpuprofile", "", "internal: CPU profile file of -serve-provider")
	childMem := flag.String("child-memprofile", "", "internal: heap profile file of -serve-provider")

	var o options
	sizes := flag.String("n", "100,500", "numbers of resources, comma-separated")
	flag.IntVar(&o.runs, "runs", 3, "runs of every command per configuration; medians are reported")
	flag.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism of the first table (10 is Terraform's default)")
	flag.DurationVar(&o.latency, "latency", 20*time.Millisecond, "latency added to every API answer in the second table")
	flag.IntVar(&o.latencyN, "latency-n", 200, "number of resources in the latency table (500 adds about 4 minutes); 0 skips the table")
	latPar := flag.String("latency-parallelism", "10,32", "terraform -parallelism values of the latency table, comma-separated")
	flag.IntVar(&o.latencyRuns, "latency-runs", 0, "runs per configuration in the latency table (default: -runs)")
	refreshN := flag.String("refresh-n", "200,500", "numbers of keys in the refresh table (plan with added latency, against the same plan without); 0 skips the table")
	refreshLat := flag.String("refresh-latency", "0ms,50ms,100ms", "latencies of the refresh table, comma-separated; the first is the reference")
	flag.IntVar(&o.refreshRuns, "refresh-runs", 0, "plans per N and latency in the refresh table (default: -runs)")
	flag.IntVar(&o.refreshOthers, "refresh-others", 0, "keys that the refresh table adds to the domain besides the N in state (a plan of a few keys in a large domain)")
	flag.BoolVar(&o.terraformData, "terraform-data", true, "also measure N built-in terraform_data resources, for reference")
	flag.BoolVar(&o.destroyRefresh, "destroy-refresh", false, "let `terraform destroy` refresh first (by default it runs with -refresh=false, so it measures the deletes; `plan` measures the refresh)")
	flag.DurationVar(&o.sample, "sample", 10*time.Millisecond, "interval of the /proc sampling for peak RSS")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder (binaries, configurations, states, CLI output)")
	flag.StringVar(&o.out, "o", "", "also write the report (markdown) to this file")
	flag.StringVar(&o.jsonOut, "json", "", "write every single measurement to this file as JSON")
	flag.StringVar(&o.terraform, "terraform", "", "Terraform CLI (default: TF_ACC_TERRAFORM_PATH, else terraform on PATH)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "profile mode: write a CPU profile of the provider over apply, plan and destroy of -profile-n keys to this file, and exit")
	flag.StringVar(&o.memProfile, "memprofile", "", "profile mode: also write a heap profile of the provider (after destroy) to this file")
	flag.IntVar(&o.profileN, "profile-n", 500, "number of keys in profile mode")
	quick := flag.Bool("quick", false, "smoke run: -n 100 -runs 1 -latency-n 100 -latency-parallelism 10")
	flag.Parse()

	if *serve {
		if err := serveProvider(*childCPU, *childMem); err != nil {
			fmt.Fprintln(os.Stderr, "placeos-bench -serve-provider:", err)
			os.Exit(1)
		}
		return
	}

	if *quick { // the smoke run's settings, unless given explicitly
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["n"] {
			*sizes = "100"
		}
		if !set["runs"] {
			o.runs = 1
		}
		if !set["latency-n"] {
			o.latencyN = 100
		}
		if !set["latency-parallelism"] {
			*latPar = "10"
		}
		if !set["refresh-n"] {
			*refreshN = "100"
		}
	}
	var err error
	if o.sizes, err = parseInts(*sizes); err != nil || len(o.sizes) == 0 {
		fatalf("-n %q: give positive numbers separated by commas", *sizes)
	}
	if o.latencyPar, err = parseInts(*latPar); err != nil {
		fatalf("-latency-parallelism %q: give positive numbers separated by commas", *latPar)
	}
	if *refreshN != "0" {
		if o.refreshN, err = parseInts(*refreshN); err != nil {
			fatalf("-refresh-n %q: give positive numbers separated by commas, or 0", *refreshN)
		}
	}
	for _, f := range strings.Split(*refreshLat, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil || d < 0 {
			fatalf("-refresh-latency %q: give durations separated by commas, such as 0ms,50ms,100ms", *refreshLat)
		}
		o.refreshLat = append(o.refreshLat, d)
	}
	if o.refreshRuns <= 0 {
		o.refreshRuns = o.runs
	}
	if o.runs < 1 {
		fatalf("-runs must be at least 1")
	}
	if o.latencyRuns <= 0 {
		o.latencyRuns = o.runs
	}
	if runtime.GOOS != "linux" {
		fatalf("placeos-bench reads memory and CPU figures from /proc and runs on Linux only")
	}
	if err := run(o); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "placeos-bench: "+format+"\n", args...)
	os.Exit(1)
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// bench is one benchmark session: binaries, CLI configs, the API server.
type bench struct {
	o         options
	work      string
	repo      string
	terraform string
	tfVersion string
	srv       *placeostest.Server
	apiKey    string
	kinds     map[string]*kind
	samples   []sample
	started   time.Time
	log       io.Writer
	reattach  string // TF_REATTACH_PROVIDERS in profile mode
}

// kind is what a configuration is run against.
type kind struct {
	name   string // placeos, noop, terraform_data
	label  string
	rc     string // TF_CLI_CONFIG_FILE
	plugin string // a plugin's command line contains this ("" for built-in)
	api    bool   // talks to the in-memory API
}

const (
	kindPlaceOS = "placeos"
	kindNoop    = "noop"
	kindTFData  = "terraform_data"
)

// sample is one command's measurement.
type sample struct {
	Kind          string         `json:"kind"`
	N             int            `json:"n"`
	Parallelism   int            `json:"parallelism"`
	LatencyMS     float64        `json:"latency_ms"`
	Op            string         `json:"op"`
	Run           int            `json:"run"`
	WallS         float64        `json:"wall_s"`
	CPUS          float64        `json:"cpu_s"`          // terraform + plugins it reaped (rusage)
	ProviderCPUS  float64        `json:"provider_cpu_s"` // plugins only (sampled)
	TerraformKiB  int64          `json:"terraform_peak_rss_kib"`
	ProviderKiB   int64          `json:"provider_peak_rss_kib"`
	ProviderProcs int            `json:"provider_processes"`
	Requests      map[string]int `json:"requests,omitempty"`
}

func run(o options) error {
	b := &bench{o: o, started: time.Now(), log: os.Stderr}
	var err error
	if b.repo, err = repoRoot(); err != nil {
		return err
	}
	if b.terraform, err = findTerraform(o.terraform); err != nil {
		return err
	}
	if b.tfVersion, err = terraformVersion(b.terraform); err != nil {
		return err
	}
	b.work, err = os.MkdirTemp("", "placeos-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		b.logf("work folder: %s (kept)", b.work)
	} else {
		defer os.RemoveAll(b.work)
	}
	b.logf("Terraform v%s (%s)", b.tfVersion, b.terraform)

	if err := b.buildProviders(); err != nil {
		return err
	}

	b.srv = placeostest.NewServer()
	defer b.srv.Close()
	b.apiKey = b.srv.Seed().AdminAPIKey
	b.logf("in-memory PlaceOS API on %s", b.srv.URL())

	if o.cpuProfile != "" {
		return b.profile()
	}

	// Warm-up: page cache, first plugin start-ups. Not measured.
	b.logf("warm-up (10 resources each, not measured)")
	for _, k := range b.kindList(true) {
		if _, err := b.runOps(k, 10, o.parallelism, 0, -1); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}

	for _, n := range o.sizes {
		if err := b.scenario(n, o.parallelism, 0, o.runs, b.kindList(o.terraformData)); err != nil {
			return err
		}
	}
	if o.latencyN > 0 && o.latency > 0 {
		for _, p := range o.latencyPar {
			if err := b.scenario(o.latencyN, p, o.latency, o.latencyRuns, b.kindList(false)); err != nil {
				return err
			}
		}
	}
	for _, n := range o.refreshN {
		if err := b.refreshScenario(n); err != nil {
			return err
		}
	}
	b.srv.SetLatency(0)

	report := b.report()
	fmt.Print(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o600); err != nil {
			return err
		}
	}
	if o.jsonOut != "" {
		j, _ := json.MarshalIndent(b.samples, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(j, '\n'), 0o600); err != nil {
			return err
		}
	}
	b.logf("done in %s", time.Since(b.started).Round(time.Second))
	return nil
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "[%6.1fs] %s\n", time.Since(b.started).Seconds(), fmt.Sprintf(format, args...))
}

func (b *bench) kindList(withTFData bool) []*kind {
	out := []*kind{b.kinds[kindPlaceOS], b.kinds[kindNoop]}
	if withTFData {
		out = append(out, b.kinds[kindTFData])
	}
	return out
}

// buildProviders builds both plugins, each into its own dev_overrides folder under the same
// name, and writes one CLI config per folder.
func (b *bench) buildProviders() error {
	b.kinds = map[string]*kind{}
	for _, k := range []struct{ name, label, pkg string }{
		{kindPlaceOS, "placeos", "."},
		{kindNoop, "no-op floor", "./internal/cmd/noop-provider"},
	} {
		dir := filepath.Join(b.work, "plugins", k.name)
		bin := filepath.Join(dir, "terraform-provider-placeos")
		b.logf("go build -o %s %s", bin, k.pkg)
		cmd := exec.Command("go", "build", "-o", bin, k.pkg)
		cmd.Dir = b.repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %v\n%s", k.pkg, err, out)
		}
		rc := filepath.Join(b.work, k.name+".tfrc")
		text := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", providerAddress, dir)
		if err := os.WriteFile(rc, []byte(text), 0o600); err != nil {
			return err
		}
		b.kinds[k.name] = &kind{name: k.name, label: k.label, rc: rc, plugin: bin, api: k.name == kindPlaceOS}
	}
	rc := filepath.Join(b.work, "builtin.tfrc")
	if err := os.WriteFile(rc, []byte("# terraform_data needs no provider installation\n"), 0o600); err != nil {
		return err
	}
	b.kinds[kindTFData] = &kind{name: kindTFData, label: "terraform_data", rc: rc}
	return nil
}

// scenario measures every kind runs times at one size, parallelism and latency, rotating
// the order of the kinds from run to run so that none always goes first.
func (b *bench) scenario(n, par int, latency time.Duration, runs int, kinds []*kind) error {
	b.srv.SetLatency(latency)
	for r := 0; r < runs; r++ {
		for i := range kinds {
			k := kinds[(i+r)%len(kinds)]
			b.logf("N=%d parallelism=%d latency=%s run %d/%d: %s", n, par, latency, r+1, runs, k.label)
			got, err := b.runOps(k, n, par, latency, r)
			if err != nil {
				return err
			}
			b.samples = append(b.samples, got...)
		}
	}
	return nil
}

var ops = []string{"apply", "plan", "destroy"}

// opRefresh marks the plans of the refresh table.
const opRefresh = "refresh"

// refreshScenario applies n keys without latency, then plans them -refresh-runs times at every
// -refresh-latency (in an order that rotates from run to run), then destroys them.
func (b *bench) refreshScenario(n int) error {
	k, par := b.kinds[kindPlaceOS], b.o.parallelism
	dir := filepath.Join(b.work, "ws", fmt.Sprintf("refresh-%d", n))
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(configFor(k, n)), 0o600); err != nil {
		return err
	}
	b.srv.SetLatency(0)
	others := make([]string, 0, b.o.refreshOthers)
	for i := 0; i < b.o.refreshOthers; i++ {
		// Named to sort first: the first page of the listing holds none of the N keys.
		k, _ := b.srv.CreateAPIKey(placeostest.APIKey{Name: fmt.Sprintf("a-other-%05d", i), UserID: b.srv.Seed().Admin.ID})
		others = append(others, k.ID)
	}
	defer func() {
		for _, id := range others {
			b.srv.DeleteAPIKey(id)
		}
	}()
	b.logf("refresh table N=%d (%d other keys in the domain): apply", n, len(others))
	if _, err := b.measure(k, dir, "apply", n, par); err != nil {
		return err
	}
	lats := b.o.refreshLat
	for r := 0; r < b.o.refreshRuns; r++ {
		for i := range lats {
			lat := lats[(i+r)%len(lats)]
			b.srv.SetLatency(lat)
			b.logf("refresh table N=%d latency=%s run %d/%d: plan", n, lat, r+1, b.o.refreshRuns)
			s, err := b.measure(k, dir, "plan", n, par)
			if err != nil {
				return err
			}
			s.Op, s.Run, s.LatencyMS = opRefresh, r, float64(lat)/float64(time.Millisecond)
			b.samples = append(b.samples, s)
		}
	}
	b.srv.SetLatency(0)
	b.logf("refresh table N=%d: destroy", n)
	if _, err := b.measure(k, dir, "destroy", n, par); err != nil {
		return err
	}
	other := map[string]bool{}
	for _, id := range others {
		other[id] = true
	}
	for _, k := range b.srv.APIKeys() {
		if !b.srv.SeededAPIKey(k.ID) && !other[k.ID] {
			return fmt.Errorf("after destroy the API still holds the key %s (%s)", k.ID, k.Name)
		}
	}
	return nil
}

// runOps runs apply, plan and destroy of n resources of kind k in a fresh workspace.
func (b *bench) runOps(k *kind, n, par int, latency time.Duration, run int) ([]sample, error) {
	dir := filepath.Join(b.work, "ws", fmt.Sprintf("%s-%d", k.name, n))
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(configFor(k, n)), 0o600); err != nil {
		return nil, err
	}
	var out []sample
	for _, op := range ops {
		s, err := b.measure(k, dir, op, n, par)
		if err != nil {
			return nil, err
		}
		s.LatencyMS = float64(latency) / float64(time.Millisecond)
		s.Run = run
		if k.api {
			if err := b.checkServer(op, n); err != nil {
				return nil, err
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// configFor is the configuration: the same for the provider and its floor.
func configFor(k *kind, n int) string {
	if k.name == kindTFData {
		return fmt.Sprintf(`resource "terraform_data" "bench" {
  count = %d
  input = "bench-${count.index}"
}
`, n)
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    placeos = {
      source = %q
    }
  }
}

# url and api_key come from PLACEOS_URL and PLACEOS_API_KEY.
provider "placeos" {}

resource "placeos_api_key" "bench" {
  count       = %d
  name        = "bench-${count.index}"
  description = "placeos-bench key ${count.index}"
}
`, providerAddress, n)
}

func (b *bench) args(op string, par int) []string {
	p := "-parallelism=" + strconv.Itoa(par)
	switch op {
	case "apply":
		return []string{"apply", "-auto-approve", "-input=false", "-no-color", p}
	case "plan":
		// -detailed-exitcode: a plan after apply must be empty (exit 0).
		return []string{"plan", "-input=false", "-no-color", "-detailed-exitcode", p}
	default:
		args := []string{"destroy", "-auto-approve", "-input=false", "-no-color", p}
		if !b.o.destroyRefresh {
			args = append(args, "-refresh=false")
		}
		return args
	}
}

// env is the CLI's environment: ours, without any TF_*, PLACEOS_* or CHECKPOINT_* setting
// of the caller, plus the CLI config, the API's URL and key, and no calls home.
func (b *bench) env(k *kind) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "PLACEOS_") || strings.HasPrefix(kv, "CHECKPOINT_") {
			continue
		}
		env = append(env, kv)
	}
	if b.reattach != "" {
		env = append(env, "TF_REATTACH_PROVIDERS="+b.reattach)
	}
	return append(env,
		"TF_CLI_CONFIG_FILE="+k.rc,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"PLACEOS_URL="+b.srv.URL(),
		"PLACEOS_API_KEY="+b.apiKey,
	)
}

// measure runs one CLI command and samples it.
func (b *bench) measure(k *kind, dir, op string, n, par int) (sample, error) {
	s := sample{Kind: k.name, N: n, Parallelism: par, Op: op}
	logFile := filepath.Join(dir, op+".log")
	f, err := os.Create(logFile)
	if err != nil {
		return s, err
	}
	defer f.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.terraform, b.args(op, par)...) //nolint:gosec // G204: runs the Terraform CLI the benchmark was given, with arguments it builds itself
	cmd.Dir = dir
	cmd.Env = b.env(k)
	cmd.Stdout, cmd.Stderr = f, f

	b.srv.ResetCounts()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return s, err
	}
	tracker := newProcTracker(cmd.Process.Pid, b.o.sample, k.plugin)
	waitErr := cmd.Wait()
	wall := time.Since(start)
	tfKiB, provKiB, provCPU, procs := tracker.finish()
	counts := b.srv.RequestCounts()

	if waitErr != nil {
		tail := tailOf(logFile, 40)
		var exitErr *exec.ExitError
		if errors.As(waitErr, &exitErr) && op == "plan" && exitErr.ExitCode() == 2 {
			return s, fmt.Errorf("%s: the plan after apply is not empty (the provider does not converge)\n%s", k.label, tail)
		}
		return s, fmt.Errorf("%s: terraform %s: %v\n%s", k.label, strings.Join(b.args(op, par), " "), waitErr, tail)
	}
	s.WallS = wall.Seconds()
	s.CPUS = cpuOf(cmd).Seconds()
	s.ProviderCPUS = provCPU.Seconds()
	s.TerraformKiB, s.ProviderKiB, s.ProviderProcs = tfKiB, provKiB, procs
	if len(counts) > 0 {
		s.Requests = counts
	}
	return s, nil
}

// checkServer: after apply the API holds n keys besides the seeded ones, after destroy none.
func (b *bench) checkServer(op string, n int) error {
	left := 0
	for _, k := range b.srv.APIKeys() {
		if !b.srv.SeededAPIKey(k.ID) {
			left++
		}
	}
	want := map[string]int{"apply": n, "plan": n, "destroy": 0}[op]
	if left != want {
		return fmt.Errorf("after %s the API holds %d keys besides the seeded ones, not %d", op, left, want)
	}
	return nil
}

func tailOf(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

// repoRoot is the folder of this module's go.mod, found from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/placeos/terraform-provider-placeos\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run placeos-bench inside the terraform-provider-placeos module (it builds the provider from there)")
		}
		dir = parent
	}
}

// findTerraform: -terraform, else TF_ACC_TERRAFORM_PATH, else terraform on PATH.
func findTerraform(flagValue string) (string, error) {
	for _, p := range []string{flagValue, os.Getenv("TF_ACC_TERRAFORM_PATH")} {
		if p != "" {
			abs, err := exec.LookPath(p)
			if err != nil {
				return "", fmt.Errorf("the Terraform CLI %q: %v", p, err)
			}
			return filepath.Abs(abs)
		}
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return "", errors.New("no Terraform CLI: set TF_ACC_TERRAFORM_PATH, put terraform on PATH, or build one with `make bin/terraform` and pass -terraform bin/terraform")
	}
	return filepath.Abs(p)
}

func terraformVersion(tf string) (string, error) {
	cmd := exec.Command(tf, "version", "-json")
	cmd.Env = append(slices.Clone(os.Environ()), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %v", tf, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		return "", fmt.Errorf("%s version -json: unexpected output", tf)
	}
	return v.Version, nil
}
