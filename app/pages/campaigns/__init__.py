"""Campaigns: set up, send and measure."""
