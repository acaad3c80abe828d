package main

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
)

// The performance targets: the provider against the no-op floor, with and without latency, and its memory.
const (
	targetRatio        = 1.10 // apply, plan, destroy vs the floor, no latency
	targetLatencyRatio = 1.15 // with latency: vs 1.15 x floor + round trips
	targetProviderMiB  = 100.0
)

// Targets of batched refresh.
const (
	targetRefreshN       = 200
	targetRefreshLatency = 50.0 // ms
	targetRefreshRatio   = 1.5  // plan at targetRefreshLatency vs the same plan at the first latency
	targetRefreshPerKey  = 0.1  // API requests per key per refresh
	// minBatchedN: plans of fewer keys are not held to targetRefreshPerKey (a plan of one key
	// is one GET, 1.0 per key).
	minBatchedN = 100
)

type cellKey struct {
	n, par  int
	latency float64
	kind    string
	op      string
}

// cell is the runs of one command in one configuration.
type cell []sample

func (c cell) median(f func(sample) float64) float64 {
	if len(c) == 0 {
		return math.NaN()
	}
	v := make([]float64, len(c))
	for i, s := range c {
		v[i] = f(s)
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func (c cell) max(f func(sample) float64) float64 {
	m := math.NaN()
	for _, s := range c {
		if v := f(s); math.IsNaN(m) || v > m {
			m = v
		}
	}
	return m
}

func (c cell) wall() float64    { return c.median(func(s sample) float64 { return s.WallS }) }
func (c cell) cpu() float64     { return c.median(func(s sample) float64 { return s.CPUS }) }
func (c cell) provCPU() float64 { return c.median(func(s sample) float64 { return s.ProviderCPUS }) }
func (c cell) tfMiB() float64 {
	return c.median(func(s sample) float64 { return float64(s.TerraformKiB) / 1024 })
}
func (c cell) provMiB() float64 {
	return c.median(func(s sample) float64 { return float64(s.ProviderKiB) / 1024 })
}
func (c cell) wallMin() float64 { return -c.max(func(s sample) float64 { return -s.WallS }) }
func (c cell) wallMax() float64 { return c.max(func(s sample) float64 { return s.WallS }) }

// requestsPerKey is the largest number of API requests (all routes) of one run, per key, and
// that run's requests by route.
func (c cell) requestsPerKey(n int) (float64, map[string]int) {
	best, routes := math.NaN(), map[string]int(nil)
	for _, s := range c {
		t := 0
		for _, v := range s.Requests {
			t += v
		}
		if v := float64(t) / float64(n); math.IsNaN(best) || v > best {
			best, routes = v, s.Requests
		}
	}
	return best, routes
}

func routesText(routes map[string]int) string {
	if len(routes) == 0 {
		return "none"
	}
	var parts []string
	for _, r := range sortedKeys(routes) {
		parts = append(parts, fmt.Sprintf("%d %s", routes[r], shortRoute(r)))
	}
	return strings.Join(parts, ", ")
}

func msText(ms float64) string { return fmt.Sprintf("%g ms", ms) }

func (c cell) provMiBMax() float64 {
	return c.max(func(s sample) float64 { return float64(s.ProviderKiB) / 1024 })
}

// requestSummary splits a command's API requests into routes called about once per key or
// more (per key) and the rest (constant), over all runs: per-key routes with the largest
// count seen, constant ones likewise.
type requestSummary struct {
	perKey   map[string][2]int // route -> min, max count over runs
	constant map[string]int    // route -> max count over runs
}

func (c cell) requests(n int) requestSummary {
	rs := requestSummary{perKey: map[string][2]int{}, constant: map[string]int{}}
	routes := map[string]bool{}
	for _, s := range c {
		for r := range s.Requests {
			routes[r] = true
		}
	}
	for r := range routes {
		lo, hi := math.MaxInt, 0
		for _, s := range c {
			v := s.Requests[r]
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi*2 >= n {
			rs.perKey[r] = [2]int{lo, hi}
		} else {
			rs.constant[r] = hi
		}
	}
	return rs
}

func shortRoute(r string) string { return strings.Replace(r, " /api/engine/v2", " ", 1) }

func (rs requestSummary) perKeyText(n int) string {
	if len(rs.perKey) == 0 {
		return "0"
	}
	var parts []string
	for _, r := range sortedKeys(rs.perKey) {
		lh := rs.perKey[r]
		v := fmt.Sprintf("%.2f", float64(lh[1])/float64(n))
		if lh[0] != lh[1] {
			v = fmt.Sprintf("%.2f–%.2f", float64(lh[0])/float64(n), float64(lh[1])/float64(n))
		}
		parts = append(parts, v+" "+shortRoute(r))
	}
	return strings.Join(parts, " + ")
}

func (rs requestSummary) constantText() string {
	if len(rs.constant) == 0 {
		return "0"
	}
	var parts []string
	for _, r := range sortedKeys(rs.constant) {
		parts = append(parts, fmt.Sprintf("%d %s", rs.constant[r], shortRoute(r)))
	}
	return strings.Join(parts, ", ")
}

func (rs requestSummary) constantTotal() int {
	t := 0
	for _, v := range rs.constant {
		t += v
	}
	return t
}

// exactlyOne: the command made exactly n requests to a single per-key route in every run.
func (rs requestSummary) exactlyOne(n int) bool {
	if len(rs.perKey) != 1 {
		return false
	}
	for _, lh := range rs.perKey {
		return lh[0] == n && lh[1] == n
	}
	return false
}

func (rs requestSummary) perKeyCount(n int) float64 {
	t := 0
	for _, lh := range rs.perKey {
		t += lh[1]
	}
	return float64(t) / float64(n)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (b *bench) cells() map[cellKey]cell {
	out := map[cellKey]cell{}
	for _, s := range b.samples {
		k := cellKey{s.N, s.Parallelism, s.LatencyMS, s.Kind, s.Op}
		out[k] = append(out[k], s)
	}
	return out
}

func f2(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

func f0(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.0f", v)
}

func (b *bench) report() string {
	o := b.o
	cells := b.cells()
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }

	p("# placeos-bench results\n\n")
	p("%s\n\n", machineLine(b.tfVersion, b.started))
	p("Command: `%s`. Medians of %d runs per cell (latency table: %d); in each run the kinds are measured one after the other, in an order that rotates from run to run. ", commandLine(), o.runs, o.latencyRuns)
	destroy := "`terraform destroy -refresh=false` (the deletes alone; `plan` measures the refresh)"
	if o.destroyRefresh {
		destroy = "`terraform destroy` (refresh, then deletes)"
	}
	p("`apply` starts from an empty state; `plan` is `terraform plan -detailed-exitcode` after it (a refresh of every key; it must find no changes); `destroy` is %s. ", destroy)
	p("Provider peak RSS: VmHWM of the plugin processes (children of terraform), sampled from /proc every %s; the largest of the processes terraform started for the command. CPU: user+system of terraform and its plugins (wait4 rusage), the provider's share in brackets. API requests: the in-memory API's counters, per command.\n\n", o.sample)

	// Table 1.
	p("## Without latency, -parallelism %d\n\n", o.parallelism)
	p("| N | command | placeos (s) | no-op floor (s) | ratio | terraform_data (s) | provider peak RSS MiB, placeos / floor | terraform peak RSS MiB, placeos / floor / terraform_data | CPU s, placeos (provider) / floor (provider) | API requests per key | other API requests |\n")
	p("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, n := range o.sizes {
		for _, op := range ops {
			pl := cells[cellKey{n, o.parallelism, 0, kindPlaceOS, op}]
			fl := cells[cellKey{n, o.parallelism, 0, kindNoop, op}]
			td := cells[cellKey{n, o.parallelism, 0, kindTFData, op}]
			rs := pl.requests(n)
			p("| %d | %s | %s | %s | %s | %s | %s / %s | %s / %s / %s | %s (%s) / %s (%s) | %s | %s |\n",
				n, op, f2(pl.wall()), f2(fl.wall()), f2(pl.wall()/fl.wall()), f2(td.wall()),
				f0(pl.provMiB()), f0(fl.provMiB()),
				f0(pl.tfMiB()), f0(fl.tfMiB()), f0(td.tfMiB()),
				f2(pl.cpu()), f2(pl.provCPU()), f2(fl.cpu()), f2(fl.provCPU()),
				rs.perKeyText(n), rs.constantText())
		}
	}
	p("\n")

	// Table 2.
	latMS := float64(o.latency) / float64(time.Millisecond)
	if o.latencyN > 0 && o.latency > 0 {
		n := o.latencyN
		p("## With %s latency on every API answer, N = %d\n\n", o.latency, n)
		p("Bound: %.2f × floor + round trips, where round trips = requests per key × N × %s / parallelism (Terraform runs at most -parallelism operations at once).\n\n", targetLatencyRatio, o.latency)
		p("| N | -parallelism | command | placeos (s) | no-op floor (s) | ratio | round trips (s) | bound (s) | placeos / bound | API requests per key | other API requests |\n")
		p("|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|\n")
		for _, par := range o.latencyPar {
			for _, op := range ops {
				pl := cells[cellKey{n, par, latMS, kindPlaceOS, op}]
				fl := cells[cellKey{n, par, latMS, kindNoop, op}]
				rs := pl.requests(n)
				trips := roundTrips(rs, n, par, o.latency)
				bound := targetLatencyRatio*fl.wall() + trips
				p("| %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
					n, par, op, f2(pl.wall()), f2(fl.wall()), f2(pl.wall()/fl.wall()), f2(trips), f2(bound), f2(pl.wall()/bound),
					rs.perKeyText(n), rs.constantText())
			}
		}
		p("\n")
	}

	// Table 3.
	if len(o.refreshN) > 0 && len(o.refreshLat) > 0 {
		ref := float64(o.refreshLat[0]) / float64(time.Millisecond)
		p("## Refresh: `terraform plan` of N keys with latency on every API answer, -parallelism %d\n\n", o.parallelism)
		p("The same state (applied once, without latency) planned %d times at each latency, the latencies in an order that rotates from run to run. Wall time: median (fastest–slowest); ratio: median against the median at %s. Requests: all API requests of the plan, per key (the run with the most), and that run's requests by route.\n\n", o.refreshRuns, msText(ref))
		p("| N | latency | plan (s) | vs %s | API requests per key | requests by route | provider peak RSS MiB (largest) |\n", msText(ref))
		p("|---:|---:|---:|---:|---:|---|---:|\n")
		for _, n := range o.refreshN {
			base := cells[cellKey{n, o.parallelism, ref, kindPlaceOS, opRefresh}]
			for _, lat := range o.refreshLat {
				ms := float64(lat) / float64(time.Millisecond)
				c := cells[cellKey{n, o.parallelism, ms, kindPlaceOS, opRefresh}]
				perKey, routes := c.requestsPerKey(n)
				p("| %d | %s | %s (%s–%s) | %s | %.3f | %s | %s |\n", n, msText(ms), f2(c.wall()), f2(c.wallMin()), f2(c.wallMax()),
					f2(c.wall()/base.wall()), perKey, routesText(routes), f0(c.provMiBMax()))
			}
		}
		p("\n")
	}

	p("## Targets\n\n")
	for _, line := range b.targets(cells) {
		p("- %s\n", line)
	}
	p("\n")
	return w.String()
}

// roundTrips is the time the per-key requests must take at this parallelism: each of them
// waits `latency`, and at most `par` run at once.
func roundTrips(rs requestSummary, n, par int, latency time.Duration) float64 {
	perKey := math.Round(rs.perKeyCount(n))
	return perKey * float64(n) * latency.Seconds() / float64(par)
}

func (b *bench) targets(cells map[cellKey]cell) []string {
	o := b.o
	n := slices.Max(o.sizes)
	var out []string
	mark := func(ok bool) string {
		if ok {
			return "**holds**"
		}
		return "**does not hold**"
	}
	for _, op := range ops {
		pl := cells[cellKey{n, o.parallelism, 0, kindPlaceOS, op}]
		fl := cells[cellKey{n, o.parallelism, 0, kindNoop, op}]
		r := pl.wall() / fl.wall()
		out = append(out, fmt.Sprintf("%s at N=%d within %.2f× the floor: %s (%.2f s vs %.2f s, %.2f×; CPU %.2f s vs %.2f s, %.2f×)",
			op, n, targetRatio, mark(r <= targetRatio), pl.wall(), fl.wall(), r, pl.cpu(), fl.cpu(), pl.cpu()/fl.cpu()))
	}
	for _, op := range []string{"apply", "destroy"} {
		var parts []string
		ok := true
		consts := map[int]int{}
		for _, size := range o.sizes {
			rs := cells[cellKey{size, o.parallelism, 0, kindPlaceOS, op}].requests(size)
			ok = ok && rs.exactlyOne(size)
			consts[size] = rs.constantTotal()
			parts = append(parts, fmt.Sprintf("N=%d: %s per key, other %s", size, rs.perKeyText(size), rs.constantText()))
		}
		constant := true
		for _, c := range consts {
			constant = constant && c == consts[n] && c <= 2
		}
		out = append(out, fmt.Sprintf("%s: exactly one API request per key, plus a constant: %s (%s)",
			op, mark(ok && constant), strings.Join(parts, "; ")))
	}
	if o.latencyN > 0 && o.latency > 0 {
		latMS := float64(o.latency) / float64(time.Millisecond)
		for _, par := range o.latencyPar {
			for _, op := range ops {
				pl := cells[cellKey{o.latencyN, par, latMS, kindPlaceOS, op}]
				fl := cells[cellKey{o.latencyN, par, latMS, kindNoop, op}]
				trips := roundTrips(pl.requests(o.latencyN), o.latencyN, par, o.latency)
				bound := targetLatencyRatio*fl.wall() + trips
				out = append(out, fmt.Sprintf("%s at N=%d, %s latency, -parallelism %d within %.2f× floor + round trips: %s (%.2f s vs bound %.2f s = %.2f × %.2f + %.2f)",
					op, o.latencyN, o.latency, par, targetLatencyRatio, mark(pl.wall() <= bound), pl.wall(), bound, targetLatencyRatio, fl.wall(), trips))
			}
		}
	}
	out = append(out, b.refreshTargets(cells)...)
	worst := math.NaN()
	for key, c := range cells {
		if key.n != n || key.kind != kindPlaceOS {
			continue
		}
		if v := c.provMiBMax(); math.IsNaN(worst) || v > worst {
			worst = v
		}
	}
	out = append(out, fmt.Sprintf("provider peak RSS at N=%d below %.0f MiB: %s (largest of all runs and commands: %.1f MiB)",
		n, targetProviderMiB, mark(worst < targetProviderMiB), worst))
	return out
}

// refreshTargets: plans cost at most targetRefreshPerKey requests per key, and at N=200 the
// plan at 50 ms is within targetRefreshRatio of the plan at the reference latency.
func (b *bench) refreshTargets(cells map[cellKey]cell) []string {
	o := b.o
	mark := func(ok bool) string {
		if ok {
			return "**holds**"
		}
		return "**does not hold**"
	}
	var out []string
	var parts []string
	ok, seen := true, false
	for key, c := range cells {
		if key.op != "plan" && key.op != opRefresh || key.kind != kindPlaceOS || key.n < minBatchedN {
			continue
		}
		perKey, _ := c.requestsPerKey(key.n)
		seen = true
		ok = ok && perKey <= targetRefreshPerKey
		table := "refresh table"
		if key.op == "plan" {
			table = fmt.Sprintf("-parallelism %d", key.par)
		}
		parts = append(parts, fmt.Sprintf("N=%d %s %s: %.3f", key.n, msText(key.latency), table, perKey))
	}
	sort.Strings(parts)
	if seen {
		out = append(out, fmt.Sprintf("plan of %d keys or more: at most %.1f API requests per key per refresh: %s (largest of the runs: %s)",
			minBatchedN, targetRefreshPerKey, mark(ok), strings.Join(parts, "; ")))
	}
	if len(o.refreshLat) == 0 {
		return out
	}
	ref := float64(o.refreshLat[0]) / float64(time.Millisecond)
	base := cells[cellKey{targetRefreshN, o.parallelism, ref, kindPlaceOS, opRefresh}]
	at := cells[cellKey{targetRefreshN, o.parallelism, targetRefreshLatency, kindPlaceOS, opRefresh}]
	if len(base) > 0 && len(at) > 0 {
		r := at.wall() / base.wall()
		out = append(out, fmt.Sprintf("plan at N=%d with %s within %.1f× the same plan at %s: %s (%.2f s vs %.2f s, %.2f×; slowest run at %s %.2f s vs fastest at %s %.2f s, %.2f×)",
			targetRefreshN, msText(targetRefreshLatency), targetRefreshRatio, msText(ref), mark(r <= targetRefreshRatio),
			at.wall(), base.wall(), r, msText(targetRefreshLatency), at.wallMax(), msText(ref), base.wallMin(), at.wallMax()/base.wallMin()))
	}
	return out
}

func commandLine() string {
	args := os.Args[1:]
	return strings.TrimSpace("placeos-bench " + strings.Join(args, " "))
}

// machineLine describes where the figures come from.
func machineLine(tfVersion string, started time.Time) string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kib int64
				if _, err := fmt.Sscan(strings.TrimSpace(rest), &kib); err == nil {
					mem = fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
				}
			}
		}
	}
	kernel := "?"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	return fmt.Sprintf("Measured %s on %d CPUs (nproc; %s), %s memory, Linux %s, load average %s at the end; Terraform v%s; %s.",
		started.UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), cpu, mem, kernel, load, tfVersion, runtime.Version())
}
