package placeos_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

func TestParseBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://placeos.example.com", "https://placeos.example.com"},
		{"https://placeos.example.com/", "https://placeos.example.com"},
		{"https://placeos.example.com/backoffice/#/domains?x=1", "https://placeos.example.com"},
		{"  https://placeos.example.com/api/engine/v2  ", "https://placeos.example.com"},
		{"http://localhost:8080/", "http://localhost:8080"},
		{"https://[::1]:8443", "https://[::1]:8443"},
	}
	for _, tt := range tests {
		u, err := placeos.ParseBaseURL(tt.in)
		if err != nil {
			t.Errorf("ParseBaseURL(%q): %v", tt.in, err)
			continue
		}
		if u.String() != tt.want {
			t.Errorf("ParseBaseURL(%q) = %q, want %q", tt.in, u, tt.want)
		}
	}
}

func TestParseBaseURLErrors(t *testing.T) {
	tests := []struct {
		in, wantErr string
	}{
		{"placeos.example.com", "https://"},
		{"placeos.example.com:443", "https://"},
		{"ftp://placeos.example.com", "https://"},
		{"https://", "no host"},
		{"", "https://"},
		{"https://placeos.example.com:port", "not a valid URL"},
		{"https://admin:SECRET-pw@placeos.example.com", "user info"},
		{"https://SECRET-token@placeos.example.com", "user info"},
		{"https://admin:SECRET-p w@placeos.example.com", "the value is not a valid URL"},
		{"https://admin:SECRET/pw@placeos.example.com", "the value is not a valid URL"},
	}
	for _, tt := range tests {
		u, err := placeos.ParseBaseURL(tt.in)
		if err == nil {
			t.Errorf("ParseBaseURL(%q) = %q, want an error", tt.in, u)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("ParseBaseURL(%q) error %q repeats the user info", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseBaseURL(%q) error %q, want it to mention %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://127.0.0.1:8080":   true,
		"http://127.9.9.9":        true,
		"http://[::1]:8080":       true,
		"http://localhost":        true,
		"http://LOCALHOST:3000":   true,
		"http://app.localhost":    true,
		"https://example.com":     false,
		"http://10.0.0.1":         false,
		"http://localhost.evil":   false,
		"http://notlocalhost":     false,
		"http://[::ffff:8.8.8.8]": false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := placeos.IsLoopback(u); got != want {
			t.Errorf("IsLoopback(%s) = %v, want %v", raw, got, want)
		}
	}
}

func TestHost(t *testing.T) {
	c := newClient(t, "https://PlaceOS.example.com:8443/backoffice")
	if got := c.Host(); got != "PlaceOS.example.com" {
		t.Errorf("Host() = %q", got)
	}
}
