package placeos_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

func TestEpochTime(t *testing.T) {
	want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, json string
		want       time.Time
	}{
		{"number", `{"t":1767225600}`, want},
		{"fractional number", `{"t":1767225600.5}`, want.Add(500 * time.Millisecond)},
		{"numeric string", `{"t":"1767225600"}`, want},
		{"RFC 3339 UTC", `{"t":"2026-01-01T00:00:00Z"}`, want},
		{"RFC 3339 with offset", `{"t":"2026-01-01T10:00:00+10:00"}`, want},
		{"RFC 3339 with fraction", `{"t":"2026-01-01T00:00:00.25Z"}`, want.Add(250 * time.Millisecond)},
		{"null", `{"t":null}`, time.Time{}},
		{"empty string", `{"t":""}`, time.Time{}},
		{"absent", `{}`, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Start from a non-zero value: null must reset it.
			v := struct {
				T placeos.EpochTime `json:"t"`
			}{T: placeos.EpochTime{Time: time.Unix(1, 0)}}
			if tt.name == "absent" {
				v.T = placeos.EpochTime{}
			}
			if err := json.Unmarshal([]byte(tt.json), &v); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.json, err)
			}
			if !v.T.Equal(tt.want) {
				t.Errorf("Unmarshal(%s) = %v, want %v", tt.json, v.T.Time, tt.want)
			}
			if !tt.want.IsZero() && v.T.Location() != time.UTC {
				t.Errorf("location = %v, want UTC", v.T.Location())
			}
			if p := v.T.Ptr(); (p == nil) != tt.want.IsZero() || (p != nil && !p.Equal(tt.want)) {
				t.Errorf("Ptr() = %v", p)
			}
		})
	}
}

func TestEpochTimeRejects(t *testing.T) {
	for _, in := range []string{`{"t":"yesterday"}`, `{"t":true}`, `{"t":[1]}`, `{"t":"2026-01-01"}`} {
		var v struct {
			T placeos.EpochTime `json:"t"`
		}
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", in, v.T)
		}
	}
}

func TestAPIKeyIDMustBePrintable(t *testing.T) {
	ids := map[string]string{"escape sequence": "3f9a\x1b[2J0c1e", "newline": "3f9a\n0c1e", "space": "3f9a 0c1e", "non-ASCII": "3f9a\u00e90c1e"}
	for name, id := range ids {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusOK, map[string]any{"id": id, "name": "k", "user_id": "user-1", "permissions": "user"})
			}))
			defer srv.Close()
			k, err := newClient(t, srv.URL).GetAPIKey(context.Background(), "3f9a0c1e")
			if err == nil {
				t.Fatalf("GetAPIKey = %+v; want an error for the id %q", k, id)
			}
			if msg := err.Error(); !strings.Contains(msg, "PlaceOS never puts in an id") || strings.Contains(msg, id) {
				t.Errorf("error = %q; want it to refuse the id without quoting it", msg)
			}
		})
	}
	// A key id as PlaceOS makes them still decodes.
	var k placeos.APIKey
	if err := json.Unmarshal([]byte(`{"id":"3f9a0c1e4b6d8f00112233445566778a","name":"k","scopes":["public"]}`), &k); err != nil || k.ID != "3f9a0c1e4b6d8f00112233445566778a" || k.Scopes[0] != "public" {
		t.Errorf("decoding a valid key = %+v, %v", k, err)
	}
}
