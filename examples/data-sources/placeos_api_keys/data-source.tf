data "placeos_domain" "this" {}

# Every key of this domain whose name starts with "panel-" (metadata only,
# never a secret).
data "placeos_api_keys" "panels" {
  authority_id = data.placeos_domain.this.id
  name_regex   = "^panel-"
}

locals {
  # Keys without an expiry have expires_at = null.
  expiring_within_30_days = [
    for k in data.placeos_api_keys.panels.api_keys : k.name
    if timecmp(coalesce(k.expires_at, "9999-12-31T00:00:00Z"), timeadd(plantimestamp(), "720h")) < 0
  ]
}

output "panel_keys_expiring_within_30_days" {
  value = local.expiring_within_30_days
}

# Every key of the domain: which ones carry admin permissions?
data "placeos_api_keys" "all" {
  authority_id = data.placeos_domain.this.id
}

output "admin_level_keys" {
  value = [
    for k in data.placeos_api_keys.all.api_keys : "${k.name} (${k.id})"
    if contains(["admin", "admin_support"], k.permissions)
  ]
}
