# Scheduled rotation: each key lives 90 days, and any plan made in its last 14
# days replaces it. name_prefix gives every key a unique name, so that with
# create_before_destroy the new key exists before the old one is deleted.
resource "placeos_api_key" "signage" {
  name_prefix   = "signage-"
  description   = "Digital signage player, rotated every 90 days"
  scopes        = ["systems.read"]
  ttl           = "2160h" # 90 days
  rotate_before = "336h"  # 14 days: run `terraform apply` at least every 14 days

  lifecycle {
    create_before_destroy = true
  }
}
