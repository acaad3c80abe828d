output "keys" {
  description = "X-API-Key of every panel: a map of site => panel => key."
  sensitive   = true
  value = {
    for site in var.sites : site => {
      for panel in var.panels : panel => placeos_api_key.panel["${site}/${panel}"].x_api_key
    }
  }
}

output "key_ids" {
  description = "Key id of every panel: a map of site => panel => id."
  value = {
    for site in var.sites : site => {
      for panel in var.panels : panel => placeos_api_key.panel["${site}/${panel}"].id
    }
  }
}
