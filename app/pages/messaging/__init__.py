"""Pages of messaging: the messages sent to customers and their texts."""
