package placeostest

import (
	"net/http"
	"slices"
	"strings"
)

// domainsAuth is check_support plus the domains read scope.
func (s *Server) domainsAuth(rq *request) *response {
	c, errResp := s.authenticate(rq.Request)
	if errResp != nil {
		return errResp
	}
	if !c.perm.isSupport() || !c.can("domains", accessRead) {
		return ptr(forbidden())
	}
	return nil
}

func (s *Server) domainsIndex(rq *request) response {
	if errResp := s.domainsAuth(rq); errResp != nil {
		return *errResp
	}
	search := rq.URL.Query().Get("q")
	var rows []*domainJSON
	for _, d := range sortedDomains(s.st) {
		if matchQ(search, d.Name, d.DomainName, d.Description, d.ID) {
			rows = append(rows, renderDomain(d))
		}
	}
	page, hdr, errResp := paginate(rq.Request, "authority", rows)
	if errResp != nil {
		return *errResp
	}
	resp := jsonResponse(http.StatusOK, nonNil(page))
	resp.header = hdr
	return resp
}

func (s *Server) domainsShow(rq *request) response {
	if errResp := s.domainsAuth(rq); errResp != nil {
		return *errResp
	}
	id := rq.PathValue("id")
	d := s.st.domains[id]
	if d == nil {
		return keyNotFound(id)
	}
	return jsonResponse(http.StatusOK, renderDomain(d))
}

// domainsLookup needs no authentication: it maps an email's domain part (the
// lower-cased text after the FIRST "@") to a domain host name, returned as a
// bare JSON string. email_domains entries compare exactly.
func (s *Server) domainsLookup(rq *request) response {
	email := rq.PathValue("email")
	if _, part, ok := strings.Cut(email, "@"); ok {
		part = strings.ToLower(part)
		for _, d := range sortedDomains(s.st) {
			if slices.Contains(d.EmailDomains, part) {
				return jsonResponse(http.StatusOK, d.DomainName)
			}
		}
	}
	return errorResponse(http.StatusNotFound, "No matching domain found")
}

// scopesIndex lists the resource names the server knows; any caller may ask.
func (s *Server) scopesIndex(rq *request) response {
	if _, errResp := s.authenticate(rq.Request); errResp != nil {
		return *errResp
	}
	return jsonResponse(http.StatusOK, knownScopes)
}

var knownScopes = []string{
	"alert_dashboards", "alerts", "api_keys", "asset_categories", "asset_instances",
	"asset_purchase_orders", "asset_types", "assets", "brokers", "build_monitor", "chat_gpt",
	"cluster", "domains", "drivers", "edges", "ldap_authentications", "metadata", "modules",
	"o_auth_applications", "o_auth_authentications", "repositories", "saml_authentications",
	"settings", "systems", "users", "zones",
}
