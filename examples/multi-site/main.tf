# One API key per room panel at every site, with the site-panel-keys module
# (examples/modules/site-panel-keys). The credentials must be admin-level:
# an admin key may create keys for users of any domain.
terraform {
  required_version = ">= 1.6"
  required_providers {
    placeos = {
      source = "placeos/placeos"
    }
  }
}

provider "placeos" {
  url = "https://hq.placeos.example.com"
}

module "panel_keys" {
  source = "../modules/site-panel-keys"

  sites = {
    # Derived panel user: panel@<the domain's first email domain>.
    "hq.placeos.example.com" = {
      panels = ["lobby", "boardroom", "kiosk"]
    }
    # A site with only a reception, whose panels act as a user named explicitly.
    "branch.placeos.example.com" = {
      panels           = ["reception"]
      panel_user_email = "frontdesk@branch.example.com"
    }
  }
}

output "panel_key_ids" {
  value = module.panel_keys.key_ids
}

output "panel_keys" {
  value     = module.panel_keys.keys
  sensitive = true
}
