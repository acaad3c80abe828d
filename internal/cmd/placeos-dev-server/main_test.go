package main

import (
	"bufio"
	"bytes"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelperProcess is the dev server itself when re-run by TestDevServer.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("PLACEOS_DEV_SERVER_HELPER") != "1" {
		t.Skip("helper process only")
	}
	flag.CommandLine = flag.NewFlagSet("placeos-dev-server", flag.ExitOnError)
	os.Args = append([]string{"placeos-dev-server"}, strings.Fields(os.Getenv("PLACEOS_DEV_SERVER_ARGS"))...)
	main()
	os.Exit(0)
}

func TestDevServer(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "env")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$") //nolint:gosec // G204: re-runs this test binary as the helper process
	cmd.Env = append(os.Environ(), "PLACEOS_DEV_SERVER_HELPER=1", "PLACEOS_DEV_SERVER_ARGS=-listen 127.0.0.1:0 -env-file "+envFile)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	out := bufio.NewReader(stdout)
	env := map[string]string{}
	for range 2 {
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("reading stdout: %v (stderr %s)", err, stderr.String())
		}
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		env[k] = v
	}
	url, key := env["PLACEOS_URL"], env["PLACEOS_API_KEY"]
	if !strings.HasPrefix(url, "http://127.0.0.1:") || len(key) != 32+1+43 {
		t.Fatalf("printed %v", env)
	}
	file, err := os.ReadFile(envFile)
	if err != nil || string(file) != "PLACEOS_URL="+url+"\nPLACEOS_API_KEY="+key+"\n" {
		t.Fatalf("env file %q, %v", file, err)
	}

	// One key created and not deleted must be reported at shutdown.
	req, _ := http.NewRequest("POST", url+"/api/engine/v2/api_keys?api-key="+key, strings.NewReader(`{"name":"left over","user_id":"`+userID(t, url, key)+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d", resp.StatusCode)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(out)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v (stderr %s)", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop on SIGTERM")
	}
	if got := strings.TrimSpace(string(rest)); got != "api keys left (besides seeded ones): 1" {
		t.Errorf("shutdown output %q", got)
	}
	logs := stderr.String()
	if !strings.Contains(logs, "POST /api/engine/v2/api_keys -> 201 Created") || !strings.Contains(logs, "GET /api/engine/v2/users/current -> 200 OK") {
		t.Errorf("request log missing lines:\n%s", logs)
	}
	_, secret, _ := strings.Cut(key, ".")
	if strings.Contains(logs, secret) || strings.Contains(logs, "api-key") {
		t.Errorf("request log leaks the key or query:\n%s", logs)
	}
}

func userID(t *testing.T, url, key string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/engine/v2/users/current", nil)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	_, after, _ := strings.Cut(string(b), `"id":"`)
	id, _, _ := strings.Cut(after, `"`)
	if !strings.HasPrefix(id, "user-") {
		t.Fatalf("current user: %s", b)
	}
	return id
}

func TestListenMustBePrimaryDomain(t *testing.T) {
	if err := run("127.0.0.2:0", ""); err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("run on 127.0.0.2: %v", err)
	}
}
