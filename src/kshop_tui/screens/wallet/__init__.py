"""The wallet: balance and history, top-up, bank cards, pay-later bills, coupons."""
