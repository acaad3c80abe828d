output "keys" {
  description = "X-API-Key of every panel: a map of site => panel => key."
  sensitive   = true
  value = {
    for site, cfg in var.sites : site => {
      for panel in cfg.panels : panel => placeos_api_key.panel["${site}/${panel}"].x_api_key
    }
  }
}

output "key_ids" {
  description = "Key id of every panel: a map of site => panel => id."
  value = {
    for site, cfg in var.sites : site => {
      for panel in cfg.panels : panel => placeos_api_key.panel["${site}/${panel}"].id
    }
  }
}

output "panel_user_ids" {
  description = "The user each site's keys act as: a map of site => user id."
  value       = { for site, user in data.placeos_user.panel : site => user.id }
}
