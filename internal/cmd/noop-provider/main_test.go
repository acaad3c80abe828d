package main

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestFillUnknown(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"id": tftypes.String, "name": tftypes.String, "x_api_key": tftypes.String, "created_at": tftypes.String,
		"expires_at": tftypes.String, "description": tftypes.String, "scopes": tftypes.Set{ElementType: tftypes.String},
	}}
	unknown := func(t tftypes.Type) tftypes.Value { return tftypes.NewValue(t, tftypes.UnknownValue) }
	plan := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id": unknown(tftypes.String), "name": tftypes.NewValue(tftypes.String, "kept"), "x_api_key": unknown(tftypes.String),
		"created_at": unknown(tftypes.String), "expires_at": unknown(tftypes.String),
		"description": tftypes.NewValue(tftypes.String, ""), "scopes": unknown(tftypes.Set{ElementType: tftypes.String}),
	})
	got, err := fillUnknown(plan, true)
	if err != nil {
		t.Fatal(err)
	}
	if !got.IsFullyKnown() {
		t.Fatalf("unknown values left: %s", got)
	}
	var attrs map[string]tftypes.Value
	if err := got.As(&attrs); err != nil {
		t.Fatal(err)
	}
	str := func(name string) string {
		var s string
		_ = attrs[name].As(&s)
		return s
	}
	id := str("id")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("id = %q, want 32 hex characters", id)
	}
	if k := str("x_api_key"); !regexp.MustCompile(`^` + id + `\.[0-9a-f]+$`).MatchString(k) {
		t.Errorf("x_api_key = %q, want <id>.<secret>", k)
	}
	if str("name") != "kept" || !attrs["expires_at"].IsNull() || !attrs["scopes"].IsNull() || str("created_at") == "" {
		t.Errorf("unexpected values: %s", got)
	}
}
