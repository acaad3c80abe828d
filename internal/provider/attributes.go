package provider

// Helpers for attribute values, shared by the resource, the ephemeral resource and the data
// sources: whether a value is set, typed attributes of an object, string sets and lists to
// and from Go, and the names made from `name_prefix`.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// attrOf is a[name] as a T. A missing attribute, or one of another type, is an error that
// names it, never a silent zero value.
func attrOf[T attr.Value](a map[string]attr.Value, name string, diags *diag.Diagnostics) T {
	v, ok := a[name].(T)
	if !ok {
		diags.AddAttributeError(path.Root(name), "Unexpected Attribute Type",
			fmt.Sprintf("The provider expected `%s` to be a %T and got %T. This is a bug in the provider; please report it.",
				name, v, a[name]))
	}
	return v
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
