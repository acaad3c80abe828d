variable "sites" {
  description = "Host names of the PlaceOS domains (sites) that get panel keys, e.g. [\"hq.placeos.example.com\"]."
  type        = list(string)
}

variable "panels" {
  description = "Panel names; every site gets one key per panel, named name_prefix + panel name."
  type        = list(string)
}

variable "panel_user" {
  description = "Local part of the panel user's email. At each site the user is <panel_user>@<the site's first email domain>."
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
