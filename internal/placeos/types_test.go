package placeos_test

import (
	"encoding/json"
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
