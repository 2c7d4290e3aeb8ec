"""The catalogue: browsing and searching products (the App's first screen) and the
product page."""
