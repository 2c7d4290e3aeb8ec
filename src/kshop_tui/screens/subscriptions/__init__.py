"""The subscriptions area (周期购): subscribing from a product page, and the list of
subscriptions with their periods and moves."""
