"""Paying an order: the method picker, the payment password, the QR code, the result,
and the flow that runs them (route "pay")."""
