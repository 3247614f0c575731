"""Accounts: moderators and admins."""
