package testenv

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// RegistryBinary is Debian's docker-registry (distribution), installed by scripts/deps.sh.
const RegistryBinary = "docker-registry"

// Registry is a real OCI registry the test started on loopback.
type Registry struct {
	// Host is 127.0.0.1:PORT, as references name it.
	Host string
}

// StartRegistry starts docker-registry on a free loopback port with its storage in a temp
// folder; with users (name -> password) it requires htpasswd basic auth. It skips (or fails
// under HIGRESS_AI_REQUIRE_REAL=1) when docker-registry is not installed, and stops exactly the
// process it started when the test ends.
func StartRegistry(t testing.TB, users map[string]string) *Registry {
	t.Helper()
	bin, err := exec.LookPath(RegistryBinary)
	Require(t, err == nil, "docker-registry not installed: run scripts/deps.sh (Debian package docker-registry)")

	dir := t.TempDir()
	host := freeLoopbackAddr(t)
	config := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), host)
	if len(users) > 0 {
		var lines strings.Builder
		for name, password := range users {
			hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&lines, "%s:%s\n", name, hash)
		}
		path := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(path, []byte(lines.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		config += fmt.Sprintf("auth:\n  htpasswd:\n    realm: test\n    path: %s\n", path)
	}
	configPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	logText := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	cmd := exec.Command(bin, "serve", configPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // this process only, by its pid
		<-exited
	})

	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return &Registry{Host: host}
			}
		}
		select {
		case <-exited:
			t.Fatalf("docker-registry exited at start: %s", logText())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry on %s not ready after 15s: %s", host, logText())
		}
	}
}

// freeLoopbackAddr is a loopback address with a port nothing listens on (yet).
func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// UnusedLoopbackAddr is a loopback address where nothing listens: an unreachable registry.
func UnusedLoopbackAddr(t testing.TB) string {
	t.Helper()
	return freeLoopbackAddr(t)
}
