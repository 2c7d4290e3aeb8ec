"""The orders area: the list, one order's screen and its dialogs, parcel tracking, the
receipt and the spending insights."""
