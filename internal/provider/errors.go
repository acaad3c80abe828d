package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

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
		return err.Error() + "\n\n" + connectionHint(err)
	}
	switch {
	case apiErr.Path == placeos.OAuthTokenPath && (apiErr.StatusCode == 400 || apiErr.StatusCode == 401):
		return fmt.Sprintf("PlaceOS refused the password login (%d). Check `username` and `password` (a local-password "+
			"user of the domain in `url`), and `client_id` and `client_secret` (an OAuth application of that domain; leave "+
			"`client_secret` unset for a public application).\n\n%s", apiErr.StatusCode, apiErr.Error())
	case apiErr.StatusCode == 401 && strings.Contains(apiErr.Message, "authority not found"):
		return "PlaceOS does not serve a domain at the host name in `url` (401 authority not found). `url` must be the " +
			"domain's own host name, as set in Backoffice > Domains, not an IP address, a load balancer or an internal " +
			"service name.\n\n" + apiErr.Error()
	case apiErr.StatusCode == 401:
		return "PlaceOS refused the provider's credentials (401). Check `api_key`, `access_token` or the password " +
			"login; an API key may have expired or been deleted.\n\n" + apiErr.Error()
	case apiErr.StatusCode == 403:
		return "PlaceOS refused the request (403 Forbidden). " + need + "\n\n" + apiErr.Error()
	case apiErr.StatusCode >= 200 && apiErr.StatusCode <= 299:
		// A success whose body could not be read: something else answers at `url`.
		return apiErr.Error() + "\n\n`url` must point at the PlaceOS domain itself (its API is under /api/engine/v2), not " +
			"at a web page, a login portal or a proxy that answers for it."
	case apiErr.StatusCode == 429 || (apiErr.StatusCode >= 500 && apiErr.StatusCode != 501): // the retried ones
		return apiErr.Error() + "\n\nPlaceOS, or a proxy in front of it, kept failing after every retry. Try again " +
			"later, or raise `max_retries` (default 4)."
	}
	return apiErr.Error()
}

// connectionHint says what to do about a request that got no answer at all.
func connectionHint(err error) string {
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var netErr net.Error
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuthority), errors.As(err, &hostnameErr), errors.As(err, &invalidCert):
		return "The server's TLS certificate is not trusted. Set `ca_cert` to the PEM of the certificate authority that " +
			"signed it (e.g. ca_cert = file(\"ca.pem\")), or, for a test server only, `insecure = true`."
	case errors.Is(err, context.Canceled):
		return "The request was cancelled before PlaceOS answered (Terraform was interrupted)."
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "PlaceOS sent no answer within `request_timeout` (default 30s). Check that `url` is reachable from this " +
			"machine, or raise `request_timeout`."
	}
	return "Check that `url` is reachable from this machine; the provider retries connection errors `max_retries` " +
		"times (default 4)."
}

// lookup is the outcome of a data source's search for exactly one object.
type lookup[T any] struct {
	noun     string // lower case, singular: "domain"
	by       string // what the search was by, for messages: `id "x"`
	found    []T
	err      error
	need     string // the permissions the search needs (describe)
	notFound string // the detail when nothing matched
	advice   string // the last sentence when several matched
	label    func(T) string
}

// singleMatch is the one object l found. Otherwise it adds l's error to diags: the search
// failed, found nothing, or found several (each named by label).
func singleMatch[T any](diags *diag.Diagnostics, l lookup[T]) (T, bool) {
	var zero T
	title := strings.ToUpper(l.noun[:1]) + l.noun[1:]
	if l.err != nil {
		diags.AddError("Error Reading "+title, fmt.Sprintf("Could not look up the %s by %s.\n\n%s", l.noun, l.by, describe(l.err, l.need)))
		return zero, false
	}
	switch len(l.found) {
	case 1:
		return l.found[0], true
	case 0:
		diags.AddError(title+" Not Found", l.notFound)
	default:
		labels := make([]string, len(l.found))
		for i, f := range l.found {
			labels[i] = l.label(f)
		}
		diags.AddError("Several "+title+"s Match",
			fmt.Sprintf("%d %ss match %s: %s. %s", len(l.found), l.noun, l.by, strings.Join(labels, ", "), l.advice))
	}
	return zero, false
}
