package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/provider"
)

// Profile mode (-cpuprofile): this program starts itself again with -serve-provider, which
// serves the real provider in debug mode under a CPU profile; terraform reaches it through
// TF_REATTACH_PROVIDERS instead of starting plugins of its own. apply, plan and destroy of
// -profile-n keys then run against that one process, and SIGINT ends it, which writes the
// profile. The in-memory API stays in this process, so the profile holds the provider alone.
//
//	go run ./internal/cmd/placeos-bench -cpuprofile cpu.out -memprofile heap.out
//	go tool pprof -top cpu.out

func (b *bench) profile() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cpuFile, err := filepath.Abs(b.o.cpuProfile)
	if err != nil {
		return err
	}
	args := []string{"-serve-provider", "-child-cpuprofile", cpuFile}
	if b.o.memProfile != "" {
		memFile, err := filepath.Abs(b.o.memProfile)
		if err != nil {
			return err
		}
		args = append(args, "-child-memprofile", memFile)
	}
	child := exec.Command(self, args...)
	child.Stderr = os.Stderr
	// A reattached provider reads its environment from this process, not from terraform. Its
	// SDK logs are off, as provider.Serve turns them off for a plugin when the CLI does not
	// log (debug mode, which the child runs in, would keep them).
	child.Env = append(os.Environ(), "PLACEOS_URL="+b.srv.URL(), "PLACEOS_API_KEY="+b.apiKey,
		"TF_LOG_SDK=OFF", "TF_LOG_SDK_PROTO=OFF", "TF_LOG_SDK_FRAMEWORK=OFF", "TF_LOG_PROVIDER_PLACEOS=OFF")
	stdout, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return err
	}
	defer func() {
		if child.ProcessState == nil {
			_ = child.Process.Kill()
			_ = child.Wait()
		}
	}()

	reattach := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if v, ok := strings.CutPrefix(line, "TF_REATTACH_PROVIDERS='"); ok && !sent {
				reattach <- strings.TrimSuffix(v, "'")
				sent = true
			}
		}
		if !sent {
			close(reattach)
		}
	}()
	var cfg string
	select {
	case v, ok := <-reattach:
		if !ok {
			return fmt.Errorf("the provider child exited without a reattach configuration")
		}
		cfg = v
	case <-time.After(30 * time.Second):
		return fmt.Errorf("the provider child printed no reattach configuration within 30s")
	}

	k := &kind{name: kindPlaceOS, label: "placeos (reattached, profiled)", rc: b.kinds[kindPlaceOS].rc, api: true}
	n := b.o.profileN
	dir := filepath.Join(b.work, "ws", "profile")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(configFor(k, n)), 0o600); err != nil {
		return err
	}
	b.reattach = cfg
	defer func() { b.reattach = "" }()
	for _, op := range ops {
		s, err := b.measure(k, dir, op, n, b.o.parallelism)
		if err != nil {
			return err
		}
		if err := b.checkServer(op, n); err != nil {
			return err
		}
		rs := cell{s}.requests(n)
		b.logf("%s of %d keys: %.2f s; requests per key %s, other %s", op, n, s.WallS, rs.perKeyText(n), rs.constantText())
	}
	if hwm, ok := readHWM(child.Process.Pid); ok {
		b.logf("provider process peak RSS (VmHWM) over the three commands: %.1f MiB", float64(hwm)/1024)
	}
	_ = child.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("provider child: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = child.Process.Kill()
		return fmt.Errorf("the provider child did not stop on SIGINT")
	}
	b.logf("CPU profile written to %s: go tool pprof -top %s", cpuFile, cpuFile)
	if b.o.memProfile != "" {
		b.logf("heap profile written to %s", b.o.memProfile)
	}
	return nil
}

// serveProvider is the -serve-provider child: the provider in debug mode under a profile.
func serveProvider(cpuFile, memFile string) error {
	if cpuFile != "" {
		f, err := os.Create(cpuFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// Debug mode prints TF_REATTACH_PROVIDERS='...' on stdout and serves until SIGINT.
	err := provider.Serve("registry.terraform.io/"+providerAddress, provider.New("bench"), true)
	if err != nil {
		return err
	}
	if memFile != "" {
		f, err := os.Create(memFile)
		if err != nil {
			return err
		}
		defer f.Close()
		runtime.GC()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
		// Goroutines still alive after the three commands: a leak shows up here.
		g, err := os.Create(memFile + ".goroutines")
		if err != nil {
			return err
		}
		defer g.Close()
		if err := pprof.Lookup("goroutine").WriteTo(g, 1); err != nil {
			return err
		}
	}
	return nil
}
