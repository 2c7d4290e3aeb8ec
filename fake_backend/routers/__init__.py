"""HTTP only: parse, call a service, shape the answer. One module per area; each has
`router` and, when it has simulator endpoints, `dev_router` (mounted at /_dev)."""
