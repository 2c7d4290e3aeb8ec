"""Rules, money and state machines. No HTTP here: every function takes a `Ctx`."""
