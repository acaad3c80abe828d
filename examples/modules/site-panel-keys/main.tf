# One domain lookup per site, by host name.
data "placeos_domain" "site" {
  for_each = toset(var.sites)
  domain   = each.value
}

# The panel user of each site, found by email within that site's domain.
data "placeos_user" "panel" {
  for_each     = data.placeos_domain.site
  email        = "${var.panel_user}@${each.value.email_domains[0]}"
  authority_id = each.value.id
}

locals {
  # "site/panel" => {site, panel}: stable keys, so removing a panel destroys exactly its keys.
  panel_keys = {
    for pair in setproduct(var.sites, var.panels) :
    "${pair[0]}/${pair[1]}" => { site = pair[0], panel = pair[1] }
  }
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
