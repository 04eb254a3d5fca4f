"""The packet lab."""
