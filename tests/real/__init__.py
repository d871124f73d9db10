"""Real server binaries probed through `mtls-doctor check --json`."""
