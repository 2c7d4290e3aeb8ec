"""Small reusable pieces; each keeps its short CSS in DEFAULT_CSS with theme variables."""
