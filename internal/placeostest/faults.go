package placeostest

import (
	"crypto/tls"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
)

// RandomFaults injects faults at random, each rate a probability in [0,1]
// per request, from a rand seeded with Seed. The zero value is off.
// RateLoseCreate applies only to POST /api/engine/v2/api_keys.
type RandomFaults struct {
	Seed                                        int64
	Rate503, Rate429, RateReset, RateLoseCreate float64
}

// AnyRoute, given as a pattern to FailNext or ResetNext, matches every route.
const AnyRoute = "*"

type faultKind int

const (
	faultNone faultKind = iota
	faultStatus
	faultReset
	faultLoseResponse
)

type fault struct {
	kind   faultKind
	status int
}

type queuedFault struct {
	pattern string
	left    int
	fault   fault
}

type faultState struct {
	queue       []*queuedFault // oldest first; the first match wins
	loseCreates int
	random      RandomFaults
	rng         *rand.Rand
}

func (f *faultState) init() { f.rng = rand.New(rand.NewPCG(0, 0)) } //nolint:gosec // G404: faults are drawn from a seeded generator so that a run can be repeated

// FailNext makes the next n requests to pattern (or to any route, with
// AnyRoute) answer status without reaching the handler. 429 carries
// Retry-After: 1. The body is {"error":"injected"}. n <= 0 cancels pending
// faults for pattern. A pattern that no route has panics.
func (s *Server) FailNext(pattern string, n int, status int) {
	s.queueFault(pattern, n, fault{kind: faultStatus, status: status})
}

// ResetNext makes the next n requests to pattern close the connection without
// any response, as a dropped connection or crashed proxy would. Note that Go's
// http.Transport by itself retries an idempotent request (GET, or one with an
// Idempotency-Key header) that fails this way on a reused connection, so
// client code may never see the reset; Requests still counts both attempts.
func (s *Server) ResetNext(pattern string, n int) {
	s.queueFault(pattern, n, fault{kind: faultReset})
}

// checkPattern panics on a pattern no route has: a typo would otherwise
// make a fault never fire, or a count stay 0, and the test pass vacuously.
func (s *Server) checkPattern(pattern string) {
	if pattern == AnyRoute || slices.Contains(s.patterns, pattern) {
		return
	}
	panic(fmt.Sprintf("placeostest: no route has the pattern %q; the patterns are:\n  %s", pattern, strings.Join(s.patterns, "\n  ")))
}

func (s *Server) queueFault(pattern string, n int, f fault) {
	s.checkPattern(pattern)
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		kept := s.faults.queue[:0]
		for _, q := range s.faults.queue {
			if q.pattern != pattern {
				kept = append(kept, q)
			}
		}
		s.faults.queue = kept
		return
	}
	s.faults.queue = append(s.faults.queue, &queuedFault{pattern: pattern, left: n, fault: f})
}

// LoseNextCreateResponses makes the next n POST /api_keys commit the key and
// then close the connection without answering: the case where a client cannot
// know whether its create happened.
func (s *Server) LoseNextCreateResponses(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.loseCreates = max(n, 0)
}

// SetRandomFaults turns random faults on (or off, with the zero value).
func (s *Server) SetRandomFaults(f RandomFaults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.random = f
	s.faults.rng = rand.New(rand.NewPCG(uint64(f.Seed), 0)) //nolint:gosec // G404: faults are drawn from a seeded generator so that a run can be repeated
}

// Requests is how many requests the route with this ServeMux pattern has
// received (faulted ones included), e.g. "POST /api/engine/v2/api_keys".
// A pattern that no route has panics.
func (s *Server) Requests(pattern string) int {
	s.checkPattern(pattern)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[pattern]
}

// RequestCounts is a copy of all counters.
func (s *Server) RequestCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// ResetCounts zeroes all counters.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
}

// takeFault counts the request and decides which fault, if any, it gets.
func (s *Server) takeFault(pattern string) fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[pattern]++
	f := &s.faults
	for i, q := range f.queue {
		if q.pattern == pattern || q.pattern == AnyRoute {
			q.left--
			if q.left <= 0 {
				f.queue = append(f.queue[:i], f.queue[i+1:]...)
			}
			return q.fault
		}
	}
	if pattern == routeKeysCreate && f.loseCreates > 0 {
		f.loseCreates--
		return fault{kind: faultLoseResponse}
	}
	rf := f.random
	if rf == (RandomFaults{Seed: rf.Seed}) {
		return fault{}
	}
	// One draw per request, split into consecutive bands.
	x := f.rng.Float64()
	if x < rf.Rate503 {
		return fault{kind: faultStatus, status: http.StatusServiceUnavailable}
	}
	x -= rf.Rate503
	if x < rf.Rate429 {
		return fault{kind: faultStatus, status: http.StatusTooManyRequests}
	}
	x -= rf.Rate429
	if x < rf.RateReset {
		return fault{kind: faultReset}
	}
	x -= rf.RateReset
	if pattern == routeKeysCreate && x < rf.RateLoseCreate {
		return fault{kind: faultLoseResponse}
	}
	return fault{}
}

func writeFault(w http.ResponseWriter, status int) {
	w.Header()["Date"] = nil // no Date off the server's clock (an injected fault reads none)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	if status < 200 || status == http.StatusNoContent || status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":"injected"}`))
}

// closeConnection drops the connection without writing anything. Linger 0
// makes it a reset rather than an orderly close, like a crashed proxy.
func closeConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): aborting the handler resets the stream instead.
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
