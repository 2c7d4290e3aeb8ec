"""The shop layer: the session (who is logged in, the one way to call the API) and the flows
(the rules of checkout, payment, search, after-sales …). It knows no Textual."""
