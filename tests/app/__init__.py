"""Tests of the troubleshooter app, driven with Textual's Pilot."""
