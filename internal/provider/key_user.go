package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// keyOwner is the user a new key acts as, and the domain PlaceOS will put the key in.
type keyOwner struct {
	ID          string
	AuthorityID string // "" when unchecked
	// unchecked: the credentials may not read users (403: no `users` or `public` scope, as with
	// a least-privilege key that has only `api_keys`). The user's existence and domain are then
	// checked by the create itself: see createFailed and checkCreated.
	unchecked bool
}

// keyUser resolves the user a new key acts as and checks the domain: PlaceOS answers an unknown
// user with a bare 500, and silently takes the domain from the user. Reading a user needs the
// `users` scope; credentials without it still create keys for an explicit `user_id`.
func (b *base) keyUser(ctx context.Context, userID, authorityID types.String, diags *diag.Diagnostics) *keyOwner {
	if !known(userID) {
		// /users/current needs no users scope.
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
	case placeos.IsForbidden(err):
		return &keyOwner{ID: userID.ValueString(), unchecked: true}
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

func (b *base) checkAuthority(ctx context.Context, u *placeos.User, authorityID types.String, diags *diag.Diagnostics) *keyOwner {
	want := authorityID.ValueString()
	if !known(authorityID) || want == u.AuthorityID {
		return &keyOwner{ID: u.ID, AuthorityID: u.AuthorityID}
	}
	diags.AddAttributeError(path.Root("authority_id"), "User Belongs to Another Domain", b.otherDomainDetail(ctx, u.ID, want, u.AuthorityID))
	return nil
}

func (b *base) otherDomainDetail(ctx context.Context, userID, want, got string) string {
	wantLabel := b.domainLabel(ctx, want) // one lookup, named twice in the message
	return fmt.Sprintf("`authority_id` is %s, but the user %s belongs to %s, and PlaceOS puts a key in its user's domain. "+
		"Choose a user of %s, or set `authority_id` to the user's domain (or leave it unset).",
		wantLabel, userID, b.domainLabel(ctx, got), wantLabel)
}

// createFailed reports a failed create. For an unchecked user PlaceOS's bare 500 is what an
// unknown user gets, so the error names `user_id` instead of passing the 500 on.
func (b *base) createFailed(err error, owner *keyOwner, name, summary string, diags *diag.Diagnostics) {
	var apiErr *placeos.APIError
	if owner.unchecked && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusInternalServerError {
		diags.AddAttributeError(path.Root("user_id"), "Unknown User",
			fmt.Sprintf("PlaceOS could not create the API key %q: it answers 500 when the key's user does not exist. "+
				"The provider's credentials may not read users (403: they lack the `users` or `public` scope), so the "+
				"user %q could not be checked beforehand. Check that `user_id` is the id of an existing user "+
				"(`user-...`), or give the credentials the `users.read` scope for a clearer check.\n\n%s",
				name, owner.ID, apiErr.Error()))
		return
	}
	diags.AddError(summary, fmt.Sprintf("Could not create the API key %q.\n\n%s", name, describe(err, needAPIKeys)))
}

// checkCreated checks, for an unchecked user, the domain PlaceOS put the new key in. A key in
// another domain than `authority_id` is deleted again, and the create fails.
func (b *base) checkCreated(ctx context.Context, owner *keyOwner, key *placeos.APIKey, authorityID types.String, diags *diag.Diagnostics) bool {
	if !owner.unchecked || !known(authorityID) || key.AuthorityID == authorityID.ValueString() {
		return true
	}
	detail := b.otherDomainDetail(ctx, owner.ID, authorityID.ValueString(), key.AuthorityID)
	if err := b.client.DeleteAPIKey(ctx, key.ID); err != nil {
		detail += fmt.Sprintf("\n\nThe provider's credentials could not read the user beforehand, so PlaceOS made the key %s, "+
			"which could not be deleted again: delete it in Backoffice (Admin > API Keys).\n\n%s", key.ID, describe(err, needAPIKeys))
	} else {
		detail += fmt.Sprintf("\n\nThe provider's credentials could not read the user beforehand, so PlaceOS made the key %s; "+
			"it has been deleted again.", key.ID)
	}
	diags.AddAttributeError(path.Root("authority_id"), "User Belongs to Another Domain", detail)
	return false
}

// domainLabel names a domain for a message: "Name (host, id)", or the id alone if unreadable.
func (b *base) domainLabel(ctx context.Context, id string) string {
	d, err := b.client.GetDomain(ctx, id)
	if err != nil {
		return fmt.Sprintf("the domain %s", id)
	}
	return fmt.Sprintf("the domain %q (%s, %s)", d.Name, d.Domain, d.ID)
}
