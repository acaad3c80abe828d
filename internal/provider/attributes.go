package provider

// Helpers for attribute values, shared by the resource, the ephemeral resource and the data
// sources: whether a value is set, string sets and lists to and from Go, reading single
// attributes, and the names made from `name_prefix`.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// getStrings reads string attributes one by one. ValidateConfig, ModifyPlan and Delete run for
// every key of a configuration and need a few attributes each: reading the whole model costs
// about three times as much (terraform-plugin-framework v1.19 compiles a regular expression
// per struct field on every Get), which `make bench` showed at hundreds of keys.
func getStrings(ctx context.Context, src interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, diags *diag.Diagnostics, attrs map[string]*types.String) {
	for name, target := range attrs {
		diags.Append(src.GetAttribute(ctx, path.Root(name), target)...)
	}
}

// known: set and known at plan time.
func known(v types.String) bool { return !v.IsNull() && !v.IsUnknown() }

// uniqueName appends a UTC timestamp and random hex to a prefix: sortable, and unique even for
// keys created in the same second.
func uniqueName(prefix string, now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + now.UTC().Format("20060102150405") + hex.EncodeToString(b)
}

// stringsOf reads a set or list of strings; null and unknown give nil.
func stringsOf(ctx context.Context, v interface {
	IsNull() bool
	IsUnknown() bool
	ElementsAs(context.Context, any, bool) diag.Diagnostics
}, diags *diag.Diagnostics) []string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out
}

// stringList turns a list from PlaceOS into a Terraform list; absent is an empty list, not
// null, so that expressions such as `email_domains[0]` and `length()` need no null check.
func stringList(ctx context.Context, values []string, diags *diag.Diagnostics) types.List {
	if values == nil {
		values = []string{}
	}
	list, d := types.ListValueFrom(ctx, types.StringType, values)
	diags.Append(d...)
	return list
}
