"""`KshopClient`'s calls, one mixin per area of docs/api.md; `api.client` composes them."""
