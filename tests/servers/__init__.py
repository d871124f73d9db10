"""Real and Python servers the tests start on loopback."""
