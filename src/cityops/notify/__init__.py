"""Notifications (通知): in-app messages to staff about the cases that concern them."""
