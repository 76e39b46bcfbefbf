"""ClientPulse: front desk and analytics for appointment businesses."""
