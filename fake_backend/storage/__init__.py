"""SQL lives here and nowhere else; services call these modules' functions."""
