"""Customer support (客服): the user's threads, a new thread (optionally about an order),
and a chat per thread where the merchant's and the platform's replies appear live."""
