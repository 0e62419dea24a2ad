"""Notifications (通知): generic delivery — the in-app inbox, and the outbox of SMS, e-mail and webhooks with its
templates and channels. Given recipients and a message; it knows no domain (who hears of what is the sending
app's rule, e.g. `cityops.cases.notices`)."""
