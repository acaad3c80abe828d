package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// How memory and CPU are measured (Linux only):
//
//   - Provider peak RSS: the provider plugins are children of the terraform process. While
//     terraform runs, a sampler lists its children every -sample interval (from
//     /proc/<terraform>/task/*/children) and reads VmHWM ("high water mark", the peak resident
//     set size the kernel has recorded for the process so far) from /proc/<plugin>/status.
//     VmHWM only grows, so the last value read before a plugin exits is its peak, short of
//     whatever it grew in its last sample interval. Terraform starts the provider more than
//     once per command; the figure is the largest peak of those processes.
//   - Terraform peak RSS: VmHWM of the terraform process, sampled the same way. (wait4's
//     ru_maxrss is not used for it: Linux reports the larger of the process's and its reaped
//     children's peaks there, so it can be the provider's.)
//   - CPU: user+system time of terraform and every plugin it reaped, from wait4's rusage
//     (exact); the provider's share from /proc/<plugin>/stat, sampled like VmHWM.

// procTracker samples one terraform process and its provider plugins.
type procTracker struct {
	root     int
	interval time.Duration
	match    string // plugin command lines contain this

	mu      sync.Mutex
	rootHWM int64 // KiB
	plugins map[int]*pluginStat
	stop    chan struct{}
	done    chan struct{}
}

type pluginStat struct {
	hwm      int64 // KiB
	cpuTicks int64
}

func newProcTracker(pid int, interval time.Duration, match string) *procTracker {
	t := &procTracker{
		root: pid, interval: interval, match: match,
		plugins: map[int]*pluginStat{},
		stop:    make(chan struct{}), done: make(chan struct{}),
	}
	go t.loop()
	return t
}

func (t *procTracker) loop() {
	defer close(t.done)
	tick := time.NewTicker(t.interval)
	defer tick.Stop()
	for {
		t.sample()
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
	}
}

func (t *procTracker) sample() {
	if hwm, ok := readHWM(t.root); ok {
		t.mu.Lock()
		t.rootHWM = max(t.rootHWM, hwm)
		t.mu.Unlock()
	}
	for _, pid := range childrenOf(t.root) {
		t.mu.Lock()
		st, known := t.plugins[pid]
		t.mu.Unlock()
		if !known {
			// Checked again at every sample until it matches: a child caught between fork
			// and exec still shows terraform's command line.
			cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			if err != nil || t.match == "" || !bytes.Contains(cmdline, []byte(t.match)) {
				continue
			}
			st = &pluginStat{}
			t.mu.Lock()
			t.plugins[pid] = st
			t.mu.Unlock()
		}
		hwm, okH := readHWM(pid)
		ticks, okC := readCPUTicks(pid)
		t.mu.Lock()
		if okH {
			st.hwm = max(st.hwm, hwm)
		}
		if okC {
			st.cpuTicks = max(st.cpuTicks, ticks)
		}
		t.mu.Unlock()
	}
}

// finish stops sampling and returns terraform's peak RSS, the provider's peak RSS (the
// largest of its processes), the provider's CPU time and how many plugin processes ran.
func (t *procTracker) finish() (rootKiB, pluginKiB int64, pluginCPU time.Duration, processes int) {
	close(t.stop)
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	var ticks int64
	for _, st := range t.plugins {
		pluginKiB = max(pluginKiB, st.hwm)
		ticks += st.cpuTicks
	}
	return t.rootHWM, pluginKiB, time.Duration(ticks) * time.Second / clockTicks, len(t.plugins)
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every Linux platform Go
// supports.
const clockTicks = 100

// childrenOf lists the children of every thread of pid (a Go program forks from any thread).
func childrenOf(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []int
	for _, task := range tasks {
		b, err := os.ReadFile(dir + "/" + task.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// readHWM reads VmHWM (KiB) from /proc/<pid>/status; false once the process is gone or a
// zombie (which has no memory left to report).
func readHWM(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	_, rest, ok := bytes.Cut(b, []byte("\nVmHWM:"))
	if !ok {
		return 0, false
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(fields[0], 10, 64)
	return n, err == nil
}

// readCPUTicks reads utime+stime (clock ticks) from /proc/<pid>/stat.
func readCPUTicks(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces; the fields after it start at the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + s, true
}

// cpuOf is the user+system time of a finished command and of every child it waited for.
func cpuOf(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
