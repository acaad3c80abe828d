package provider

import (
	"errors"
	"strings"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// What each kind of call needs from the credentials, said when PlaceOS answers 403.
const (
	needAPIKeys = "Managing API keys needs credentials with admin permissions (an API key whose permissions are " +
		"`admin` or `admin_support`, or a token of a sys_admin user) and the `public` or `api_keys` scope " +
		"(`api_keys.read` to read, `api_keys.write` to change)."
	needDomains = "Reading domains needs credentials with support or admin permissions and the `public` or " +
		"`domains` (or `domains.read`) scope."
	needUsers = "Reading users needs the `public` or `users` scope; users of other domains need admin permissions."
)

// describe turns a client error into the detail of a diagnostic: what PlaceOS said, and what to
// do about it. It never contains a secret: neither the client's errors nor PlaceOS's messages
// hold one.
func describe(err error, need string) string {
	var apiErr *placeos.APIError
	if !errors.As(err, &apiErr) {
		return err.Error() + "\n\nCheck that `url` is reachable from this machine; the provider already retried."
	}
	switch {
	case apiErr.StatusCode == 401 && strings.Contains(apiErr.Message, "authority not found"):
		return "PlaceOS does not serve a domain at the host name in `url` (401 authority not found). `url` must be the " +
			"domain's own host name, as set in Backoffice > Domains, not an IP address, a load balancer or an internal " +
			"service name.\n\n" + apiErr.Error()
	case apiErr.StatusCode == 401:
		return "PlaceOS refused the provider's credentials (401). Check `api_key`, `access_token` or the password " +
			"login; an API key may have expired or been deleted.\n\n" + apiErr.Error()
	case apiErr.StatusCode == 403:
		return "PlaceOS refused the request (403 Forbidden). " + need + "\n\n" + apiErr.Error()
	}
	return apiErr.Error()
}
