# One domain lookup per site, by host name.
data "placeos_domain" "site" {
  for_each = var.sites
  domain   = each.key
}

# The panel user of each site, found by email within that site's domain: the email given for
# the site, else <panel_user>@<the site's first email domain>.
data "placeos_user" "panel" {
  for_each = var.sites
  email = (each.value.panel_user_email != null
    ? each.value.panel_user_email
    : "${var.panel_user}@${data.placeos_domain.site[each.key].email_domains[0]}"
  )
  authority_id = data.placeos_domain.site[each.key].id
}

locals {
  # "site/panel" => {site, panel}: stable keys, so removing a panel destroys exactly its key.
  panel_keys = merge([
    for site, cfg in var.sites : {
      for panel in cfg.panels : "${site}/${panel}" => { site = site, panel = panel }
    }
  ]...)
}

resource "placeos_api_key" "panel" {
  for_each     = local.panel_keys
  name         = "${var.name_prefix}${each.value.panel}"
  description  = "Room panel ${each.value.panel} at ${each.value.site}, managed by Terraform"
  user_id      = data.placeos_user.panel[each.value.site].id
  authority_id = data.placeos_domain.site[each.value.site].id
  scopes       = var.scopes
  permissions  = "user"
}
