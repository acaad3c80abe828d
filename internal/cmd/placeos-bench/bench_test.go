package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestProcReadersOnSelf(t *testing.T) {
	pid := os.Getpid()
	if kib, ok := readHWM(pid); !ok || kib <= 0 {
		t.Errorf("readHWM(self) = %d, %v; want a positive size", kib, ok)
	}
	if _, ok := readCPUTicks(pid); !ok {
		t.Error("readCPUTicks(self) failed")
	}
	if _, ok := readHWM(-1); ok {
		t.Error("readHWM of no process reported a size")
	}
}

func TestCellMedianAndRequests(t *testing.T) {
	c := cell{
		{WallS: 3, Requests: map[string]int{"POST /api/engine/v2/api_keys": 100, "GET /api/engine/v2/users/current": 1}},
		{WallS: 1, Requests: map[string]int{"POST /api/engine/v2/api_keys": 100, "GET /api/engine/v2/users/current": 1}},
		{WallS: 2, Requests: map[string]int{"POST /api/engine/v2/api_keys": 100}},
	}
	if got := c.wall(); got != 2 {
		t.Errorf("median wall = %v, want 2", got)
	}
	if got := c[:2].wall(); got != 2 {
		t.Errorf("median of two = %v, want their mean 2", got)
	}
	rs := c.requests(100)
	if !rs.exactlyOne(100) {
		t.Errorf("exactlyOne = false for %+v", rs)
	}
	if got := rs.perKeyText(100); got != "1.00 POST /api_keys" {
		t.Errorf("perKeyText = %q", got)
	}
	if got := rs.constantText(); got != "1 GET /users/current" {
		t.Errorf("constantText = %q", got)
	}
	bad := cell{{Requests: map[string]int{"POST /api/engine/v2/api_keys": 100, "GET /api/engine/v2/users/{id}": 100}}}
	if bad.requests(100).exactlyOne(100) {
		t.Error("two requests per key counted as one")
	}
	rs500 := cell{{Requests: map[string]int{"POST /api/engine/v2/api_keys": 500}}}.requests(500)
	if got := roundTrips(rs500, 500, 10, 20*time.Millisecond); got != 1 {
		t.Errorf("roundTrips = %v, want 1 s", got)
	}
}

func TestConfigsMatch(t *testing.T) {
	pl := configFor(&kind{name: kindPlaceOS}, 7)
	noop := configFor(&kind{name: kindNoop}, 7)
	if pl != noop {
		t.Error("the provider and its floor must run the same configuration")
	}
	if !strings.Contains(pl, "count       = 7") || !strings.Contains(configFor(&kind{name: kindTFData}, 7), "count = 7") {
		t.Error("the configurations do not hold N")
	}
}

func TestRefreshTargets(t *testing.T) {
	b := &bench{o: options{parallelism: 10, refreshN: []int{200}, refreshLat: []time.Duration{0, 50 * time.Millisecond}}}
	plan := func(wall, lat float64, requests int) sample {
		return sample{Kind: kindPlaceOS, N: 200, Parallelism: 10, LatencyMS: lat, Op: opRefresh, WallS: wall,
			Requests: map[string]int{"GET /api/engine/v2/api_keys": 1, "GET /api/engine/v2/api_keys/{id}": requests - 1}}
	}
	b.samples = []sample{plan(1.0, 0, 2), plan(1.2, 0, 2), plan(1.4, 50, 2), plan(1.6, 50, 21)}
	perKey, routes := b.cells()[cellKey{200, 10, 50, kindPlaceOS, opRefresh}].requestsPerKey(200)
	if perKey != 21.0/200 || routes["GET /api/engine/v2/api_keys/{id}"] != 20 {
		t.Errorf("requestsPerKey = %v, %v; want the run with the most requests", perKey, routes)
	}
	got := strings.Join(b.refreshTargets(b.cells()), "\n")
	for _, want := range []string{
		"at most 0.1 API requests per key per refresh: **does not hold**",
		"within 1.5× the same plan at 0 ms: **holds** (1.50 s vs 1.10 s, 1.36×",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("refreshTargets lacks %q:\n%s", want, got)
		}
	}
}
