package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// keyUser resolves the user a new key acts as and checks the domain: PlaceOS answers an unknown
// user with a bare 500, and silently takes the domain from the user.
func (b *base) keyUser(ctx context.Context, userID, authorityID types.String, diags *diag.Diagnostics) *placeos.User {
	if !known(userID) {
		u, err := b.client.CurrentUser(ctx)
		if err != nil {
			diags.AddError("Error Reading the Provider's User",
				"`user_id` is not set, so the key would act as the user the provider authenticates as, but that user "+
					"could not be read.\n\n"+describe(err, needUsers))
			return nil
		}
		return b.checkAuthority(ctx, u, authorityID, diags)
	}
	u, err := b.client.GetUser(ctx, userID.ValueString())
	switch {
	case placeos.IsNotFound(err):
		diags.AddAttributeError(path.Root("user_id"), "Unknown User",
			fmt.Sprintf("PlaceOS has no user %q. Give the id of an existing user (`user-...`), for example from the "+
				"`placeos_user` data source, or leave `user_id` unset for the provider's own user.", userID.ValueString()))
		return nil
	case err != nil:
		diags.AddAttributeError(path.Root("user_id"), "Error Reading User",
			fmt.Sprintf("Could not check the user %q before creating the key.\n\n%s", userID.ValueString(), describe(err, needUsers)))
		return nil
	}
	return b.checkAuthority(ctx, u, authorityID, diags)
}

func (b *base) checkAuthority(ctx context.Context, u *placeos.User, authorityID types.String, diags *diag.Diagnostics) *placeos.User {
	want := authorityID.ValueString()
	if !known(authorityID) || want == u.AuthorityID {
		return u
	}
	wantLabel := b.domainLabel(ctx, want) // one lookup, named twice in the message
	diags.AddAttributeError(path.Root("authority_id"), "User Belongs to Another Domain",
		fmt.Sprintf("`authority_id` is %s, but the user %s belongs to %s, and PlaceOS puts a key in its user's domain. "+
			"Choose a user of %s, or set `authority_id` to the user's domain (or leave it unset).",
			wantLabel, u.ID, b.domainLabel(ctx, u.AuthorityID), wantLabel))
	return nil
}

// domainLabel names a domain for a message: "Name (host, id)", or the id alone if unreadable.
func (b *base) domainLabel(ctx context.Context, id string) string {
	d, err := b.client.GetDomain(ctx, id)
	if err != nil {
		return fmt.Sprintf("the domain %s", id)
	}
	return fmt.Sprintf("the domain %q (%s, %s)", d.Name, d.Domain, d.ID)
}
