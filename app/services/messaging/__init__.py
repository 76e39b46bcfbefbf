"""Messaging: the outbox of e-mails and SMS to customers, their templates, calendar files and the signed links that
let a customer act without a password."""
