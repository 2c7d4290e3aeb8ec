"""The shop's flows, each a set of rules with no Textual: what a screen shows and asks is
the screen's, what is allowed, what comes next and what is sent is the flow's."""
