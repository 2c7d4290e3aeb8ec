"""Serving the shop to other people: `kshop serve ssh` (asyncssh, one pty subprocess per
connection) and `kshop serve web` (textual-serve), sharing one backend and the same
public-demo limits (`SessionGate`)."""
