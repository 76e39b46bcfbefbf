"""Payments against a local fake Daraja server (tests/payments/fake_daraja.py, the ``daraja`` fixture of
tests/conftest.py); nothing needs the internet."""
