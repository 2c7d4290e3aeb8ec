"""The cart and the checkout: the lines to buy, then where they go, the coupon, how to
pay, the invoice and a remark, and placing the order (paid through the route "pay")."""
