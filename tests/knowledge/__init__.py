"""Tests of the knowledge layer."""
