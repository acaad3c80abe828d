variable "sites" {
  description = <<-EOT
    Every site that gets panel keys, by the host name of its PlaceOS domain (e.g.
    "hq.placeos.example.com"), with its own panels. Each site's keys act as its panel user:
    panel_user_email when given, else <panel_user>@<the site's first email domain>.
  EOT
  type = map(object({
    panels           = set(string)
    panel_user_email = optional(string)
  }))

  validation {
    condition     = alltrue([for site in values(var.sites) : length(site.panels) > 0])
    error_message = "Every site in sites needs at least one panel in panels; leave out a site that has none."
  }
  validation {
    condition     = alltrue(flatten([for site in values(var.sites) : [for panel in site.panels : trimspace(panel) != ""]]))
    error_message = "A panel name in sites[*].panels is empty; give every panel a name."
  }
}

variable "panel_user" {
  description = "Local part of the panel user's email at sites without panel_user_email: <panel_user>@<the site's first email domain>."
  type        = string
  default     = "panel"
}

variable "name_prefix" {
  description = "Prefix of every key name (names are unique per domain)."
  type        = string
  default     = "panel-"
}

variable "scopes" {
  description = "Scopes of the panel keys."
  type        = set(string)
  default     = ["systems.read", "modules"]
}
