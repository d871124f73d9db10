"""The guided checks: answers, probes, certificate files and the built-in lab."""
